"""The thread policy: set when ``bot`` is imported, before numpy or FAISS load; never overrides
what the environment says."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.threads import POLICY, apply_thread_policy


def test_policy_fills_in_only_what_the_environment_leaves_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in POLICY:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    apply_thread_policy()
    assert os.environ["OMP_NUM_THREADS"] == "3"
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"


def test_importing_bot_applies_it_before_numpy_loads() -> None:
    env = {k: v for k, v in os.environ.items() if k not in POLICY}
    code = "import sys, os, bot; print(os.environ['OMP_WAIT_POLICY'], 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["PASSIVE", "False"]


def test_a_blas_pool_loaded_before_bot_is_limited_too() -> None:
    env = {k: v for k, v in os.environ.items() if k not in POLICY}
    code = (
        "import numpy, bot\n"
        "from threadpoolctl import threadpool_info\n"
        "print(sorted({i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[1]"
