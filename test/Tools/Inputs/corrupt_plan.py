#!/usr/bin/python3
"""Writes damaged copies of a plan for loader tests:
corrupt_plan.py MODE IN OUT, MODE in truncate-header|truncate-tail|flip-header|
flip-code|flip-weights|bad-magic|newer-version."""
import struct
import sys

mode, src, dst = sys.argv[1:4]
data = bytearray(open(src, "rb").read())
header_len = struct.unpack_from("<I", data, 12)[0]
if mode == "truncate-header":
    data = data[: 24 + header_len // 2]
elif mode == "truncate-tail":
    data = data[: len(data) - 7]
elif mode == "flip-header":
    data[24 + header_len // 2] ^= 0x10
elif mode in ("flip-code", "flip-weights"):
    # Sections follow the header; the code section comes first, the weights
    # section is last and page aligned.
    if mode == "flip-code":
        pos = (24 + header_len + 63) // 64 * 64 + 100
    else:
        pos = len(data) - 1
    data[pos] ^= 0x01
elif mode == "bad-magic":
    data[0:8] = b"NOTAPLAN"
elif mode == "newer-version":
    struct.pack_into("<I", data, 8, 99)
else:
    sys.exit("unknown mode " + mode)
open(dst, "wb").write(bytes(data))
