"""Big index arrays backed by files instead of RAM (issue 9: 100k paragraphs in 1.5 GB).

Two tools. ``release`` drops the resident pages of a memory-mapped array after a pass over
it (the file stays mapped; the next read pages it in again from the page cache), so reading
an array once does not keep it in the process's RSS. ``Scratch`` is a folder beside the index
where a build writes its biggest arrays through a memory map, in bounded steps, and which
``store.save`` hard-links into the new index version instead of copying them.
"""

from __future__ import annotations

import mmap
import os
import shutil
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

STEP_BYTES = 64 << 20  # write this much, then let the pages go


def release(array: Any) -> None:
    """Give back the resident pages of ``array`` if it is (a view of) a memory map."""
    base = array
    while base is not None and not isinstance(base, np.memmap):
        base = getattr(base, "base", None)
    mapped = getattr(base, "_mmap", None)
    if mapped is not None:
        if base is not None and base.mode in ("r+", "w+"):
            mapped.flush()
        mapped.madvise(mmap.MADV_DONTNEED)


def filename(array: Any) -> Path | None:
    """The file behind a writable memory-mapped array, else None."""
    if isinstance(array, np.memmap) and array.filename and array.mode in ("r+", "w+"):
        return Path(array.filename)
    return None


class Scratch:
    """A temporary folder next to ``index_dir`` for arrays a build writes through files."""

    def __init__(self, index_dir: Path) -> None:
        index_dir.parent.mkdir(parents=True, exist_ok=True)
        self.folder = index_dir.parent / f".{index_dir.name}.scratch-{os.getpid()}-{time.time_ns()}"
        self.folder.mkdir()

    def array(self, name: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """A zero-filled array in a new .npy file of this folder."""
        return np.lib.format.open_memmap(self.folder / f"{name}.npy", mode="w+", dtype=dtype, shape=shape)

    def fill(self, out: np.ndarray, rows: np.ndarray, values: Any) -> None:
        """``out[rows] = values`` in steps of STEP_BYTES, releasing written pages as it goes
        (``values`` is an array or a callable giving the values of a slice of ``rows``)."""
        step = max(1, STEP_BYTES // max(1, out[0:1].nbytes))
        for start in range(0, len(rows), step):
            part = slice(start, start + step)
            out[rows[part]] = values(part) if callable(values) else values[part]
            release(out)

    def __enter__(self) -> Scratch:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
