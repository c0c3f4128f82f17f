/* Temporary scalar kernels; replaced by the kernels branch. */
#include <math.h>
#include <string.h>
#include "distance/distance.h"

VectorKernels vector_kernels;

static float l2sq(const float *a, const float *b, int n)
{ float s = 0; for (int i = 0; i < n; i++) { float d = a[i] - b[i]; s += d * d; } return s; }
static float dot(const float *a, const float *b, int n)
{ float s = 0; for (int i = 0; i < n; i++) s += a[i] * b[i]; return s; }
static void cosp(const float *a, const float *b, int n, float *d, float *na, float *nb)
{ float s = 0, x = 0, y = 0; for (int i = 0; i < n; i++) { s += a[i] * b[i]; x += a[i] * a[i]; y += b[i] * b[i]; } *d = s; *na = x; *nb = y; }
static float l1(const float *a, const float *b, int n)
{ float s = 0; for (int i = 0; i < n; i++) s += fabsf(a[i] - b[i]); return s; }

/*
 * binary16 -> float is exact.  Subnormal halves are mant * 2^-24, which a
 * float holds exactly.
 */
float
HalfToFloat(uint16_t h)
{
	uint32_t	sign = (uint32_t) (h & 0x8000) << 16;
	uint32_t	exp = (h >> 10) & 0x1f;
	uint32_t	mant = h & 0x3ff;
	uint32_t	bits;
	float		f;

	if (exp == 0)
	{
		f = (float) mant * (1.0f / 16777216.0f);
		return sign ? -f : f;
	}
	if (exp == 31)
		bits = sign | 0x7f800000 | (mant << 13);
	else
		bits = sign | ((exp - 15 + 127) << 23) | (mant << 13);
	memcpy(&f, &bits, sizeof(f));
	return f;
}

/* float -> binary16, round to nearest, ties to even; overflow gives inf. */
uint16_t
FloatToHalf(float f)
{
	uint32_t	bits;
	uint32_t	absbits;
	uint16_t	sign;
	uint32_t	h;
	uint32_t	rem;

	memcpy(&bits, &f, sizeof(bits));
	sign = (uint16_t) ((bits >> 16) & 0x8000);
	absbits = bits & 0x7fffffff;

	if (absbits >= 0x7f800000)	/* inf or NaN; keep NaN a NaN */
		return sign | 0x7c00 | (absbits > 0x7f800000 ? 0x200 : 0);
	if (absbits >= 0x477ff000)	/* >= 65520 rounds to infinity */
		return sign | 0x7c00;
	if (absbits < 0x38800000)	/* below 2^-14: subnormal half or zero */
	{
		/* scaling by a power of two is exact; rintf rounds ties to even */
		return sign | (uint16_t) rintf(fabsf(f) * 16777216.0f);
	}
	h = ((((absbits >> 23) - 127 + 15)) << 10) | ((absbits & 0x7fffff) >> 13);
	rem = absbits & 0x1fff;
	if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
		h++;					/* a carry into the exponent is right */
	return sign | (uint16_t) h;
}

static float l2sq_h(const uint16_t *a, const uint16_t *b, int n)
{ float s = 0; for (int i = 0; i < n; i++) { float d = HalfToFloat(a[i]) - HalfToFloat(b[i]); s += d * d; } return s; }
static float dot_h(const uint16_t *a, const uint16_t *b, int n)
{ float s = 0; for (int i = 0; i < n; i++) s += HalfToFloat(a[i]) * HalfToFloat(b[i]); return s; }
static void cosp_h(const uint16_t *a, const uint16_t *b, int n, float *d, float *na, float *nb)
{ float s = 0, x = 0, y = 0; for (int i = 0; i < n; i++) { float p = HalfToFloat(a[i]), q = HalfToFloat(b[i]); s += p * q; x += p * p; y += q * q; } *d = s; *na = x; *nb = y; }
static float l1_h(const uint16_t *a, const uint16_t *b, int n)
{ float s = 0; for (int i = 0; i < n; i++) s += fabsf(HalfToFloat(a[i]) - HalfToFloat(b[i])); return s; }

static uint64_t hamming(const uint8_t *a, const uint8_t *b, size_t nbytes)
{ uint64_t c = 0; for (size_t i = 0; i < nbytes; i++) c += __builtin_popcount(a[i] ^ b[i]); return c; }
static void andor(const uint8_t *a, const uint8_t *b, size_t nbytes, uint64_t *ac, uint64_t *oc)
{ uint64_t x = 0, y = 0; for (size_t i = 0; i < nbytes; i++) { x += __builtin_popcount(a[i] & b[i]); y += __builtin_popcount(a[i] | b[i]); } *ac = x; *oc = y; }

void VectorKernelsInit(void)
{
	vector_kernels.name = "scalar";
	vector_kernels.l2sq_f32 = l2sq;
	vector_kernels.dot_f32 = dot;
	vector_kernels.cos_parts_f32 = cosp;
	vector_kernels.l1_f32 = l1;
	vector_kernels.l2sq_f16 = l2sq_h;
	vector_kernels.dot_f16 = dot_h;
	vector_kernels.cos_parts_f16 = cosp_h;
	vector_kernels.l1_f16 = l1_h;
	vector_kernels.hamming = hamming;
	vector_kernels.and_or_count = andor;
}

bool VectorKernelsGet(VectorKernelVariant variant, VectorKernels *out) { return false; }
