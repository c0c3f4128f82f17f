/*-------------------------------------------------------------------------
 *
 * test_distance.c
 *	  Standalone unit tests of the distance kernels (no server needed).
 *
 * Every kernel of every variant this CPU can run is compared with a
 * double-precision reference on random inputs, at awkward lengths and on
 * unaligned pointers; short lengths are also run against inputs that end
 * right before an inaccessible page, so that a kernel reading past the end
 * crashes (and is reported) instead of passing by luck.  The binary16
 * conversions and the bit kernels are tested exactly.
 *
 * Output is TAP-like: one "ok N - ..." or "not ok N - ..." per case, and a
 * summary line "# P passed, F failed".  The exit status is non-zero when
 * anything failed.
 *
 * IDENTIFICATION
 *	  test/unit/test_distance.c
 *
 *-------------------------------------------------------------------------
 */
#include "distance.h"

#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int	test_number = 0;
static int	passed = 0;
static int	failed = 0;

static const int dims[] = {1, 3, 7, 15, 16, 17, 31, 128, 1536, 2000, 16000};
#define NDIMS	((int) (sizeof(dims) / sizeof(dims[0])))
#define MAXDIM	16000

static const char *const variant_names[VECTOR_KERNEL_NVARIANTS] = {
	"scalar", "avx2", "avx512"
};

static void
report(int ok, const char *fmt,...)
{
	va_list		ap;

	test_number++;
	if (ok)
		passed++;
	else
		failed++;
	printf("%s %d - ", ok ? "ok" : "not ok", test_number);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/*
 * splitmix64: tiny, seeded, and identical on every platform, so a failure
 * can be reproduced exactly.
 */
static uint64_t rng_state = UINT64_C(0x5eed5eed12345678);

static uint64_t
rng_next(void)
{
	uint64_t	z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* uniform in [0, 1) */
static double
rng_unit(void)
{
	return (double) (rng_next() >> 11) * 0x1p-53;
}

/* random sign, magnitude log-uniform between 1e-3 and 1e3 */
static float
rng_value(void)
{
	double		mag = pow(10.0, -3.0 + 6.0 * rng_unit());

	return (float) ((rng_next() & 1) ? -mag : mag);
}

/*
 * Tolerance.
 *
 * Each kernel sums n float terms.  If no chain of dependent additions is
 * longer than L, the classic bound on the rounding error of a sum is
 * (L + 1) * u * sum|term_i|, with u = 2^-24 (the product or difference that
 * forms each term adds one more rounding, also covered by the + 1).  All
 * our variants keep at least 8 independent partial sums, so L <= n/8 + 4,
 * and the bound is about (n/8 + 5) * 6e-8 * sum|term|.  We accept
 *
 *		|got - ref| <= 1e-5 * sqrt(n) * sum|term_i|
 *
 * against a double reference.  sqrt(n) is how the error of a sum of
 * independent roundings actually grows (a random walk), and 1e-5 is ~170u,
 * so typical results sit far inside; and for every n up to about 1.7e6,
 * 1e-5 * sqrt(n) >= (n/8 + 5) * 6e-8, so even the worst case of a correct
 * kernel passes.  A wrong kernel (a dropped or doubled element, a lane
 * summed twice) is off by at least one whole term, which at our magnitudes
 * and lengths is far larger than this bound in the cases that matter.
 * sum|term| equals |a||b|-style magnitudes for the norms and is no larger
 * than |a||b| for the dot product (Cauchy-Schwarz), so it is the tighter
 * choice of scale.
 */
static int
close_enough(double got, double ref, double mag, int n)
{
	double		tol = 1e-5 * sqrt((double) n) * mag;

	if (isnan(got) || isnan(ref))
		return 0;
	return fabs(got - ref) <= tol;
}

/* double-precision references, on float inputs */
typedef struct RefSums
{
	double		l2sq;
	double		dot;
	double		dot_mag;		/* sum |a_i b_i| */
	double		na;
	double		nb;
	double		l1;
} RefSums;

static RefSums
reference(const float *a, const float *b, int n)
{
	RefSums		r = {0, 0, 0, 0, 0, 0};
	int			i;

	for (i = 0; i < n; i++)
	{
		double		x = a[i];
		double		y = b[i];

		r.l2sq += (x - y) * (x - y);
		r.dot += x * y;
		r.dot_mag += fabs(x * y);
		r.na += x * x;
		r.nb += y * y;
		r.l1 += fabs(x - y);
	}
	return r;
}

/*
 * Run all float kernels of table k on (a, b) (float4) or (ha, hb) (half;
 * af and bf hold the same values widened) and return a bitmask of the
 * kernels that disagreed with the reference.
 */
#define K_L2SQ	1
#define K_DOT	2
#define K_COS	4
#define K_L1	8

static int
check_f32(const VectorKernels *k, const float *a, const float *b, int n)
{
	RefSums		r = reference(a, b, n);
	float		d,
				na,
				nb;
	int			bad = 0;

	if (!close_enough(k->l2sq_f32(a, b, n), r.l2sq, r.l2sq, n))
		bad |= K_L2SQ;
	if (!close_enough(k->dot_f32(a, b, n), r.dot, r.dot_mag, n))
		bad |= K_DOT;
	k->cos_parts_f32(a, b, n, &d, &na, &nb);
	if (!close_enough(d, r.dot, r.dot_mag, n) ||
		!close_enough(na, r.na, r.na, n) ||
		!close_enough(nb, r.nb, r.nb, n))
		bad |= K_COS;
	if (!close_enough(k->l1_f32(a, b, n), r.l1, r.l1, n))
		bad |= K_L1;
	return bad;
}

static int
check_f16(const VectorKernels *k, const uint16_t *ha, const uint16_t *hb,
		  const float *af, const float *bf, int n)
{
	RefSums		r = reference(af, bf, n);
	float		d,
				na,
				nb;
	int			bad = 0;

	if (!close_enough(k->l2sq_f16(ha, hb, n), r.l2sq, r.l2sq, n))
		bad |= K_L2SQ;
	if (!close_enough(k->dot_f16(ha, hb, n), r.dot, r.dot_mag, n))
		bad |= K_DOT;
	k->cos_parts_f16(ha, hb, n, &d, &na, &nb);
	if (!close_enough(d, r.dot, r.dot_mag, n) ||
		!close_enough(na, r.na, r.na, n) ||
		!close_enough(nb, r.nb, r.nb, n))
		bad |= K_COS;
	if (!close_enough(k->l1_f16(ha, hb, n), r.l1, r.l1, n))
		bad |= K_L1;
	return bad;
}

static uint64_t
ref_hamming(const uint8_t *a, const uint8_t *b, size_t nbytes)
{
	uint64_t	c = 0;
	size_t		i;
	int			bit;

	for (i = 0; i < nbytes; i++)
		for (bit = 0; bit < 8; bit++)
			c += ((a[i] >> bit) & 1) != ((b[i] >> bit) & 1);
	return c;
}

static void
ref_and_or(const uint8_t *a, const uint8_t *b, size_t nbytes,
		   uint64_t *and_count, uint64_t *or_count)
{
	size_t		i;
	int			bit;

	*and_count = 0;
	*or_count = 0;
	for (i = 0; i < nbytes; i++)
		for (bit = 0; bit < 8; bit++)
		{
			int			x = (a[i] >> bit) & 1;
			int			y = (b[i] >> bit) & 1;

			*and_count += x & y;
			*or_count += x | y;
		}
}

/*
 * Test buffers: allocated 64-byte aligned, then used from one element (or
 * one byte) in, so that no kernel may rely on alignment.
 */
static float *buf_a;
static float *buf_b;
static uint16_t *buf_ha;
static uint16_t *buf_hb;
static float *buf_haf;
static float *buf_hbf;
static uint8_t *buf_ba;
static uint8_t *buf_bb;

static void *
aligned_buffer(size_t bytes)
{
	void	   *p = aligned_alloc(64, (bytes + 63) & ~(size_t) 63);

	if (p == NULL)
	{
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	return p;
}

static void
fill_random(int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		buf_a[i] = rng_value();
		buf_b[i] = rng_value();
		buf_ha[i] = FloatToHalf(rng_value());
		buf_hb[i] = FloatToHalf(rng_value());
		buf_haf[i] = HalfToFloat(buf_ha[i]);
		buf_hbf[i] = HalfToFloat(buf_hb[i]);
	}
	for (i = 0; i < n; i++)
	{
		buf_ba[i] = (uint8_t) rng_next();
		buf_bb[i] = (uint8_t) rng_next();
	}
}

static const char *const kernel_names[4] = {"l2sq", "dot", "cos_parts", "l1"};

static void
test_variant_random(VectorKernelVariant v, const VectorKernels *k)
{
	float	   *a = buf_a + 1;
	float	   *b = buf_b + 1;
	uint16_t   *ha = buf_ha + 1;
	uint16_t   *hb = buf_hb + 1;
	float	   *haf = buf_haf + 1;
	float	   *hbf = buf_hbf + 1;
	uint8_t    *ba = buf_ba + 1;
	uint8_t    *bb = buf_bb + 1;
	int			d;
	int			trial;
	int			kern;

	for (d = 0; d < NDIMS; d++)
	{
		int			n = dims[d];
		int			bad32 = 0;
		int			bad16 = 0;
		int			bad_ham = 0;
		int			bad_andor = 0;
		int			bad_self = 0;
		float		dd,
					na,
					nb;

		/* short vectors are cheap: try more inputs there */
		for (trial = 0; trial < (n < 100 ? 20 : 3); trial++)
		{
			uint64_t	ac,
						oc,
						rac,
						roc;

			fill_random(n + 1);
			bad32 |= check_f32(k, a, b, n);
			bad16 |= check_f16(k, ha, hb, haf, hbf, n);

			if (k->hamming(ba, bb, (size_t) n) !=
				ref_hamming(ba, bb, (size_t) n))
				bad_ham = 1;
			k->and_or_count(ba, bb, (size_t) n, &ac, &oc);
			ref_and_or(ba, bb, (size_t) n, &rac, &roc);
			if (ac != rac || oc != roc)
				bad_andor = 1;

			/* a vector against itself: distances exactly zero */
			if (k->l2sq_f32(a, a, n) != 0.0f || k->l1_f32(a, a, n) != 0.0f ||
				k->l2sq_f16(ha, ha, n) != 0.0f || k->l1_f16(ha, ha, n) != 0.0f ||
				k->hamming(ba, ba, (size_t) n) != 0)
				bad_self = 1;
			k->cos_parts_f32(a, a, n, &dd, &na, &nb);
			if (dd != na || na != nb)
				bad_self = 1;
		}

		for (kern = 0; kern < 4; kern++)
			report(!(bad32 & (1 << kern)), "%s %s_f32 n=%d vs double reference",
				   variant_names[v], kernel_names[kern], n);
		for (kern = 0; kern < 4; kern++)
			report(!(bad16 & (1 << kern)), "%s %s_f16 n=%d vs double reference",
				   variant_names[v], kernel_names[kern], n);
		report(!bad_ham, "%s hamming nbytes=%d exact", variant_names[v], n);
		report(!bad_andor, "%s and_or_count nbytes=%d exact",
			   variant_names[v], n);
		report(!bad_self, "%s distance of a vector to itself is 0, n=%d",
			   variant_names[v], n);
	}
}

/*
 * Guard-page test: place inputs so that their last element is the last
 * thing before a PROT_NONE page.  A kernel reading even one byte too far
 * gets SIGSEGV, which we catch and report as a failure.
 */
static sigjmp_buf segv_jump;

static void
segv_handler(int sig)
{
	(void) sig;
	siglongjmp(segv_jump, 1);
}

static uint8_t *
guarded_region(size_t *usable)
{
	long		page = sysconf(_SC_PAGESIZE);
	size_t		len = 16 * (size_t) page;
	uint8_t    *p;

	p = mmap(NULL, len + (size_t) page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || mprotect(p + len, (size_t) page, PROT_NONE) != 0)
	{
		perror("mmap");
		exit(2);
	}
	*usable = len;
	return p;
}

#define GUARD_MAXN	100

static int	f16_batch_mismatches(const VectorKernels *k, const float *x, int n);

static void
test_variant_guard(VectorKernelVariant v, const VectorKernels *k)
{
	static uint8_t *ra = NULL;
	static uint8_t *rb = NULL;
	static size_t len;
	volatile int n_at_fault = 0;
	volatile int bad = 0;
	volatile int n;
	struct sigaction sa;
	struct sigaction old_segv;
	struct sigaction old_bus;

	if (ra == NULL)
	{
		ra = guarded_region(&len);
		rb = guarded_region(&len);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = segv_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);

	if (sigsetjmp(segv_jump, 1) == 0)
	{
		for (n = 1; n <= GUARD_MAXN; n++)
		{
			float	   *a = (float *) (ra + len) - n;
			float	   *b = (float *) (rb + len) - n;
			uint16_t   *ha = (uint16_t *) (ra + len) - n;
			uint16_t   *hb = (uint16_t *) (rb + len) - n;
			uint8_t    *ba = ra + len - n;
			uint8_t    *bb = rb + len - n;
			float		af[GUARD_MAXN];
			float		bf[GUARD_MAXN];
			uint64_t	ac,
						oc,
						rac,
						roc;
			int			i;

			n_at_fault = n;
			for (i = 0; i < n; i++)
			{
				a[i] = rng_value();
				b[i] = rng_value();
			}
			if (check_f32(k, a, b, n))
				bad = 1;
			if (f16_batch_mismatches(k, a, n))
				bad = 1;

			for (i = 0; i < n; i++)
			{
				ha[i] = FloatToHalf(rng_value());
				hb[i] = FloatToHalf(rng_value());
				af[i] = HalfToFloat(ha[i]);
				bf[i] = HalfToFloat(hb[i]);
			}
			if (check_f16(k, ha, hb, af, bf, n))
				bad = 1;

			for (i = 0; i < n; i++)
			{
				ba[i] = (uint8_t) rng_next();
				bb[i] = (uint8_t) rng_next();
			}
			if (k->hamming(ba, bb, (size_t) n) !=
				ref_hamming(ba, bb, (size_t) n))
				bad = 1;
			k->and_or_count(ba, bb, (size_t) n, &ac, &oc);
			ref_and_or(ba, bb, (size_t) n, &rac, &roc);
			if (ac != rac || oc != roc)
				bad = 1;
		}
		report(!bad, "%s all kernels, n=1..%d ending at a guard page",
			   variant_names[v], GUARD_MAXN);
	}
	else
		report(0, "%s read past the end of its input (fault at n=%d)",
			   variant_names[v], (int) n_at_fault);

	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
}

static void
test_variant_cosine_zero(VectorKernelVariant v, const VectorKernels *k)
{
	float	   *a = buf_a + 1;
	float	   *b = buf_b + 1;
	uint16_t   *ha = buf_ha + 1;
	uint16_t   *hb = buf_hb + 1;
	float		d,
				na,
				nb;
	int			n = 17;
	int			i;
	int			ok = 1;

	fill_random(n + 1);
	for (i = 0; i < n; i++)
	{
		a[i] = 0.0f;
		ha[i] = 0;
	}
	k->cos_parts_f32(a, b, n, &d, &na, &nb);
	ok &= d == 0.0f && na == 0.0f && nb > 0.0f &&
		isnan(CosineDistanceFromParts(d, na, nb));
	k->cos_parts_f32(a, a, n, &d, &na, &nb);
	ok &= isnan(CosineDistanceFromParts(d, na, nb));
	k->cos_parts_f16(ha, hb, n, &d, &na, &nb);
	ok &= d == 0.0f && na == 0.0f && nb > 0.0f &&
		isnan(CosineDistanceFromParts(d, na, nb));
	report(ok, "%s cosine distance with a zero vector is NaN",
		   variant_names[v]);

	/* and a vector with itself is (nearly) 0, never negative */
	fill_random(n + 1);
	k->cos_parts_f32(a, a, n, &d, &na, &nb);
	report(fabs(CosineDistanceFromParts(d, na, nb)) < 1e-6 &&
		   CosineDistanceFromParts(d, na, nb) >= 0.0,
		   "%s cosine distance of a vector to itself is 0",
		   variant_names[v]);
}

/*
 * binary16 conversion
 */

/* value of a half from its fields, independently of HalfToFloat */
static double
half_value(uint16_t h)
{
	int			e = (h >> 10) & 0x1f;
	int			m = h & 0x3ff;
	double		v;

	if (e == 0)
		v = ldexp((double) m, -24);
	else if (e == 31)
		v = m ? NAN : INFINITY;
	else
		v = ldexp(1.0 + m / 1024.0, e - 15);
	return (h & 0x8000) ? -v : v;
}

static void
test_half_conversion(void)
{
	uint32_t	h;
	int			bad_value = 0;
	int			bad_trip = 0;
	int			bad_ties = 0;

	/* every half: exact widening, and back to the very same bits */
	for (h = 0; h < 65536; h++)
	{
		float		f = HalfToFloat((uint16_t) h);
		double		want = half_value((uint16_t) h);

		if (isnan(want) ? !isnan(f) :
			((double) f != want || !signbit(f) != !signbit(want)))
			bad_value++;
		if (FloatToHalf(f) != (uint16_t) h)
			bad_trip++;
	}
	report(bad_value == 0, "HalfToFloat exact for all 65536 halves (%d bad)",
		   bad_value);
	report(bad_trip == 0, "FloatToHalf(HalfToFloat(h)) == h for all 65536 "
		   "halves, NaN payloads included (%d bad)", bad_trip);

	/*
	 * Rounding, exhaustively at the places where it matters: for each pair
	 * of neighbouring finite halves, the exact midpoint (representable in
	 * float) must go to the one with the even mantissa, and the floats just
	 * below and above it to the nearer one.  Both signs.
	 */
	for (h = 0; h < 0x7bff; h++)
	{
		int			sgn;

		for (sgn = 0; sgn < 2; sgn++)
		{
			uint16_t	s = sgn ? 0x8000 : 0;
			uint16_t	lo = (uint16_t) (s | h);
			uint16_t	hi = (uint16_t) (s | (h + 1));
			float		mid = (float) ((half_value(lo) + half_value(hi)) / 2);
			uint16_t	even = (h & 1) ? hi : lo;

			if (FloatToHalf(mid) != even ||
				FloatToHalf(nextafterf(mid, 0.0f)) != lo ||
				FloatToHalf(nextafterf(mid, sgn ? -INFINITY : INFINITY)) != hi)
				bad_ties++;
		}
	}
	report(bad_ties == 0, "FloatToHalf rounds to nearest, ties to even, at "
		   "every midpoint of finite halves (%d bad)", bad_ties);

	/* known values */
	report(FloatToHalf(65504.0f) == 0x7bff && HalfToFloat(0x7bff) == 65504.0f,
		   "65504 is the largest half, 0x7bff");
	report(FloatToHalf(65519.996f) == 0x7bff &&
		   FloatToHalf(65520.0f) == 0x7c00 &&
		   FloatToHalf(1e6f) == 0x7c00 &&
		   FloatToHalf(-1e30f) == 0xfc00 &&
		   FloatToHalf(3.4e38f) == 0x7c00,
		   "overflow: 65520 and beyond round to infinity, below stays 65504");
	report(FloatToHalf(INFINITY) == 0x7c00 && FloatToHalf(-INFINITY) == 0xfc00 &&
		   isinf(HalfToFloat(0x7c00)) && HalfToFloat(0xfc00) < 0,
		   "infinities convert both ways");
	{
		uint16_t	hn = FloatToHalf(NAN);
		uint16_t	hn2 = FloatToHalf(-NAN);

		report((hn & 0x7c00) == 0x7c00 && (hn & 0x3ff) != 0 &&
			   (hn2 & 0x8000) && (hn2 & 0x3ff) != 0 &&
			   isnan(HalfToFloat(0x7e00)) && isnan(HalfToFloat(0x7c01)),
			   "NaN stays NaN both ways, with its sign");
	}
	{
		float		nan_small_payload;
		uint32_t	bits = 0x7f800001;	/* payload only in dropped bits */

		memcpy(&nan_small_payload, &bits, sizeof(bits));
		report((FloatToHalf(nan_small_payload) & 0x7fff) > 0x7c00,
			   "a float NaN whose payload lies in the dropped bits stays NaN");
	}
	report(FloatToHalf(6.103515625e-5f) == 0x0400 &&
		   HalfToFloat(0x0400) == 6.103515625e-5f,
		   "smallest normal 2^-14 = 6.1035e-5 is 0x0400");
	report(FloatToHalf(6.0975552e-5f) == 0x03ff &&
		   HalfToFloat(0x03ff) == 6.0975551605224609375e-5f,
		   "largest subnormal 6.0976e-5 is 0x03ff");
	report(FloatToHalf(5.9604644775390625e-8f) == 0x0001 &&
		   HalfToFloat(0x0001) == 5.9604644775390625e-8f &&
		   FloatToHalf(2.98023223876953125e-8f) == 0x0000 &&
		   FloatToHalf(2.98023259e-8f) == 0x0001 &&
		   FloatToHalf(8.94069671630859375e-8f) == 0x0002 &&
		   FloatToHalf(1e-10f) == 0x0000 &&
		   FloatToHalf(-1e-10f) == 0x8000 &&
		   FloatToHalf(1e-40f) == 0x0000,
		   "subnormals: 2^-24 is 0x0001, 2^-25 ties to 0, 3*2^-25 ties to 2, "
		   "tiny values and float subnormals flush to signed zero");
	report(FloatToHalf(1.00048828125f) == 0x3c00 &&
		   FloatToHalf(1.00146484375f) == 0x3c02 &&
		   FloatToHalf(2049.0f) == 0x6800 &&
		   FloatToHalf(2051.0f) == 0x6802 &&
		   FloatToHalf(-2049.0f) == 0xe800,
		   "normal ties go to even: 1+2^-11 -> 1, 2049 -> 2048, 2051 -> 2052");
	report(FloatToHalf(0.0f) == 0x0000 && FloatToHalf(-0.0f) == 0x8000 &&
		   FloatToHalf(1.0f) == 0x3c00 && FloatToHalf(-2.0f) == 0xc000 &&
		   FloatToHalf(0.1f) == 0x2e66 &&
		   HalfToFloat(0x3555) == 0.333251953125f,
		   "ordinary values: 0, -0, 1, -2, 0.1, 1/3");
}

/*
 * A table's batch conversion against FloatToHalf, bit for bit (NaN only
 * as NaN): every half and the floats next to every midpoint between two
 * finite halves, which are where rounding can go wrong; floats of random
 * bits, which reach overflow, subnormals and float subnormals; and every
 * length from 0 to 40, for the tails, with the output checked not to run
 * past its end.
 */
static int
f16_batch_mismatches(const VectorKernels *k, const float *x, int n)
{
	uint16_t   *out = malloc(sizeof(uint16_t) * (n + 1));
	int			bad = 0;

	out[n] = 0xabcd;
	k->f32_to_f16(x, out, n);
	for (int i = 0; i < n; i++)
	{
		uint16_t	want = FloatToHalf(x[i]);

		if (isnan(x[i]) ? (out[i] & 0x7fff) <= 0x7c00 : out[i] != want)
			bad++;
	}
	if (out[n] != 0xabcd)
		bad++;
	free(out);
	return bad;
}

static void
test_variant_f32_to_f16(VectorKernelVariant v, const VectorKernels *k)
{
	float	   *x = malloc(sizeof(float) * 65536 * 3);
	int			n = 0;
	int			bad = 0;

	for (uint32_t h = 0; h < 65536; h++)
		x[n++] = HalfToFloat((uint16_t) h);
	bad += f16_batch_mismatches(k, x, n);

	n = 0;
	for (uint32_t h = 0; h < 0x7bff; h++)
	{
		float		mid = (float) ((half_value((uint16_t) h) +
									half_value((uint16_t) (h + 1))) / 2);

		x[n++] = mid;
		x[n++] = nextafterf(mid, 0.0f);
		x[n++] = -nextafterf(mid, INFINITY);
	}
	bad += f16_batch_mismatches(k, x, n);

	for (n = 0; n < 65536; n++)
	{
		uint32_t	bits = (uint32_t) rng_next();

		memcpy(&x[n], &bits, sizeof(bits));
	}
	bad += f16_batch_mismatches(k, x, n);

	for (n = 0; n <= 40; n++)
	{
		for (int i = 0; i < n; i++)
			x[i] = rng_value();
		bad += f16_batch_mismatches(k, x, n);
	}
	report(bad == 0, "%s f32_to_f16 matches FloatToHalf: all halves, both "
		   "sides of every midpoint, random bits, n = 0..40 (%d bad)",
		   variant_names[v], bad);
	free(x);
}

static void
test_dispatch(void)
{
	VectorKernels k;
	VectorKernelVariant best = VECTOR_KERNEL_SCALAR;
	int			v;

	for (v = 0; v < VECTOR_KERNEL_NVARIANTS; v++)
		if (VectorKernelsGet((VectorKernelVariant) v, &k))
			best = (VectorKernelVariant) v;

	VectorKernelsInit();
	VectorKernelsInit();		/* idempotent */
	report(strncmp(vector_kernels.name, variant_names[best],
				   strlen(variant_names[best])) == 0,
		   "VectorKernelsInit picks the best variant: %s (chose %s)",
		   variant_names[best], vector_kernels.name);
	report(!VectorKernelsGet(VECTOR_KERNEL_NVARIANTS, &k),
		   "VectorKernelsGet rejects an unknown variant");
}

int
main(void)
{
	VectorKernels k;
	int			v;

	buf_a = aligned_buffer((MAXDIM + 16) * sizeof(float));
	buf_b = aligned_buffer((MAXDIM + 16) * sizeof(float));
	buf_ha = aligned_buffer((MAXDIM + 16) * sizeof(uint16_t));
	buf_hb = aligned_buffer((MAXDIM + 16) * sizeof(uint16_t));
	buf_haf = aligned_buffer((MAXDIM + 16) * sizeof(float));
	buf_hbf = aligned_buffer((MAXDIM + 16) * sizeof(float));
	buf_ba = aligned_buffer(MAXDIM + 16);
	buf_bb = aligned_buffer(MAXDIM + 16);

	test_half_conversion();
	test_dispatch();

	for (v = 0; v < VECTOR_KERNEL_NVARIANTS; v++)
	{
		if (!VectorKernelsGet((VectorKernelVariant) v, &k))
		{
			report(1, "%s kernels # SKIP no %s on this CPU",
				   variant_names[v],
				   v == VECTOR_KERNEL_AVX512 ? "AVX-512" : "AVX2/FMA/F16C");
			continue;
		}
		test_variant_random((VectorKernelVariant) v, &k);
		test_variant_guard((VectorKernelVariant) v, &k);
		test_variant_cosine_zero((VectorKernelVariant) v, &k);
		test_variant_f32_to_f16((VectorKernelVariant) v, &k);
	}

	printf("# %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
