-- halfvec type: I/O, typmod, casts, operators, functions, aggregates, errors
\set VERBOSITY terse

-- text input rounds to binary16 (nearest, ties to even) and prints the
-- shortest decimal of the stored value
SELECT '[1,2,3]'::halfvec;
SELECT ' [ 1 , 2.5 ,-3e-2 ] '::halfvec;
SELECT '[1.1, 0.1, 3.14159265]'::halfvec;
SELECT '[65504,-65504,65519.99]'::halfvec;
SELECT '[6e-8,5.9604645e-8,2.9e-8,1e-10]'::halfvec;	-- subnormals and zeros
SELECT '[2049,2051,-0]'::halfvec;						-- ties to even
SELECT '[1,2,3]'::halfvec(3);
SELECT vector_dims(array_fill(1, ARRAY[16000])::halfvec);

-- every finite positive binary16 value converts exactly both ways and
-- survives a text round trip; a value halfway between two neighbours rounds
-- to the one with an even last bit, a value just past halfway rounds away
CREATE TEMP TABLE halves AS
SELECT e * 1024 + m AS bits,
	CASE WHEN e = 0 THEN m * power(2::float8, -24)
		ELSE (1 + m / 1024::float8) * power(2::float8, e - 15) END AS v
FROM generate_series(0, 30) e, generate_series(0, 1023) m;
SELECT count(*) AS halves,
	count(*) FILTER (WHERE (ARRAY[v]::halfvec::real[])[1] = v) AS exact,
	count(*) FILTER (WHERE ARRAY[v]::halfvec::text::halfvec = ARRAY[v]::halfvec
		AND (ARRAY[-v]::halfvec::real[])[1] = -v) AS round_trip
FROM halves;
SELECT count(*) AS midpoints,
	count(*) FILTER (WHERE (ARRAY[(a.v + b.v) / 2]::halfvec::real[])[1] =
		CASE WHEN a.bits % 2 = 0 THEN a.v ELSE b.v END) AS ties_to_even,
	count(*) FILTER (WHERE (ARRAY[(a.v + b.v) / 2 + (b.v - a.v) / 64]::halfvec::real[])[1] = b.v
		AND (ARRAY[(a.v + b.v) / 2 - (b.v - a.v) / 64]::halfvec::real[])[1] = a.v) AS nearest
FROM halves a JOIN halves b ON b.bits = a.bits + 1;
DROP TABLE halves;

-- malformed text and out-of-range values
SELECT '1,2,3'::halfvec;
SELECT '[1,2,3'::halfvec;
SELECT '[1,,2]'::halfvec;
SELECT '[1,2,]'::halfvec;
SELECT '[1 2]'::halfvec;
SELECT '[1,2]x'::halfvec;
SELECT '[a]'::halfvec;
SELECT ''::halfvec;
SELECT '[]'::halfvec;
SELECT '[NaN]'::halfvec;
SELECT '[Infinity]'::halfvec;
SELECT '[-inf]'::halfvec;
SELECT '[65520]'::halfvec;
SELECT '[1,-70000]'::halfvec;
SELECT '[1e39]'::halfvec;
SELECT '[1e-46]'::halfvec;
SELECT ('[' || repeat('1,', 16000) || '1]')::halfvec;

-- typmod
SELECT '[1,2]'::halfvec(3);
SELECT '[1]'::halfvec(0);
SELECT '[1]'::halfvec(16001);
SELECT '[1]'::halfvec(1, 2);
CREATE TABLE t (v halfvec(3));
INSERT INTO t VALUES ('[1,2,3]');
INSERT INTO t VALUES ('[1,2]');
INSERT INTO t VALUES ('[1,2,3,4]'::halfvec);
INSERT INTO t VALUES ('[4,5,6]'::vector);
INSERT INTO t VALUES (ARRAY[7,8,9]);
SELECT * FROM t ORDER BY v;
\d t
DROP TABLE t;

-- binary I/O round-trips through COPY
CREATE TABLE t (id int, v halfvec(3));
INSERT INTO t VALUES (1, '[1,-2.5,3e-7]'), (2, '[0,-0,65504]'), (3, NULL);
COPY t TO '/tmp/halfvec_type_binary.copy' WITH (FORMAT binary);
CREATE TABLE t2 (id int, v halfvec(3));
COPY t2 FROM '/tmp/halfvec_type_binary.copy' WITH (FORMAT binary);
SELECT t.id, t.v = t2.v AS same, t2.v FROM t JOIN t2 USING (id) ORDER BY id;
SELECT encode(halfvec_send(v), 'hex') FROM t ORDER BY id;
CREATE TABLE t3 (id int, v halfvec(2));
COPY t3 FROM '/tmp/halfvec_type_binary.copy' WITH (FORMAT binary);
DROP TABLE t, t2, t3;

-- bad binary input: crafted bytes as a binary COPY of a bytea, read back
-- into a halfvec column so that halfvec_recv sees them
CREATE TABLE b (v halfvec);
CREATE FUNCTION pg_temp.recv_test(hex text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('COPY (SELECT decode(%L, ''hex'')) TO ''/tmp/halfvec_type_recv.copy'' WITH (FORMAT binary)', hex);
	COPY b FROM '/tmp/halfvec_type_recv.copy' WITH (FORMAT binary);
	RETURN 'stored';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT pg_temp.recv_test('000200003c004000');		-- [1,2]
SELECT pg_temp.recv_test('00010000' || '0001');		-- smallest subnormal
SELECT pg_temp.recv_test('00000000');				-- no dimensions
SELECT pg_temp.recv_test('ffff0000');				-- negative dimensions
SELECT pg_temp.recv_test('3e810000');				-- 16001 dimensions
SELECT pg_temp.recv_test('000100013c00');			-- reserved field set
SELECT pg_temp.recv_test('000200003c00');			-- truncated
SELECT pg_temp.recv_test('000100003c0000');			-- trailing byte
SELECT pg_temp.recv_test('000100007e00');			-- NaN
SELECT pg_temp.recv_test('00010000fc00');			-- -Infinity
SELECT pg_temp.recv_test('');						-- empty
SELECT * FROM b;
DROP TABLE b;

-- casts
SELECT '[1.1,2,3]'::vector::halfvec;
SELECT '[1.1,2,3]'::halfvec::vector;
SELECT '[1e5]'::vector::halfvec;
SELECT '[1,2,3]'::vector::halfvec(2);
SELECT '[1,2,3]'::halfvec::vector(2);
SELECT '[1.5,-2,3]'::halfvec::real[];
SELECT ARRAY[1,2,3]::halfvec, ARRAY[1.5,2.5]::real[]::halfvec,
	ARRAY[0.1,0.2]::float8[]::halfvec, ARRAY[1.25,-3]::numeric[]::halfvec;
SELECT ARRAY[1,2,3]::halfvec(3);
SELECT ARRAY[1,2,3]::halfvec(2);
SELECT ARRAY[70000]::halfvec;
SELECT ARRAY[1e5]::float8[]::halfvec;
SELECT ARRAY[1,NULL]::halfvec;
SELECT ARRAY[[1,2],[3,4]]::halfvec;
SELECT '{}'::real[]::halfvec;
SELECT ARRAY['NaN']::real[]::halfvec;
SELECT ARRAY['Infinity']::float8[]::halfvec;
SELECT array_fill(1, ARRAY[16001])::halfvec;
SELECT '[1,2]'::halfvec(2)::halfvec(3);

-- distances: exact inputs, so the results do not depend on the kernels
SELECT '[1,2,3]'::halfvec <-> '[3,2,1]', l2_distance('[1,2,3]'::halfvec, '[3,2,1]');
SELECT '[1,2,3]'::halfvec <#> '[3,2,1]', inner_product('[1,2,3]'::halfvec, '[3,2,1]');
SELECT '[1,2,3]'::halfvec <=> '[3,2,1]', cosine_distance('[1,2,3]'::halfvec, '[3,2,1]');
SELECT '[1,2,3]'::halfvec <+> '[3,2,1]', l1_distance('[1,2,3]'::halfvec, '[3,2,1]');
SELECT halfvec_l2_squared_distance('[1,2,3]', '[3,2,1]'),
	halfvec_negative_inner_product('[1,2,3]', '[3,2,1]');
SELECT '[1,1]'::halfvec <=> '[-1,-1]', '[1,0]'::halfvec <=> '[0,2]',
	'[1,1]'::halfvec <=> '[2,2]';
SELECT '[0,0]'::halfvec <=> '[1,1]';					-- NaN, as vector
SELECT '[65504]'::halfvec <-> '[-65504]';				-- no overflow in float
-- halfvec and vector agree on values a halfvec holds exactly
SELECT l2_distance('[0.5,1.25,-3]'::halfvec, '[2,0.75,1]'::halfvec) =
	l2_distance('[0.5,1.25,-3]'::vector, '[2,0.75,1]'::vector) AS same_l2;
-- on random data the f16 kernels agree with the f32 kernels on the same
-- (exactly widened) values; lengths cover every SIMD tail
SELECT setseed(0.7);
CREATE TABLE r (id int, h halfvec);
INSERT INTO r SELECT i, x.h FROM generate_series(1, 48) i,
	LATERAL (SELECT array_agg((random() - 0.5) * (1 + (i % 4) * 10) + (i % 3) + 0 * j)::halfvec AS h
		FROM generate_series(1, 1 + (i % 12) * 7) j) x;
SELECT count(*) AS pairs,
	count(*) FILTER (WHERE abs((a.h <-> b.h) - (a.h::vector <-> b.h::vector)) <= 1e-6 * (a.h::vector <-> b.h::vector)) AS l2_ok,
	count(*) FILTER (WHERE abs((a.h <#> b.h) - (a.h::vector <#> b.h::vector)) <= 1e-6 * (1 + abs(a.h::vector <#> b.h::vector))) AS ip_ok,
	count(*) FILTER (WHERE abs((a.h <=> b.h) - (a.h::vector <=> b.h::vector)) <= 1e-6) AS cos_ok,
	count(*) FILTER (WHERE abs((a.h <+> b.h) - (a.h::vector <+> b.h::vector)) <= 1e-6 * (a.h::vector <+> b.h::vector)) AS l1_ok,
	count(*) FILTER (WHERE l2_norm(a.h) = vector_norm(a.h::vector)) AS norm_ok
FROM r a JOIN r b ON vector_dims(a.h) = vector_dims(b.h);
DROP TABLE r;
SELECT '[1,2]'::halfvec <-> '[1,2,3]';
SELECT '[1,2]'::halfvec <#> '[1,2,3]';
SELECT '[1,2]'::halfvec <=> '[1,2,3]';
SELECT '[1,2]'::halfvec <+> '[1,2,3]';
SELECT halfvec_l2_squared_distance('[1,2]', '[1,2,3]');
-- mixed vector/halfvec operands resolve to halfvec through the implicit cast
SELECT '[1,2,3]'::vector <-> '[3,2,1]'::halfvec;

-- functions
SELECT vector_dims('[1,2,3]'::halfvec);
SELECT l2_norm('[3,4]'::halfvec), l2_norm('[0,0]'::halfvec), l2_norm('[65504,65504]'::halfvec);
SELECT l2_normalize('[3,4]'::halfvec), l2_normalize('[0,0]'::halfvec),
	l2_normalize('[0,-2]'::halfvec);
SELECT subvector('[1,2,3,4,5]'::halfvec, 2, 3), subvector('[1,2,3,4,5]'::halfvec, 0, 2),
	subvector('[1,2,3,4,5]'::halfvec, 4, 10);
SELECT subvector('[1,2,3]'::halfvec, 4, 1);
SELECT subvector('[1,2,3]'::halfvec, 1, 0);
SELECT subvector('[1,2,3]'::halfvec, -5, 3);
SELECT binary_quantize('[1,0,-1,0.001,-0,2,3,4,5]'::halfvec);

-- arithmetic, rounded once to binary16
SELECT '[1,2,3]'::halfvec + '[4,5,6]', '[1,2,3]'::halfvec - '[4,5,6]',
	'[1,2,3]'::halfvec * '[4,5,6]';
SELECT '[1,2]'::halfvec || '[3]'::halfvec;
SELECT '[0.1]'::halfvec + '[0.2]';
SELECT '[65504]'::halfvec + '[65504]';
SELECT '[-65504]'::halfvec - '[65504]';
SELECT '[256]'::halfvec * '[256]';
SELECT '[0.0001]'::halfvec * '[0.0001]';
SELECT '[0]'::halfvec * '[0.0001]';
SELECT '[1,2]'::halfvec + '[1]';
SELECT '[1,2]'::halfvec - '[1]';
SELECT '[1,2]'::halfvec * '[1]';
SELECT vector_dims(array_fill(1, ARRAY[8000])::halfvec || array_fill(1, ARRAY[8000])::halfvec);
SELECT array_fill(1, ARRAY[8000])::halfvec || array_fill(1, ARRAY[8001])::halfvec;

-- comparisons, btree and hash
SELECT '[1,2]'::halfvec < '[1,3]', '[1,2]'::halfvec <= '[1,2]',
	'[1,2]'::halfvec = '[1,2]', '[1,2]'::halfvec <> '[1,2]',
	'[1,2]'::halfvec >= '[1,3]', '[1,3]'::halfvec > '[1,2]';
SELECT '[1,2]'::halfvec < '[1,2,0]', '[2]'::halfvec > '[1,9]',
	'[0]'::halfvec = '[-0]', '[1.0001]'::halfvec = '[1]';
SELECT halfvec_cmp('[1,2]', '[1,3]'), halfvec_cmp('[1,2]', '[1,2]'),
	halfvec_cmp('[2]', '[1,2]');
SELECT halfvec_hash('[0,1]') = halfvec_hash('[-0,1]') AS zero_hash,
	halfvec_hash('[1,2]') <> halfvec_hash('[2,1]') AS order_matters;
CREATE TABLE t (id int, v halfvec);
INSERT INTO t VALUES (1, '[3,1]'), (2, '[1,2,3]'), (3, '[1,2]'), (4, '[-0,5]'),
	(5, '[0,5]'), (6, '[-1,0]'), (7, NULL);
SELECT id, v FROM t ORDER BY v, id;
SELECT v, count(*) FROM t GROUP BY v ORDER BY v;
SELECT count(DISTINCT v) FROM t;
CREATE INDEX ON t USING btree (v);
CREATE INDEX ON t USING hash (v);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM t WHERE v = '[0,5]';
SELECT id FROM t WHERE v = '[0,5]' ORDER BY id;
SELECT id FROM t WHERE v > '[1,2]' ORDER BY v, id;
RESET enable_seqscan;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT a.id, b.id FROM t a JOIN t b ON a.v = b.v;
SELECT a.id, b.id FROM t a JOIN t b ON a.v = b.v WHERE a.id < b.id;
RESET enable_mergejoin;
RESET enable_nestloop;
DROP TABLE t;

-- aggregates
SELECT avg(v), sum(v) FROM (VALUES ('[1,2,3]'::halfvec), ('[3,4,5]'), (NULL)) x(v);
SELECT avg(v), sum(v) FROM (VALUES ('[1,2]'::halfvec)) x(v) WHERE false;
SELECT avg(v) FROM (VALUES ('[1,2]'::halfvec), ('[1,2,3]')) x(v);
SELECT sum(v) FROM (VALUES ('[1,2]'::halfvec), ('[1,2,3]')) x(v);
SELECT sum(v) FROM (VALUES ('[60000]'::halfvec), ('[60000]')) x(v);
-- the mean is taken in double, so it does not overflow where sum does
SELECT avg(v) FROM (VALUES ('[60000]'::halfvec), ('[60000]')) x(v);

-- parallel plans: Partial Aggregate, combine function, same result as serial;
-- sums stay below 2048, where binary16 holds every integer, so the sum does
-- not depend on the order rows are added in
CREATE TABLE p (v halfvec(4));
SELECT setseed(0.42);
INSERT INTO p SELECT ARRAY[round(random() * 4), round(random()) - 1,
	i % 3, (i % 2) * 0.5]::halfvec(4) FROM generate_series(1, 500) i;
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
	sum(v)::text = :'serial_sum' AS same_sum, avg(v), sum(v) FROM p;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
DROP TABLE p;
