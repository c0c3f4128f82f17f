-- casts between vector and arrays
\set VERBOSITY terse

SELECT ARRAY[1,2,3]::vector, ARRAY[1.5,2.5]::real[]::vector,
       ARRAY[1.25,-2]::double precision[]::vector, ARRAY[1.5,2]::numeric[]::vector;
SELECT '[1,2,3]'::vector::real[], ('[1.5,-2]'::vector)::real[] AS floats;
SELECT ARRAY[1,2,3]::vector(3), '{1,2,3}'::real[]::vector(3);
-- assignment casts in INSERT
CREATE TABLE t (v vector(2));
INSERT INTO t VALUES (ARRAY[1,2]), ('{3,4}'::real[]), ('{5,6}'::float8[]), ('{7,8}'::numeric[]);
SELECT * FROM t;
INSERT INTO t VALUES (ARRAY[1,2,3]);
DROP TABLE t;

-- errors
SELECT ARRAY[1,2]::vector(3);
SELECT ARRAY[1,NULL,3]::vector;
SELECT ARRAY[[1,2],[3,4]]::vector;
SELECT '{}'::real[]::vector;
SELECT ARRAY['NaN']::real[]::vector;
SELECT ARRAY['Infinity']::double precision[]::vector;
SELECT ARRAY[1e39]::double precision[]::vector;
SELECT ARRAY[1e-50]::double precision[]::vector;
SELECT ARRAY[1e39]::numeric[]::vector;
SELECT ARRAY['NaN']::numeric[]::vector;
SELECT array_fill(1, ARRAY[16001])::real[]::vector;
-- an array with a non-default lower bound is still one-dimensional
SELECT '[5:6]={1,2}'::int[]::vector;
