#!/usr/bin/env python3
"""Runs llama.cpp's tokenizer test vectors (models/ggml-vocab-NAME.gguf with .inp/.out beside it) through
`tinytune tokenize --jsonl --no-parse-special` and prints how many pass per vocabulary.

The vectors come from the llama-cpp-python 0.3.36 source distribution on PyPI, which vendors llama.cpp's models/
folder; only a few of those vocabularies are in ../shared/fixtures (which CI tests), so this script checks the rest:

    python3 scripts/reference/check_llamacpp_vocabs.py                    # pip-downloads the sdist into /tmp/lcp
    python3 scripts/reference/check_llamacpp_vocabs.py --models DIR qwen35 gemma-4
"""
import argparse, json, pathlib, subprocess, sys, tarfile

root = pathlib.Path(__file__).resolve().parents[2]
parser = argparse.ArgumentParser()
parser.add_argument("names", nargs="*", help="vocabularies (default: every ggml-vocab-*.gguf with vectors)")
parser.add_argument("--models", help="llama.cpp's models/ folder (default: from the llama-cpp-python 0.3.36 sdist)")
parser.add_argument("--tinytune", default=str(root / ".build/release/tinytune"))
args = parser.parse_args()

models = pathlib.Path(args.models) if args.models else None
if models is None:
    work = pathlib.Path("/tmp/lcp")
    models = work / "llama_cpp_python-0.3.36/vendor/llama.cpp/models"
    if not models.exists():
        work.mkdir(exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "llama-cpp-python==0.3.36", "--no-binary", ":all:",
                        "--no-deps", "-d", str(work)], check=True)
        tarfile.open(next(work.glob("llama_cpp_python-0.3.36.tar.gz"))).extractall(work)

names = args.names or sorted(p.name[len("ggml-vocab-"):-len(".gguf")] for p in models.glob("ggml-vocab-*.gguf")
                             if pathlib.Path(str(p) + ".inp").exists())
failed = False
for name in names:
    base = models / f"ggml-vocab-{name}.gguf"
    texts = (base.parent / (base.name + ".inp")).read_text(encoding="utf-8").split("\n__ggml_vocab_test__\n")
    if texts and texts[-1] == "":
        texts.pop()
    want = [[int(x) for x in line.split()] for line in (base.parent / (base.name + ".out")).read_text().splitlines()]
    run = subprocess.run([args.tinytune, "tokenize", "--model", str(base), "--jsonl", "--no-parse-special"],
                         input="".join(json.dumps({"text": t}) + "\n" for t in texts).encode(), capture_output=True)
    if run.returncode != 0:
        print(f"{name}: error: {run.stderr.decode().strip()[:200]}")
        failed = True
        continue
    got = [json.loads(line)["ids"] for line in run.stdout.decode().splitlines()]
    bad = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
    print(f"{name}: {len(want) - len(bad)}/{len(want)} pass" + (f"; first failures: {[texts[i][:30] for i in bad[:3]]}" if bad else ""))
    failed |= bool(bad) or len(got) != len(want)
sys.exit(1 if failed else 0)
