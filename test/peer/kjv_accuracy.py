#!/usr/bin/env python3
"""llmrun on the kjv model (models/kjv) against committed PyTorch references.

Compiles models/kjv/kjv.onnx once (with its tokenizer, --max-batch 16
--max-num-tokens 128, as `make run` does) and checks, with no torch needed:

  1. perplexity: `llmrun --perplexity models/kjv/heldout_excerpt.txt` (Ruth 1,
     held out) with the default window (256 / 128) and with --context 100
     --stride 30 gives the token count of models/kjv/nll_reference.json and
     its PyTorch mean NLL and perplexity to 3 significant digits
     (scripts/kjv/reference_nll.py writes both files);
  2. greedy: `llmrun --batch` (temperature 0, ignore_eos) continues the 5
     prompts of 32 ids in models/kjv/greedy_reference.json with exactly
     PyTorch's 32 greedy ids.

  kjv_accuracy.py --build build [--plan kjv.plan (skip the compile)]
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL_DIR = os.path.join(ROOT, "models", "kjv")


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("FAIL: %s exited with %d\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


def same_3_digits(a, b):
    """a equals b to 3 significant digits: within half a unit of b's third digit."""
    unit = 10.0 ** (math.floor(math.log10(abs(b))) - 2)
    return abs(a - b) <= 0.5 * unit


def parse_perplexity(out):
    vals = {}
    for line in out.splitlines():
        key, _, value = line.partition(": ")
        vals[key] = value
    return {"tokens": int(vals["tokens"]), "scored": int(vals["scored"]), "context": int(vals["context"]),
            "stride": int(vals["stride"]), "mean_nll": float(vals["mean NLL"].split()[0]),
            "perplexity": float(vals["perplexity"])}


def check_perplexity(llmrun, plan, ref):
    ok = True
    text = os.path.join(ROOT, ref["excerpt"]["file"])
    for r in ref["excerpt"]["runs"]:
        args = [llmrun, plan, "--perplexity", text]
        if (r["context"], r["stride"]) != (256, 128):  # else llmrun's defaults
            args += ["--context", str(r["context"]), "--stride", str(r["stride"])]
        got = parse_perplexity(run(args).stdout)
        good = (got["tokens"] == r["tokens"] and got["scored"] == r["scored"] and
                (got["context"], got["stride"]) == (r["context"], r["stride"]) and
                same_3_digits(got["mean_nll"], r["mean_nll"]) and
                same_3_digits(got["perplexity"], r["perplexity"]))
        ok &= good
        print("%s perplexity, %s, context %d, stride %d: %d tokens (PyTorch %d); mean NLL llmrun %.6f "
              "PyTorch %.6f (diff %.1e); perplexity llmrun %.4f PyTorch %.4f -> %.3g vs %.3g"
              % ("ok  " if good else "FAIL", ref["excerpt"]["source"], r["context"], r["stride"],
                 got["tokens"], r["tokens"], got["mean_nll"], r["mean_nll"],
                 abs(got["mean_nll"] - r["mean_nll"]), got["perplexity"], r["perplexity"],
                 got["perplexity"], r["perplexity"]))
    return ok


def check_greedy(llmrun, plan, ref, tmp):
    requests = os.path.join(tmp, "greedy.jsonl")
    with open(requests, "w") as f:
        for i, p in enumerate(ref["prompts"]):
            f.write(json.dumps({"id": "p%d" % i, "prompt_ids": p["prompt_ids"],
                                "max_tokens": len(p["greedy_ids"]), "temperature": 0,
                                "ignore_eos": True}) + "\n")
    out = run([llmrun, plan, "--batch", requests]).stdout
    results = {}
    for line in out.splitlines():
        r = json.loads(line)
        results[r["id"]] = r
    ok = True
    for i, p in enumerate(ref["prompts"]):
        got = results.get("p%d" % i, {}).get("output_ids")
        good = got == p["greedy_ids"]
        ok &= good
        print("%s greedy, %s: %d prompt ids -> %s of %d new ids equal PyTorch's"
              % ("ok  " if good else "FAIL", p["source"], len(p["prompt_ids"]),
                 "all" if good else "%d" % sum(a == b for a, b in zip(got or [], p["greedy_ids"])),
                 len(p["greedy_ids"])))
        if not good:
            print("     llmrun  %s\n     PyTorch %s" % (got, p["greedy_ids"]))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--plan", help="use this kjv generation plan instead of compiling one")
    args = ap.parse_args()
    llmc = os.path.join(args.build, "bin", "llmc")
    llmrun = os.path.join(args.build, "bin", "llmrun")
    with open(os.path.join(MODEL_DIR, "nll_reference.json")) as f:
        nll_ref = json.load(f)
    with open(os.path.join(MODEL_DIR, "greedy_reference.json")) as f:
        greedy_ref = json.load(f)
    assert len(greedy_ref["prompts"]) == 5 and all(
        len(p["prompt_ids"]) == 32 and len(p["greedy_ids"]) == 32 for p in greedy_ref["prompts"])
    with tempfile.TemporaryDirectory(prefix="kjv_accuracy.") as tmp:
        plan = args.plan
        if not plan:
            plan = os.path.join(tmp, "kjv.plan")
            run([llmc, "compile", os.path.join(MODEL_DIR, "kjv.onnx"), "-o", plan,
                 "--tokenizer", os.path.join(MODEL_DIR, "tokenizer.model"),
                 "--max-batch", "16", "--max-num-tokens", "128"])
        ok = check_perplexity(llmrun, plan, nll_ref)
        ok &= check_greedy(llmrun, plan, greedy_ref, tmp)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
