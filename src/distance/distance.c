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

void VectorKernelsInit(void)
{
	vector_kernels.name = "scalar";
	vector_kernels.l2sq_f32 = l2sq;
	vector_kernels.dot_f32 = dot;
	vector_kernels.cos_parts_f32 = cosp;
	vector_kernels.l1_f32 = l1;
}

bool VectorKernelsGet(VectorKernelVariant variant, VectorKernels *out) { return false; }
