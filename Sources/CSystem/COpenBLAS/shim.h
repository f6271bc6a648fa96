// CBLAS and LAPACK from Debian's OpenBLAS build (libopenblas-dev ships both in libopenblas.so).
#if __has_include(<cblas.h>)
#include <cblas.h>
#else
#error "OpenBLAS headers not found: install them with `apt-get install libopenblas-dev`"
#endif

// LAPACK's Fortran entry points (column-major), declared here so no LAPACKE package is needed.
void sgesdd_(const char *jobz, const int *m, const int *n, float *a, const int *lda, float *s, float *u,
             const int *ldu, float *vt, const int *ldvt, float *work, const int *lwork, int *iwork, int *info);
void sgeqrf_(const int *m, const int *n, float *a, const int *lda, float *tau, float *work, const int *lwork,
             int *info);
void sorgqr_(const int *m, const int *n, const int *k, float *a, const int *lda, const float *tau, float *work,
             const int *lwork, int *info);
int openblas_get_num_threads(void);
