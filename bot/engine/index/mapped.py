"""Big index arrays backed by files instead of RAM (issue 9: 100k paragraphs in 1.5 GB).

``release`` drops the resident pages of a memory-mapped array after a pass over it (the
file stays mapped; the next read pages it in again from the page cache), so reading an
array once does not keep it in the process's RSS. ``RowFile`` reads rows of a saved matrix
with ``pread`` when they are asked for: memory maps are no good for scattered reads here, as
the page cache holds large folios and one touched row maps up to 2 MiB (measured: 100
random rows of the sentence vectors made 166 MiB resident, with or without MADV_RANDOM).
``Scratch`` is a folder beside the index where a build writes its biggest arrays through a
memory map, in bounded steps, and which ``store.save`` hard-links into the new version.
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

STEP_BYTES = 32 << 20  # write this much, then let the pages go


def release(array: Any) -> None:
    """Give back the resident pages of ``array`` if it is (a view of) a memory map. Written
    pages need no flush first: the mapping is shared, so they stay in the page cache (dirty,
    written back by the kernel; ``store.save`` syncs the files it keeps)."""
    base = _memmap(array)
    if base is not None:
        base._mmap.madvise(mmap.MADV_DONTNEED)


class RowFile:
    """The rows of a .npy matrix on disk, read on demand. It holds the file open, so it
    outlives a later save removing its folder; ``np.asarray`` reads it whole."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as fh:
            header = np.lib.format
            version = header.read_magic(fh)
            read = header.read_array_header_1_0 if version == (1, 0) else header.read_array_header_2_0
            shape, fortran, dtype = read(fh)
            self._start = fh.tell()
        if fortran or len(shape) != 2:
            raise ValueError(f"{path.name} is not a C-ordered matrix")
        self.shape: tuple[int, int] = (int(shape[0]), int(shape[1]))
        self.dtype = np.dtype(dtype)
        self._row = self.shape[1] * self.dtype.itemsize
        self._fd = os.open(path, os.O_RDONLY)
        if os.fstat(self._fd).st_size < self._start + self.shape[0] * self._row:
            os.close(self._fd)
            raise ValueError(f"{path.name} is shorter than its header says")

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: Any) -> np.ndarray:
        """Rows by a list or array of row numbers (runs of consecutive rows: one read each)."""
        wanted = np.asarray(rows, dtype=np.int64).ravel()
        out = np.empty((len(wanted), self.shape[1]), dtype=self.dtype)
        if not len(wanted):
            return out
        if wanted.min() < 0 or wanted.max() >= self.shape[0]:
            raise IndexError("row out of range")
        breaks = np.flatnonzero(np.diff(wanted) != 1) + 1
        for start, end in zip(np.r_[0, breaks], np.r_[breaks, len(wanted)], strict=True):
            at = self._start + int(wanted[start]) * self._row
            data = os.pread(self._fd, int(end - start) * self._row, at)
            out[start:end] = np.frombuffer(data, dtype=self.dtype).reshape(-1, self.shape[1])
        return out

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        whole = self[np.arange(self.shape[0])]
        return whole if dtype is None else whole.astype(dtype)

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)


def _memmap(array: Any) -> Any:
    base = array
    while base is not None and not isinstance(base, np.memmap):
        base = getattr(base, "base", None)
    return base if getattr(base, "_mmap", None) is not None else None


def filename(array: Any) -> Path | None:
    """The file behind a writable memory-mapped array (or a view of all of one), else None."""
    base = _memmap(array)
    if base is None or not base.filename or base.mode not in ("r+", "w+"):
        return None
    whole = array.dtype == base.dtype and array.nbytes == base.nbytes and array.flags.c_contiguous
    same = array.__array_interface__["data"][0] == base.__array_interface__["data"][0]
    return Path(base.filename) if whole and same else None


class Scratch:
    """A temporary folder next to ``index_dir`` for arrays a build writes through files."""

    def __init__(self, index_dir: Path) -> None:
        index_dir.parent.mkdir(parents=True, exist_ok=True)
        self.folder = index_dir.parent / f".{index_dir.name}.scratch-{os.getpid()}-{time.time_ns()}"
        self.folder.mkdir()

    def array(self, name: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """A zero-filled array in a new .npy file of this folder."""
        return np.lib.format.open_memmap(self.folder / f"{name}.npy", mode="w+", dtype=dtype, shape=shape)

    def fill(self, out: np.ndarray, rows: np.ndarray, values: Any, source: Any = None) -> None:
        """``out[rows] = values`` in steps of STEP_BYTES, releasing the written pages (and
        those read from ``source``, a memory-mapped array the values come from) as it goes
        (``values`` is an array or a callable giving the values of a slice of ``rows``)."""
        step = max(1, STEP_BYTES // max(1, out[0:1].nbytes))
        for start in range(0, len(rows), step):
            part = slice(start, start + step)
            out[rows[part]] = values(part) if callable(values) else values[part]
            release(out)
            if source is not None:
                release(source)

    def __enter__(self) -> Scratch:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

