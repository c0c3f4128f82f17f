/*
 * fuzz_vector_typmod_in.c
 *	  libFuzzer harness for vector_typmod_in (see harness.c for the format).
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_vector_typmod_in.c
 */
#include "harness.h"

FUZZ_TARGET(vector, TypmodInput)
