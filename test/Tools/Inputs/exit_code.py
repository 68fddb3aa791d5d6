#!/usr/bin/python3
"""exit_code.py CMD ARGS...: runs CMD and prints its exit code and how many
lines it wrote to stderr (a crash shows as a negative exit code)."""
import subprocess
import sys

p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
lines = [l for l in p.stderr.decode(errors="replace").splitlines() if l.strip()]
print("exit=%d stderr-lines=%d" % (p.returncode, len(lines)))
for l in lines:
    print("  " + l)
