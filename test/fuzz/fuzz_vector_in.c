/*
 * fuzz_vector_in.c
 *	  libFuzzer harness for vector_in (see harness.c for the format).
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_vector_in.c
 */
#include "harness.h"

FUZZ_TARGET(vector, TextInput)
