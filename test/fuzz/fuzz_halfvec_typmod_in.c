/*
 * fuzz_halfvec_typmod_in.c
 *	  libFuzzer harness for halfvec_typmod_in (see harness.c for the format).
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_halfvec_typmod_in.c
 */
#include "harness.h"

FUZZ_TARGET(halfvec, TypmodInput)
