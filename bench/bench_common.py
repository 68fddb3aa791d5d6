"""What the bench/ scripts share. They run as `python3 bench/NAME.py`, so
this directory is on sys.path and `import bench_common` works from anywhere.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def vocab_size(model):
    """The static vocab dim of MODEL's `logits` output (the ONNX file only,
    not its external data)."""
    import onnx
    m = onnx.load(model, load_external_data=False)
    for out in m.graph.output:
        if out.name == "logits":
            return out.type.tensor_type.shape.dim[2].dim_value
    raise SystemExit("no logits output with a static vocab dim in " + model)


def import_serving_common():
    """test/serving/serving_common.py (free ports, starting and stopping
    llmrun), as the serving tests use it."""
    sys.path.insert(0, os.path.join(ROOT, "test", "serving"))
    import serving_common
    return serving_common
