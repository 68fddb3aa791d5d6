"""ONNX Runtime (1.30, via onnxruntime-node) as the numerical reference peer.

    from ort_peer import ort_available, run_ort
    ok, reason = ort_available()
    outs = run_ort("model.onnx", {"x": np.ones((2, 3), np.float32)})

run_ort writes the inputs in ort_run.js's exchange format (inputs.json + one
raw little-endian file per tensor) to a temporary directory, runs
`node ort_run.js` on it, and reads the outputs back as numpy arrays, keyed by
output name, in the model's output order. ORT runs on the CPU EP with graph
optimizations disabled, so it computes the graph as written.

onnxruntime-node is installed by scripts/setup_ort.sh into test/peer/node_modules
(or $LLMC_ORT_DIR/node_modules); node is `node` on PATH (or $LLMC_NODE).
Runs with /usr/bin/python3 (numpy); onnx is not needed.
"""
import json
import os
import shutil
import subprocess
import tempfile

import numpy as np

ORT_VERSION = "1.30.0"
HERE = os.path.dirname(os.path.abspath(__file__))
ORT_RUN = os.path.join(HERE, "ort_run.js")

# ONNX TensorProto.DataType -> numpy dtype name (== ORT-node tensor type).
ONNX_TO_NUMPY = {1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32",
                 7: "int64", 9: "bool", 10: "float16", 11: "float64", 12: "uint32", 13: "uint64"}
SUPPORTED = set(ONNX_TO_NUMPY.values())


class OrtError(RuntimeError):
    """ORT could not load or run the model (message: ort_run.js's one line)."""


def ort_dir():
    return os.environ.get("LLMC_ORT_DIR") or HERE


def node_exe():
    return os.environ.get("LLMC_NODE") or shutil.which("node")


_available = None


def ort_available():
    """(True, "onnxruntime-node 1.30.0") or (False, why). Cached per process."""
    global _available
    if _available is not None:
        return _available
    base = ort_dir()
    marker = os.path.join(base, "node_modules", ".ort-unavailable")
    pkg = os.path.join(base, "node_modules", "onnxruntime-node", "package.json")
    if not node_exe():
        _available = (False, "node is not installed")
    elif os.path.exists(marker):  # setup_ort.sh failed (it removes the marker on success)
        with open(marker) as f:
            _available = (False, f.read().strip() or "scripts/setup_ort.sh could not install it")
    elif os.path.exists(pkg):
        try:
            with open(pkg) as f:
                version = json.load(f).get("version")
        except (OSError, ValueError) as e:
            version = "unreadable (%s)" % e
        if version == ORT_VERSION:
            _available = (True, "onnxruntime-node %s" % version)
        else:
            _available = (False, "onnxruntime-node %s installed in %s, want %s (run scripts/setup_ort.sh)"
                          % (version, base, ORT_VERSION))
    else:
        _available = (False, "onnxruntime-node is not installed in %s (run scripts/setup_ort.sh)"
                      % os.path.join(base, "node_modules"))
    return _available


def _write_inputs(in_dir, inputs):
    manifest = []
    for k, (name, value) in enumerate(inputs.items()):
        a = np.asarray(value)
        if a.dtype.name not in SUPPORTED:
            raise OrtError("input '%s': dtype %s is not supported by onnxruntime-node" % (name, a.dtype))
        fname = "input_%d.bin" % k
        with open(os.path.join(in_dir, fname), "wb") as f:  # row-major, little-endian
            f.write(a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes(order="C"))
        manifest.append({"name": name, "dtype": a.dtype.name, "dims": list(a.shape), "file": fname})
    with open(os.path.join(in_dir, "inputs.json"), "w") as f:
        json.dump(manifest, f)


def _read_outputs(out_dir):
    with open(os.path.join(out_dir, "outputs.json")) as f:
        manifest = json.load(f)
    outs = {}
    for e in manifest:
        dtype = e["dtype"]
        if isinstance(dtype, int) or str(dtype).isdigit():
            dtype = ONNX_TO_NUMPY[int(dtype)]
        a = np.fromfile(os.path.join(out_dir, e["file"]), dtype=np.dtype(dtype).newbyteorder("<"))
        outs[e["name"]] = a.astype(np.dtype(dtype), copy=False).reshape(e["dims"])
    return outs


def run_ort(model_path, inputs, timeout=120):
    """Runs model_path once with ONNX Runtime; inputs: name -> np.ndarray.

    Returns name -> np.ndarray for every graph output, in graph order.
    Raises OrtError when ORT is unavailable or rejects the model/inputs.
    """
    ok, why = ort_available()
    if not ok:
        raise OrtError("ONNX Runtime unavailable: " + why)
    work = tempfile.mkdtemp(prefix="llmc-ort-")
    try:
        in_dir, out_dir = os.path.join(work, "in"), os.path.join(work, "out")
        os.mkdir(in_dir)
        _write_inputs(in_dir, inputs)
        env = dict(os.environ, LLMC_ORT_DIR=ort_dir())
        try:
            p = subprocess.run([node_exe(), ORT_RUN, os.path.abspath(model_path), in_dir, out_dir],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            raise OrtError("ONNX Runtime timed out after %ds" % timeout)
        if p.returncode != 0:
            lines = p.stderr.decode(errors="replace").strip().splitlines()
            raise OrtError(lines[-1] if lines else "ort_run.js exit %d" % p.returncode)
        return _read_outputs(out_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    import sys
    ok, why = ort_available()
    print(("available: " if ok else "unavailable: ") + why)
    sys.exit(0 if ok else 1)
