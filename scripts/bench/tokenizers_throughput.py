#!/usr/bin/env python3
"""Hugging Face `tokenizers` encoding throughput, measured as `tinytune bench tokenize` measures ours.

The whole file as one text through `Tokenizer.encode` (one thread), and its non-empty lines through `encode_batch`
(Rayon, RAYON_NUM_THREADS threads, default all cores); MB/s of UTF-8 input, best of --repeats; special-token text
parsed (the default), no BOS/EOS (`add_special_tokens=False`). Prints one JSON line with the same fields as
`tinytune bench tokenize --json`.

--model is a tokenizer.json, or a GGUF file that transformers converts (`AutoTokenizer.from_pretrained(folder,
gguf_file=...)`, its backend `tokenizers.Tokenizer`), cached as a tokenizer.json beside --export.

    /root/.venvs/ref/bin/python scripts/bench/tokenizers_throughput.py --make-text /tmp/corpus.txt --megabytes 10
    /root/.venvs/ref/bin/python scripts/bench/tokenizers_throughput.py --model models/gemma-3-270m-q4_k_m.gguf \\
        --export /tmp/gemma3_tokenizer.json --file /tmp/corpus.txt

--make-text writes a text of about N MB: the mixed corpus of scripts/reference/make_tokenizer_fixtures.py (word
problems, code, many languages, emoji, whitespace runs, digits), reshuffled with a fixed seed until it is long enough.
"""
import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def make_text(path, megabytes):
    sys.path.insert(0, str(ROOT / "scripts" / "reference"))
    from make_tokenizer_fixtures import corpus
    texts = corpus()
    rng = random.Random(20261129)
    parts, size = [], 0
    while size < megabytes * 1e6:
        batch = texts[:]
        rng.shuffle(batch)
        for t in batch:
            parts.append(t)
            size += len(t.encode("utf-8")) + 1
    Path(path).write_text("\n".join(parts), encoding="utf-8")
    print(f"{size / 1e6:.1f} MB, {len(parts)} texts -> {path}")


def load(model, export):
    from tokenizers import Tokenizer
    if model.endswith(".json"):
        return Tokenizer.from_file(model)
    if export and Path(export).exists():
        return Tokenizer.from_file(export)
    from transformers import AutoTokenizer
    gguf = Path(model).resolve()
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name).backend_tokenizer
    if export:
        tokenizer.save(export)
    return tokenizer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument("--file")
    parser.add_argument("--export", help="tokenizer.json cache for a GGUF --model")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--make-text")
    parser.add_argument("--megabytes", type=float, default=10)
    args = parser.parse_args()
    if args.make_text:
        make_text(args.make_text, args.megabytes)
        return
    start = time.perf_counter()
    tokenizer = load(args.model, args.export)
    load_seconds = time.perf_counter() - start
    data = Path(args.file).read_bytes()
    text = data.decode("utf-8")
    lines = [line for line in text.split("\n") if line]
    megabytes = len(data) / 1e6

    def best(body):
        seconds, tokens = float("inf"), 0
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            tokens = body()
            seconds = min(seconds, time.perf_counter() - t0)
        return seconds, tokens

    single = best(lambda: len(tokenizer.encode(text, add_special_tokens=False).ids))
    batch = best(lambda: sum(len(e.ids) for e in tokenizer.encode_batch(lines, add_special_tokens=False)))
    print(json.dumps({
        "model": Path(args.model).name, "bytes": len(data), "lines": len(lines), "tokens": single[1],
        "batch_tokens": batch[1], "load_seconds": load_seconds,
        "single_seconds": single[0], "single_mb_s": megabytes / single[0],
        "batch_seconds": batch[0], "batch_mb_s": megabytes / batch[0],
        "threads": int(os.environ.get("RAYON_NUM_THREADS", os.cpu_count())),
    }))


if __name__ == "__main__":
    main()
