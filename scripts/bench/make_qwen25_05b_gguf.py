#!/usr/bin/env python3
"""The random Qwen2.5-0.5B-shaped checkpoint (make_qwen25_05b_random.py) as a bf16 GGUF file for llama.cpp.

llama.cpp's own converter (convert_hf_to_gguf.py, vendored in the llama-cpp-python 0.3.36 sdist) needs a tokenizer
beside the weights; the random checkpoint has none, so the Qwen2 vocabulary llama.cpp ships for its tokenizer tests
(models/ggml-vocab-qwen2.gguf, 151,936 entries) is turned into tokenizer.json by transformers first. The weights
are copied unchanged (bf16). Nothing is written inside the repository.

    /root/.venvs/ref/bin/python scripts/bench/make_qwen25_05b_gguf.py \\
        [--model ~/.cache/tinytune/qwen2.5-0.5b-random] [--out ~/.cache/tinytune/qwen2.5-0.5b-random.bf16.gguf] \\
        [--llama-src DIR]   # DIR: vendor/llama.cpp of the unpacked sdist; default: pip download it
"""
import argparse
import pathlib
import subprocess
import sys
import tarfile
import tempfile

from transformers import AutoTokenizer

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--model", default="~/.cache/tinytune/qwen2.5-0.5b-random")
parser.add_argument("--out", default="~/.cache/tinytune/qwen2.5-0.5b-random.bf16.gguf")
parser.add_argument("--llama-src", help="llama.cpp source folder with convert_hf_to_gguf.py and models/")
args = parser.parse_args()
model = pathlib.Path(args.model).expanduser().resolve()
out = pathlib.Path(args.out).expanduser()

with tempfile.TemporaryDirectory() as scratch:
    scratch = pathlib.Path(scratch)
    if args.llama_src:
        source = pathlib.Path(args.llama_src).expanduser()
    else:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                        "llama-cpp-python==0.3.36", "-d", str(scratch)], check=True)
        with tarfile.open(next(scratch.glob("llama_cpp_python-*.tar.gz"))) as archive:
            archive.extractall(scratch, filter="data")
        source = next(scratch.glob("llama_cpp_python-*/vendor/llama.cpp"))
    folder = scratch / "model"
    folder.mkdir()
    for f in model.iterdir():
        (folder / f.name).symlink_to(f)
    tokenizer = AutoTokenizer.from_pretrained(source / "models", gguf_file="ggml-vocab-qwen2.gguf")
    tokenizer.save_pretrained(folder)
    subprocess.run([sys.executable, str(source / "convert_hf_to_gguf.py"), str(folder), "--outtype", "bf16",
                    "--outfile", str(out)], check=True)
print(f"wrote {out} ({out.stat().st_size:,} bytes)")
