#!/usr/bin/env python3
"""Fixtures for TinyTune's loader tests (Tests/TinyTuneLoadersTests/Fixtures/), written by the reference packages.

Usage:
    python3 -m venv ~/.venvs/loaders && ~/.venvs/loaders/bin/pip install gguf safetensors numpy
    ~/.venvs/loaders/bin/python scripts/reference/make_loader_fixtures.py [--model models/gemma-3-270m-q4_k_m.gguf]

Writes (all small; deterministic from numpy's PCG64 with fixed seeds):
  types_v3.gguf        gguf-py's GGUFWriter: every metadata value type (nested arrays too), alignment 64, and
                       one tensor per type: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 quantized by
                       gguf.quants.quantize; Q2_K, Q3_K, Q4_K, Q5_K, Q6_K packed by hand from random bytes
                       (gguf-py cannot quantize them) with finite f16 scales.
  types_v2.gguf        the same file with the version field set to 2 (v2 and v3 share the little-endian layout;
                       gguf-py only writes v3).
  gguf_expected.json   what gguf-py's GGUFReader reads back: metadata (type names, values) and per tensor the
                       type, ggml dimensions and gguf.quants.dequantize values as float32 bit patterns.
  dtypes.safetensors   the safetensors package: one tensor per dtype (F32, F16, BF16, F64, I8, I16, I32, I64,
                       U8, BOOL) and __metadata__.
  sharded/             config.json, model.safetensors.index.json and two shards.
  safetensors_expected.json   dtype, shape and values (floats as f32 bit patterns after widening).
  gemma_samples.json   (with --model) every tensor's name, type and dimensions as gguf-py reads them, and
                       384 dequantized values (256 from the start, 128 from the middle) of the first tensor
                       of each type in the real model.
"""

import argparse
import json
import struct
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q, GGUFValueType as V
from gguf.quants import dequantize, quantize
import safetensors
from safetensors import TensorSpec, serialize_file
from safetensors.numpy import save_file

OUT = Path(__file__).resolve().parents[2] / "Tests" / "TinyTuneLoadersTests" / "Fixtures"


def f32_bits(values) -> list[int]:
    return np.ascontiguousarray(values, dtype=np.float32).view(np.uint32).ravel().tolist()


def random_f16(rng, count, low=-2.0, high=2.0) -> np.ndarray:
    """Finite f16 values as bytes (for the d / dmin fields of hand-packed K-quant blocks)."""
    return rng.uniform(low, high, size=count).astype(np.float16).view(np.uint8).reshape(count, 2)


def pack_k_blocks(rng, qtype, n_blocks) -> np.ndarray:
    """Random K-quant blocks with finite scales; layouts from llama.cpp ggml-common.h."""
    block_elems, block_bytes = gguf.GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, size=(n_blocks, block_bytes), dtype=np.uint8)
    # Offsets of the f16 fields in each layout.
    f16_fields = {Q.Q2_K: [80, 82], Q.Q3_K: [108], Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208]}[qtype]
    for offset in f16_fields:
        blocks[:, offset:offset + 2] = random_f16(rng, n_blocks, 0.001, 0.05)
    return blocks


def gguf_fixtures(rng):
    path = OUT / "types_v3.gguf"
    w = gguf.GGUFWriter(str(path), arch="tinytest")
    w.add_custom_alignment(64)
    w.add_uint8("test.uint8", 200)
    w.add_int8("test.int8", -100)
    w.add_uint16("test.uint16", 60000)
    w.add_int16("test.int16", -30000)
    w.add_uint32("test.uint32", 4_000_000_000)
    w.add_int32("test.int32", -2_000_000_000)
    w.add_float32("test.float32", -1.25)
    w.add_bool("test.bool_true", True)
    w.add_bool("test.bool_false", False)
    w.add_string("test.string", "héllo ✓ 世界")
    w.add_string("test.empty_string", "")
    w.add_uint64("test.uint64", 2**63 + 5)
    w.add_int64("test.int64", -(2**62))
    w.add_float64("test.float64", 0.1)
    w.add_array("test.array_strings", ["a", "", "<0x0A>", "▁the"])
    w.add_key_value("test.array_int32", [1, -2, 3], V.ARRAY, V.INT32)
    w.add_key_value("test.array_float32", [0.5, -0.25, 1e-3], V.ARRAY, V.FLOAT32)
    w.add_key_value("test.array_uint8", [0, 255], V.ARRAY, V.UINT8)
    w.add_key_value("test.array_bool", [True, False, True], V.ARRAY, V.BOOL)
    # GGUFReader.contents() flattens nested arrays, so the expected value of these is what was written.
    nested = {"test.array_nested": [[1, 2], [3]], "test.array_nested_strings": [["x", "y"], ["z"]]}
    for key, value in nested.items():
        w.add_array(key, value)

    tensors = {}
    data = rng.standard_normal((4, 64)).astype(np.float32)
    w.add_tensor("plain.f32", rng.standard_normal((2, 3, 32)).astype(np.float32))
    w.add_tensor("plain.f16", data.astype(np.float16))
    for qtype in (Q.BF16, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q8_0):
        q = quantize(rng.standard_normal((4, 64)).astype(np.float32), qtype)
        w.add_tensor(f"quant.{qtype.name.lower()}", q, raw_dtype=qtype)
    for qtype in (Q.Q2_K, Q.Q3_K, Q.Q4_K, Q.Q5_K, Q.Q6_K):
        rows, blocks_per_row = 2, 2
        blocks = pack_k_blocks(rng, qtype, rows * blocks_per_row).reshape(rows, -1)
        w.add_tensor(f"kquant.{qtype.name.lower()}", blocks, raw_dtype=qtype)
    w.add_tensor("plain.scalar_like", np.array([3.5], dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    # v2: the same bytes with version 2 (identical layout for little-endian files).
    raw = bytearray(path.read_bytes())
    assert raw[4:8] == struct.pack("<I", 3)
    raw[4:8] = struct.pack("<I", 2)
    (OUT / "types_v2.gguf").write_bytes(bytes(raw))

    reader = gguf.GGUFReader(str(path))
    metadata = []
    for field in reader.fields.values():
        if field.name.startswith("GGUF."):
            continue  # the reader's pseudo-fields for version and counts
        types = [t.name for t in field.types]
        value = nested.get(field.name, field.contents())
        if types[-1] in ("UINT64", "INT64"):
            value = str(value)  # JSON numbers are not exact beyond 2^53
        metadata.append({"key": field.name, "types": types, "value": value})
    expected_tensors = []
    for t in reader.tensors:
        values = dequantize(t.data, t.tensor_type)
        expected_tensors.append({
            "name": t.name, "type": t.tensor_type.name, "dimensions": [int(d) for d in t.shape],
            "offset": int(t.data_offset), "byteCount": int(t.n_bytes), "f32Bits": f32_bits(values),
        })
    expected = {"version": 3, "alignment": 64, "metadata": metadata, "tensors": expected_tensors}
    (OUT / "gguf_expected.json").write_text(json.dumps(expected, ensure_ascii=False) + "\n")


def safetensors_fixtures(rng):
    arrays = {
        "f32": rng.standard_normal((3, 4)).astype(np.float32),
        "f16": rng.standard_normal((2, 5)).astype(np.float16),
        "f64": rng.standard_normal((3,)),
        "i8": rng.integers(-128, 128, size=(4,), dtype=np.int8),
        "i16": rng.integers(-30000, 30000, size=(2, 2), dtype=np.int16),
        "i32": rng.integers(-2**31, 2**31, size=(3,), dtype=np.int32),
        "i64": np.array([-(2**40), 7, 2**40], dtype=np.int64),
        "u8": rng.integers(0, 256, size=(5,), dtype=np.uint8),
        "bool": np.array([True, False, True]),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }
    bf16_source = rng.standard_normal((2, 3)).astype(np.float32)
    bf16 = (bf16_source.view(np.uint32) >> 16).astype("<u2")  # truncation: any bit pattern is a valid bf16
    path = OUT / "dtypes.safetensors"
    specs = {k: TensorSpec(dtype=v.dtype.name, shape=list(v.shape), data_ptr=v.ctypes.data, data_len=v.nbytes)
             for k, v in arrays.items()}
    specs["bf16"] = TensorSpec(dtype="bfloat16", shape=[2, 3], data_ptr=bf16.ctypes.data, data_len=bf16.nbytes)
    serialize_file(specs, str(path), {"format": "pt", "note": "tinytune fixture"})

    expected = {"metadata": {"format": "pt", "note": "tinytune fixture"}, "tensors": {}}
    with safetensors.safe_open(str(path), framework="numpy") as f:
        for key in f.keys():
            if key == "bf16":
                continue
            value = f.get_tensor(key)
            entry = {"shape": list(value.shape), "dtype": value.dtype.name}
            if value.dtype.kind == "f":
                entry["f32Bits"] = f32_bits(value.astype(np.float32))
            else:
                entry["ints"] = value.astype(np.int64).ravel().tolist()
            expected["tensors"][key] = entry
    widened = (bf16.astype(np.uint32) << 16).view(np.float32)
    expected["tensors"]["bf16"] = {"shape": [2, 3], "dtype": "bfloat16", "f32Bits": f32_bits(widened)}
    (OUT / "safetensors_expected.json").write_text(json.dumps(expected, indent=1) + "\n")

    folder = OUT / "sharded"
    folder.mkdir(exist_ok=True)
    shard_tensors = [
        {"model.embed_tokens.weight": rng.standard_normal((8, 4)).astype(np.float32),
         "model.layers.0.self_attn.q_proj.weight": rng.standard_normal((4, 4)).astype(np.float16)},
        {"model.norm.weight": rng.standard_normal((4,)).astype(np.float32)},
    ]
    weight_map = {}
    for i, tensors in enumerate(shard_tensors):
        name = f"model-{i + 1:05d}-of-00002.safetensors"
        save_file(tensors, str(folder / name), {"format": "pt"})
        weight_map.update({k: name for k in tensors})
    (folder / "model.safetensors.index.json").write_text(json.dumps(
        {"metadata": {"total_size": sum(v.nbytes for t in shard_tensors for v in t.values())},
         "weight_map": weight_map}, indent=2) + "\n")
    (folder / "config.json").write_text(json.dumps({
        "model_type": "llama", "hidden_size": 4, "intermediate_size": 8, "num_hidden_layers": 1,
        "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": 8, "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0, "tie_word_embeddings": False}, indent=2) + "\n")
    expected_sharded = {k: {"shape": list(v.shape), "f32Bits": f32_bits(v.astype(np.float32))}
                        for t in shard_tensors for k, v in t.items()}
    (OUT / "sharded_expected.json").write_text(json.dumps(expected_sharded, indent=1) + "\n")


def gemma_samples(model: Path):
    reader = gguf.GGUFReader(str(model))
    table = [{"name": t.name, "type": t.tensor_type.name, "dimensions": [int(d) for d in t.shape]}
             for t in reader.tensors]
    samples = []
    seen = set()
    for t in reader.tensors:
        if t.tensor_type in seen:
            continue
        seen.add(t.tensor_type)
        flat = dequantize(t.data, t.tensor_type).ravel()
        middle = (flat.size // 2) // 256 * 256
        samples.append({"name": t.name, "type": t.tensor_type.name,
                        "ranges": [{"start": 0, "f32Bits": f32_bits(flat[:256])},
                                   {"start": middle, "f32Bits": f32_bits(flat[middle:middle + 128])}]})
    out = {"file": model.name, "tensors": table, "samples": samples}
    (OUT / "gemma_samples.json").write_text(json.dumps(out) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="the real Gemma 3 270M GGUF, for gemma_samples.json")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    gguf_fixtures(np.random.default_rng(20260603))
    safetensors_fixtures(np.random.default_rng(7))
    if args.model:
        gemma_samples(args.model)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
