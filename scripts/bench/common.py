"""What the benchmark scripts share: the generation benchmark's arguments and loading a model into PyTorch in f32."""
import pathlib
import time


def add_generation_arguments(parser, model_help):
    """The arguments `tinytune bench generate` takes, with its defaults (torch_generate.py, llamacpp_generate.py)."""
    parser.add_argument("--model", required=True, help=model_help)
    parser.add_argument("--prompt-tokens", type=int, default=100)
    parser.add_argument("--decode-tokens", type=int, default=32)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--json", action="store_true")


def load_torch_model(model, threads):
    """transformers' causal LM from a GGUF file or a model folder, in float32 (as TinyTune computes), with
    torch.set_num_threads(threads); returns (model, seconds the load took)."""
    import torch
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(threads)
    path = pathlib.Path(model).expanduser().resolve()
    start = time.perf_counter()
    if path.is_file():
        loaded = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32)
    else:
        loaded = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    return loaded, time.perf_counter() - start
