#!/usr/bin/env python3
"""Builds the tokenizer reference fixture: a mixed corpus and the ids Hugging Face gives for it.

Writes Tests/TinyTuneTokenizerTests/Fixtures/gemma3_hf.json (the real Gemma 3 vocabulary, SentencePiece BPE) and
qwen2_hf.json (llama.cpp's Qwen2 vocabulary from ../shared/fixtures/llamacpp-vocab, byte-level BPE), each:
    {"reference": "...", "cases": [{"text": "...", "ids": [...], "ids_with_special": [...]}, ...]}
`ids` come from `tokenizer.encode(text, add_special_tokens=False)` (special-token text parsed, as Hugging Face
does by default), `ids_with_special` from `add_special_tokens=True` (BOS added).

Each tokenizer is loaded by transformers from the GGUF file itself
(`AutoTokenizer.from_pretrained(models_dir, gguf_file=...)`), so nothing is downloaded. Needs transformers, torch,
gguf and sentencepiece (the reference venv):

    /root/.venvs/ref/bin/python scripts/reference/make_tokenizer_fixtures.py

It also trains two small byte-level BPE tokenizers with Hugging Face `tokenizers` on the corpus and saves them as
tokenizer.json files (Fixtures/bpe_qwen2_style.json: a Qwen2 Split regex then ByteLevel; Fixtures/bpe_gpt2_style.json:
ByteLevel with its own regex), with their ids in Fixtures/<name>_hf.json, to test tokenizer.json loading.
`--tokenizer-json-only` skips the GGUF part (then only `tokenizers` is needed).

The corpus is generated here with a fixed seed: word problems, code, many languages, emoji, whitespace runs,
digits, special-token text and random mixtures of all of them.
"""
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "gemma-3-270m-q4_k_m.gguf"
FIXTURES = ROOT / "Tests" / "TinyTuneTokenizerTests" / "Fixtures"
SOURCES = [
    ("gemma3", MODEL),
    ("qwen2", (ROOT / ".." / "shared" / "fixtures" / "llamacpp-vocab" / "ggml-vocab-qwen2.gguf").resolve()),
]

NAMES = ["Natalia", "Weng", "Betty", "Julie", "James", "Mark", "Albert", "Ken", "Alexis", "Tina", "Randy", "Joy"]
ITEMS = ["clips", "apples", "pages", "marbles", "cookies", "dollars", "books", "eggs", "shirts", "tickets"]

LANGUAGES = [
    "Le renard brun rapide saute par-dessus le chien paresseux. Où est la bibliothèque ?",
    "Zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich.",
    "El veloz murciélago hindú comía feliz cardillo y kiwi. ¿Qué tal?",
    "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "我能吞下玻璃而不伤身体。今天天气很好，我们去公园散步吧！",
    "いろはにほへと ちりぬるを わかよたれそ つねならむ。東京は日本の首都です。",
    "다람쥐 헌 쳇바퀴에 타고파. 안녕하세요, 만나서 반갑습니다!",
    "صِف خَلقَ خَودِ كَمِثلِ الشَمسِ إِذ بَزَغَت — يَحظى الضَجيعُ بِها نَجلاءَ مِعطارِ",
    "ऋषियों को सताने वाले दुष्ट राक्षसों के राजा रावण का सर्वनाश करने वाले विष्णुवतार भगवान श्रीराम",
    "Ταχίστη αλώπηξ βαφής ψημένη γη, δρασκελίζει υπέρ νωθρού κυνός.",
    "דג סקרן שט בים מאוכזב ולפתע מצא חברה",
    "เป็นมนุษย์สุดประเสริฐเลิศคุณค่า กว่าบรรดาฝูงสัตว์เดรัจฉาน",
    "Tiếng Việt có dấu: Tôi yêu tiếng nước tôi từ khi mới ra đời.",
    "Pchnąć w tę łódź jeża lub ośm skrzyń fig. Příliš žluťoučký kůň úpěl ďábelské ódy.",
    "Árvíztűrő tükörfúrógép. Þú getur ekki ýtt á æðarfugl. Hyvää päivää!",
    "Kwa heri, rafiki yangu. Ẹ káàárọ̀. Sannu da zuwa.",
    "ᐃᓄᒃᑎᑐᑦ ᐅᖃᐅᓯᖅ 𐀀𐀁𐀂 𒀀𒀁 ꦧꦱꦗꦮ",   # rare scripts: byte fallback
]

CODE = [
    "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n",
    "func add(_ a: Int, _ b: Int) -> Int {\n\treturn a + b\n}\nlet x = add(2, 3) // 5\n",
    "#include <stdio.h>\nint main(void) {\n  printf(\"%d\\n\", 42);\n  return 0;\n}\n",
    '{"model": {"type": "gguf", "path": "../models/gemma-3-270m-q4_k_m.gguf"}, "u": 13, "r": 2}',
    "SELECT name, COUNT(*) AS n FROM users WHERE age >= 18 GROUP BY name ORDER BY n DESC;",
    "<html>\n  <body>\n    <div class=\"x\">Hello &amp; welcome</div>\n  </body>\n</html>",
    "fn main() { let v: Vec<u8> = (0..=255).collect(); println!(\"{:?}\", &v[..4]); }",
    "x = [i**2 for i in range(10) if i % 2 == 0]  # squares\nprint(f'{x!r:>20}')",
    "    if (a != b && c <= d || !e) { return -1; }  /* comment */\n\n\n",
    "$ tinytune tokenize --model models/gemma.gguf --json < input.txt | jq '.ids | length'",
]

EMOJI = [
    "🤗", "😀😃😄😁", "👍🏽 👩‍💻 👨‍👩‍👧‍👦", "🇫🇷🇯🇵🇺🇸", "❤️‍🔥 ✨🎉", "🦙 and 🐍 and 🦀", "⚠️ 1️⃣ #️⃣ ©️",
    "(╯°□°)╯︵ ┻━┻", "¯\\_(ツ)_/¯", "∑ ∫ ∂ √ ∞ ≠ ≤ ≥ ∈ ∉ ⊂ ⊃ ∀ ∃",
]

WHITESPACE = [
    " ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\n\n\n", " \n", "\n ", "\r\n", " \t \n ", "a  b", "a   b",
    "a\t\tb", "a\n\n\nb", "   leading", "trailing   ", "  both  ", "mixed \t\n\r\n  runs", "\u00a0nbsp\u00a0",
    "\u2003em\u2003space", "line1\nline2\n\nline4",
]

DIGITS = [
    "0", "7", "42", "123", "1234", "12345", "1234567890", "3.14159", "1,000,000", "-273.15", "1e-9", "0x1F",
    "2026-11-29", "12:34:56", "$1,234.56", "50%", "3/4", "10^6", "٠١٢٣٤٥٦٧٨٩", "１２３４５",
]

SPECIAL = [
    "<start_of_turn>user\nWhat is 2 + 2?<end_of_turn>\n<start_of_turn>model\n",
    "<bos>text<eos>", "<pad><pad>", "a<unused0>b", "<start_of_turn>", "<end_of_turn>\n", "<mask>",
]


def word_problem(rng):
    a, b, c = rng.randint(2, 99), rng.randint(2, 99), rng.randint(2, 12)
    name, other, item = rng.choice(NAMES), rng.choice(NAMES), rng.choice(ITEMS)
    templates = [
        f"{name} sold {item} to {a} of her friends in April, and then she sold half as many {item} in May. "
        f"How many {item} did {name} sell altogether in April and May?",
        f"{name} earns ${c} an hour for babysitting. Yesterday, she just did {a} minutes of babysitting. "
        f"How much did she earn?",
        f"{name} has {a} {item}. {other} gives {name} {b} more, then {name} shares them equally among {c} "
        f"friends. How many does each friend get?\n#### {(a + b) // c}",
        f"If {a} {item} cost ${b}.{c:02d}, what do {a * c} {item} cost? Answer: ${b * c + (c * c) // 100}",
        f"Question: {a} + {b} * {c} = ?\nAnswer: {a + b * c}",
    ]
    return rng.choice(templates)


def mixture(rng, pools):
    parts = [rng.choice(rng.choice(pools)) for _ in range(rng.randint(2, 5))]
    seps = ["", " ", "\n", "  ", "\t", ", "]
    return "".join(p + rng.choice(seps) for p in parts)


def random_unicode(rng):
    blocks = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x6FF), (0x900, 0x97F),
              (0x3040, 0x30FF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0x1F300, 0x1FAFF), (0x10000, 0x1007F)]
    out = []
    for _ in range(rng.randint(1, 30)):
        lo, hi = rng.choice(blocks)
        out.append(chr(rng.randint(lo, hi)))
    return "".join(out)


def corpus():
    rng = random.Random(20261129)
    cases = []
    cases += LANGUAGES + CODE + EMOJI + WHITESPACE + DIGITS + SPECIAL
    cases += [word_problem(rng) for _ in range(150)]
    pools = [LANGUAGES, CODE, EMOJI, WHITESPACE, DIGITS, NAMES, ITEMS]
    cases += [mixture(rng, pools) for _ in range(300)]
    cases += [random_unicode(rng) for _ in range(200)]
    cases += ["".join(rng.choice(" \t\n\r") for _ in range(rng.randint(1, 12))) for _ in range(50)]
    cases += [str(rng.randint(0, 10 ** rng.randint(1, 25))) for _ in range(50)]
    seen, unique = set(), []
    for text in cases:
        if text not in seen:
            seen.add(text)
            unique.append(text)
    return unique


QWEN2_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
               r"\s*[\r\n]+|\s+(?!\S)|\s+")


def tokenizer_json_fixtures(texts):
    import tokenizers
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers, AddedToken

    styles = {
        "bpe_qwen2_style": pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(QWEN2_REGEX), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]),
        "bpe_gpt2_style": pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    }
    for name, pre in styles.items():
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=1200, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                      special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                                      show_progress=False)
        tok.train_from_iterator(texts, trainer=trainer)
        tok.add_tokens([AddedToken("<extra>", special=False)])
        tok.save(str(FIXTURES / f"{name}.json"))
        cases = [{"text": t, "ids": tok.encode(t, add_special_tokens=False).ids,
                  "ids_with_special": tok.encode(t, add_special_tokens=True).ids}
                 for t in texts + ["<|im_start|>user\nhi<|im_end|>", "a<extra>b"]]
        out = FIXTURES / f"{name}_hf.json"
        with open(out, "w", encoding="utf-8") as f:
            json.dump({"reference": f"tokenizers {tokenizers.__version__}: Tokenizer.from_file({name}.json)",
                       "cases": cases}, f, ensure_ascii=False, separators=(",", ":"))
            f.write("\n")
        print(f"{out}: {len(cases)} cases")

    # SentencePiece style (Llama 2 layout): ▁ for spaces with a prefix, merges by rank, byte fallback to <0xXX>.
    name = "bpe_sentencepiece_style"
    tok = Tokenizer(models.BPE(byte_fallback=True, unk_token="<unk>"))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
    trainer = trainers.BpeTrainer(vocab_size=1500, special_tokens=["<unk>", "<s>", "</s>"], show_progress=False,
                                  limit_alphabet=300)
    tok.train_from_iterator(texts, trainer=trainer)
    spec = json.loads(tok.to_str())
    vocab = spec["model"]["vocab"]
    for b in range(256):   # the byte tokens a SentencePiece vocabulary carries
        vocab.setdefault(f"<0x{b:02X}>", len(vocab))
    spec["decoder"] = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "}, {"type": "ByteFallback"},
        {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
    tok = Tokenizer.from_str(json.dumps(spec))
    tok.save(str(FIXTURES / f"{name}.json"))
    cases = [{"text": t, "ids": tok.encode(t, add_special_tokens=False).ids,
              "ids_with_special": tok.encode(t, add_special_tokens=True).ids} for t in texts + ["<s>hi</s>"]]
    with open(FIXTURES / f"{name}_hf.json", "w", encoding="utf-8") as f:
        json.dump({"reference": f"tokenizers {tokenizers.__version__}: Tokenizer.from_file({name}.json)",
                   "cases": cases}, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"{FIXTURES / (name + '_hf.json')}: {len(cases)} cases")


def main():
    if "--tokenizer-json-only" in sys.argv:
        tokenizer_json_fixtures(corpus())
        return
    tokenizer_json_fixtures(corpus())
    for _, path in SOURCES:
        if not path.exists():
            sys.exit(f"{path}: missing (the model: run `bash scripts/install-deps.sh`; the vocabularies: ../shared)")
    import tokenizers
    import transformers
    from transformers import AutoTokenizer

    texts = corpus()
    for name, path in SOURCES:
        tok = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
        cases = [{"text": text,
                  "ids": tok.encode(text, add_special_tokens=False),
                  "ids_with_special": tok.encode(text, add_special_tokens=True)} for text in texts]
        reference = (f"transformers {transformers.__version__}, tokenizers {tokenizers.__version__}: "
                     f"AutoTokenizer.from_pretrained(..., gguf_file={path.name!r})")
        out = FIXTURES / f"{name}_hf.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", encoding="utf-8") as f:
            json.dump({"reference": reference, "cases": cases}, f, ensure_ascii=False, separators=(",", ":"))
            f.write("\n")
        print(f"{out}: {len(cases)} cases, {sum(len(c['ids']) for c in cases)} tokens")


if __name__ == "__main__":
    main()
