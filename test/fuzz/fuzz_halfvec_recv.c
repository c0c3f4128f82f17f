/*
 * fuzz_halfvec_recv.c
 *	  libFuzzer harness for halfvec_recv (see fuzz_common.c for the format).
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_halfvec_recv.c
 */
#include "fuzz_common.h"

FUZZ_TARGET(halfvec, BinaryInput)
