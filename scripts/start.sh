#!/usr/bin/env bash
# Start the dashboard: install the runtime requirements, then `streamlit run app.py`.
#
#   bash scripts/start.sh                          # http://localhost:8501
#   bash scripts/start.sh --server.port 8600       # extra arguments go to streamlit
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

exec python3 -m streamlit run app.py "$@"
