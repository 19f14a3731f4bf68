// The matrix multiply's inner part (included by kernels_body.h; GEMM.swift holds the threads and
// the documentation). For a range of C's rows and column panels, over every K block: pack op(B)'s
// panels, then for each block of GEMM_MC rows run every 6 x (2 W) register tile, A read in place.
// Every element of C receives the same operations whatever the tile shape, the row blocking or
// the thread split: acc = 0, acc = fma(a_k, b_k, acc) for k in order, then
// C = fma(C_old, beta, acc * alpha) (beta = 1 after the first K block; C not read when beta = 0).

#define GEMM_MR 6
#define GEMM_MC 96
#define GEMM_KC 256

// The register tile: 6 rows x 2 vectors. 256-bit vectors with AVX2 (12 ymm accumulators); 128-bit
// on the baseline, whose 16 xmm registers would spill a tile of 256-bit pairs.
#if JVI_GEMM_NARROW
enum { K(gemm_panel_f32_value) = 8, K(gemm_panel_f64_value) = 4 };
typedef f4 K(gf);
typedef f4u K(gfu);
typedef d2 K(gd);
typedef d2u K(gdu);
#else
enum { K(gemm_panel_f32_value) = 16, K(gemm_panel_f64_value) = 8 };
typedef f8 K(gf);
typedef f8u K(gfu);
typedef d4 K(gd);
typedef d4u K(gdu);
#endif
#define GEMM_PANEL_F32 gemm_panel_f32_value
#define GEMM_PANEL_F64 gemm_panel_f64_value

#define JVI_DEFINE_GEMM(SUFFIX, T, V, VU, NR)                                                                \
  /* Writes one row of a tile: alpha (lo, hi) + beta C for the first `cols` columns. */                    \
  INLINE void K(store_row_##SUFFIX)(V lo, V hi, long row, T *c, long ldc, long rows, long cols, T alpha,     \
                                    T beta) {                                                               \
    enum { W = NR / 2 };                                                                                    \
    if (row >= rows) return;                                                                                \
    T *p = c + row * ldc;                                                                                   \
    if (cols == NR) {                                                                                       \
      V v0 = lo * alpha, v1 = hi * alpha;                                                                   \
      if (beta != 0) {                                                                                      \
        v0 = FMA(*(const VU *)p, (V)beta, v0);                                                              \
        v1 = FMA(*(const VU *)(p + W), (V)beta, v1);                                                        \
      }                                                                                                     \
      *(VU *)p = v0;                                                                                        \
      *(VU *)(p + W) = v1;                                                                                  \
    } else {                                                                                                \
      for (long j = 0; j < cols; j++) {                                                                     \
        T v = (j < W ? lo[j] : hi[j - W]) * alpha;                                                          \
        p[j] = beta != 0 ? FMAS(p[j], beta, v) : v;                                                         \
      }                                                                                                     \
    }                                                                                                       \
  }                                                                                                         \
                                                                                                            \
  /* One 6 x NR tile of C over kb steps; rows past `rows` read row rows - 1 again (not stored). */        \
  INLINE void K(tile_##SUFFIX)(long kb, const T *a, long row_stride, long column_stride, const T *b, T *c,   \
                               long ldc, long rows, long cols, T alpha, T beta) {                           \
    enum { W = NR / 2 };                                                                                    \
    V c00 = (V)0, c01 = (V)0, c10 = (V)0, c11 = (V)0, c20 = (V)0, c21 = (V)0;                               \
    V c30 = (V)0, c31 = (V)0, c40 = (V)0, c41 = (V)0, c50 = (V)0, c51 = (V)0;                               \
    long last = rows - 1;                                                                                   \
    const T *a0 = a, *a1 = a + (last < 1 ? last : 1) * row_stride, *a2 = a + (last < 2 ? last : 2) * row_stride; \
    const T *a3 = a + (last < 3 ? last : 3) * row_stride, *a4 = a + (last < 4 ? last : 4) * row_stride;     \
    const T *a5 = a + (last < 5 ? last : 5) * row_stride;                                                   \
    long o = 0;                                                                                             \
    const T *pb = b;                                                                                        \
    for (long kk = 0; kk < kb; kk++) {                                                                      \
      V b0 = *(const VU *)pb, b1 = *(const VU *)(pb + W);                                                   \
      V x = (V)a0[o];                                                                                       \
      c00 = FMA(x, b0, c00);                                                                                \
      c01 = FMA(x, b1, c01);                                                                                \
      x = (V)a1[o];                                                                                         \
      c10 = FMA(x, b0, c10);                                                                                \
      c11 = FMA(x, b1, c11);                                                                                \
      x = (V)a2[o];                                                                                         \
      c20 = FMA(x, b0, c20);                                                                                \
      c21 = FMA(x, b1, c21);                                                                                \
      x = (V)a3[o];                                                                                         \
      c30 = FMA(x, b0, c30);                                                                                \
      c31 = FMA(x, b1, c31);                                                                                \
      x = (V)a4[o];                                                                                         \
      c40 = FMA(x, b0, c40);                                                                                \
      c41 = FMA(x, b1, c41);                                                                                \
      x = (V)a5[o];                                                                                         \
      c50 = FMA(x, b0, c50);                                                                                \
      c51 = FMA(x, b1, c51);                                                                                \
      o += column_stride;                                                                                   \
      pb += NR;                                                                                             \
    }                                                                                                       \
    K(store_row_##SUFFIX)(c00, c01, 0, c, ldc, rows, cols, alpha, beta);                                    \
    K(store_row_##SUFFIX)(c10, c11, 1, c, ldc, rows, cols, alpha, beta);                                    \
    K(store_row_##SUFFIX)(c20, c21, 2, c, ldc, rows, cols, alpha, beta);                                    \
    K(store_row_##SUFFIX)(c30, c31, 3, c, ldc, rows, cols, alpha, beta);                                    \
    K(store_row_##SUFFIX)(c40, c41, 4, c, ldc, rows, cols, alpha, beta);                                    \
    K(store_row_##SUFFIX)(c50, c51, 5, c, ldc, rows, cols, alpha, beta);                                    \
  }                                                                                                         \
                                                                                                            \
  /* Packs op(B)[pc..<pc+kb, panels] into panels of NR columns (zero beyond n). */                         \
  static void K(pack_b_##SUFFIX)(int transposed, const T *b, long ldb, long pc, long kb, long panel0,        \
                                 long panel1, long n, T *out) {                                             \
    for (long p = panel0; p < panel1; p++) {                                                                \
      long j0 = p * NR, width = n - j0 < NR ? n - j0 : NR;                                                  \
      T *panel = out + (p - panel0) * NR * kb;                                                              \
      if (!transposed) {                                                                                    \
        for (long kk = 0; kk < kb; kk++) {                                                                  \
          const T *src = b + (pc + kk) * ldb + j0;                                                          \
          T *dst = panel + kk * NR;                                                                         \
          if (width == NR) {                                                                                \
            *(VU *)dst = *(const VU *)src;                                                                  \
            *(VU *)(dst + NR / 2) = *(const VU *)(src + NR / 2);                                            \
          } else {                                                                                          \
            for (long j = 0; j < NR; j++) dst[j] = j < width ? src[j] : 0;                                  \
          }                                                                                                 \
        }                                                                                                   \
      } else {                                                                                              \
        /* op(B)[k][j] = B[j][k]: four k at a time from each of the panel's rows. */                      \
        long kk = 0;                                                                                        \
        for (; kk + 4 <= kb; kk += 4) {                                                                     \
          T *dst = panel + kk * NR;                                                                         \
          for (long j = 0; j < NR; j++) {                                                                   \
            if (j < width) {                                                                                \
              const T *src = b + (j0 + j) * ldb + pc + kk;                                                  \
              dst[j] = src[0];                                                                              \
              dst[NR + j] = src[1];                                                                         \
              dst[2 * NR + j] = src[2];                                                                     \
              dst[3 * NR + j] = src[3];                                                                     \
            } else {                                                                                        \
              dst[j] = dst[NR + j] = dst[2 * NR + j] = dst[3 * NR + j] = 0;                                 \
            }                                                                                               \
          }                                                                                                 \
        }                                                                                                   \
        for (; kk < kb; kk++) {                                                                             \
          T *dst = panel + kk * NR;                                                                         \
          for (long j = 0; j < NR; j++) dst[j] = j < width ? b[(j0 + j) * ldb + pc + kk] : 0;              \
        }                                                                                                   \
      }                                                                                                     \
    }                                                                                                       \
  }                                                                                                         \
                                                                                                            \
  /* A transposed (op(A) = Aᵀ): a block of rows copied into panels of 6 rows, each k's 6 values   \
     contiguous, so that a tile streams them instead of one cache line per k. */                        \
  static void K(pack_a_##SUFFIX)(const T *a, long lda, long pc, long kb, long r0, long r1, T *out) {         \
    for (long t0 = r0; t0 < r1; t0 += GEMM_MR) {                                                            \
      long rows = r1 - t0 < GEMM_MR ? r1 - t0 : GEMM_MR;                                                    \
      T *panel = out + (t0 - r0) * kb;                                                                      \
      for (long kk = 0; kk < kb; kk++) {                                                                    \
        const T *src = a + (pc + kk) * lda + t0;                                                            \
        for (long i = 0; i < rows; i++) panel[kk * GEMM_MR + i] = src[i];                                   \
      }                                                                                                     \
    }                                                                                                       \
  }                                                                                                         \
                                                                                                            \
  void K(gemm_##SUFFIX)(int transpose_a, int transpose_b, long m, long n, long k, T alpha, const T *a, \
                               long lda, const T *b, long ldb, T beta, T *c, long ldc, long row0, long row1,  \
                               long panel0, long panel1, T *packed_b, T *packed_a) {                        \
    (void)m;                                                                                                \
    long blocks = (k + GEMM_KC - 1) / GEMM_KC;                                                              \
    if (blocks == 0) return;                                                                                \
    long size = (k + blocks - 1) / blocks;                                                                  \
    long row_stride = lda, column_stride = 1;                                                               \
    for (long block = 0; block < blocks; block++) {                                                         \
      long pc = block * size, kb = k - pc < size ? k - pc : size;                                           \
      T block_beta = block == 0 ? beta : 1;                                                                 \
      K(pack_b_##SUFFIX)(transpose_b, b, ldb, pc, kb, panel0, panel1, n, packed_b);                         \
      for (long r0 = row0; r0 < row1; r0 += GEMM_MC) {                                                      \
        long r1 = r0 + GEMM_MC < row1 ? r0 + GEMM_MC : row1;                                                \
        if (transpose_a) K(pack_a_##SUFFIX)(a, lda, pc, kb, r0, r1, packed_a);                              \
        for (long p = panel0; p < panel1; p++) {                                                            \
          const T *panel = packed_b + (p - panel0) * NR * kb;                                               \
          long cols = n - p * NR < NR ? n - p * NR : NR;                                                    \
          for (long t0 = r0; t0 < r1; t0 += GEMM_MR) {                                                      \
            long rows = r1 - t0 < GEMM_MR ? r1 - t0 : GEMM_MR;                                              \
            if (transpose_a) {                                                                              \
              K(tile_##SUFFIX)(kb, packed_a + (t0 - r0) * kb, 1, GEMM_MR, panel, c + t0 * ldc + p * NR, ldc,  \
                               rows, cols, alpha, block_beta);                                              \
            } else {                                                                                        \
              K(tile_##SUFFIX)(kb, a + t0 * row_stride + pc * column_stride, row_stride, column_stride,     \
                               panel, c + t0 * ldc + p * NR, ldc, rows, cols, alpha, block_beta);           \
            }                                                                                               \
          }                                                                                                 \
        }                                                                                                   \
      }                                                                                                     \
    }                                                                                                       \
  }

JVI_DEFINE_GEMM(f32, float, K(gf), K(gfu), K(gemm_panel_f32_value))
JVI_DEFINE_GEMM(f64, double, K(gd), K(gdu), K(gemm_panel_f64_value))
