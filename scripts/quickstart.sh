#!/usr/bin/env bash
# The main job on a fresh machine: install, build in release mode, run TinyTune on Gemma 3 270M.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product tinytune
bin=.build/release/tinytune

# Training arrives with issues #5-#8; until then this runs the most complete path that works:
# check the quickstart config (and that the model file is there), list the plugins, measure the BLAS wrapper.
"$bin" validate Examples/quickstart.json --check-files
"$bin" plugins
"$bin" bench matmul
