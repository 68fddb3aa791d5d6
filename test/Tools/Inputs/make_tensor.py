#!/usr/bin/python3
"""make_tensor.py OUT.pb NAME DTYPE SHAPE EXPR: writes an ONNX TensorProto whose
values are numpy expression EXPR (with `np` and `n` = element count), e.g.
make_tensor.py a.pb a float32 2x3 'np.arange(n)'."""
import sys

import numpy as np
from onnx import numpy_helper

out, name, dtype, shape, expr = sys.argv[1:6]
dims = [int(d) for d in shape.split("x")] if shape else []
n = int(np.prod(dims)) if dims else 1
values = np.asarray(eval(expr, {"np": np, "n": n})).astype(dtype).reshape(dims)
open(out, "wb").write(numpy_helper.from_array(values, name).SerializeToString())
