// Hot loops of TinyTune's decoder in C, so they get AVX2/FMA where the CPU has them (runtime dispatch with a scalar
// fallback). Each function works on a range of weight rows, so callers split the rows across cores.
#ifndef TINYTUNE_CKERNELS_H
#define TINYTUNE_CKERNELS_H

#include <stdint.h>

/// Y[i][r] = Σ_k W[r][k]·X[i][k] for rows r in [rowStart, rowEnd) and vectors i < n.
/// W: rows of `cols` f32 values, row stride `cols`; X: n vectors with stride `ldx`; Y: n rows with stride `ldy`.
void tt_f32_rows_dot(const float *w, int64_t rowStart, int64_t rowEnd, int64_t cols,
                     const float *x, int64_t ldx, int64_t n, float *y, int64_t ldy);

/// The same for W in llama.cpp's Q8_0 blocks (per 32 values: an f16 scale d, then 32 int8 q; value d·q), `cols` a
/// multiple of 32, rows `cols / 32 * 34` bytes apart. The int8 values are widened to f32 and multiplied by d before
/// the product, so X is used as given (not quantized).
void tt_q8_0_rows_dot(const uint8_t *w, int64_t rowStart, int64_t rowEnd, int64_t cols,
                      const float *x, int64_t ldx, int64_t n, float *y, int64_t ldy);

/// 1 when the AVX2 + FMA + F16C paths run, else 0 (scalar).
int tt_kernels_vectorized(void);

/// glibc: serve every malloc from the heap (no per-block mmap) and never trim it, so large buffers freed and
/// allocated again each training step reuse resident pages. Returns 1 when applied, 0 elsewhere.
int tt_reuse_freed_memory(void);

#endif
