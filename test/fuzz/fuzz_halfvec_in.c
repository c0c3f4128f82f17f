/*
 * fuzz_halfvec_in.c
 *	  libFuzzer harness for halfvec_in (see harness.c for the format).
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_halfvec_in.c
 */
#include "harness.h"

FUZZ_TARGET(halfvec, TextInput)
