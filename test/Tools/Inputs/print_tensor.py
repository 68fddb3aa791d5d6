#!/usr/bin/python3
"""print_tensor.py FILE.pb: prints a TensorProto's name, dtype, shape and values."""
import sys

import numpy as np
import onnx
from onnx import numpy_helper

t = onnx.TensorProto()
t.ParseFromString(open(sys.argv[1], "rb").read())
a = numpy_helper.to_array(t)
np.set_printoptions(precision=4, suppress=True)
print("%s %s %s %s" % (t.name, a.dtype, list(a.shape), a.flatten().tolist()))
