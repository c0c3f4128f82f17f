/*-------------------------------------------------------------------------
 *
 * distance_x86.c
 *	  AVX2 + FMA + F16C and AVX-512F distance kernels, POPCNT bit kernels.
 *
 * Every function here carries its own target attribute instead of the file
 * being compiled with -march flags: the rest of the extension must keep
 * running on any x86-64, and only VectorKernelsGet() (after checking the
 * CPU) may hand out pointers to these functions.
 *
 * Structure of the float kernels: the main loop runs several independent
 * vector accumulators, because an FMA or add has a latency of 3-5 cycles
 * while two can issue per cycle; with a single accumulator every step
 * would wait for the previous one.  Four accumulators cover the latency
 * for the two-load-per-step kernels (loads limit them to about one FMA per
 * cycle anyway).  The cosine kernel does three FMAs per step and keeps two
 * steps in flight, i.e. six accumulators.  The last partial vector is read
 * with masked loads (float) or through a small zeroed buffer (half), so no
 * kernel ever touches memory past the end of its inputs; zero lanes add
 * nothing to any of the sums.
 *
 * On other architectures this file compiles to nothing.
 *
 * IDENTIFICATION
 *	  src/distance/distance_x86.c
 *
 *-------------------------------------------------------------------------
 */
#include "distance_internal.h"

#if defined(__x86_64__)

#include <immintrin.h>
#include <string.h>

#define TARGET_POPCNT	__attribute__((target("popcnt")))
#define TARGET_AVX2		__attribute__((target("avx2,fma,f16c,popcnt")))
#define TARGET_AVX512	__attribute__((target("avx512f,avx2,fma,f16c,popcnt")))
#define TARGET_VPOPCNT	__attribute__((target("avx512f,avx512vpopcntdq,popcnt")))

/*
 * AVX2 helpers
 */

static inline TARGET_AVX2 float
hsum256(__m256 v)
{
	__m128		x;

	x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	x = _mm_add_ps(x, _mm_movehl_ps(x, x));
	x = _mm_add_ss(x, _mm_movehdup_ps(x));
	return _mm_cvtss_f32(x);
}

/* lanes 0 .. r-1 all ones, the rest zero; 1 <= r <= 7 */
static inline TARGET_AVX2 __m256i
tail_mask8(int r)
{
	return _mm256_cmpgt_epi32(_mm256_set1_epi32(r),
							  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

static inline TARGET_AVX2 __m256
load8_f16(const uint16_t *p)
{
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) p));
}

/*
 * There is no 16-bit masked load before AVX-512BW, so copy the last
 * r < 8 halves into a zeroed buffer; this runs at most once per call.
 */
static inline TARGET_AVX2 __m256
tail8_f16(const uint16_t *p, int r)
{
	uint16_t	buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};

	memcpy(buf, p, (size_t) r * sizeof(uint16_t));
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) buf));
}

#define LOAD8_F32(p)		_mm256_loadu_ps(p)
#define TAIL8_F32(p, r)		_mm256_maskload_ps((p), tail_mask8(r))
#define LOAD8_F16(p)		load8_f16(p)
#define TAIL8_F16(p, r)		tail8_f16((p), (r))

/*
 * One macro body per kernel, instantiated for float4 and binary16, so the
 * two element types share every detail of the accumulation order.
 */
#define AVX2_KERNELS(SUFFIX, TYPE, LOAD8, TAIL8) \
static TARGET_AVX2 float \
l2sq_##SUFFIX##_avx2(const TYPE *a, const TYPE *b, int n) \
{ \
	__m256		s0 = _mm256_setzero_ps(); \
	__m256		s1 = _mm256_setzero_ps(); \
	__m256		s2 = _mm256_setzero_ps(); \
	__m256		s3 = _mm256_setzero_ps(); \
	__m256		d0, \
				d1, \
				d2, \
				d3; \
	int			i = 0; \
\
	for (; i + 32 <= n; i += 32) \
	{ \
		d0 = _mm256_sub_ps(LOAD8(a + i), LOAD8(b + i)); \
		d1 = _mm256_sub_ps(LOAD8(a + i + 8), LOAD8(b + i + 8)); \
		d2 = _mm256_sub_ps(LOAD8(a + i + 16), LOAD8(b + i + 16)); \
		d3 = _mm256_sub_ps(LOAD8(a + i + 24), LOAD8(b + i + 24)); \
		s0 = _mm256_fmadd_ps(d0, d0, s0); \
		s1 = _mm256_fmadd_ps(d1, d1, s1); \
		s2 = _mm256_fmadd_ps(d2, d2, s2); \
		s3 = _mm256_fmadd_ps(d3, d3, s3); \
	} \
	for (; i + 8 <= n; i += 8) \
	{ \
		d0 = _mm256_sub_ps(LOAD8(a + i), LOAD8(b + i)); \
		s0 = _mm256_fmadd_ps(d0, d0, s0); \
	} \
	if (i < n) \
	{ \
		d1 = _mm256_sub_ps(TAIL8(a + i, n - i), TAIL8(b + i, n - i)); \
		s1 = _mm256_fmadd_ps(d1, d1, s1); \
	} \
	return hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), \
								 _mm256_add_ps(s2, s3))); \
} \
\
static TARGET_AVX2 float \
dot_##SUFFIX##_avx2(const TYPE *a, const TYPE *b, int n) \
{ \
	__m256		s0 = _mm256_setzero_ps(); \
	__m256		s1 = _mm256_setzero_ps(); \
	__m256		s2 = _mm256_setzero_ps(); \
	__m256		s3 = _mm256_setzero_ps(); \
	int			i = 0; \
\
	for (; i + 32 <= n; i += 32) \
	{ \
		s0 = _mm256_fmadd_ps(LOAD8(a + i), LOAD8(b + i), s0); \
		s1 = _mm256_fmadd_ps(LOAD8(a + i + 8), LOAD8(b + i + 8), s1); \
		s2 = _mm256_fmadd_ps(LOAD8(a + i + 16), LOAD8(b + i + 16), s2); \
		s3 = _mm256_fmadd_ps(LOAD8(a + i + 24), LOAD8(b + i + 24), s3); \
	} \
	for (; i + 8 <= n; i += 8) \
		s0 = _mm256_fmadd_ps(LOAD8(a + i), LOAD8(b + i), s0); \
	if (i < n) \
		s1 = _mm256_fmadd_ps(TAIL8(a + i, n - i), TAIL8(b + i, n - i), s1); \
	return hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), \
								 _mm256_add_ps(s2, s3))); \
} \
\
static TARGET_AVX2 void \
cos_parts_##SUFFIX##_avx2(const TYPE *a, const TYPE *b, int n, \
						  float *dot, float *na, float *nb) \
{ \
	__m256		sd0 = _mm256_setzero_ps(); \
	__m256		sd1 = _mm256_setzero_ps(); \
	__m256		sa0 = _mm256_setzero_ps(); \
	__m256		sa1 = _mm256_setzero_ps(); \
	__m256		sb0 = _mm256_setzero_ps(); \
	__m256		sb1 = _mm256_setzero_ps(); \
	__m256		x0, \
				y0, \
				x1, \
				y1; \
	int			i = 0; \
\
	for (; i + 16 <= n; i += 16) \
	{ \
		x0 = LOAD8(a + i); \
		y0 = LOAD8(b + i); \
		x1 = LOAD8(a + i + 8); \
		y1 = LOAD8(b + i + 8); \
		sd0 = _mm256_fmadd_ps(x0, y0, sd0); \
		sa0 = _mm256_fmadd_ps(x0, x0, sa0); \
		sb0 = _mm256_fmadd_ps(y0, y0, sb0); \
		sd1 = _mm256_fmadd_ps(x1, y1, sd1); \
		sa1 = _mm256_fmadd_ps(x1, x1, sa1); \
		sb1 = _mm256_fmadd_ps(y1, y1, sb1); \
	} \
	if (i + 8 <= n) \
	{ \
		x0 = LOAD8(a + i); \
		y0 = LOAD8(b + i); \
		sd0 = _mm256_fmadd_ps(x0, y0, sd0); \
		sa0 = _mm256_fmadd_ps(x0, x0, sa0); \
		sb0 = _mm256_fmadd_ps(y0, y0, sb0); \
		i += 8; \
	} \
	if (i < n) \
	{ \
		x1 = TAIL8(a + i, n - i); \
		y1 = TAIL8(b + i, n - i); \
		sd1 = _mm256_fmadd_ps(x1, y1, sd1); \
		sa1 = _mm256_fmadd_ps(x1, x1, sa1); \
		sb1 = _mm256_fmadd_ps(y1, y1, sb1); \
	} \
	*dot = hsum256(_mm256_add_ps(sd0, sd1)); \
	*na = hsum256(_mm256_add_ps(sa0, sa1)); \
	*nb = hsum256(_mm256_add_ps(sb0, sb1)); \
} \
\
static TARGET_AVX2 float \
l1_##SUFFIX##_avx2(const TYPE *a, const TYPE *b, int n) \
{ \
	/* clearing the sign bit is |x|, and cheaper than max(x, -x) */ \
	const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)); \
	__m256		s0 = _mm256_setzero_ps(); \
	__m256		s1 = _mm256_setzero_ps(); \
	__m256		s2 = _mm256_setzero_ps(); \
	__m256		s3 = _mm256_setzero_ps(); \
	__m256		d0, \
				d1, \
				d2, \
				d3; \
	int			i = 0; \
\
	for (; i + 32 <= n; i += 32) \
	{ \
		d0 = _mm256_sub_ps(LOAD8(a + i), LOAD8(b + i)); \
		d1 = _mm256_sub_ps(LOAD8(a + i + 8), LOAD8(b + i + 8)); \
		d2 = _mm256_sub_ps(LOAD8(a + i + 16), LOAD8(b + i + 16)); \
		d3 = _mm256_sub_ps(LOAD8(a + i + 24), LOAD8(b + i + 24)); \
		s0 = _mm256_add_ps(s0, _mm256_and_ps(d0, abs_mask)); \
		s1 = _mm256_add_ps(s1, _mm256_and_ps(d1, abs_mask)); \
		s2 = _mm256_add_ps(s2, _mm256_and_ps(d2, abs_mask)); \
		s3 = _mm256_add_ps(s3, _mm256_and_ps(d3, abs_mask)); \
	} \
	for (; i + 8 <= n; i += 8) \
	{ \
		d0 = _mm256_sub_ps(LOAD8(a + i), LOAD8(b + i)); \
		s0 = _mm256_add_ps(s0, _mm256_and_ps(d0, abs_mask)); \
	} \
	if (i < n) \
	{ \
		d1 = _mm256_sub_ps(TAIL8(a + i, n - i), TAIL8(b + i, n - i)); \
		s1 = _mm256_add_ps(s1, _mm256_and_ps(d1, abs_mask)); \
	} \
	return hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), \
								 _mm256_add_ps(s2, s3))); \
}

AVX2_KERNELS(f32, float, LOAD8_F32, TAIL8_F32)
AVX2_KERNELS(f16, uint16_t, LOAD8_F16, TAIL8_F16)

/*
 * AVX-512F kernels: the same shapes with 16 lanes.  AVX-512F has masked
 * float loads of its own, which fault on no masked-off lane, so the float
 * tail needs no table; halves still go through a buffer (16-bit masked
 * loads would need AVX-512BW, which we do not require).
 */

static inline TARGET_AVX512 __mmask16
tail_mask16(int r)
{
	return (__mmask16) ((1u << r) - 1);
}

static inline TARGET_AVX512 __m512
load16_f16(const uint16_t *p)
{
	return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) p));
}

static inline TARGET_AVX512 __m512
tail16_f16(const uint16_t *p, int r)
{
	uint16_t	buf[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

	memcpy(buf, p, (size_t) r * sizeof(uint16_t));
	return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) buf));
}

#define LOAD16_F32(p)		_mm512_loadu_ps(p)
#define TAIL16_F32(p, r)	_mm512_maskz_loadu_ps(tail_mask16(r), (p))
#define LOAD16_F16(p)		load16_f16(p)
#define TAIL16_F16(p, r)	tail16_f16((p), (r))

#define AVX512_KERNELS(SUFFIX, TYPE, LOAD16, TAIL16) \
static TARGET_AVX512 float \
l2sq_##SUFFIX##_avx512(const TYPE *a, const TYPE *b, int n) \
{ \
	__m512		s0 = _mm512_setzero_ps(); \
	__m512		s1 = _mm512_setzero_ps(); \
	__m512		s2 = _mm512_setzero_ps(); \
	__m512		s3 = _mm512_setzero_ps(); \
	__m512		d0, \
				d1, \
				d2, \
				d3; \
	int			i = 0; \
\
	for (; i + 64 <= n; i += 64) \
	{ \
		d0 = _mm512_sub_ps(LOAD16(a + i), LOAD16(b + i)); \
		d1 = _mm512_sub_ps(LOAD16(a + i + 16), LOAD16(b + i + 16)); \
		d2 = _mm512_sub_ps(LOAD16(a + i + 32), LOAD16(b + i + 32)); \
		d3 = _mm512_sub_ps(LOAD16(a + i + 48), LOAD16(b + i + 48)); \
		s0 = _mm512_fmadd_ps(d0, d0, s0); \
		s1 = _mm512_fmadd_ps(d1, d1, s1); \
		s2 = _mm512_fmadd_ps(d2, d2, s2); \
		s3 = _mm512_fmadd_ps(d3, d3, s3); \
	} \
	for (; i + 16 <= n; i += 16) \
	{ \
		d0 = _mm512_sub_ps(LOAD16(a + i), LOAD16(b + i)); \
		s0 = _mm512_fmadd_ps(d0, d0, s0); \
	} \
	if (i < n) \
	{ \
		d1 = _mm512_sub_ps(TAIL16(a + i, n - i), TAIL16(b + i, n - i)); \
		s1 = _mm512_fmadd_ps(d1, d1, s1); \
	} \
	return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), \
											  _mm512_add_ps(s2, s3))); \
} \
\
static TARGET_AVX512 float \
dot_##SUFFIX##_avx512(const TYPE *a, const TYPE *b, int n) \
{ \
	__m512		s0 = _mm512_setzero_ps(); \
	__m512		s1 = _mm512_setzero_ps(); \
	__m512		s2 = _mm512_setzero_ps(); \
	__m512		s3 = _mm512_setzero_ps(); \
	int			i = 0; \
\
	for (; i + 64 <= n; i += 64) \
	{ \
		s0 = _mm512_fmadd_ps(LOAD16(a + i), LOAD16(b + i), s0); \
		s1 = _mm512_fmadd_ps(LOAD16(a + i + 16), LOAD16(b + i + 16), s1); \
		s2 = _mm512_fmadd_ps(LOAD16(a + i + 32), LOAD16(b + i + 32), s2); \
		s3 = _mm512_fmadd_ps(LOAD16(a + i + 48), LOAD16(b + i + 48), s3); \
	} \
	for (; i + 16 <= n; i += 16) \
		s0 = _mm512_fmadd_ps(LOAD16(a + i), LOAD16(b + i), s0); \
	if (i < n) \
		s1 = _mm512_fmadd_ps(TAIL16(a + i, n - i), TAIL16(b + i, n - i), s1); \
	return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), \
											  _mm512_add_ps(s2, s3))); \
} \
\
static TARGET_AVX512 void \
cos_parts_##SUFFIX##_avx512(const TYPE *a, const TYPE *b, int n, \
							float *dot, float *na, float *nb) \
{ \
	__m512		sd0 = _mm512_setzero_ps(); \
	__m512		sd1 = _mm512_setzero_ps(); \
	__m512		sa0 = _mm512_setzero_ps(); \
	__m512		sa1 = _mm512_setzero_ps(); \
	__m512		sb0 = _mm512_setzero_ps(); \
	__m512		sb1 = _mm512_setzero_ps(); \
	__m512		x0, \
				y0, \
				x1, \
				y1; \
	int			i = 0; \
\
	for (; i + 32 <= n; i += 32) \
	{ \
		x0 = LOAD16(a + i); \
		y0 = LOAD16(b + i); \
		x1 = LOAD16(a + i + 16); \
		y1 = LOAD16(b + i + 16); \
		sd0 = _mm512_fmadd_ps(x0, y0, sd0); \
		sa0 = _mm512_fmadd_ps(x0, x0, sa0); \
		sb0 = _mm512_fmadd_ps(y0, y0, sb0); \
		sd1 = _mm512_fmadd_ps(x1, y1, sd1); \
		sa1 = _mm512_fmadd_ps(x1, x1, sa1); \
		sb1 = _mm512_fmadd_ps(y1, y1, sb1); \
	} \
	if (i + 16 <= n) \
	{ \
		x0 = LOAD16(a + i); \
		y0 = LOAD16(b + i); \
		sd0 = _mm512_fmadd_ps(x0, y0, sd0); \
		sa0 = _mm512_fmadd_ps(x0, x0, sa0); \
		sb0 = _mm512_fmadd_ps(y0, y0, sb0); \
		i += 16; \
	} \
	if (i < n) \
	{ \
		x1 = TAIL16(a + i, n - i); \
		y1 = TAIL16(b + i, n - i); \
		sd1 = _mm512_fmadd_ps(x1, y1, sd1); \
		sa1 = _mm512_fmadd_ps(x1, x1, sa1); \
		sb1 = _mm512_fmadd_ps(y1, y1, sb1); \
	} \
	*dot = _mm512_reduce_add_ps(_mm512_add_ps(sd0, sd1)); \
	*na = _mm512_reduce_add_ps(_mm512_add_ps(sa0, sa1)); \
	*nb = _mm512_reduce_add_ps(_mm512_add_ps(sb0, sb1)); \
} \
\
static TARGET_AVX512 float \
l1_##SUFFIX##_avx512(const TYPE *a, const TYPE *b, int n) \
{ \
	/* AVX-512F has no float AND; clear sign bits in the integer domain */ \
	const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff); \
	__m512		s0 = _mm512_setzero_ps(); \
	__m512		s1 = _mm512_setzero_ps(); \
	__m512		s2 = _mm512_setzero_ps(); \
	__m512		s3 = _mm512_setzero_ps(); \
	__m512		d0, \
				d1, \
				d2, \
				d3; \
	int			i = 0; \
\
	for (; i + 64 <= n; i += 64) \
	{ \
		d0 = _mm512_sub_ps(LOAD16(a + i), LOAD16(b + i)); \
		d1 = _mm512_sub_ps(LOAD16(a + i + 16), LOAD16(b + i + 16)); \
		d2 = _mm512_sub_ps(LOAD16(a + i + 32), LOAD16(b + i + 32)); \
		d3 = _mm512_sub_ps(LOAD16(a + i + 48), LOAD16(b + i + 48)); \
		s0 = _mm512_add_ps(s0, ABS512(d0, abs_mask)); \
		s1 = _mm512_add_ps(s1, ABS512(d1, abs_mask)); \
		s2 = _mm512_add_ps(s2, ABS512(d2, abs_mask)); \
		s3 = _mm512_add_ps(s3, ABS512(d3, abs_mask)); \
	} \
	for (; i + 16 <= n; i += 16) \
	{ \
		d0 = _mm512_sub_ps(LOAD16(a + i), LOAD16(b + i)); \
		s0 = _mm512_add_ps(s0, ABS512(d0, abs_mask)); \
	} \
	if (i < n) \
	{ \
		d1 = _mm512_sub_ps(TAIL16(a + i, n - i), TAIL16(b + i, n - i)); \
		s1 = _mm512_add_ps(s1, ABS512(d1, abs_mask)); \
	} \
	return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), \
											  _mm512_add_ps(s2, s3))); \
}

#define ABS512(v, m) \
	_mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v), (m)))

AVX512_KERNELS(f32, float, LOAD16_F32, TAIL16_F32)
AVX512_KERNELS(f16, uint16_t, LOAD16_F16, TAIL16_F16)

/*
 * POPCNT bit kernels.  Four counters let four popcnt instructions run in
 * parallel (on some Intel cores popcnt also has a false dependency on its
 * destination register, which separate counters sidestep).
 */

static inline uint64_t
load64(const uint8_t *p)
{
	uint64_t	w;

	memcpy(&w, p, sizeof(w));
	return w;
}

static TARGET_POPCNT uint64_t
hamming_popcnt(const uint8_t *a, const uint8_t *b, size_t nbytes)
{
	uint64_t	c0 = 0;
	uint64_t	c1 = 0;
	uint64_t	c2 = 0;
	uint64_t	c3 = 0;
	size_t		i = 0;

	for (; i + 32 <= nbytes; i += 32)
	{
		c0 += (uint64_t) _mm_popcnt_u64(load64(a + i) ^ load64(b + i));
		c1 += (uint64_t) _mm_popcnt_u64(load64(a + i + 8) ^ load64(b + i + 8));
		c2 += (uint64_t) _mm_popcnt_u64(load64(a + i + 16) ^ load64(b + i + 16));
		c3 += (uint64_t) _mm_popcnt_u64(load64(a + i + 24) ^ load64(b + i + 24));
	}
	for (; i + 8 <= nbytes; i += 8)
		c0 += (uint64_t) _mm_popcnt_u64(load64(a + i) ^ load64(b + i));
	for (; i < nbytes; i++)
		c1 += (uint64_t) _mm_popcnt_u32((unsigned int) (a[i] ^ b[i]));
	return (c0 + c1) + (c2 + c3);
}

static TARGET_POPCNT void
and_or_count_popcnt(const uint8_t *a, const uint8_t *b, size_t nbytes,
					uint64_t *and_count, uint64_t *or_count)
{
	uint64_t	a0 = 0;
	uint64_t	a1 = 0;
	uint64_t	o0 = 0;
	uint64_t	o1 = 0;
	uint64_t	x0,
				y0,
				x1,
				y1;
	size_t		i = 0;

	for (; i + 16 <= nbytes; i += 16)
	{
		x0 = load64(a + i);
		y0 = load64(b + i);
		x1 = load64(a + i + 8);
		y1 = load64(b + i + 8);
		a0 += (uint64_t) _mm_popcnt_u64(x0 & y0);
		o0 += (uint64_t) _mm_popcnt_u64(x0 | y0);
		a1 += (uint64_t) _mm_popcnt_u64(x1 & y1);
		o1 += (uint64_t) _mm_popcnt_u64(x1 | y1);
	}
	for (; i + 8 <= nbytes; i += 8)
	{
		x0 = load64(a + i);
		y0 = load64(b + i);
		a0 += (uint64_t) _mm_popcnt_u64(x0 & y0);
		o0 += (uint64_t) _mm_popcnt_u64(x0 | y0);
	}
	for (; i < nbytes; i++)
	{
		a1 += (uint64_t) _mm_popcnt_u32((unsigned int) (a[i] & b[i]));
		o1 += (uint64_t) _mm_popcnt_u32((unsigned int) (a[i] | b[i]));
	}
	*and_count = a0 + a1;
	*or_count = o0 + o1;
}

/*
 * AVX-512 VPOPCNTDQ bit kernels: 64 bytes per step, eight 64-bit counts per
 * instruction.  The remainder (< 64 bytes) goes through the POPCNT code.
 */
static TARGET_VPOPCNT uint64_t
hamming_vpopcntdq(const uint8_t *a, const uint8_t *b, size_t nbytes)
{
	__m512i		acc = _mm512_setzero_si512();
	__m512i		x;
	size_t		i = 0;

	for (; i + 64 <= nbytes; i += 64)
	{
		x = _mm512_xor_si512(_mm512_loadu_si512((const void *) (a + i)),
							 _mm512_loadu_si512((const void *) (b + i)));
		acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(x));
	}
	return (uint64_t) _mm512_reduce_add_epi64(acc) +
		(i < nbytes ? hamming_popcnt(a + i, b + i, nbytes - i) : 0);
}

static TARGET_VPOPCNT void
and_or_count_vpopcntdq(const uint8_t *a, const uint8_t *b, size_t nbytes,
					   uint64_t *and_count, uint64_t *or_count)
{
	__m512i		acc_and = _mm512_setzero_si512();
	__m512i		acc_or = _mm512_setzero_si512();
	__m512i		x;
	__m512i		y;
	uint64_t	tail_and = 0;
	uint64_t	tail_or = 0;
	size_t		i = 0;

	for (; i + 64 <= nbytes; i += 64)
	{
		x = _mm512_loadu_si512((const void *) (a + i));
		y = _mm512_loadu_si512((const void *) (b + i));
		acc_and = _mm512_add_epi64(acc_and,
								   _mm512_popcnt_epi64(_mm512_and_si512(x, y)));
		acc_or = _mm512_add_epi64(acc_or,
								  _mm512_popcnt_epi64(_mm512_or_si512(x, y)));
	}
	if (i < nbytes)
		and_or_count_popcnt(a + i, b + i, nbytes - i, &tail_and, &tail_or);
	*and_count = (uint64_t) _mm512_reduce_add_epi64(acc_and) + tail_and;
	*or_count = (uint64_t) _mm512_reduce_add_epi64(acc_or) + tail_or;
}

/*
 * float to binary16, eight at a time with F16C (round to nearest even, as
 * FloatToHalf); the last n % 8 through a zeroed buffer.
 */
#define F16C_ROUND_EVEN	(_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)

static TARGET_AVX2 void
f32_to_f16_avx2(const float *x, uint16_t *out, int n)
{
	int			i = 0;

	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *) (out + i),
						 _mm256_cvtps_ph(_mm256_loadu_ps(x + i), F16C_ROUND_EVEN));
	if (i < n)
	{
		float		in[8] = {0};
		uint16_t	h[8];

		memcpy(in, x + i, sizeof(float) * (n - i));
		_mm_storeu_si128((__m128i *) h,
						 _mm256_cvtps_ph(_mm256_loadu_ps(in), F16C_ROUND_EVEN));
		memcpy(out + i, h, sizeof(uint16_t) * (n - i));
	}
}

/*
 * Table fillers, called by distance.c after it has checked the CPU.
 */

void
VectorKernelsFillPopcnt(VectorKernels *out)
{
	out->hamming = hamming_popcnt;
	out->and_or_count = and_or_count_popcnt;
}

void
VectorKernelsFillAvx2(VectorKernels *out)
{
	out->name = "avx2";
	out->l2sq_f32 = l2sq_f32_avx2;
	out->dot_f32 = dot_f32_avx2;
	out->cos_parts_f32 = cos_parts_f32_avx2;
	out->l1_f32 = l1_f32_avx2;
	out->l2sq_f16 = l2sq_f16_avx2;
	out->dot_f16 = dot_f16_avx2;
	out->cos_parts_f16 = cos_parts_f16_avx2;
	out->l1_f16 = l1_f16_avx2;
	out->f32_to_f16 = f32_to_f16_avx2;
	VectorKernelsFillPopcnt(out);
}

void
VectorKernelsFillAvx512(VectorKernels *out)
{
	out->name = "avx512";
	out->l2sq_f32 = l2sq_f32_avx512;
	out->dot_f32 = dot_f32_avx512;
	out->cos_parts_f32 = cos_parts_f32_avx512;
	out->l1_f32 = l1_f32_avx512;
	out->l2sq_f16 = l2sq_f16_avx512;
	out->dot_f16 = dot_f16_avx512;
	out->cos_parts_f16 = cos_parts_f16_avx512;
	out->l1_f16 = l1_f16_avx512;
	out->f32_to_f16 = f32_to_f16_avx2;	/* the AVX-512 table needs F16C too */
}

void
VectorKernelsFillVpopcntdq(VectorKernels *out)
{
	out->hamming = hamming_vpopcntdq;
	out->and_or_count = and_or_count_vpopcntdq;
}

#else							/* !__x86_64__ */

/* ISO C wants at least one declaration in a translation unit */
typedef int distance_x86_unused;

#endif							/* __x86_64__ */
