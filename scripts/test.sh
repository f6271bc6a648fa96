#!/usr/bin/env bash
# The whole test suite: unit tests against committed reference fixtures, then the command line end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Release mode: the real-model tests run Gemma 3 270M, which a debug build runs 20-50x slower.
# -enable-testing keeps @testable imports working in an optimized build.
swift build -c release --build-tests -Xswiftc -enable-testing
swift test -c release -Xswiftc -enable-testing --skip-build --parallel 2>&1 | tee .build/test-output.txt
grep -q "Test run with .* passed" .build/test-output.txt

echo "== command line"
bin=.build/release/tinytune
"$bin" plugins --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["adapters"]==["lora","loraxs","tinylora","vera"], d'
for config in Examples/*.json Examples/*.yaml; do
  # A compare config is a pipeline config plus a `compare` section, which `compare --check` checks with every run.
  if grep -q '"compare"' "$config"; then "$bin" compare "$config" --check >/dev/null
  else "$bin" validate "$config" --check-files >/dev/null; fi
done
# A bad config must fail with a message naming the key.
bad=$(mktemp --suffix=.json)
echo '{"model": {"type": "gguf", "path": "m.gguf"}, "adapter": {"type": "tinylora", "u": -7}}' > "$bad"
if "$bin" validate "$bad" 2>"$bad.err"; then echo "invalid config accepted" >&2; exit 1; fi
grep -q "adapter.u: -7 is out of range" "$bad.err"
rm -f "$bad" "$bad.err"
# The custom reward example: a plugin registered from outside TinyTune's sources.
example=.build/release/custom-reward-example
"$example" plugins --json | python3 -c 'import json,sys; assert "keyword" in json.load(sys.stdin)["rewards"]'
"$example" validate Examples/CustomReward/config.json --check-files
# The real model through the command line: inspect, tokenize (ids as transformers gives them), reward.
model=models/gemma-3-270m-q4_k_m.gguf
"$bin" inspect "$model" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["tensors"]) == 236, len(d["tensors"])'
ids=$(printf 'The capital of France is' | "$bin" tokenize --model "$model" --add-special --json)
[ "$ids" = '{"ids": [2, 818, 5279, 529, 7001, 563]}' ] || { echo "unexpected ids: $ids" >&2; exit 1; }
printf '{"completion": "The answer is 73.", "answer": "73"}\n' | "$bin" reward --type math_answer --jsonl | grep -q '"reward":1.0'
echo "command line: all checks passed"
