/*
 * fuzz_halfvec_in.c
 *	  libFuzzer harness for halfvec_in (see fuzz_common.c for the format).
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_halfvec_in.c
 */
#include "fuzz_common.h"

FUZZ_TARGET(halfvec, TextInput)
