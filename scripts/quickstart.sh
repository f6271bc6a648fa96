#!/usr/bin/env bash
# The main job on a fresh machine: install, build in release mode, run TinyTune on Gemma 3 270M.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# The same flags as scripts/test.sh, so the two commands share one build.
swift build -c release -Xswiftc -enable-testing --product tinytune
bin=.build/release/tinytune

# Training from the command line (`tinytune train`) arrives with issues #7-#8; until then this runs the most
# complete path that works on the real model: check the quickstart config and the model file, plan the adapter
# (13 parameters), let the base model answer a 2-shot "which is larger" problem (it often copies the last example's
# answer: the weakness the quickstart trains away), and measure generation and matrix-product speed.
"$bin" validate Examples/quickstart.json --check-files
"$bin" plan Examples/quickstart.json
prompt=$'Question: Which is larger, 12 or 47?\nAnswer: 47\n\nQuestion: Which is larger, 81 or 36?\nAnswer: 81\n\nQuestion: Which is larger, 58 or 63?\nAnswer:'
echo "base model, greedy:"
"$bin" generate --model models/gemma-3-270m-q4_k_m.gguf --prompt "$prompt" --max-tokens 8 --stop $'\n'
echo
"$bin" bench generate --model models/gemma-3-270m-q4_k_m.gguf
"$bin" bench matmul
