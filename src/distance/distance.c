/*-------------------------------------------------------------------------
 *
 * distance.c
 *	  Scalar distance kernels, binary16 conversion and kernel dispatch.
 *
 * The scalar kernels are the reference that every SIMD variant must agree
 * with, and the fallback on CPUs without AVX2.  They use no intrinsics, but
 * each keeps eight independent partial sums: a single running sum would
 * serialize every addition behind the previous one (4 cycles of latency
 * each), and the compiler may not reassociate float additions by itself.
 * With eight sums the loop body is also a natural target for the
 * compiler's SLP vectorizer on plain -O2.
 *
 * VectorKernelsInit() inspects the CPU once (cpuid and xgetbv, so that the
 * OS support for the wide registers is checked too, not only the CPU's)
 * and points vector_kernels at the best table.
 *
 * IDENTIFICATION
 *	  src/distance/distance.c
 *
 *-------------------------------------------------------------------------
 */
#include "distance_internal.h"

#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

/*
 * binary16 <-> float
 *
 * Both directions work on the bit patterns so that the results are exact
 * and do not depend on the rounding mode or on F16C being present.
 */

static inline uint32_t
float_bits(float f)
{
	uint32_t	u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

/*
 * AArch64 compilers provide an IEEE __fp16 type whose conversion to float
 * is a single exact instruction; use it there.
 */
#if defined(__aarch64__) && defined(__ARM_FP16_FORMAT_IEEE)
#define HAVE_HW_HALF_TO_FLOAT 1
#endif

#ifndef HAVE_HW_HALF_TO_FLOAT
static inline float
bits_float(uint32_t u)
{
	float		f;

	memcpy(&f, &u, sizeof(f));
	return f;
}
#endif

/*
 * Inline version used inside the kernels.  For finite values the sign,
 * exponent and mantissa fields are moved into float position and the
 * exponent bias is fixed by multiplying by 2^(127-15).  That multiplication
 * is exact and keeps the sign, and it also turns a half subnormal (which
 * lands as a float subnormal) into the right normal float, so there is no
 * branch on subnormals and only one move between integer and float
 * registers.  Infinity and NaN are built directly so that NaN payloads
 * (even signalling ones) survive untouched.
 */
static inline float
half_to_float_inline(uint16_t h)
{
#ifdef HAVE_HW_HALF_TO_FLOAT
	__fp16		x;

	memcpy(&x, &h, sizeof(x));
	return (float) x;
#else
	uint32_t	sign = ((uint32_t) h & 0x8000) << 16;
	uint32_t	em = (uint32_t) h & 0x7fff;

	if (em >= 0x7c00)
		return bits_float(sign | 0x7f800000 | ((em & 0x3ff) << 13));
	return bits_float(sign | (em << 13)) * 0x1p112f;
#endif
}

float
HalfToFloat(uint16_t h)
{
	return half_to_float_inline(h);
}

/*
 * float -> binary16, round to nearest, ties to even.  Values from 65520 up
 * (the midpoint between 65504 and 65536, which ties to the even 65536)
 * become infinity.  NaN keeps its sign and top payload bits; a payload that
 * would vanish is replaced by the quiet bit so that NaN stays NaN.
 */
uint16_t
FloatToHalf(float f)
{
	uint32_t	x = float_bits(f);
	uint32_t	sign = (x >> 16) & 0x8000;
	uint32_t	mant;
	uint32_t	m;
	uint32_t	rem;
	uint32_t	halfway;
	int			shift;

	x &= 0x7fffffff;

	if (x >= 0x7f800000)
	{
		/* infinity or NaN */
		if (x == 0x7f800000)
			return (uint16_t) (sign | 0x7c00);
		m = (x >> 13) & 0x3ff;
		if (m == 0)
			m = 0x200;
		return (uint16_t) (sign | 0x7c00 | m);
	}

	if (x >= 0x477ff000)
		return (uint16_t) (sign | 0x7c00);	/* overflow */

	if (x >= 0x38800000)
	{
		/*
		 * Normal half.  Adding 0xfff plus the lowest kept bit rounds the
		 * 13 dropped bits to nearest-even; a carry out of the mantissa
		 * correctly bumps the exponent.  Then rebias 127 -> 15.
		 */
		x += 0xfff + ((x >> 13) & 1);
		x -= (uint32_t) (127 - 15) << 23;
		return (uint16_t) (sign | (x >> 13));
	}

	/* at most half of the smallest subnormal (2^-25): rounds to zero */
	if (x <= 0x33000000)
		return (uint16_t) sign;

	/*
	 * Subnormal half: the result is round(|f| * 2^24).  With the implicit
	 * bit restored, |f| = mant * 2^(e - 150), so we need mant >> (126 - e),
	 * rounded.  Here 102 <= e <= 112, so the shift is 14..24.  A result of
	 * 0x400 is the smallest normal, which is also the right encoding.
	 */
	mant = (x & 0x7fffff) | 0x800000;
	shift = 126 - (int) (x >> 23);
	m = mant >> shift;
	rem = mant & ((1u << shift) - 1);
	halfway = 1u << (shift - 1);
	if (rem > halfway || (rem == halfway && (m & 1)))
		m++;
	return (uint16_t) (sign | m);
}

/*
 * Scalar float kernels.
 *
 * One macro generates the float4 and the binary16 versions so that the two
 * cannot drift apart: LOAD(p, i) yields element i as a float.  Element i
 * goes to partial sum i % 8 in the main loop and in the tail, and the sums
 * are combined pairwise at the end.
 */
#define LOAD_F32(p, i)	((p)[i])
#define LOAD_F16(p, i)	half_to_float_inline((p)[i])

#define COMBINE8(s) \
	((((s)[0] + (s)[1]) + ((s)[2] + (s)[3])) + \
	 (((s)[4] + (s)[5]) + ((s)[6] + (s)[7])))

#define SCALAR_KERNELS(SUFFIX, TYPE, LOAD) \
static float \
l2sq_##SUFFIX##_scalar(const TYPE *a, const TYPE *b, int n) \
{ \
	float		s[8] = {0, 0, 0, 0, 0, 0, 0, 0}; \
	float		d; \
	int			i = 0; \
	int			k; \
\
	for (; i + 8 <= n; i += 8) \
	{ \
		for (k = 0; k < 8; k++) \
		{ \
			d = LOAD(a, i + k) - LOAD(b, i + k); \
			s[k] += d * d; \
		} \
	} \
	for (; i < n; i++) \
	{ \
		d = LOAD(a, i) - LOAD(b, i); \
		s[i & 7] += d * d; \
	} \
	return COMBINE8(s); \
} \
\
static float \
dot_##SUFFIX##_scalar(const TYPE *a, const TYPE *b, int n) \
{ \
	float		s[8] = {0, 0, 0, 0, 0, 0, 0, 0}; \
	int			i = 0; \
	int			k; \
\
	for (; i + 8 <= n; i += 8) \
	{ \
		for (k = 0; k < 8; k++) \
			s[k] += LOAD(a, i + k) * LOAD(b, i + k); \
	} \
	for (; i < n; i++) \
		s[i & 7] += LOAD(a, i) * LOAD(b, i); \
	return COMBINE8(s); \
} \
\
static void \
cos_parts_##SUFFIX##_scalar(const TYPE *a, const TYPE *b, int n, \
							float *dot, float *na, float *nb) \
{ \
	float		sd[8] = {0, 0, 0, 0, 0, 0, 0, 0}; \
	float		sa[8] = {0, 0, 0, 0, 0, 0, 0, 0}; \
	float		sb[8] = {0, 0, 0, 0, 0, 0, 0, 0}; \
	float		x; \
	float		y; \
	int			i = 0; \
	int			k; \
\
	for (; i + 8 <= n; i += 8) \
	{ \
		for (k = 0; k < 8; k++) \
		{ \
			x = LOAD(a, i + k); \
			y = LOAD(b, i + k); \
			sd[k] += x * y; \
			sa[k] += x * x; \
			sb[k] += y * y; \
		} \
	} \
	for (; i < n; i++) \
	{ \
		x = LOAD(a, i); \
		y = LOAD(b, i); \
		sd[i & 7] += x * y; \
		sa[i & 7] += x * x; \
		sb[i & 7] += y * y; \
	} \
	*dot = COMBINE8(sd); \
	*na = COMBINE8(sa); \
	*nb = COMBINE8(sb); \
} \
\
static float \
l1_##SUFFIX##_scalar(const TYPE *a, const TYPE *b, int n) \
{ \
	float		s[8] = {0, 0, 0, 0, 0, 0, 0, 0}; \
	int			i = 0; \
	int			k; \
\
	for (; i + 8 <= n; i += 8) \
	{ \
		for (k = 0; k < 8; k++) \
			s[k] += __builtin_fabsf(LOAD(a, i + k) - LOAD(b, i + k)); \
	} \
	for (; i < n; i++) \
		s[i & 7] += __builtin_fabsf(LOAD(a, i) - LOAD(b, i)); \
	return COMBINE8(s); \
}

SCALAR_KERNELS(f32, float, LOAD_F32)
SCALAR_KERNELS(f16, uint16_t, LOAD_F16)

/*
 * Scalar bit kernels.  Words are read with memcpy, which compiles to a
 * plain unaligned load and keeps the code free of alignment assumptions.
 * Where the compiler targets a CPU with a population count instruction the
 * builtin maps to it; otherwise we use the classic SWAR reduction, which is
 * branch-free and much faster than libgcc's table-driven fallback.
 */
static inline uint64_t
popcount64(uint64_t x)
{
#if defined(__POPCNT__) || defined(__aarch64__)
	return (uint64_t) __builtin_popcountll(x);
#else
	x = x - ((x >> 1) & UINT64_C(0x5555555555555555));
	x = (x & UINT64_C(0x3333333333333333)) +
		((x >> 2) & UINT64_C(0x3333333333333333));
	x = (x + (x >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
	return (x * UINT64_C(0x0101010101010101)) >> 56;
#endif
}

static uint64_t
hamming_scalar(const uint8_t *a, const uint8_t *b, size_t nbytes)
{
	uint64_t	count = 0;
	uint64_t	wa;
	uint64_t	wb;
	size_t		i = 0;

	for (; i + 8 <= nbytes; i += 8)
	{
		memcpy(&wa, a + i, 8);
		memcpy(&wb, b + i, 8);
		count += popcount64(wa ^ wb);
	}
	for (; i < nbytes; i++)
		count += popcount64((uint64_t) (a[i] ^ b[i]));
	return count;
}

static void
and_or_count_scalar(const uint8_t *a, const uint8_t *b, size_t nbytes,
					uint64_t *and_count, uint64_t *or_count)
{
	uint64_t	ac = 0;
	uint64_t	oc = 0;
	uint64_t	wa;
	uint64_t	wb;
	size_t		i = 0;

	for (; i + 8 <= nbytes; i += 8)
	{
		memcpy(&wa, a + i, 8);
		memcpy(&wb, b + i, 8);
		ac += popcount64(wa & wb);
		oc += popcount64(wa | wb);
	}
	for (; i < nbytes; i++)
	{
		ac += popcount64((uint64_t) (a[i] & b[i]));
		oc += popcount64((uint64_t) (a[i] | b[i]));
	}
	*and_count = ac;
	*or_count = oc;
}

static void
f32_to_f16_scalar(const float *x, uint16_t *out, int n)
{
	for (int i = 0; i < n; i++)
		out[i] = FloatToHalf(x[i]);
}

static const VectorKernels scalar_kernels = {
	"scalar",
	l2sq_f32_scalar,
	dot_f32_scalar,
	cos_parts_f32_scalar,
	l1_f32_scalar,
	l2sq_f16_scalar,
	dot_f16_scalar,
	cos_parts_f16_scalar,
	l1_f16_scalar,
	hamming_scalar,
	and_or_count_scalar,
	f32_to_f16_scalar
};

/*
 * Usable before VectorKernelsInit() too, so that an early caller gets
 * correct (if slower) results instead of a null pointer.
 */
VectorKernels vector_kernels = {
	"scalar",
	l2sq_f32_scalar,
	dot_f32_scalar,
	cos_parts_f32_scalar,
	l1_f32_scalar,
	l2sq_f16_scalar,
	dot_f16_scalar,
	cos_parts_f16_scalar,
	l1_f16_scalar,
	hamming_scalar,
	and_or_count_scalar,
	f32_to_f16_scalar
};

/*
 * CPU detection
 */
typedef struct CpuFeatures
{
	bool		popcnt;
	bool		avx2;			/* AVX2 + FMA + F16C, with OS ymm support */
	bool		avx512;			/* AVX-512F, with OS zmm support */
	bool		vpopcntdq;		/* AVX-512 VPOPCNTDQ, usable */
} CpuFeatures;

#if defined(__x86_64__)
/*
 * XCR0 tells which register states the OS saves on context switches; a
 * CPU may support AVX while the OS does not, and then using ymm registers
 * faults.  Only call this when cpuid reports OSXSAVE.
 */
static uint64_t
read_xcr0(void)
{
	uint32_t	lo;
	uint32_t	hi;

	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t) hi << 32) | lo;
}

static CpuFeatures
detect_cpu(void)
{
	CpuFeatures f = {false, false, false, false};
	unsigned int eax,
				ebx,
				ecx,
				edx;
	unsigned int ebx7 = 0;
	unsigned int ecx7 = 0;
	uint64_t	xcr0 = 0;
	bool		avx_os;
	bool		avx512_os;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
		return f;

	f.popcnt = (ecx & bit_POPCNT) != 0;

	if (ecx & bit_OSXSAVE)
		xcr0 = read_xcr0();
	/* bits 1, 2: SSE and AVX state */
	avx_os = (xcr0 & 0x6) == 0x6;
	/* bits 5, 6, 7: opmask, upper halves of zmm0-15, zmm16-31 */
	avx512_os = avx_os && (xcr0 & 0xe0) == 0xe0;

	/* leaf 7 holds AVX2 and AVX-512; old CPUs lack the leaf altogether */
	if (__get_cpuid_max(0, NULL) >= 7)
		__cpuid_count(7, 0, eax, ebx7, ecx7, edx);

	f.avx2 = avx_os &&
		(ecx & bit_AVX) != 0 &&
		(ecx & bit_FMA) != 0 &&
		(ecx & bit_F16C) != 0 &&
		(ebx7 & bit_AVX2) != 0 &&
		f.popcnt;

	/* the AVX-512 table falls back on the AVX2 one for the bit kernels */
	f.avx512 = f.avx2 && avx512_os && (ebx7 & bit_AVX512F) != 0;
	f.vpopcntdq = f.avx512 && (ecx7 & bit_AVX512VPOPCNTDQ) != 0;
	return f;
}
#else
static CpuFeatures
detect_cpu(void)
{
	CpuFeatures f = {false, false, false, false};

	return f;
}
#endif

static const CpuFeatures *
cpu_features(void)
{
	static CpuFeatures features;
	static bool detected = false;

	/*
	 * A race between two threads would only make both compute the same
	 * answer; PostgreSQL backends are single-threaded anyway.
	 */
	if (!detected)
	{
		features = detect_cpu();
		detected = true;
	}
	return &features;
}

bool
VectorKernelsGet(VectorKernelVariant variant, VectorKernels *out)
{
	const CpuFeatures *cpu = cpu_features();
	VectorKernels k = scalar_kernels;

	switch (variant)
	{
		case VECTOR_KERNEL_SCALAR:
			break;
#if defined(__x86_64__)
		case VECTOR_KERNEL_AVX2:
			if (!cpu->avx2)
				return false;
			VectorKernelsFillAvx2(&k);
			break;
		case VECTOR_KERNEL_AVX512:
			if (!cpu->avx512)
				return false;
			VectorKernelsFillAvx2(&k);
			VectorKernelsFillAvx512(&k);
			if (cpu->vpopcntdq)
				VectorKernelsFillVpopcntdq(&k);
			break;
#endif
		default:
			(void) cpu;
			return false;
	}
	*out = k;
	return true;
}

void
VectorKernelsInit(void)
{
	VectorKernels k;

	if (VectorKernelsGet(VECTOR_KERNEL_AVX512, &k) ||
		VectorKernelsGet(VECTOR_KERNEL_AVX2, &k))
	{
		vector_kernels = k;
		return;
	}

	k = scalar_kernels;
#if defined(__x86_64__)
	/* an old x86 may still have POPCNT without AVX2 */
	if (cpu_features()->popcnt)
	{
		VectorKernelsFillPopcnt(&k);
		k.name = "scalar+popcnt";
	}
#endif
	vector_kernels = k;
}
