/*
 * fuzz_vector_typmod_in.c
 *	  libFuzzer harness for vector_typmod_in (see fuzz_common.c for the format).
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_vector_typmod_in.c
 */
#include "fuzz_common.h"

FUZZ_TARGET(vector, TypmodInput)
