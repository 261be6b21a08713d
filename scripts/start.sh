#!/usr/bin/env bash
# Start the dashboard: install the runtime requirements, then `streamlit run app.py`.
#
#   bash scripts/start.sh                          # http://localhost:8501, this machine only
#   KPI_ADDRESS=0.0.0.0 bash scripts/start.sh      # listen on every interface (add users first)
#   bash scripts/start.sh --server.port 8600       # extra arguments go to streamlit
#
# Fails closed: it listens on 127.0.0.1 unless KPI_ADDRESS (or --server.address) says
# otherwise, and Streamlit's upload limit is the app's (KPI_MAX_FILE_MB, default 50).
# The rest of Streamlit's settings (no developer menu, no error details) are in
# .streamlit/config.toml.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

# CJK fonts so that Chinese labels render in charts and exports.
if ! dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'install ok installed'; then
  echo "== installing Debian package fonts-noto-cjk"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends fonts-noto-cjk
fi

python3 -m pip install -q -r requirements.txt

server=()
if [[ " $* " != *" --server.address"* ]]; then
  server+=(--server.address "${KPI_ADDRESS:-127.0.0.1}")
fi
if [[ " $* " != *" --server.maxUploadSize"* ]]; then
  upload_mb=$(python3 -c 'from kpi_engine.core.settings import Limits; print(Limits.from_env().max_file_mb)')
  server+=(--server.maxUploadSize "$upload_mb")
fi

exec python3 -m streamlit run app.py "${server[@]}" "$@"
