"""Runs the kjv scripts under OpenBLAS when it is installed.

Debian's python3-torch multiplies matrices with whatever libblas.so.3 the
alternatives system provides; the reference BLAS (libblas3) is ~50x slower
than OpenBLAS. When libopenblas0-openmp (or -pthread) is installed,
use_openblas() re-executes the running script with that OpenBLAS first on
LD_LIBRARY_PATH (the system's alternatives are left as they are). Import and
call it before torch is imported. KJV_NO_OPENBLAS=1 turns it off.
"""
import os
import sys

OPENBLAS_DIRS = ["/usr/lib/x86_64-linux-gnu/openblas-openmp", "/usr/lib/x86_64-linux-gnu/openblas-pthread",
                 "/usr/lib/aarch64-linux-gnu/openblas-openmp", "/usr/lib/aarch64-linux-gnu/openblas-pthread"]


def use_openblas():
    if os.environ.get("KJV_BLAS_REEXEC") or os.environ.get("KJV_NO_OPENBLAS"):
        return
    for d in OPENBLAS_DIRS:
        if os.path.exists(os.path.join(d, "libblas.so.3")):
            old = os.environ.get("LD_LIBRARY_PATH")
            env = dict(os.environ, KJV_BLAS_REEXEC=d, LD_LIBRARY_PATH=d + (":" + old if old else ""))
            os.execve(sys.executable, [sys.executable] + sys.argv, env)


def which():
    return os.environ.get("KJV_BLAS_REEXEC", "system libblas.so.3")
