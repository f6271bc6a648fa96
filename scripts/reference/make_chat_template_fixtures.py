#!/usr/bin/env python3
"""Expected renders of real chat templates, made by transformers' own Jinja renderer.

Templates (committed as they are in Tests/TinyTuneTokenizerTests/Fixtures/chat_templates/):
- qwen2.5.jinja, llama3.1.jinja, llama3.2.jinja: copied byte for byte from llama.cpp's `models/templates/`
  (Qwen-Qwen2.5-7B-Instruct.jinja, meta-llama-Llama-3.1-8B-Instruct.jinja, meta-llama-Llama-3.2-3B-Instruct.jinja;
  llama.cpp made them with `scripts/get_chat_template.py` from the Hugging Face repos) as vendored in the
  llama-cpp-python 0.3.36 sdist on PyPI (sha256 832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e,
  `pip download llama-cpp-python==0.3.36 --no-binary :all: --no-deps`, then vendor/llama.cpp/models/templates/).
  Llama 3.3 70B's template is identical to 3.1's.
- gemma3.jinja: the `chat_template` of google/gemma-3-*-it's tokenizer_config.json as quoted in public code (the
  Gemma 3 270M GGUF here is the base model and has no `tokenizer.chat_template`).

Each case renders through `transformers.utils.chat_template_utils.render_jinja_template` (what
`apply_chat_template(tokenize=False)` calls: Jinja2 3.1.6, trim_blocks, lstrip_blocks, raise_exception,
strftime_now, transformers' tojson) with `datetime.now()` frozen at 2026-11-29 09:05:00 so Llama 3.2's date line is
fixed. A case the template refuses records the raise_exception message instead. Writes
Tests/TinyTuneTokenizerTests/Fixtures/chat_templates/cases.json:

    /root/.venvs/ref/bin/python scripts/reference/make_chat_template_fixtures.py
"""
import datetime as real_datetime
import json
from pathlib import Path

import jinja2
import transformers
from transformers.utils import chat_template_utils

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "Tests" / "TinyTuneTokenizerTests" / "Fixtures" / "chat_templates"
NOW = real_datetime.datetime(2026, 11, 29, 9, 5, 0)


class FrozenDatetime(real_datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return NOW


chat_template_utils.datetime = FrozenDatetime

SPECIAL = {
    "qwen2.5": {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"},
    "llama3.1": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
    "llama3.2": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
    "gemma3": {"bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>", "unk_token": "<unk>"},
}

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Température actuelle d'une ville (\"now\"), in °C or °F",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "City, e.g. Paris"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location"],
        },
    },
}
SEARCH = {"type": "function", "function": {"name": "search", "description": "Web search",
                                            "parameters": {"type": "object", "properties": {}}}}
CALL = {"type": "function", "function": {"name": "get_weather", "arguments": {"location": "Paris", "unit": "celsius"}}}

USER = {"role": "user", "content": "What is 2 + 2?"}
CONVERSATIONS = {
    "user_only": [USER],
    "system_user": [{"role": "system", "content": "  You are terse.\n"}, {"role": "user", "content": "  Hello there!  "}],
    "multi_turn": [
        {"role": "system", "content": "Answer in one line."},
        {"role": "user", "content": "Name a prime.\n\nJust one."},
        {"role": "assistant", "content": " 7 "},
        {"role": "user", "content": "Et en français ? 🙂 «merci»\ttab"},
    ],
    "no_system_multi": [USER, {"role": "assistant", "content": "4"}, {"role": "user", "content": "And 3 * 3?"}],
    "tool_call": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [CALL]},
        {"role": "tool", "content": "{\"temperature\": 22}"},
        {"role": "tool", "content": "sunny"},
        {"role": "assistant", "content": "22 °C and sunny."},
    ],
    "tool_call_single": [
        {"role": "system", "content": "Use tools."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "tool_calls": [CALL]},
        {"role": "tool", "content": {"temperature": 22, "sky": "sunny"}},
    ],
    "content_parts": [
        {"role": "system", "content": [{"type": "text", "text": "Be kind."}]},
        {"role": "user", "content": [{"type": "text", "text": " Describe "}, {"type": "image"},
                                     {"type": "text", "text": "this."}]},
    ],
    "not_alternating": [USER, {"role": "user", "content": "Again?"}],
}

# (template, conversation, tools, extra variables)
CASES = [
    *[(t, c, None, {}) for t in ["qwen2.5", "llama3.1", "llama3.2", "gemma3"]
      for c in ["user_only", "system_user", "multi_turn", "no_system_multi"]],
    ("qwen2.5", "user_only", [WEATHER, SEARCH], {}),
    ("qwen2.5", "system_user", [WEATHER], {}),
    ("qwen2.5", "tool_call", [WEATHER], {}),
    ("llama3.1", "user_only", [WEATHER], {}),
    ("llama3.1", "tool_call_single", [WEATHER], {"tools_in_user_message": False, "date_string": "05 Dec 2024"}),
    ("llama3.1", "user_only", None, {"builtin_tools": ["brave_search", "code_interpreter", "wolfram_alpha"]}),
    ("llama3.1", "tool_call_single", None, {"builtin_tools": ["get_weather"]}),
    ("llama3.2", "tool_call_single", [WEATHER], {}),
    ("llama3.2", "user_only", None, {"date_string": "01 Jan 2025"}),
    ("gemma3", "content_parts", None, {}),
    ("gemma3", "not_alternating", None, {}),
]

# Small templates for the features one at a time (rendered with messages=[USER] and the variables below).
SNIPPET_VARIABLES = {"xs": [3, 1, 2], "d": {"b": 1, "a": [1, 2]}, "s": "  Hello, World  ", "n": 7, "f": 2.5,
                     "msgs": [{"role": "user", "content": "hi"}, {"role": "tool", "content": "x"}]}
SNIPPETS = [
    "{{ xs[1:] }}|{{ xs[:-1] }}|{{ xs[::-1] }}|{{ s[2:7] }}|{{ xs[-1] }}",
    "{% for x in xs %}{{ loop.index0 }}{{ loop.index }}{{ loop.first }}{{ loop.last }}{{ loop.length }}"
    "{{ loop.revindex }},{% endfor %}",
    "{% set ns = namespace(total=0, seen=false) %}{% for x in xs %}{% set ns.total = ns.total + x %}"
    "{% if x == 2 %}{% set ns.seen = true %}{% endif %}{% endfor %}{{ ns.total }} {{ ns.seen }}",
    "{% set y = 1 %}{% for x in xs %}{% set y = x %}{% endfor %}{{ y }}",
    "{{ s | trim }}|{{ s | upper }}|{{ s | lower }}|{{ s | length }}|{{ xs | first }}|{{ xs | last }}|{{ xs | length }}",
    "{{ undefined_thing | default('dflt') }}|{{ '' | default('e', true) }}|{{ xs | join('-') }}|{{ d | tojson }}",
    "{{ d | tojson(indent=2) }}|{{ 'é\"\\n' | tojson }}|{{ 1.0 | tojson }}|{{ none | tojson }}|{{ [true, 0.5] | tojson }}",
    "{{ msgs | map(attribute='role') | join(',') }}|{{ msgs | selectattr('role', 'equalto', 'tool') | list | length }}"
    "|{{ msgs | rejectattr('role', 'equalto', 'tool') | map(attribute='content') | first }}",
    "{{ s.strip() }}|{{ s.lstrip() }}.|.{{ s.rstrip() }}|{{ s.split(',') }}|{{ s.split() }}|{{ 'a-b-c'.split('-', 1) }}",
    "{{ s.strip().startswith('Hello') }}{{ s.endswith('  ') }}{{ 'abc'.replace('b', 'x') }}{{ 'ab' ~ 1 ~ none }}",
    "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ n * f }} {{ 'ab' * 3 }} {{ 1 + 2 * 3 }}",
    "{{ 'yes' if n > 5 else 'no' }}|{{ 'x' if false }}|{{ n is odd }}{{ n is even }}{{ n is divisibleby 7 }}",
    "{{ xs is iterable }}{{ d is mapping }}{{ s is string }}{{ n is number }}{{ n is integer }}{{ f is float }}"
    "{{ none is none }}{{ nope is defined }}{{ xs is not none }}{{ s is sequence }}",
    "{{ 'b' in d }}{{ 2 in xs }}{{ 'ell' in s }}{{ 'z' not in s }}{{ not xs }}{{ xs and 'and' }}{{ [] or 'or' }}",
    "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k in d %}{{ k }}{% endfor %}"
    "{% for k, v in d | items %}{{ k }}{% endfor %}{{ d.get('a') }}{{ d.get('zz', 'none!') }}",
    "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bo', punct='?') }}",
    "{% for x in xs if x > 1 %}{{ x }}{% else %}empty{% endfor %}|{% for x in [] %}{{ x }}{% else %}empty{% endfor %}"
    "|{% for x in xs %}{% if x == 1 %}{% continue %}{% endif %}{% if x == 2 %}{% break %}{% endif %}{{ x }}{% endfor %}",
    "a  {%- if true -%}  b  {%- endif -%}  c\n  {% if true %}\n    d\n  {% endif %}\n  e {{- ' f ' -}} g\n{# c #}\n  h",
    "  {% for x in xs %}\n  {{ x }}\n  {% endfor %}\n{%+ if true %}x{% endif %}\n{{ n }}\n",
    "{% set parts = ['a', 'b'] + ['c'] %}{{ parts }}|{{ parts | reverse | list }}|{{ xs | sort }}|{{ xs | sum }}"
    "|{{ (xs | max) ~ (xs | min) }}|{{ [1, 1, 2] | unique | list }}|{{ range(3) | list }}|{{ range(1, 7, 2) | list }}",
    "{{ {'k': 'v', 'n': [1, 'two', none, true]} }}|{{ ('a', 1) }}|{{ 'it''s' }}|{{ \"q'\" }}|{{ 3.0 }}|{{ 1e20 }}|{{ 0.1 + 0.2 }}",
    "{% set block %}inner {{ n }}{% endset %}[{{ block }}]|{{ 'Hello World' | title }}{{ 'hELLO' | capitalize }}"
    "|{{ 'x\ny' | indent(2) }}|{{ 'a b  c' | wordcount }}|{{ '3' | int + 1 }}|{{ '2.5' | float }}|{{ -3 | abs }}",
    "{{ messages[0]['content'] }}|{{ messages[0].role }}|{{ messages | length }}|{{ add_generation_prompt }}",
    "{{ raise_exception('bad input: ' ~ n) }}",
]


def main():
    cases = []
    for template_name, conversation, tools, extra in CASES:
        template = (FOLDER / f"{template_name}.jinja").read_text(encoding="utf-8")
        for generation in (True, False):
            case = {"template": template_name, "conversation": conversation,
                    "messages": CONVERSATIONS[conversation], "tools": tools,
                    "add_generation_prompt": generation, "special_tokens": SPECIAL[template_name],
                    "variables": extra}
            try:
                rendered, _ = chat_template_utils.render_jinja_template(
                    conversations=[CONVERSATIONS[conversation]], tools=tools, chat_template=template,
                    add_generation_prompt=generation, **SPECIAL[template_name], **extra)
                case["expected"] = rendered[0]
            except jinja2.exceptions.TemplateError as error:
                case["error"] = str(error)
            cases.append(case)
    snippets = []
    for template in SNIPPETS:
        case = {"template": template}
        try:
            rendered, _ = chat_template_utils.render_jinja_template(
                conversations=[[USER]], chat_template=template, add_generation_prompt=True, **SNIPPET_VARIABLES)
            case["expected"] = rendered[0]
        except jinja2.exceptions.TemplateError as error:
            case["error"] = str(error)
        snippets.append(case)
    # A template read from GGUF metadata: llama.cpp's Qwen2 vocabulary (../shared/fixtures/llamacpp-vocab).
    import gguf
    reader = gguf.GGUFReader(str(ROOT.parent / "shared" / "fixtures" / "llamacpp-vocab" / "ggml-vocab-qwen2.gguf"))
    field = reader.fields["tokenizer.chat_template"]
    qwen2_gguf_template = bytes(field.parts[field.data[0]]).decode("utf-8")
    gguf_cases = []
    for conversation in ["user_only", "system_user", "multi_turn"]:
        rendered, _ = chat_template_utils.render_jinja_template(
            conversations=[CONVERSATIONS[conversation]], chat_template=qwen2_gguf_template, add_generation_prompt=True,
            eos_token="<|endoftext|>")
        gguf_cases.append({"vocabulary": "qwen2", "messages": CONVERSATIONS[conversation], "expected": rendered[0]})
    out = {"reference": f"transformers {transformers.__version__} render_jinja_template, jinja2 {jinja2.__version__}, "
                        f"datetime.now() = {NOW.isoformat()}",
           "snippet_variables": SNIPPET_VARIABLES, "snippets": snippets, "cases": cases,
           "gguf_cases": gguf_cases}
    path = FOLDER / "cases.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(cases)} cases ({sum('error' in c for c in cases)} refused) -> {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
