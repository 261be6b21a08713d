#!/usr/bin/env bash
# The one test command for a fresh machine (README): install what the project needs,
# lint, then run the tests. Idempotent: when everything is installed it only checks.
#
#   bash scripts/test.sh            # extra arguments go to pytest, e.g. -k ingest -x
#
# Exits non-zero when an install, a lint check or a test fails, and when pytest ran no
# test at all (its exit code 5).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

# --- Debian packages: a browser for the end-to-end tests, CJK fonts for charts ----------
APT_PACKAGES=(chromium chromium-driver fonts-noto-cjk postgresql poppler-utils nginx)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  echo "== installing Debian packages: ${missing[*]}"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  if ! { "${sudo[@]}" apt-get update -qq &&
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "apt-get could not install: ${missing[*]}" >&2
    exit 1
  fi
  rm -f "$log"
fi

# --- Python packages ---------------------------------------------------------------------
# Exact versions from the lock file (compiled from requirements-dev.txt; README says how to
# upgrade), so that every machine tests what CI tests.
echo "== pip install -r requirements.lock"
python3 -m pip install -q -r requirements.lock

# --- Lint and tests: run every step, fail at the end if any failed -----------------------
failed=()

echo "== ruff check ."
python3 -m ruff check . || failed+=("ruff check")

echo "== ruff format --check ."
python3 -m ruff format --check . || failed+=("ruff format --check")

echo "== lint-imports (the engine's layers, pyproject.toml)"
lint-imports --no-cache || failed+=("lint-imports")

echo "== mypy (scripts/typecheck.py: no error beyond scripts/typecheck-baseline.txt)"
python3 scripts/typecheck.py || failed+=("typecheck")

# --- A throwaway PostgreSQL on loopback, for the store tests on PostgreSQL ---------------
if [[ -z "${KPI_TEST_DATABASE_URL:-}" ]]; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  pg_dir=$(mktemp -d /tmp/kpi-pg.XXXXXX)
  as_postgres=()
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres "$pg_dir"
    as_postgres=(runuser -u postgres --)
  fi
  pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  echo "== starting PostgreSQL ($pg_bin) in $pg_dir on 127.0.0.1:$pg_port"
  "${as_postgres[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust >"$pg_dir/initdb.log" 2>&1
  "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
    -o "-k $pg_dir -p $pg_port -c listen_addresses=127.0.0.1" start >/dev/null
  trap '"${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1; rm -rf "$pg_dir"' EXIT
  export KPI_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$pg_port/postgres"
fi

echo "== pytest"
status=0
python3 -m pytest "$@" || status=$?
case $status in
  0) ;;
  5) failed+=("pytest (exit 5: no tests were collected)") ;;
  *) failed+=("pytest (exit $status)") ;;
esac

if ((${#failed[@]})); then
  printf 'FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
