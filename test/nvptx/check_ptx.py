#!/usr/bin/env python3
"""Compiles test models for --target cpu,sm_80,sm_90 and assembles every
PTX section with ptxas (docs/codegen.md, NVPTX path). Prints SKIP (exit 0)
when ptxas is absent."""
import argparse, os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TINY = ["--input-shape", "input_ids=1x5", "--input-shape", "attention_mask=1x8",
        "--input-shape", "position_ids=1x5"] + sum(
    (["--input-shape", f"past_key_values.{l}.{kv}=1x2x3x8"]
     for l in (0, 1) for kv in ("key", "value")), [])
MODELS = [
    ("schedule", [os.path.join(ROOT, "test/Tools/Inputs/schedule.mlir")]),
    ("tiny_llama", [os.path.join(ROOT, "test/Transforms/Inputs/tiny_llama.onnx")] + TINY),
    ("llama_gqa_gen", [os.path.join(ROOT, "test/peer/models/llama_gqa.onnx"),
                       "--max-batch", "2", "--max-num-tokens", "2"]),
]
CHIPS = ["sm_80", "sm_90"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--ptxas", default="/usr/local/cuda/bin/ptxas")
    args = ap.parse_args()
    ptxas = args.ptxas if os.access(args.ptxas, os.X_OK) else shutil.which("ptxas")
    if not ptxas:
        print(f"SKIP: ptxas not found ({args.ptxas} nor on PATH)")
        return 0
    llmc = os.path.join(args.build, "bin", "llmc")
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, model_args in MODELS:
            plan = os.path.join(tmp, name + ".plan")
            cmd = [llmc, "compile", *model_args, "-o", plan,
                   "--target", "cpu," + ",".join(CHIPS)]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                print(f"FAIL {name}: llmc compile exit {r.returncode}\n{r.stderr}")
                failures += 1
                continue
            out = os.path.join(tmp, name)
            subprocess.run([llmc, "inspect", plan, "--dump-kernels", out],
                           check=True, capture_output=True)
            for chip in CHIPS:
                ptx = os.path.join(out, f"ptx-{chip}.ptx")
                text = open(ptx).read()
                entries = text.count(".entry")
                # No libdevice (__nv_*) or other unresolved calls.
                extern = [l for l in text.splitlines() if ".extern" in l]
                r = subprocess.run([ptxas, f"-arch={chip}", ptx, "-o",
                                    os.devnull], capture_output=True, text=True)
                if r.returncode != 0 or extern or entries == 0:
                    print(f"FAIL {name} {chip}: ptxas exit {r.returncode}, "
                          f"{entries} entries, externs {extern[:3]}\n{r.stderr[-2000:]}")
                    failures += 1
                else:
                    print(f"ok {name} {chip}: {entries} kernels assembled")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
