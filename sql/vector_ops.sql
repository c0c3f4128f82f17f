-- vector operators, functions, comparisons and aggregates, with their errors
\set VERBOSITY terse

-- distances: exact inputs, so the results do not depend on the kernels
SELECT '[1,2,3]'::vector <-> '[3,2,1]', l2_distance('[1,2,3]'::vector, '[3,2,1]');
SELECT '[1,2,3]'::vector <#> '[3,2,1]', inner_product('[1,2,3]'::vector, '[3,2,1]');
SELECT '[1,2,3]'::vector <=> '[3,2,1]', cosine_distance('[1,2,3]'::vector, '[3,2,1]');
SELECT '[1,2,3]'::vector <+> '[3,2,1]', l1_distance('[1,2,3]'::vector, '[3,2,1]');
SELECT vector_l2_squared_distance('[1,2,3]', '[3,2,1]'),
	vector_negative_inner_product('[1,2,3]', '[3,2,1]');
SELECT '[0,0]'::vector <-> '[3,4]';
-- distances are summed in float4: beyond its range they are infinite
SELECT '[1e20]'::vector <-> '[-1e20]', '[1e20]'::vector <#> '[1e20]';
SELECT '[1,1]'::vector <=> '[-1,-1]', '[1,0]'::vector <=> '[0,2]',
	'[1,1]'::vector <=> '[2,2]', '[3,4]'::vector <=> '[3,4]';
-- cosine with a zero vector is NaN
SELECT '[0,0]'::vector <=> '[1,1]', cosine_distance('[0,0]'::vector, '[0,0]');
-- commutators
SELECT ('[1,2]'::vector <-> '[3,5]') = ('[3,5]'::vector <-> '[1,2]') AS l2,
	('[1,2]'::vector <#> '[3,5]') = ('[3,5]'::vector <#> '[1,2]') AS ip,
	('[1,2]'::vector <=> '[3,5]') = ('[3,5]'::vector <=> '[1,2]') AS cos,
	('[1,2]'::vector <+> '[3,5]') = ('[3,5]'::vector <+> '[1,2]') AS l1;
-- longer vectors exercise every kernel tail (n not a multiple of 4, 8, 16)
SELECT n, a <-> b AS l2, a <#> b AS nip, a <+> b AS l1, round((a <=> b)::numeric, 12) AS cos
FROM (SELECT n, array_fill(1, ARRAY[n])::vector AS a,
	(SELECT array_agg(i % 3)::vector FROM generate_series(1, n) i) AS b
	FROM unnest(ARRAY[1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 100]) n) x
ORDER BY n;
-- dimension mismatch
SELECT '[1,2]'::vector <-> '[1,2,3]';
SELECT '[1,2]'::vector <#> '[1,2,3]';
SELECT '[1,2]'::vector <=> '[1,2,3]';
SELECT '[1,2]'::vector <+> '[1,2,3]';
SELECT l2_distance('[1,2]'::vector, '[1,2,3]');
SELECT inner_product('[1,2]'::vector, '[1,2,3]');
SELECT cosine_distance('[1,2]'::vector, '[1,2,3]');
SELECT l1_distance('[1,2]'::vector, '[1,2,3]');
SELECT vector_l2_squared_distance('[1,2]', '[1,2,3]');
SELECT vector_negative_inner_product('[1,2]', '[1,2,3]');

-- functions
SELECT vector_dims('[1,2,3]'::vector), vector_dims('[0]'::vector);
SELECT vector_norm('[3,4]'::vector), vector_norm('[0,0]'::vector),
	vector_norm('[3e37,4e37]'::vector);
SELECT l2_normalize('[3,4]'::vector), l2_normalize('[0,0]'::vector),
	l2_normalize('[0,-2]'::vector), l2_normalize('[3e37,4e37]'::vector);
SELECT vector_norm(l2_normalize('[1,2,3,4,5]'::vector)) BETWEEN 0.9999999 AND 1.0000001 AS unit;
SELECT subvector('[1,2,3,4,5]'::vector, 2, 3), subvector('[1,2,3,4,5]'::vector, 1, 5),
	subvector('[1,2,3,4,5]'::vector, 0, 2), subvector('[1,2,3,4,5]'::vector, 4, 10),
	subvector('[1,2,3,4,5]'::vector, 5, 1);
SELECT subvector('[1,2,3]'::vector, 4, 1);
SELECT subvector('[1,2,3]'::vector, 1, 0);
SELECT subvector('[1,2,3]'::vector, 1, -1);
SELECT subvector('[1,2,3]'::vector, -5, 3);
SELECT subvector('[1,2,3]'::vector, 2147483647, 2147483647);
SELECT subvector('[1,2,3]'::vector, -2147483648, 2147483647);
SELECT binary_quantize('[1,0,-1,0.001,-0,2,3,4,5]'::vector);
SELECT binary_quantize('[-1]'::vector), binary_quantize('[1e-45]'::vector);
SELECT length(binary_quantize(array_fill(1, ARRAY[16000])::vector));

-- arithmetic
SELECT '[1,2,3]'::vector + '[4,5,6]', '[1,2,3]'::vector - '[4,5,6]',
	'[1,2,3]'::vector * '[4,5,6]';
SELECT '[1.5,-2]'::vector + '[-1.5,2]', '[0.5]'::vector * '[0]';
SELECT '[1,2]'::vector || '[3]'::vector, '[1]'::vector || '[1]'::vector;
SELECT '[3e38]'::vector + '[3e38]';
SELECT '[-3e38]'::vector - '[3e38]';
SELECT '[1e20]'::vector * '[1e20]';
SELECT '[1e-30]'::vector * '[1e-30]';
SELECT '[1,2]'::vector + '[1]';
SELECT '[1,2]'::vector - '[1]';
SELECT '[1,2]'::vector * '[1]';
SELECT vector_dims(array_fill(1, ARRAY[8000])::vector || array_fill(1, ARRAY[8000])::vector);
SELECT array_fill(1, ARRAY[8000])::vector || array_fill(1, ARRAY[8001])::vector;

-- comparisons: element by element, then the shorter first
SELECT '[1,2]'::vector < '[1,3]', '[1,2]'::vector <= '[1,2]',
	'[1,2]'::vector = '[1,2]', '[1,2]'::vector <> '[1,2]',
	'[1,2]'::vector >= '[1,3]', '[1,3]'::vector > '[1,2]';
SELECT '[1,2]'::vector < '[1,2,0]', '[2]'::vector > '[1,9]',
	'[0]'::vector = '[-0]', '[-1]'::vector < '[0]';
SELECT vector_cmp('[1,2]', '[1,3]'), vector_cmp('[1,2]', '[1,2]'),
	vector_cmp('[2]', '[1,2]'), vector_cmp('[1]', '[1,2]');
SELECT vector_hash('[0,1]') = vector_hash('[-0,1]') AS zero_hash,
	vector_hash('[1,2]') <> vector_hash('[2,1]') AS order_matters,
	vector_hash('[1]') <> vector_hash('[1,0]') AS length_matters;
CREATE TABLE t (id int, v vector);
INSERT INTO t VALUES (1, '[3,1]'), (2, '[1,2,3]'), (3, '[1,2]'), (4, '[-0,5]'),
	(5, '[0,5]'), (6, '[-1,0]'), (7, NULL), (8, '[1,2]');
SELECT id, v FROM t ORDER BY v, id;
SELECT id, v FROM t ORDER BY v DESC NULLS LAST, id;
SELECT v, count(*) FROM t GROUP BY v ORDER BY v;
SELECT count(DISTINCT v) FROM t;
CREATE INDEX t_btree ON t USING btree (v);
CREATE INDEX t_hash ON t USING hash (v);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM t WHERE v = '[1,2]';
SELECT id FROM t WHERE v = '[1,2]' ORDER BY id;
EXPLAIN (COSTS OFF) SELECT id FROM t WHERE v >= '[1,2]' ORDER BY v;
SELECT id FROM t WHERE v >= '[1,2]' ORDER BY v, id;
SELECT id FROM t WHERE v < '[0]' ORDER BY v, id;
RESET enable_seqscan;
RESET enable_bitmapscan;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT a.id, b.id FROM t a JOIN t b ON a.v = b.v;
SELECT a.id, b.id FROM t a JOIN t b ON a.v = b.v WHERE a.id < b.id ORDER BY 1, 2;
RESET enable_mergejoin;
SET enable_hashjoin = off;
EXPLAIN (COSTS OFF) SELECT a.id, b.id FROM t a JOIN t b ON a.v = b.v;
SELECT a.id, b.id FROM t a JOIN t b ON a.v = b.v WHERE a.id < b.id ORDER BY 1, 2;
RESET enable_hashjoin;
RESET enable_nestloop;
DROP TABLE t;

-- aggregates
SELECT avg(v), sum(v) FROM (VALUES ('[1,2,3]'::vector), ('[3,4,5]'), (NULL)) x(v);
SELECT avg(v), sum(v) FROM (VALUES ('[1,2]'::vector)) x(v) WHERE false;
SELECT avg(v), sum(v) FROM (VALUES (NULL::vector)) x(v);
SELECT avg(v) FROM (VALUES ('[1,2]'::vector), ('[1,2,3]')) x(v);
SELECT sum(v) FROM (VALUES ('[1,2]'::vector), ('[1,2,3]')) x(v);
SELECT sum(v) FROM (VALUES ('[3e38]'::vector), ('[3e38]')) x(v);
-- the mean is accumulated in double, so it does not overflow where sum does
SELECT avg(v) FROM (VALUES ('[3e38]'::vector), ('[3e38]')) x(v);
SELECT avg(v) FROM (VALUES ('[1]'::vector), ('[2]'), ('[2]')) x(v);
SELECT id % 2 AS g, avg(v), sum(v)
	FROM (VALUES (1, '[1,1]'::vector), (2, '[2,4]'), (3, '[3,5]'), (4, '[4,0]')) x(id, v)
	GROUP BY 1 ORDER BY 1;

-- parallel plans: Partial Aggregate with the combine functions gives the
-- serial result; integer elements keep the float4 sums exact (< 2^24)
CREATE TABLE p (v vector(3));
SELECT setseed(0.3);
INSERT INTO p SELECT ARRAY[round(random() * 100) * (1 + i % 2),
	round(random() * 10) - 5, i % 7]::vector(3) FROM generate_series(1, 30000) i;
ANALYZE p;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v) FROM p;
SELECT avg(v)::text AS serial_avg, sum(v)::text AS serial_sum FROM p \gset
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v) FROM p;
SELECT avg(v)::text = :'serial_avg' AS same_avg,
	sum(v)::text = :'serial_sum' AS same_sum, sum(v) FROM p;
-- a combine of a partial state with dimension mismatch is an error too
SELECT vector_combine('{2,1,1}', '{1,1}');
SELECT vector_combine('{0}', '{1,1}'), vector_combine('{1,1}', '{0}');
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
DROP TABLE p;
