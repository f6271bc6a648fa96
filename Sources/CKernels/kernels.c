// See include/ckernels.h. Vector paths: x86-64 AVX2 + FMA + F16C, picked at run time by __builtin_cpu_supports;
// everything else runs the scalar loops, which compute the same sums in a different order.
#include "ckernels.h"
#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define TT_X86 1
#else
#define TT_X86 0
#endif

/// IEEE half → float, bit by bit (subnormals, infinities and NaN included).
static float tt_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff, bits;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {  // subnormal: normalize
            exponent = 127 - 15 + 1;
            while ((mantissa & 0x400) == 0) { mantissa <<= 1; exponent--; }
            bits = sign | (exponent << 23) | ((mantissa & 0x3ff) << 13);
        }
    } else if (exponent == 31) {
        bits = sign | 0x7f800000 | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static void f32_scalar(const float *w, int64_t r0, int64_t r1, int64_t cols, const float *x, int64_t ldx, int64_t n,
                       float *y, int64_t ldy) {
    for (int64_t r = r0; r < r1; r++) {
        const float *row = w + r * cols;
        for (int64_t i = 0; i < n; i++) {
            const float *v = x + i * ldx;
            float total = 0;
            for (int64_t k = 0; k < cols; k++) total += row[k] * v[k];
            y[i * ldy + r] = total;
        }
    }
}

static void q8_0_scalar(const uint8_t *w, int64_t r0, int64_t r1, int64_t cols, const float *x, int64_t ldx,
                        int64_t n, float *y, int64_t ldy) {
    const int64_t blocks = cols / 32, rowBytes = blocks * 34;
    for (int64_t r = r0; r < r1; r++) {
        const uint8_t *row = w + r * rowBytes;
        for (int64_t i = 0; i < n; i++) {
            const float *v = x + i * ldx;
            float total = 0;
            for (int64_t b = 0; b < blocks; b++) {
                const uint8_t *block = row + b * 34;
                const float d = tt_f16_to_f32((uint16_t)(block[0] | (block[1] << 8)));
                const int8_t *q = (const int8_t *)(block + 2);
                for (int k = 0; k < 32; k++) total += (d * (float)q[k]) * v[b * 32 + k];
            }
            y[i * ldy + r] = total;
        }
    }
}

#if TT_X86
#include <immintrin.h>

__attribute__((target("avx2,fma"))) static inline float tt_hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Up to four vectors at a time share each loaded row. The per-row helpers are inlined with a constant M, so the
// accumulators stay in registers. Every vector's sum is independent of how many run beside it, so a batch of n
// gives the same numbers as n single products.
__attribute__((target("avx2,fma"), always_inline)) static inline void f32_row(const float *row, int64_t cols,
                                                                               const float *x, int64_t ldx, float *y,
                                                                               int64_t ldy, const int M) {
    const int64_t body = cols & ~(int64_t)7;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t k = 0; k < body; k += 8) {
        const __m256 wv = _mm256_loadu_ps(row + k);
        for (int j = 0; j < M; j++) acc[j] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + j * ldx + k), acc[j]);
    }
    for (int j = 0; j < M; j++) {
        float total = tt_hsum(acc[j]);
        for (int64_t k = body; k < cols; k++) total += row[k] * x[j * ldx + k];
        y[j * ldy] = total;
    }
}

__attribute__((target("avx2,fma"))) static void f32_avx2(const float *w, int64_t r0, int64_t r1, int64_t cols,
                                                          const float *x, int64_t ldx, int64_t n, float *y,
                                                          int64_t ldy) {
    for (int64_t r = r0; r < r1; r++) {
        const float *row = w + r * cols;
        for (int64_t i0 = 0; i0 < n; i0 += 4) {
            const float *xs = x + i0 * ldx;
            float *ys = y + i0 * ldy + r;
            switch (n - i0 < 4 ? n - i0 : 4) {
            case 1: f32_row(row, cols, xs, ldx, ys, ldy, 1); break;
            case 2: f32_row(row, cols, xs, ldx, ys, ldy, 2); break;
            case 3: f32_row(row, cols, xs, ldx, ys, ldy, 3); break;
            default: f32_row(row, cols, xs, ldx, ys, ldy, 4); break;
            }
        }
    }
}

__attribute__((target("avx2,fma,f16c"), always_inline)) static inline void q8_0_row(const uint8_t *row, int64_t blocks,
                                                                                     const float *x, int64_t ldx,
                                                                                     float *y, int64_t ldy,
                                                                                     const int M) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t b = 0; b < blocks; b++) {
        const uint8_t *block = row + b * 34;
        uint16_t half;
        memcpy(&half, block, 2);
        const __m256 d = _mm256_set1_ps(_cvtsh_ss(half));
        const __m128i lo = _mm_loadu_si128((const __m128i *)(block + 2));
        const __m128i hi = _mm_loadu_si128((const __m128i *)(block + 18));
        const __m256 w0 = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo)));
        const __m256 w1 = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8))));
        const __m256 w2 = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi)));
        const __m256 w3 = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8))));
        for (int j = 0; j < M; j++) {
            const float *v = x + j * ldx + b * 32;
            acc[j] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(v), acc[j]);
            acc[j] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(v + 8), acc[j]);
            acc[j] = _mm256_fmadd_ps(w2, _mm256_loadu_ps(v + 16), acc[j]);
            acc[j] = _mm256_fmadd_ps(w3, _mm256_loadu_ps(v + 24), acc[j]);
        }
    }
    for (int j = 0; j < M; j++) y[j * ldy] = tt_hsum(acc[j]);
}

__attribute__((target("avx2,fma,f16c"))) static void q8_0_avx2(const uint8_t *w, int64_t r0, int64_t r1,
                                                                int64_t cols, const float *x, int64_t ldx, int64_t n,
                                                                float *y, int64_t ldy) {
    const int64_t blocks = cols / 32, rowBytes = blocks * 34;
    for (int64_t r = r0; r < r1; r++) {
        const uint8_t *row = w + r * rowBytes;
        for (int64_t i0 = 0; i0 < n; i0 += 4) {
            const float *xs = x + i0 * ldx;
            float *ys = y + i0 * ldy + r;
            switch (n - i0 < 4 ? n - i0 : 4) {
            case 1: q8_0_row(row, blocks, xs, ldx, ys, ldy, 1); break;
            case 2: q8_0_row(row, blocks, xs, ldx, ys, ldy, 2); break;
            case 3: q8_0_row(row, blocks, xs, ldx, ys, ldy, 3); break;
            default: q8_0_row(row, blocks, xs, ldx, ys, ldy, 4); break;
            }
        }
    }
}

static int tt_has_avx2(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    }
    return cached;
}
#else
static int tt_has_avx2(void) { return 0; }
#endif

int tt_kernels_vectorized(void) { return tt_has_avx2(); }

void tt_f32_rows_dot(const float *w, int64_t r0, int64_t r1, int64_t cols, const float *x, int64_t ldx, int64_t n,
                     float *y, int64_t ldy) {
#if TT_X86
    if (tt_has_avx2()) { f32_avx2(w, r0, r1, cols, x, ldx, n, y, ldy); return; }
#endif
    f32_scalar(w, r0, r1, cols, x, ldx, n, y, ldy);
}

void tt_q8_0_rows_dot(const uint8_t *w, int64_t r0, int64_t r1, int64_t cols, const float *x, int64_t ldx, int64_t n,
                      float *y, int64_t ldy) {
#if TT_X86
    if (tt_has_avx2()) { q8_0_avx2(w, r0, r1, cols, x, ldx, n, y, ldy); return; }
#endif
    q8_0_scalar(w, r0, r1, cols, x, ldx, n, y, ldy);
}

#if defined(__GLIBC__)
#include <malloc.h>
int tt_reuse_freed_memory(void) {
    int ok = mallopt(M_MMAP_MAX, 0);
    ok &= mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
    return ok ? 1 : 0;
}
#else
int tt_reuse_freed_memory(void) { return 0; }
#endif
