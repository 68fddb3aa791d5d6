#!/usr/bin/python3
"""Imports every ONNX backend node test (Debian's libonnx-testdata) with the
llmc importer and reports how many import, which fail and why.

Usage: scripts/import_smoke.py [--importer CMD] [--data DIR] [-v]
  CMD defaults to "build/bin/llmc import". Tests whose ops are not all in the
  importer's op set are counted as skipped (the importer reports them as
  unsupported). When an import fails because a shape-like input is not a
  compile-time constant, the graph inputs are frozen from
  test_data_set_0/input_K.pb (named input first, then all integer inputs) and
  the import is retried, as the conformance runner does.
Exit status 1 when any import crashes (signal or exit status other than 0/1).
"""
import argparse
import collections
import os
import re
import shlex
import subprocess
import sys

import onnx

INT_TYPES = {onnx.TensorProto.INT8, onnx.TensorProto.INT16, onnx.TensorProto.INT32,
             onnx.TensorProto.INT64, onnx.TensorProto.UINT8, onnx.TensorProto.UINT16,
             onnx.TensorProto.UINT32, onnx.TensorProto.UINT64}


def graph_inputs(model):
    inits = {i.name for i in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in inits]


def run(cmd, model_path, frozen):
    args = cmd + [model_path]
    for name, path in frozen.items():
        args += ["--freeze-input", f"{name}={path}"]
    p = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--importer", default="build/bin/llmc import")
    ap.add_argument("--data", default="/usr/include/onnx/backend/test/data/node")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    cmd = shlex.split(args.importer)

    ok, frozen_ok, skipped, failed, crashed = [], [], [], [], []
    reasons = collections.Counter()
    for test in sorted(os.listdir(args.data)):
        model_path = os.path.join(args.data, test, "model.onnx")
        if not os.path.exists(model_path):
            continue
        rc, err = run(cmd, model_path, {})
        frozen = {}
        if rc == 1 and "must be a compile-time constant" in err:
            model = onnx.load(model_path)
            inputs = graph_inputs(model)
            pb = {i.name: os.path.join(args.data, test, "test_data_set_0", f"input_{k}.pb")
                  for k, i in enumerate(inputs)}
            for _ in range(len(inputs)):
                m = re.search(r"input '([^']*)' must be a compile-time constant", err)
                name = m.group(1) if m else None
                if name in pb and name not in frozen:
                    frozen[name] = pb[name]
                else:
                    for i in inputs:
                        if i.type.tensor_type.elem_type in INT_TYPES:
                            frozen[i.name] = pb[i.name]
                rc, err = run(cmd, model_path, frozen)
                if not (rc == 1 and "must be a compile-time constant" in err):
                    break
        first = err.strip().splitlines()[0] if err.strip() else ""
        if rc == 0:
            (frozen_ok if frozen else ok).append(test)
        elif rc == 1 and "unsupported op type" in err:
            skipped.append(test)
        elif rc == 1:
            failed.append((test, first))
            reason = re.sub(r"^.*?error: ", "", first)
            reason = re.sub(r"^\S*\.onnx: ", "", reason)
            reason = re.sub(r"^node '[^']*': ", "", reason)
            reason = re.sub(r"'[^']*'", "'_'", reason)
            reason = re.sub(r"tensor<[^>]*>", "tensor<_>", reason)
            reasons[reason[:110]] += 1
        else:
            crashed.append((test, rc, err[-400:]))
        if args.v:
            print(f"{test}: rc={rc} frozen={sorted(frozen)} {first}")

    total = len(ok) + len(frozen_ok) + len(skipped) + len(failed) + len(crashed)
    print(f"node tests: {total}")
    print(f"  imported:          {len(ok) + len(frozen_ok)} ({len(frozen_ok)} with frozen inputs)")
    print(f"  unsupported ops:   {len(skipped)}")
    print(f"  failed (error):    {len(failed)}")
    print(f"  crashed:           {len(crashed)}")
    for reason, count in reasons.most_common():
        print(f"    {count:4d}  {reason}")
    for test, first in failed:
        print(f"  FAIL {test}: {first}")
    for test, rc, err in crashed:
        print(f"  CRASH {test} (rc {rc}): {err}")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
