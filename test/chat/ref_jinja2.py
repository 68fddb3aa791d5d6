#!/usr/bin/python3
"""Reference renderer: Python Jinja2 set up as transformers'
apply_chat_template sets it up (ImmutableSandboxedEnvironment, trim_blocks,
lstrip_blocks, loopcontrols, its own tojson, raise_exception, strftime_now).
Same stdin/stdout protocol as llmc_chat_render:
  {"template": SRC, "contexts": [...]} -> {"results": [{"text"}|{"error"}]}
"""
import json
import sys
from datetime import datetime

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def make_env():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent,
                          separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt):
        return datetime.now().strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    req = json.loads(sys.stdin.read())
    env = make_env()
    try:
        tmpl = env.from_string(req["template"])
    except Exception as e:  # noqa: BLE001 - any parse failure is reported
        print(json.dumps({"parse_error": f"{type(e).__name__}: {e}"}))
        return
    results = []
    for ctx in req["contexts"]:
        try:
            results.append({"text": tmpl.render(**ctx)})
        except Exception as e:  # noqa: BLE001
            results.append({"error": f"{type(e).__name__}: {e}"})
    print(json.dumps({"results": results}))


if __name__ == "__main__":
    main()
