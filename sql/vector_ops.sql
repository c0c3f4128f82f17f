-- vector operators, functions and aggregates
\set VERBOSITY terse
SET extra_float_digits = 0;

-- distances
SELECT '[1,2,3]'::vector <-> '[4,6,3]' AS l2,
       '[1,2,3]'::vector <#> '[4,5,6]' AS neg_ip,
       '[1,2,3]'::vector <=> '[2,4,6]' AS cos_same_dir,
       '[1,0]'::vector <=> '[0,1]' AS cos_orth,
       '[1,0]'::vector <=> '[-1,0]' AS cos_opposite,
       '[1,2,3]'::vector <+> '[4,0,3]' AS l1;
SELECT l2_distance('[0,0]', '[3,4]'), inner_product('[1,2]', '[3,4]'),
       cosine_distance('[1,1]', '[1,1]'), l1_distance('[1,-1]', '[-1,1]');
SELECT vector_l2_squared_distance('[0,0]', '[3,4]'),
       vector_negative_inner_product('[1,2]', '[3,4]');
-- cosine with a zero vector is NaN, not an error
SELECT cosine_distance('[0,0]', '[1,1]'), '[0,0]'::vector <=> '[0,0]';
-- distances on 1536 dimensions use the SIMD kernels; compare with SQL math
WITH v AS (
	SELECT array_agg(sin(i)::real ORDER BY i)::vector AS a,
	       array_agg(cos(i * 0.7)::real ORDER BY i)::vector AS b,
	       array_agg(sin(i)::real ORDER BY i) AS aa,
	       array_agg(cos(i * 0.7)::real ORDER BY i) AS ba
	FROM generate_series(1, 1536) i
), exact AS (
	SELECT sqrt(sum((x - y)::float8 ^ 2)) AS l2, sum(x::float8 * y) AS ip,
	       sum(abs(x::float8 - y)) AS l1,
	       1 - sum(x::float8 * y) / sqrt(sum(x::float8 ^ 2) * sum(y::float8 ^ 2)) AS cos
	FROM v, unnest(aa, ba) AS u(x, y)
)
SELECT abs((a <-> b) - l2) < 1e-4 * l2 AS l2_ok,
       abs(-(a <#> b) - ip) < 1e-3 AS ip_ok,
       abs((a <+> b) - l1) < 1e-4 * l1 AS l1_ok,
       abs((a <=> b) - cos) < 1e-5 AS cos_ok
FROM v, exact;
-- dimension mismatch
SELECT '[1,2]'::vector <-> '[1,2,3]';
SELECT '[1,2]'::vector <#> '[1,2,3]';
SELECT '[1,2]'::vector <=> '[1,2,3]';
SELECT '[1,2]'::vector <+> '[1,2,3]';
SELECT l2_distance('[1]', '[1,2]');

-- functions
SELECT vector_dims('[1,2,3]'::vector), vector_norm('[3,4]'), vector_norm('[0,0]');
SELECT l2_normalize('[3,4]'::vector), l2_normalize('[0,0]'::vector),
       l2_normalize('[-2]'::vector);
SELECT subvector('[1,2,3,4,5]'::vector, 2, 3), subvector('[1,2,3]'::vector, 1, 3),
       subvector('[1,2,3]'::vector, 0, 2), subvector('[1,2,3]'::vector, 3, 10);
SELECT subvector('[1,2,3]'::vector, 4, 1);
SELECT subvector('[1,2,3]'::vector, -5, 3);
SELECT subvector('[1,2,3]'::vector, 1, 0);
SELECT subvector('[1,2,3]'::vector, 2147483647, 2147483647);
SELECT subvector('[1,2,3]'::vector, -2147483648, 2147483647);
SELECT binary_quantize('[1,0,-1,0.5,2,-3,0,7,1]'::vector);

-- arithmetic
SELECT '[1,2,3]'::vector + '[4,5,6]', '[1,2,3]'::vector - '[4,5,6]',
       '[1,2,3]'::vector * '[4,5,6]', '[1,2]'::vector || '[3]';
SELECT '[1,2]'::vector + '[1]';
SELECT '[1,2]'::vector - '[1]';
SELECT '[1,2]'::vector * '[1]';
SELECT '[3e38]'::vector + '[3e38]';
SELECT '[-3e38]'::vector - '[3e38]';
SELECT '[1e30]'::vector * '[1e30]';
SELECT '[1e-30]'::vector * '[1e-30]';
SELECT array_fill(1, ARRAY[8000])::vector || array_fill(1, ARRAY[8001])::vector;
SELECT vector_dims(array_fill(1, ARRAY[8000])::vector || array_fill(1, ARRAY[8000])::vector);

-- comparison, btree and hash
SELECT '[1,2]'::vector < '[1,3]', '[1,2]'::vector <= '[1,2]', '[1,2]'::vector = '[1,2]',
       '[1,2]'::vector <> '[1,2]', '[1,3]'::vector >= '[1,2]', '[1,2,3]'::vector > '[1,2]';
SELECT '[-0]'::vector = '[0]', vector_cmp('[1]', '[1,0]'), vector_cmp('[2]', '[1,0]');
CREATE TABLE c (v vector);
INSERT INTO c VALUES ('[1,2]'), ('[1]'), ('[0,5]'), ('[1,2]'), ('[-0.0,5]'), ('[3]'), (NULL);
SELECT v FROM c ORDER BY v;
SELECT v, count(*) FROM c GROUP BY v ORDER BY v;
SET enable_sort = off;
SELECT DISTINCT v FROM c;
RESET enable_sort;
CREATE INDEX ON c USING btree (v);
CREATE INDEX ON c USING hash (v);
SET enable_seqscan = off;
SELECT v FROM c WHERE v = '[0,5]';
SELECT v FROM c WHERE v < '[1,2]' ORDER BY v;
RESET enable_seqscan;
DROP TABLE c;

-- aggregates
SELECT avg(v), sum(v) FROM (VALUES ('[1,2,3]'::vector), ('[3,4,5]'), (NULL)) t(v);
SELECT avg(v), sum(v) FROM (SELECT '[1]'::vector WHERE false) t(v);
SELECT avg(v) FROM (VALUES ('[1,2]'::vector), ('[1]')) t(v);
SELECT sum(v) FROM (VALUES ('[1,2]'::vector), ('[1]')) t(v);
SELECT sum(v) FROM (VALUES ('[3e38]'::vector), ('[3e38]')) t(v);
-- parallel plans: partial aggregates combined
CREATE TABLE a (v vector(3));
INSERT INTO a SELECT ARRAY[i % 7, i % 11, -i % 13]::real[]::vector FROM generate_series(1, 30000) i;
ANALYZE a;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v) FROM a;
SELECT avg(v) AS par_avg, sum(v) AS par_sum FROM a \gset
SET max_parallel_workers_per_gather = 0;
SELECT avg(v) = :'par_avg' AS avg_equal, sum(v) = :'par_sum' AS sum_equal,
       avg(v), sum(v) FROM a;
RESET ALL;
DROP TABLE a;
