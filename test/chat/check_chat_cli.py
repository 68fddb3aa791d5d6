#!/usr/bin/python3
"""Chat templates through the tools (docs/chat-templates.md):

* `llmc compile --chat-template` with a broken template, a tokenizer config
  without one, or one whose named templates have no "default" fails with
  one line on stderr and writes no plan;
* a good template (a Jinja file, a tokenizer_config.json with a string or
  with named templates) lands in the plan's chat_template section:
  `llmc inspect` shows it, and `llmrun --render-chat` prints exactly what
  llmc_chat_render prints for the same context (bos/eos from the context);
* `llmrun --render-chat` on a plan without a template fails with one line.

The plan is test/Tools/Inputs/schedule.mlir's (small, compiles quickly).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODEL = os.path.join(ROOT, "test", "Tools", "Inputs", "schedule.mlir")
QWEN = os.path.join(HERE, "templates", "chatml-qwen2.5.jinja")

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = ap.parse_args()
    bindir = os.path.join(args.build, "bin")
    llmc, llmrun = os.path.join(bindir, "llmc"), os.path.join(bindir, "llmrun")
    render = os.path.join(bindir, "llmc_chat_render")
    with open(QWEN, encoding="utf-8") as fh:
        qwen = fh.read()

    with tempfile.TemporaryDirectory() as tmp:
        def path(name, text=None):
            p = os.path.join(tmp, name)
            if text is not None:
                with open(p, "w", encoding="utf-8") as fh:
                    fh.write(text)
            return p

        def compile_with(template_file, plan_name):
            plan = path(plan_name)
            r = run([llmc, "compile", MODEL, "-o", plan, "--chat-template", template_file])
            return r, plan

        # Failures: one line, naming the file and the template's line; no plan.
        bad = [
            ("broken.jinja", "{% for m in messages %}\n{{ m.content }\n{% endfor %}",
             "broken.jinja: chat template line 2: unexpected '}'"),
            ("unclosed.jinja", "{% if messages %}\nx\n", "unclosed.jinja: chat template line 2: unexpected end of template"),
            ("badfilter.jinja", "{{ messages | nosuch }}", "badfilter.jinja: chat template line 1: no filter named 'nosuch'"),
            ("notemplate.json", json.dumps({"bos_token": "<s>"}), "notemplate.json: no \"chat_template\""),
            ("nodefault.json", json.dumps({"chat_template": [{"name": "tool_use", "template": "x"}]}),
             "no template named \"default\" (found: tool_use)"),
            ("badjson.json", "{not json", "badjson.json: not a JSON object"),
            ("brokenconfig.json", json.dumps({"chat_template": "{% endif %}"}),
             "brokenconfig.json: chat template line 1: unknown tag 'endif'"),
        ]
        for name, text, expected in bad:
            r, plan = compile_with(path(name, text), name + ".plan")
            lines = r.stderr.strip().split("\n")
            check(r.returncode != 0 and len(lines) == 1 and lines[0].startswith("llmc: error: ")
                  and expected in lines[0] and not os.path.exists(plan),
                  f"{name}: one-line compile error ({r.stderr.strip()!r})")

        # A Jinja file, and tokenizer configs with a string or named templates.
        messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Héllo {{ x }}"}]
        ctx = {"messages": messages, "tools": [{"type": "function", "function": {"name": "f", "parameters": {"z": 1, "a": 2}}}],
               "add_generation_prompt": True, "bos_token": "", "eos_token": "<|im_end|>"}
        msgs_file = path("ctx.json", json.dumps(ctx, ensure_ascii=False))
        ref = run_render(render, qwen, ctx)
        good = [
            ("qwen.jinja", qwen),
            ("string_config.json", json.dumps({"chat_template": qwen})),
            ("named_config.json", json.dumps({"chat_template": [{"name": "tool_use", "template": "x"},
                                                               {"name": "default", "template": qwen}]})),
        ]
        for name, text in good:
            r, plan = compile_with(path(name, text), name + ".plan")
            check(r.returncode == 0 and os.path.exists(plan), f"{name}: compiles ({r.stderr.strip()[-200:]!r})")
            if r.returncode != 0:
                continue
            insp = run([llmc, "inspect", plan])
            check(f"chat template: {len(qwen.encode())} bytes" in insp.stdout, f"{name}: llmc inspect shows the template")
            ij = run([llmc, "inspect", "--json", plan])
            try:
                ct = json.loads(ij.stdout).get("chat_template", {})
            except json.JSONDecodeError:
                ct = {}
            check(ct.get("bytes") == len(qwen.encode()) and ct.get("error") == "", f"{name}: llmc inspect --json")
            out = run([llmrun, plan, "--render-chat", msgs_file])
            check(out.returncode == 0 and out.stdout == ref, f"{name}: llmrun --render-chat equals llmc_chat_render")

        # A messages array: add_generation_prompt defaults to true.
        r, plan = compile_with(path("q2.jinja", qwen), "q2.plan")
        arr = path("arr.json", json.dumps(messages))
        out = run([llmrun, plan, "--render-chat", arr])
        check(out.returncode == 0 and out.stdout.endswith("<|im_start|>assistant\n"),
              "--render-chat with a messages array adds the generation prompt")
        # A render error is one line.
        bad_ctx = path("bad_ctx.json", json.dumps({"messages": [], "add_generation_prompt": True}))
        out = run([llmrun, plan, "--render-chat", bad_ctx])
        check(out.returncode != 0 and len(out.stderr.strip().split("\n")) == 1, f"render error is one line ({out.stderr.strip()!r})")

        # No template in the plan.
        plain = path("plain.plan")
        r = run([llmc, "compile", MODEL, "-o", plain])
        out = run([llmrun, plain, "--render-chat", arr])
        check(out.returncode != 0 and "has no chat template" in out.stderr and len(out.stderr.strip().split("\n")) == 1,
              f"--render-chat without a template ({out.stderr.strip()!r})")
        insp = run([llmc, "inspect", plain])
        check("chat template" not in insp.stdout, "llmc inspect of a plan without a template")

    if failures:
        print(f"FAIL: {len(failures)} checks")
        return 1
    print("PASS")
    return 0


def run_render(render, template, ctx):
    req = json.dumps({"template": template, "contexts": [ctx]}, ensure_ascii=False)
    p = subprocess.run([render], input=req.encode(), capture_output=True, timeout=60)
    return json.loads(p.stdout)["results"][0]["text"]


if __name__ == "__main__":
    sys.exit(main())
