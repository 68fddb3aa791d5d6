#!/usr/bin/python3
"""Conformance runner over ONNX's backend node tests (Debian libonnx-testdata).

Every test model whose ops are all in llmc's op set is compiled with
`llmc compile` and run with `llmrun --exec` on each test_data_set_*; outputs
are compared with the reference output_*.pb (fp32/fp64: rtol 1e-4, atol 1e-5;
fp16: rtol 1e-3; bf16: rtol 1/128; NaN matches NaN; integers and bools
exactly).

Shape-like operands (Reshape's shape, Slice's starts, ...) must be known at
compile time, as with TensorRT's shape tensors: when a test passes them as
graph inputs, they are frozen into the plan with `--freeze-input`.

Exit status is non-zero when a test listed in the expected-pass file fails.
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = "/usr/include/onnx/backend/test/data/node"

OP_SET = set("""
Add Sub Mul Div Pow Sqrt Reciprocal Neg Abs Exp Log Cos Sin Tanh Erf Sigmoid
Relu Gelu Softmax LogSoftmax MatMul Gemm Cast CastLike Reshape Transpose Squeeze
Unsqueeze Concat Split Slice Gather Shape ConstantOfShape Constant Range Expand
Where Equal Less Greater LessOrEqual GreaterOrEqual And Or Not Trilu ReduceMean
ReduceSum ReduceMax Max Min Identity LayerNormalization ScatterND CumSum
""".split())

# Operand positions that must be compile-time constants, per op type.
SHAPE_LIKE = {
    "Reshape": {1}, "Expand": {1}, "Slice": {1, 2, 3, 4}, "Squeeze": {1},
    "Unsqueeze": {1}, "Split": {1}, "ReduceMean": {1}, "ReduceSum": {1},
    "ReduceMax": {1}, "Trilu": {1}, "CumSum": {1}, "ConstantOfShape": {0},
    "Range": {0, 1, 2},
}

# Element types the plan format and code generator do not handle, with why.
EXCLUDED_TYPES = {
    onnx.TensorProto.STRING: "string tensors are not numeric",
    onnx.TensorProto.COMPLEX64: "complex tensors are out of scope",
    onnx.TensorProto.COMPLEX128: "complex tensors are out of scope",
}
for name in ("FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ"):
    if hasattr(onnx.TensorProto, name):
        EXCLUDED_TYPES[getattr(onnx.TensorProto, name)] = "fp8 activations are not supported"


def value_types(graph):
    for vi in list(graph.input) + list(graph.output):
        if vi.type.HasField("tensor_type"):
            yield vi.type.tensor_type.elem_type
        else:
            yield None  # sequence/optional/map


def classify(test_dir):
    """Returns (eligible, reason, model)."""
    model = onnx.load(os.path.join(test_dir, "model.onnx"))
    ops = {(n.domain or "", n.op_type) for n in model.graph.node}
    foreign = sorted(op for dom, op in ops if dom not in ("", "ai.onnx") or op not in OP_SET)
    if foreign:
        return False, "ops outside the op set: " + ",".join(foreign), model
    for t in value_types(model.graph):
        if t is None:
            return False, "excluded: non-tensor graph input/output (sequence/optional)", model
        if t in EXCLUDED_TYPES:
            return False, "excluded: " + EXCLUDED_TYPES[t], model
    for n in model.graph.node:
        for a in n.attribute:
            if a.g.node or len(a.graphs):
                return False, "excluded: subgraph attribute", model
    return True, "", model


def frozen_inputs(model):
    """Graph inputs that shape-like operands are computed from.

    Like TensorRT's shape-tensor analysis: walk back from every shape-like
    operand through its producers (Cast, Sub, Unsqueeze, ...) to graph inputs.
    """
    initializers = {i.name for i in model.graph.initializer}
    graph_inputs = [i.name for i in model.graph.input if i.name not in initializers]
    producer = {out: n for n in model.graph.node for out in n.output}
    frozen, stack, seen = set(), [], set()
    for n in model.graph.node:
        for pos in SHAPE_LIKE.get(n.op_type, ()):
            if pos < len(n.input) and n.input[pos]:
                stack.append(n.input[pos])
    while stack:
        value = stack.pop()
        if value in seen:
            continue
        seen.add(value)
        if value in graph_inputs:
            frozen.add(value)
        elif value in producer:
            p = producer[value]
            # Shape only reads its input's dims, never its values.
            if p.op_type != "Shape":
                stack.extend(i for i in p.input if i)
    return [(i, name) for i, name in enumerate(graph_inputs) if name in frozen], graph_inputs


# Relative tolerance by element type: fp32 as the spec says; half types get
# about one unit in the last place of their own precision.
FLOAT_RTOL = {np.dtype("float32"): 1e-4, np.dtype("float64"): 1e-4, np.dtype("float16"): 1e-3}
BF16_RTOL = 1.0 / 128


def bf16_bits_to_float(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def tensor_from_file(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return t


def as_bf16_bits(t):
    """uint16 bit patterns of a BFLOAT16 (or bf16-as-UINT16) TensorProto."""
    if t.raw_data:
        return np.frombuffer(t.raw_data, dtype=np.uint16).reshape(tuple(t.dims))
    return np.array(t.int32_data, dtype=np.uint16).reshape(tuple(t.dims))


def compare(expected, actual):
    if expected.shape != actual.shape:
        return "shape %s, expected %s" % (actual.shape, expected.shape)
    if expected.dtype != actual.dtype:
        return "dtype %s, expected %s" % (actual.dtype, expected.dtype)
    if expected.dtype.kind == "f":
        e = expected.astype(np.float64)
        a = actual.astype(np.float64)
        ok = np.isclose(a, e, rtol=FLOAT_RTOL[expected.dtype], atol=1e-5, equal_nan=True)
        if not ok.all():
            bad = np.argwhere(~ok)[0]
            return "mismatch at %s: got %r, expected %r (%d of %d differ)" % (
                tuple(bad), a[tuple(bad)], e[tuple(bad)], (~ok).sum(), ok.size)
        return None
    if not np.array_equal(expected, actual):
        bad = np.argwhere(expected != actual)[0] if expected.size else ()
        return "mismatch at %s: got %r, expected %r" % (
            tuple(bad), actual[tuple(bad)], expected[tuple(bad)])
    return None


def data_shape_mismatch(model, test_dir, graph_inputs):
    """A few ONNX 1.12 tests feed data whose shape contradicts the model's
    declared static input shape; no engine can run those as declared."""
    declared = {vi.name: vi.type.tensor_type.shape for vi in model.graph.input}
    for ds in sorted(d for d in os.listdir(test_dir) if d.startswith("test_data_set_")):
        for i, nm in enumerate(graph_inputs):
            path = os.path.join(test_dir, ds, "input_%d.pb" % i)
            if not os.path.exists(path) or nm not in declared:
                continue
            dims = list(tensor_from_file(path).dims)
            want = [d.dim_value if d.HasField("dim_value") else None for d in declared[nm].dim]
            if len(dims) != len(want) or any(w is not None and w != d for w, d in zip(want, dims)):
                return "test data for '%s' has shape %s but the model declares %s" % (
                    nm, dims, ["?" if w is None else w for w in want])
    return None


def fix_bf16_input(path, declared, work, index):
    """ONNX 1.12's test data stores bfloat16 tensors as UINT16 bit patterns;
    relabel them as BFLOAT16 (same bits) so the plan's dtype check passes."""
    if declared != onnx.TensorProto.BFLOAT16:
        return path
    t = tensor_from_file(path)
    if t.data_type != onnx.TensorProto.UINT16:
        return path
    fixed = onnx.TensorProto()
    fixed.name, fixed.data_type = t.name, onnx.TensorProto.BFLOAT16
    fixed.dims.extend(t.dims)
    fixed.raw_data = as_bf16_bits(t).astype("<u2").tobytes()
    out = os.path.join(work, "bf16_input_%d.pb" % index)
    with open(out, "wb") as f:
        f.write(fixed.SerializeToString())
    return out


def compare_bf16(expected_bits, actual_bits):
    """bfloat16 outputs compare as floats within bfloat16 precision."""
    e, a = bf16_bits_to_float(expected_bits), bf16_bits_to_float(actual_bits)
    if e.shape != a.shape:
        return "shape %s, expected %s" % (a.shape, e.shape)
    ok = np.isclose(a, e, rtol=BF16_RTOL, atol=1e-5, equal_nan=True)
    if not ok.all():
        bad = tuple(np.argwhere(~ok)[0])
        return "mismatch at %s: got %r, expected %r" % (bad, a[bad], e[bad])
    return None


def run(cmd, timeout):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace").strip()


def run_test(args, name):
    test_dir = os.path.join(args.data, name)
    try:
        eligible, reason, model = classify(test_dir)
    except Exception as e:  # unreadable test data
        return name, "SKIP", "cannot load: %s" % e
    if not eligible:
        return name, "SKIP", reason
    frozen, graph_inputs = frozen_inputs(model)
    frozen_idx = {i for i, _ in frozen}
    mismatch = data_shape_mismatch(model, test_dir, graph_inputs)
    if mismatch:
        return name, "SKIP", "excluded: " + mismatch
    work = tempfile.mkdtemp(prefix="llmc-conf-")
    try:
        data_sets = sorted(d for d in os.listdir(test_dir) if d.startswith("test_data_set_"))
        plan = None
        for ds in data_sets:
            ds_dir = os.path.join(test_dir, ds)
            if plan is None or frozen:
                plan = os.path.join(work, ds + ".plan")
                cmd = [args.llmc, "compile", os.path.join(test_dir, "model.onnx"), "-o", plan]
                for i, nm in frozen:
                    cmd += ["--freeze-input", "%s=%s" % (nm, os.path.join(ds_dir, "input_%d.pb" % i))]
                rc, out = run(cmd, args.timeout)
                if rc != 0:
                    return name, "FAIL", "compile: " + out.splitlines()[-1] if out else "compile failed"
            out_dir = os.path.join(work, ds + ".out")
            cmd = [args.llmrun, plan, "--exec", "--output-dir", out_dir]
            declared = {vi.name: vi.type.tensor_type.elem_type for vi in model.graph.input}
            for i, nm in enumerate(graph_inputs):
                path = os.path.join(ds_dir, "input_%d.pb" % i)
                if i not in frozen_idx and os.path.exists(path):
                    path = fix_bf16_input(path, declared.get(nm), work, i)
                    cmd += ["--input", "%s=%s" % (nm, path)]
            rc, out = run(cmd, args.timeout)
            if rc != 0:
                return name, "FAIL", "run: " + (out.splitlines()[-1] if out else "exit %d" % rc)
            for k, vi in enumerate(model.graph.output):
                ref = onnx.TensorProto()
                with open(os.path.join(ds_dir, "output_%d.pb" % k), "rb") as f:
                    ref.ParseFromString(f.read())
                got_path = os.path.join(out_dir, vi.name.replace("/", "_") + ".pb")
                if not os.path.exists(got_path):
                    return name, "FAIL", "missing output %s" % vi.name
                got = onnx.TensorProto()
                with open(got_path, "rb") as f:
                    got.ParseFromString(f.read())
                if vi.type.tensor_type.elem_type == onnx.TensorProto.BFLOAT16:
                    err = compare_bf16(as_bf16_bits(ref), as_bf16_bits(got))
                else:
                    err = compare(numpy_helper.to_array(ref), numpy_helper.to_array(got))
                if err:  # peer-ort hook: ONNX Runtime may arbitrate a numerical mismatch
                    err = peer_ort_check(args, name, model, test_dir, ds_dir, graph_inputs, vi, ref, got, err)
                if err:
                    return name, "FAIL", "%s output %s: %s" % (ds, vi.name, err)
        return name, "PASS", peer_ort_note(args, name)
    except subprocess.TimeoutExpired:
        return name, "FAIL", "timeout"
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- ONNX Runtime as the arbiter (--peer-ort) --------------------------------
# When llmc's output differs numerically from a reference output_*.pb, run the
# same model and inputs with ONNX Runtime 1.30 (test/peer/ort_peer.py; frozen
# inputs are fed as ordinary inputs). If llmc matches ORT within the same
# tolerance and ORT also disagrees with the reference, the reference data is
# taken to be wrong: the test passes with a note, counted apart in the totals.
# Otherwise it stays FAIL with ORT's verdict appended to the detail.
# See docs/conformance.md, "ONNX Runtime as the arbiter".
import threading  # noqa: E402

PEER_ORT_NOTE = "reference data disagrees with ONNX Runtime 1.30; llmc matches ORT"
_peer_ort_arbitrated = {}  # test name -> note
_peer_ort_cache = threading.local()  # last (model, data set) -> ORT outputs, per worker


def peer_ort_add_args(ap):
    ap.add_argument("--peer-ort", dest="peer_ort", action="store_true", default=None,
                    help="arbitrate numerical mismatches with ONNX Runtime 1.30 "
                         "(default: on when scripts/setup_ort.sh installed it)")
    ap.add_argument("--no-peer-ort", dest="peer_ort", action="store_false")


def _peer_ort_module():
    peer_dir = os.path.join(os.path.dirname(HERE), "peer")
    if peer_dir not in sys.path:
        sys.path.insert(0, peer_dir)
    import ort_peer
    return ort_peer


def peer_ort_enabled(args):
    """(on, reason) for this run; --no-peer-ort wins, default is availability."""
    if args.peer_ort is False:
        return False, "disabled by --no-peer-ort"
    return _peer_ort_module().ort_available()


def _peer_ort_outputs(model_path, model, ds_dir, graph_inputs):
    key = (model_path, ds_dir)
    if getattr(_peer_ort_cache, "key", None) != key:
        declared = {vi.name: vi.type.tensor_type.elem_type for vi in model.graph.input}
        inputs = {}
        for i, nm in enumerate(graph_inputs):
            path = os.path.join(ds_dir, "input_%d.pb" % i)
            if not os.path.exists(path):
                continue
            if declared.get(nm) == onnx.TensorProto.BFLOAT16:
                raise _peer_ort_module().OrtError("onnxruntime-node has no bfloat16 tensors")
            inputs[nm] = numpy_helper.to_array(tensor_from_file(path))
        _peer_ort_cache.key, _peer_ort_cache.outputs = None, None
        _peer_ort_cache.outputs = _peer_ort_module().run_ort(model_path, inputs)
        _peer_ort_cache.key = key
    return _peer_ort_cache.outputs


def peer_ort_check(args, name, model, test_dir, ds_dir, graph_inputs, vi, ref, got, err):
    """Hook for a failed output comparison: returns None when ORT arbitrates
    the mismatch in llmc's favour, else err with ORT's verdict appended."""
    if not err.startswith("mismatch at"):  # shape/dtype errors are not numerical
        return err
    on, why = peer_ort_enabled(args)
    if not on:
        return err if args.peer_ort is False else "%s [ONNX Runtime not consulted: %s]" % (err, why)
    if vi.type.tensor_type.elem_type == onnx.TensorProto.BFLOAT16:
        return err + " [ONNX Runtime not consulted: onnxruntime-node has no bfloat16 tensors]"
    try:
        outs = _peer_ort_outputs(os.path.join(test_dir, "model.onnx"), model, ds_dir, graph_inputs)
    except Exception as e:  # OrtError, unreadable data
        return "%s [ONNX Runtime 1.30 failed: %s]" % (err, e)
    if vi.name not in outs:
        return "%s [ONNX Runtime 1.30 returned no output %s]" % (err, vi.name)
    ort = outs[vi.name]
    expected = numpy_helper.to_array(ref)
    llmc_vs_ort = compare(ort, numpy_helper.to_array(got))
    ort_vs_ref = compare(expected, ort)
    if llmc_vs_ort is None and ort_vs_ref is not None:
        _peer_ort_arbitrated[name] = PEER_ORT_NOTE
        return None
    if ort_vs_ref is None:
        return err + " [ONNX Runtime 1.30 agrees with the reference]"
    return "%s [ONNX Runtime 1.30 disagrees with both; llmc vs ORT: %s]" % (err, llmc_vs_ort)


def peer_ort_note(args, name):
    """Detail for a passing test: the arbitration note, or ""."""
    return _peer_ort_arbitrated.get(name, "")


def peer_ort_totals(args, passed):
    n = sum(1 for t in passed if t in _peer_ort_arbitrated)
    return " (%d arbitrated by ONNX Runtime)" % n if n else ""
# --- end of ONNX Runtime as the arbiter --------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--expected", default=os.path.join(HERE, "expected_pass.txt"))
    ap.add_argument("--filter", default="", help="regex on test names")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("--update", action="store_true",
                    help="rewrite the expected-pass list with today's passes")
    ap.add_argument("--quiet", action="store_true", help="print failures and totals only")
    peer_ort_add_args(ap)
    args = ap.parse_args()
    if not os.path.isdir(args.data):
        print("conformance: SKIP: %s not found (install libonnx-testdata)" % args.data)
        return 0
    args.llmc = os.path.join(args.build, "bin", "llmc")
    args.llmrun = os.path.join(args.build, "bin", "llmrun")
    names = sorted(n for n in os.listdir(args.data) if n.startswith("test_"))
    if args.filter:
        names = [n for n in names if re.search(args.filter, n)]

    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for name, status, detail in pool.map(lambda n: run_test(args, n), names):
            results[name] = (status, detail)
            if status != "SKIP" and not (args.quiet and status == "PASS" and not detail):
                print("%-4s %s%s" % (status, name, ("  " + detail) if detail else ""), flush=True)

    passed = sorted(n for n, (s, _) in results.items() if s == "PASS")
    failed = sorted(n for n, (s, _) in results.items() if s == "FAIL")
    skipped = [n for n, (s, _) in results.items() if s == "SKIP"]
    excluded = [n for n in skipped if results[n][1].startswith("excluded")]
    eligible = len(passed) + len(failed)
    rate = 100.0 * len(passed) / eligible if eligible else 0.0
    print("conformance: %d passed%s, %d failed of %d eligible (%.1f%%); %d outside the op set, %d excluded"
          % (len(passed), peer_ort_totals(args, passed), len(failed), eligible, rate, len(skipped) - len(excluded), len(excluded)))

    if args.update:
        with open(args.expected, "w") as f:
            f.write("# Node tests that must pass (written by run_node_tests.py --update).\n")
            # Arbitrated passes need ONNX Runtime to be verified again.
            f.writelines(n + (" arbitrated" if peer_ort_note(args, n) else "") + "\n"
                         for n in passed)
        print("conformance: wrote %d names to %s" % (len(passed), args.expected))
        return 0
    expected, arbitrated = [], set()
    if os.path.exists(args.expected):
        with open(args.expected) as f:
            for line in f:
                words = line.split()
                if not words or words[0].startswith("#"):
                    continue
                expected.append(words[0])
                if "arbitrated" in words[1:]:
                    arbitrated.add(words[0])
    ort_on, ort_why = peer_ort_enabled(args)
    unverified = [n for n in expected if n in arbitrated and not ort_on
                  and results.get(n, ("",))[0] == "FAIL"]
    if unverified:
        print("conformance: %d expected passes need ONNX Runtime to arbitrate and were not verified (%s)"
              % (len(unverified), ort_why))
    regressed = [n for n in expected if n in results and results[n][0] != "PASS"
                 and n not in unverified]
    if regressed:
        print("conformance: REGRESSION in %d expected-pass tests:" % len(regressed))
        for n in regressed:
            print("  %s: %s" % (n, results[n][1]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
