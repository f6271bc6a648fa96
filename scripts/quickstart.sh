#!/usr/bin/env bash
# The main job on a fresh machine: install, build in release mode, run TinyTune on Gemma 3 270M.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# The same flags as scripts/test.sh, so the two commands share one build.
swift build -c release -Xswiftc -enable-testing --product tinytune
bin=.build/release/tinytune

# Check the quickstart config and the model file, plan the adapter (13 parameters), then train it: 60 GRPO steps of
# 4 prompts × 8 completions (lr 0.01) on 2-shot "which is larger" problems (the base model often copies the last
# example's answer: the weakness the quickstart trains away). Held-out accuracy on 200 problems is printed before and
# after; the adapter goes to runs/quickstart/adapter, the per-step metrics to runs/quickstart/metrics.jsonl and the
# curves to runs/quickstart/metrics.svg. About 9 minutes on 2 cores; measured: 0.445 → 0.700 (README, docs/RESULTS.md).
"$bin" validate Examples/quickstart.json --check-files
"$bin" plan Examples/quickstart.json
"$bin" train Examples/quickstart.json --output runs/quickstart
prompt=$'Question: Which is larger, 12 or 47?\nAnswer: 47\n\nQuestion: Which is larger, 81 or 36?\nAnswer: 81\n\nQuestion: Which is larger, 58 or 63?\nAnswer:'
echo "trained adapter, greedy:"
"$bin" generate --model models/gemma-3-270m-q4_k_m.gguf --adapter runs/quickstart/adapter --prompt "$prompt" \
    --max-tokens 8 --stop $'\n'
echo
