-- sparsevec type: I/O, typmod, casts, distances, functions, comparisons, errors
\set VERBOSITY terse

-- text form: 1-based indices, any order, zeros dropped
SELECT '{1:0.5,3:1.25,10:-2}/12'::sparsevec;
SELECT ' { 3 : 3 , 1 : 1.5e-3 } / 3 '::sparsevec;
SELECT '{}/5'::sparsevec, '{1:0,2:1,3:-0}/3'::sparsevec, '{1:0}/1'::sparsevec;
SELECT '{1:3.14159265358979,2:1e38,3:-1.5e-38}/3'::sparsevec;
SELECT '{1000000000:1}/1000000000'::sparsevec;
SELECT '{1:1}/3'::sparsevec(3);
-- 16000 stored elements is the limit; zeros do not count
SELECT l2_norm((SELECT '{' || string_agg(i || ':1', ',') || '}/20000'
	FROM generate_series(1, 16000) i)::sparsevec);
SELECT l2_norm((SELECT '{' || string_agg(i || ':' || (i % 2), ',') || '}/40000'
	FROM generate_series(1, 32001) i)::sparsevec);
SELECT (SELECT '{' || string_agg(i || ':1', ',') || '}/20000'
	FROM generate_series(1, 16001) i)::sparsevec;

-- malformed text and bad values
SELECT ''::sparsevec;
SELECT '1:1/3'::sparsevec;
SELECT '[1,2]'::sparsevec;
SELECT '{1:1}'::sparsevec;
SELECT '{1:1}/'::sparsevec;
SELECT '{1:1}/3x'::sparsevec;
SELECT '{1:1}/3.5'::sparsevec;
SELECT '{1:1,}/3'::sparsevec;
SELECT '{,1:1}/3'::sparsevec;
SELECT '{1:1 2:2}/3'::sparsevec;
SELECT '{1 1}/3'::sparsevec;
SELECT '{1:}/3'::sparsevec;
SELECT '{:1}/3'::sparsevec;
SELECT '{1.5:1}/3'::sparsevec;
SELECT '{1:a}/3'::sparsevec;
SELECT '{1:1}/a'::sparsevec;
SELECT '{1:NaN}/3'::sparsevec;
SELECT '{1:Infinity}/3'::sparsevec;
SELECT '{1:-inf}/3'::sparsevec;
SELECT '{1:1e39}/3'::sparsevec;
SELECT '{1:1e-46}/3'::sparsevec;
SELECT '{1:1,1:2}/3'::sparsevec;
SELECT '{2:1,1:0,2:0}/3'::sparsevec;
SELECT '{0:1}/3'::sparsevec;
SELECT '{-1:1}/3'::sparsevec;
SELECT '{4:1}/3'::sparsevec;
SELECT '{99999999999999999999:1}/3'::sparsevec;
SELECT '{}/0'::sparsevec;
SELECT '{}/-1'::sparsevec;
SELECT '{}/1000000001'::sparsevec;
SELECT '{}/99999999999999999999'::sparsevec;

-- typmod
SELECT '{1:1}/3'::sparsevec(4);
SELECT '{1:1}/3'::sparsevec(0);
SELECT '{1:1}/3'::sparsevec(1000000001);
SELECT '{1:1}/3'::sparsevec(1, 2);
CREATE TABLE t (v sparsevec(3));
INSERT INTO t VALUES ('{1:1}/3'), ('[0,2,0]'::vector), ('[0,0,3]'::halfvec);
INSERT INTO t VALUES ('{1:1}/4');
INSERT INTO t VALUES ('[1,2]'::vector);
SELECT * FROM t ORDER BY v;
\d t
DROP TABLE t;

-- binary I/O round-trips through COPY
CREATE TABLE t (id int, v sparsevec(5));
INSERT INTO t VALUES (1, '{1:1.5,5:-2}/5'), (2, '{}/5'), (3, NULL);
COPY t TO '/tmp/sparsevec_type_binary.copy' WITH (FORMAT binary);
CREATE TABLE t2 (id int, v sparsevec(5));
COPY t2 FROM '/tmp/sparsevec_type_binary.copy' WITH (FORMAT binary);
SELECT t.id, t.v = t2.v AS same, t2.v FROM t JOIN t2 USING (id) ORDER BY id;
SELECT encode(sparsevec_send(v), 'hex') FROM t ORDER BY id;
CREATE TABLE t3 (id int, v sparsevec(4));
COPY t3 FROM '/tmp/sparsevec_type_binary.copy' WITH (FORMAT binary);
DROP TABLE t, t2, t3;

-- bad binary input: crafted bytes as a binary COPY of a bytea, read back
-- into a sparsevec column so that sparsevec_recv sees them
CREATE TABLE b (v sparsevec);
CREATE FUNCTION pg_temp.recv_test(hex text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('COPY (SELECT decode(%L, ''hex'')) TO ''/tmp/sparsevec_type_recv.copy'' WITH (FORMAT binary)', hex);
	COPY b FROM '/tmp/sparsevec_type_recv.copy' WITH (FORMAT binary);
	RETURN 'stored';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- {1:1,4:2}/5
SELECT pg_temp.recv_test('00000005' || '00000002' || '00000000' || '00000000' || '00000003' || '3f800000' || '40000000');
-- a zero value is dropped: {4:2}/5
SELECT pg_temp.recv_test('00000005' || '00000002' || '00000000' || '00000000' || '00000003' || '00000000' || '40000000');
SELECT pg_temp.recv_test('00000000' || '00000000' || '00000000');		-- no dimensions
SELECT pg_temp.recv_test('3b9aca01' || '00000000' || '00000000');		-- 10^9 + 1 dimensions
SELECT pg_temp.recv_test('00000005' || 'ffffffff' || '00000000');		-- negative count
SELECT pg_temp.recv_test('00000005' || '00003e81' || '00000000');		-- 16001 elements
SELECT pg_temp.recv_test('00000005' || '00000000' || '00000001');		-- reserved field set
SELECT pg_temp.recv_test('00000005' || '00000001' || '00000000' || '00000005' || '3f800000');	-- index = dim
SELECT pg_temp.recv_test('00000005' || '00000001' || '00000000' || 'ffffffff' || '3f800000');	-- index < 0
SELECT pg_temp.recv_test('00000005' || '00000002' || '00000000' || '00000003' || '00000001' || '3f800000' || '40000000');	-- unsorted
SELECT pg_temp.recv_test('00000005' || '00000002' || '00000000' || '00000001' || '00000001' || '3f800000' || '40000000');	-- duplicate
SELECT pg_temp.recv_test('00000005' || '00000001' || '00000000' || '00000001' || '7fc00000');	-- NaN
SELECT pg_temp.recv_test('00000005' || '00000001' || '00000000' || '00000001' || '7f800000');	-- Infinity
SELECT pg_temp.recv_test('00000005' || '00000001' || '00000000' || '00000001');	-- truncated
SELECT pg_temp.recv_test('00000005' || '00000000' || '00000000' || '00');		-- trailing byte
SELECT pg_temp.recv_test('');											-- empty
SELECT * FROM b;
DROP TABLE b;

-- casts
SELECT '[0,1.5,0,-2]'::vector::sparsevec, '[0,0]'::vector::sparsevec;
SELECT '[0,1.1,-0,-2]'::halfvec::sparsevec;
SELECT '{2:1.5,4:-2}/5'::sparsevec::vector, '{}/2'::sparsevec::vector;
SELECT '{2:1.1,4:-2}/5'::sparsevec::halfvec;
SELECT '[0,1]'::vector::sparsevec(2), '{1:1}/2'::sparsevec::vector(2),
	'{1:1}/2'::sparsevec::halfvec(2), '[1,0]'::halfvec::sparsevec(2);
SELECT '[0,1]'::vector::sparsevec(3);
SELECT '[0,1]'::halfvec::sparsevec(3);
SELECT '{1:1}/2'::sparsevec::vector(3);
SELECT '{1:1}/2'::sparsevec::halfvec(3);
SELECT '{1:1}/2'::sparsevec(2)::sparsevec(3);
SELECT '{1:1}/16001'::sparsevec::vector;
SELECT '{1:1}/16001'::sparsevec::halfvec;
SELECT '{1:1e5}/3'::sparsevec::halfvec;
SELECT ARRAY[0,1,0,-2]::sparsevec, ARRAY[1.5,0]::real[]::sparsevec,
	ARRAY[0,0.25]::float8[]::sparsevec, ARRAY[0,0,3]::numeric[]::sparsevec;
SELECT ARRAY[0,1]::sparsevec(2), ARRAY[0,0]::sparsevec;
SELECT l2_norm(array_fill(1, ARRAY[16000])::sparsevec),
	l2_norm((array_fill(0, ARRAY[30000]) || 5)::sparsevec);
SELECT ARRAY[0,1]::sparsevec(3);
SELECT array_fill(1, ARRAY[16001])::sparsevec;
SELECT ARRAY[1,NULL]::sparsevec;
SELECT ARRAY[[1,2],[3,4]]::sparsevec;
SELECT '{}'::int[]::sparsevec;
SELECT ARRAY['NaN']::real[]::sparsevec;
SELECT ARRAY['-Infinity']::float8[]::sparsevec;
-- a round trip through the dense types keeps the value
SELECT '{2:1.5,4:-2}/5'::sparsevec::vector::sparsevec = '{2:1.5,4:-2}/5'::sparsevec AS same;

-- distances, exact on these inputs
SELECT '{1:1,3:2}/4'::sparsevec <-> '{2:2,3:4}/4', l2_distance('{1:1,3:2}/4'::sparsevec, '{2:2,3:4}/4');
SELECT '{1:1,3:2}/4'::sparsevec <#> '{2:2,3:4}/4', inner_product('{1:1,3:2}/4'::sparsevec, '{2:2,3:4}/4');
SELECT '{1:1,3:2}/4'::sparsevec <=> '{2:2,3:4}/4', cosine_distance('{1:1,3:2}/4'::sparsevec, '{2:2,3:4}/4');
SELECT '{1:1,3:2}/4'::sparsevec <+> '{2:2,3:4}/4', l1_distance('{1:1,3:2}/4'::sparsevec, '{2:2,3:4}/4');
SELECT sparsevec_l2_squared_distance('{1:1,3:2}/4', '{2:2,3:4}/4'),
	sparsevec_negative_inner_product('{1:1,3:2}/4', '{2:2,3:4}/4');
SELECT '{1:1}/2'::sparsevec <-> '{2:1}/2', '{1:1}/2'::sparsevec <#> '{2:1}/2',
	'{1:1}/2'::sparsevec <=> '{2:1}/2', '{1:1}/2'::sparsevec <+> '{2:1}/2';
SELECT '{}/3'::sparsevec <-> '{}/3', '{}/3'::sparsevec <#> '{1:1}/3',
	'{}/3'::sparsevec <=> '{1:1}/3', '{}/3'::sparsevec <+> '{3:-2}/3';
SELECT '{1:1,1000000000:2}/1000000000'::sparsevec <-> '{1000000000:1}/1000000000',
	'{1:1,1000000000:2}/1000000000'::sparsevec <#> '{1000000000:1}/1000000000';
SELECT '{1:1}/3'::sparsevec <-> '{1:1}/4';
SELECT '{1:1}/3'::sparsevec <#> '{1:1}/4';
SELECT '{1:1}/3'::sparsevec <=> '{1:1}/4';
SELECT '{1:1}/3'::sparsevec <+> '{1:1}/4';
SELECT sparsevec_l2_squared_distance('{1:1}/3', '{1:1}/4');
-- mixed operands resolve to sparsevec through the implicit cast
SELECT '[1,0,2,0]'::vector <-> '{2:2,3:4}/4'::sparsevec;

-- the merge agrees with the dense computation on random sparse data
SELECT setseed(0.25);
CREATE TABLE s (id int, v vector(60));
-- three groups with different scales; about one element in five is set
INSERT INTO s SELECT i, x.v::vector(60) FROM generate_series(1, 30) i,
	LATERAL (SELECT array_agg(CASE WHEN random() < 0.2 AND j > 0
		THEN round((random() * 4 - 2)::numeric, 2) * (1 + (i % 3)) ELSE 0 END) AS v
		FROM generate_series(1, 60) j) x;
SELECT count(*) AS rows, min(l2_norm(v::sparsevec)) > 0 AS none_zero FROM s;
SELECT count(*) AS pairs,
	count(*) FILTER (WHERE abs((a.v::sparsevec <-> b.v::sparsevec) - (a.v <-> b.v)) <= 1e-5 * (1 + (a.v <-> b.v))) AS l2_ok,
	count(*) FILTER (WHERE abs((a.v::sparsevec <#> b.v::sparsevec) - (a.v <#> b.v)) <= 1e-5 * (1 + abs(a.v <#> b.v))) AS ip_ok,
	count(*) FILTER (WHERE (a.v::sparsevec <=> b.v::sparsevec) IS NOT DISTINCT FROM (a.v <=> b.v)
		OR abs((a.v::sparsevec <=> b.v::sparsevec) - (a.v <=> b.v)) <= 1e-5) AS cos_ok,
	count(*) FILTER (WHERE abs((a.v::sparsevec <+> b.v::sparsevec) - (a.v <+> b.v)) <= 1e-5 * (1 + (a.v <+> b.v))) AS l1_ok,
	count(*) FILTER (WHERE abs(l2_norm(a.v::sparsevec) - vector_norm(a.v)) <= 1e-9 * (1 + vector_norm(a.v))) AS norm_ok,
	count(*) FILTER (WHERE (a.v::sparsevec < b.v::sparsevec) = (a.v < b.v)
		AND (a.v::sparsevec = b.v::sparsevec) = (a.v = b.v)) AS order_ok
FROM s a, s b;
DROP TABLE s;

-- functions
SELECT l2_norm('{1:3,7:4}/10'::sparsevec), l2_norm('{}/10'::sparsevec);
SELECT l2_normalize('{1:3,7:4}/10'::sparsevec), l2_normalize('{}/10'::sparsevec);
-- an element that underflows to zero is dropped
SELECT l2_normalize('{1:1e30,2:1e-30}/2'::sparsevec);

-- comparisons, btree and hash
SELECT '{1:1}/3'::sparsevec < '{1:2}/3', '{1:1}/3'::sparsevec <= '{1:1}/3',
	'{1:1}/3'::sparsevec = '{1:1}/3', '{1:1}/3'::sparsevec <> '{1:1}/3',
	'{1:1}/3'::sparsevec >= '{1:2}/3', '{1:2}/3'::sparsevec > '{1:1}/3';
SELECT '{2:1}/3'::sparsevec < '{1:1}/3', '{1:-1}/3'::sparsevec < '{}/3',
	'{1:1}/3'::sparsevec < '{1:1}/4', '{3:1}/3'::sparsevec > '{1:1}/2',
	'{}/3'::sparsevec = '[0,0,0]'::vector::sparsevec;
SELECT sparsevec_cmp('{1:1}/3', '{1:2}/3'), sparsevec_cmp('{1:1}/3', '{1:1}/3'),
	sparsevec_cmp('{1:1}/3', '{}/3');
SELECT sparsevec_hash('{1:1}/3') = sparsevec_hash('[1,0,-0]'::vector::sparsevec) AS same_hash,
	sparsevec_hash('{1:1}/3') <> sparsevec_hash('{2:1}/3') AS index_matters;
CREATE TABLE t (id int, v sparsevec);
INSERT INTO t VALUES (1, '{1:1}/3'), (2, '{2:1}/3'), (3, '{}/3'), (4, '{1:-1}/3'),
	(5, '{1:1}/2'), (6, '[0,1,0]'::vector), (7, NULL);
SELECT id, v FROM t ORDER BY v, id;
SELECT v, count(*) FROM t GROUP BY v ORDER BY v;
CREATE INDEX ON t USING btree (v);
CREATE INDEX ON t USING hash (v);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM t WHERE v = '{2:1}/3';
SELECT id FROM t WHERE v = '{2:1}/3' ORDER BY id;
SELECT id FROM t WHERE v < '{}/3' ORDER BY v, id;
RESET enable_seqscan;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT a.id, b.id FROM t a JOIN t b ON a.v = b.v;
SELECT a.id, b.id FROM t a JOIN t b ON a.v = b.v WHERE a.id < b.id;
RESET enable_mergejoin;
RESET enable_nestloop;
DROP TABLE t;
