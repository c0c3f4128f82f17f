-- Inputs found by the fuzz harnesses (test/fuzz) and by the review of
-- functions that take positions and sizes; see test/fuzz/README.md.
-- Errors are shown in full: their details are part of the fix.
\set VERBOSITY default

-- fuzz_vector_cast: a float8 element is out of range for vector only when
-- it overflows to infinity or underflows to zero as a float4, as in the
-- server's float8 -> float4 cast and in vector's text input.
SELECT ARRAY[3.4028235e38, -3.4028235e38]::float8[]::vector;
SELECT ARRAY[3.4028235e38]::numeric[]::vector;
SELECT '[3.4028235e38,1e-45]'::vector;
SELECT ARRAY[1e-45, 7.1e-46]::float8[]::vector;
SELECT 3.4028235e38::float8::real, 1e-45::float8::real;
SELECT ARRAY[3.4028236e38]::float8[]::vector;
SELECT ARRAY[7e-46]::float8[]::vector;

-- subvector: an empty result says on which side of the vector it fell
SELECT subvector('[1,2,3]'::vector, 4, 1);
SELECT subvector('[1,2,3]'::vector, -5, 3);
SELECT subvector('[1,2,3]'::vector, -2147483648, 2147483647);
SELECT subvector('[1,2,3]'::vector, 2147483647, 2147483647);
SELECT subvector('[1,2,3]'::vector, -1, 3);
