-- casts of vector: arrays, typmod, and the other vector types
\set VERBOSITY terse

-- from arrays of every supported element type
SELECT ARRAY[1,2,3]::vector, ARRAY[1.5,-2.5]::real[]::vector,
	ARRAY[0.1,0.2]::float8[]::vector, ARRAY[1.25,-3]::numeric[]::vector;
SELECT ARRAY[2147483647, -2147483648]::vector;
SELECT ARRAY[1e38, -1e38, 1.5e-45]::float8[]::vector;
SELECT ARRAY[0.1]::numeric[]::vector, ARRAY[123456789.123]::numeric[]::vector;
SELECT ARRAY[1,2,3]::vector(3), ARRAY[1,2,3]::real[]::vector(3),
	ARRAY[1,2,3]::float8[]::vector(3), ARRAY[1,2,3]::numeric[]::vector(3);
SELECT vector_dims(array_fill(1.5::float8, ARRAY[16000])::vector);
-- assignment casts into a vector column
CREATE TABLE t (v vector(2));
INSERT INTO t VALUES (ARRAY[1,2]), (ARRAY[1.5,2.5]::real[]), (ARRAY[3,4]::float8[]),
	(ARRAY[5,6]::numeric[]);
SELECT * FROM t;
INSERT INTO t VALUES (ARRAY[1,2,3]);
DROP TABLE t;
-- a non-zero lower bound is only a position: the elements are kept
SELECT '[5:7]={1,2,3}'::int[]::vector;

-- array errors
SELECT ARRAY[1,NULL]::vector;
SELECT ARRAY[NULL]::real[]::vector;
SELECT ARRAY[[1,2],[3,4]]::vector;
SELECT ARRAY[[1,2],[3,4]]::float8[]::vector;
SELECT '{}'::int[]::vector;
SELECT '{}'::real[]::vector;
SELECT '{}'::float8[]::vector;
SELECT '{}'::numeric[]::vector;
SELECT array_fill(1, ARRAY[16001])::vector;
SELECT ARRAY[1,2,3]::vector(2);
SELECT ARRAY['NaN']::real[]::vector;
SELECT ARRAY['Infinity']::real[]::vector;
SELECT ARRAY['-Infinity']::float8[]::vector;
SELECT ARRAY['NaN']::numeric[]::vector;
SELECT ARRAY[1e39]::float8[]::vector;
SELECT ARRAY[-1e39]::float8[]::vector;
SELECT ARRAY[1e-46]::float8[]::vector;
SELECT ARRAY[1e39]::numeric[]::vector;
SELECT ARRAY[1e300]::numeric[]::vector;

-- to real[]
SELECT '[1,2.5,-3]'::vector::real[];
SELECT ('[1,2,3]'::vector::real[])[2];
SELECT array_length(array_fill(1, ARRAY[16000])::vector::real[], 1);
-- the round trip is exact
SELECT '[0.1,1e-38,3.4e38]'::vector::real[]::vector = '[0.1,1e-38,3.4e38]'::vector AS same;

-- typmod cast
SELECT '[1,2,3]'::vector(3)::vector(3);
SELECT '[1,2,3]'::vector::vector(2);
SELECT '[1,2]'::vector(2)::vector(3);
CREATE TABLE t (v vector);
INSERT INTO t VALUES ('[1,2]'), ('[1,2,3]');
ALTER TABLE t ALTER COLUMN v TYPE vector(2);
DELETE FROM t WHERE vector_dims(v) = 3;
ALTER TABLE t ALTER COLUMN v TYPE vector(2);
\d t
DROP TABLE t;

-- with halfvec: rounding to binary16, exact back
SELECT '[1.1,-2,65504]'::vector::halfvec, '[1.1,-2,65504]'::vector::halfvec::vector;
SELECT '[1,2]'::vector::halfvec(2), '[1,2]'::halfvec::vector(2);
SELECT '[65520]'::vector::halfvec;
-- past the first eight elements (the cast converts eight at a time)
SELECT ('[' || repeat('1,', 16) || '65519.996,2,3]')::vector::halfvec;
SELECT ('[' || repeat('1,', 16) || '-65520,2,3]')::vector::halfvec;
SELECT '[1,2]'::vector::halfvec(3);
SELECT '[1,2]'::halfvec::vector(3);
-- with sparsevec: zeros dropped, restored
SELECT '[0,1.5,0]'::vector::sparsevec, '{2:1.5}/3'::sparsevec::vector;
SELECT '[0,1]'::vector::sparsevec(2), '{2:1}/2'::sparsevec::vector(2);
SELECT '[0,1]'::vector::sparsevec(3);
SELECT '{2:1}/2'::sparsevec::vector(3);
SELECT '{2:1}/16001'::sparsevec::vector;
-- with assignment casts into columns
CREATE TABLE t (v vector(3), h halfvec(3), s sparsevec(3));
INSERT INTO t VALUES ('[1,0,2]'::halfvec, '[1,0,2]'::vector, '[1,0,2]'::vector);
INSERT INTO t VALUES ('{1:3}/3'::sparsevec, '{2:3}/3'::sparsevec, '[0,0,3]'::halfvec);
SELECT * FROM t;
DROP TABLE t;
