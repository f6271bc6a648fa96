#!/usr/bin/env bash
# Every benchmark of docs/BENCHMARKS.md, ours and the references back to back on the same inputs and 2 threads,
# ROUNDS times; one JSON object per run (with `uptime`'s load average) goes to OUT.
#
#   bash scripts/bench/run_all.sh [generate|train|all] [ROUNDS]    # OUT=/tmp/tinytune-bench.jsonl
# Needs: a release build (swift build -c release), models/gemma-3-270m-q4_k_m.gguf, the random Qwen2.5-0.5B folder
# (make_qwen25_05b_random.py) and its GGUF (make_qwen25_05b_gguf.py), the reference venv /root/.venvs/ref and,
# for llama.cpp, ~/.venvs/llama with llama-cpp-python 0.3.36.
set -euo pipefail
cd "$(dirname "$0")/../.."
what=${1:-all}
rounds=${2:-2}
out=${OUT:-/tmp/tinytune-bench.jsonl}
gemma=models/gemma-3-270m-q4_k_m.gguf
qwen=${QWEN:-$HOME/.cache/tinytune/qwen2.5-0.5b-random}
qwen_gguf=${QWEN_GGUF:-$HOME/.cache/tinytune/qwen2.5-0.5b-random.bf16.gguf}
tinytune=.build/release/tinytune
ref=/root/.venvs/ref/bin/python
llama=$HOME/.venvs/llama/bin/python
export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2
have_llama=false
"$llama" -c "import llama_cpp" 2>/dev/null && have_llama=true

run() {  # label, command...
    local label=$1; shift
    echo "== $label: $*" >&2
    local line
    line=$("$@" --json | tail -n 1)
    echo "{\"label\": \"$label\", \"uptime\": \"$(uptime | sed 's/.*load average: //')\", \"result\": $line}" | tee -a "$out"
}

for round in $(seq "$rounds"); do
    if [[ $what == generate || $what == all ]]; then
        run "tinytune gemma" "$tinytune" bench generate --model "$gemma"
        run "pytorch gemma" "$ref" scripts/bench/torch_generate.py --model "$gemma"
        $have_llama && run "llama.cpp gemma" "$llama" scripts/bench/llamacpp_generate.py --model "$gemma"
        run "tinytune qwen" "$tinytune" bench generate --model "$qwen"
        run "pytorch qwen" "$ref" scripts/bench/torch_generate.py --model "$qwen"
        $have_llama && [[ -f $qwen_gguf ]] && run "llama.cpp qwen" "$llama" scripts/bench/llamacpp_generate.py --model "$qwen_gguf"
    fi
    if [[ $what == train || $what == all ]]; then
        run "tinytune train qwen" "$tinytune" bench train --model "$qwen" --sequences 2 --sequence-length 64 --repeats 1
        run "pytorch+peft train qwen" "$ref" scripts/bench/torch_peft_train.py --model "$qwen" --sequences 2 --sequence-length 64 --repeats 1
    fi
done
