-- hnsw index access method on the vector type: every opclass, results
-- equal to an exact scan, EXPLAIN, NULLs, zero vectors, inserts after the
-- build, DELETE + VACUUM, UNLOGGED tables, amvalidate.

SET client_min_messages = warning;

-- 200 distinct 3-dimension vectors, plus a NULL and a zero vector
CREATE TABLE hv (id int, embedding vector(3));
INSERT INTO hv
	SELECT i, ARRAY[(i * 7) % 23 - 11, (i * 13) % 29 - 14, (i * 5) % 31 + i / 50.0]::vector(3)
	FROM generate_series(1, 200) i;
INSERT INTO hv VALUES (201, NULL), (202, '[0,0,0]');

-- compare the index scan with the exact scan for one operator and query:
-- the sequence of distances must be identical (ids may tie)
CREATE FUNCTION hv_check(op text, q text, k int) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	exact float8[];
	approx float8[];
	sql text := format('SELECT array_agg(d) FROM (SELECT embedding %s %L::vector AS d FROM hv ORDER BY embedding %s %L::vector LIMIT %s) s',
					   op, q, op, q, k);
BEGIN
	SET LOCAL enable_indexscan = off;
	SET LOCAL enable_seqscan = on;
	EXECUTE sql INTO exact;
	SET LOCAL enable_indexscan = on;
	SET LOCAL enable_seqscan = off;
	EXECUTE sql INTO approx;
	IF exact IS DISTINCT FROM approx THEN
		RAISE WARNING 'exact % vs index %', exact, approx;
	END IF;
	RETURN exact IS NOT DISTINCT FROM approx;
END $$;

SET hnsw.ef_search = 1000;

-- L2
CREATE INDEX hv_l2 ON hv USING hnsw (embedding vector_l2_ops);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hv ORDER BY embedding <-> '[1,2,3]' LIMIT 5;
SELECT id, embedding <-> '[1,2,3]' AS d FROM hv ORDER BY embedding <-> '[1,2,3]' LIMIT 5;
RESET enable_seqscan;
SELECT hv_check('<->', '[1,2,3]', 10), hv_check('<->', '[-5,7,30]', 25),
	hv_check('<->', '[0,0,0]', 201);
-- the NULL row is not in the index: 201 rows at most
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM hv ORDER BY embedding <-> '[1,2,3]') s;
-- a NULL query (known at run time) orders nothing: every indexed row
EXPLAIN (COSTS OFF) SELECT id FROM hv ORDER BY embedding <-> (SELECT NULL::vector);
SELECT count(*) FROM (SELECT id FROM hv ORDER BY embedding <-> (SELECT NULL::vector)) s;
SELECT count(*) FROM (SELECT id FROM hv ORDER BY embedding <-> (SELECT NULL::vector) LIMIT 3) s;
RESET enable_seqscan;
DROP INDEX hv_l2;

-- inner product
CREATE INDEX hv_ip ON hv USING hnsw (embedding vector_ip_ops);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hv ORDER BY embedding <#> '[1,2,3]' LIMIT 5;
RESET enable_seqscan;
-- inner product is not a metric: elements of small norm can be nearest to
-- no query, so only queries whose answers are well connected are exact
-- (see README, Open issues)
SELECT hv_check('<#>', '[1,2,3]', 10), hv_check('<#>', '[-10,-5,-20]', 10);
DROP INDEX hv_ip;

-- cosine: the zero vector is not indexed, and not an error
CREATE INDEX hv_cos ON hv USING hnsw (embedding vector_cosine_ops);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hv ORDER BY embedding <=> '[1,2,3]' LIMIT 5;
SELECT count(*) FROM (SELECT id FROM hv ORDER BY embedding <=> '[1,2,3]') s;
SELECT count(*) FROM (SELECT id FROM hv ORDER BY embedding <=> '[0,0,0]') s;
RESET enable_seqscan;
SELECT hv_check('<=>', '[1,2,3]', 10), hv_check('<=>', '[-3,1,0.5]', 15);
INSERT INTO hv VALUES (203, '[0,0,0]');
DELETE FROM hv WHERE id = 203;
DROP INDEX hv_cos;

-- L1
CREATE INDEX hv_l1 ON hv USING hnsw (embedding vector_l1_ops);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hv ORDER BY embedding <+> '[1,2,3]' LIMIT 5;
RESET enable_seqscan;
SELECT hv_check('<+>', '[1,2,3]', 10), hv_check('<+>', '[9,-9,9]', 30);
DROP INDEX hv_l1;

-- index on an empty table, filled by inserts (the on-disk insert path)
CREATE TABLE hv_empty (id int, embedding vector(3));
CREATE INDEX ON hv_empty USING hnsw (embedding vector_l2_ops) WITH (m = 4, ef_construction = 16);
INSERT INTO hv_empty SELECT * FROM hv;
SET enable_seqscan = off;
SELECT id FROM hv_empty ORDER BY embedding <-> '[1,2,3]' LIMIT 3;
RESET enable_seqscan;
SELECT id FROM hv_empty ORDER BY embedding <-> '[1,2,3]' LIMIT 3;

-- inserts after a build, then DELETE + VACUUM, then reuse of the space
CREATE INDEX hv_l2 ON hv USING hnsw (embedding vector_l2_ops) WITH (m = 8, ef_construction = 32);
INSERT INTO hv SELECT i, ARRAY[i % 17, i % 19, i % 23]::vector(3) + '[0.5,0.25,0.125]' FROM generate_series(300, 400) i;
SELECT hv_check('<->', '[1,2,3]', 10), hv_check('<->', '[10,10,10]', 40);
DELETE FROM hv WHERE id % 2 = 0;
VACUUM hv;
SELECT hv_check('<->', '[1,2,3]', 10), hv_check('<->', '[10,10,10]', 40);
SELECT pg_relation_size('hv_l2') AS size_before \gset
INSERT INTO hv SELECT i, ARRAY[i % 13, i % 11, i % 7]::vector(3) + '[0.1,0.2,0.3]' FROM generate_series(500, 560) i;
SELECT pg_relation_size('hv_l2') = :size_before AS space_reused;
SELECT hv_check('<->', '[1,2,3]', 10), hv_check('<->', '[3,3,3]', 50);

-- an UPDATE that keeps the vector adds a heap TID to the existing element
UPDATE hv SET id = id + 1000 WHERE id BETWEEN 1 AND 20;
SELECT hv_check('<->', '[1,2,3]', 10);
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM hv ORDER BY embedding <-> '[1,2,3]') s;
RESET enable_seqscan;
SELECT count(*) FROM hv WHERE embedding IS NOT NULL;
DROP INDEX hv_l2;

-- an UPDATE that changes another indexed column (so not HOT) but not the
-- vector adds heap TIDs to existing elements: the index does not grow
CREATE TABLE hu (id int PRIMARY KEY, embedding vector(128));
INSERT INTO hu SELECT i, array_fill(i::real / 7, ARRAY[128])::vector(128)
	FROM generate_series(1, 300) i;
CREATE INDEX hu_idx ON hu USING hnsw (embedding vector_l2_ops);
SELECT pg_relation_size('hu_idx') AS hu_size \gset
UPDATE hu SET id = id + 1000;
SELECT pg_relation_size('hu_idx') = :hu_size AS no_new_elements;
SET enable_seqscan = off;
SELECT id FROM hu ORDER BY embedding <-> array_fill(2::real / 7, ARRAY[128])::vector(128) LIMIT 1;
RESET enable_seqscan;
DROP TABLE hu;

-- the planner: the index for ORDER BY ... LIMIT on a table of some size,
-- not without ORDER BY, and an exact scan when a selective WHERE clause
-- leaves few rows; costs depend on hnsw.ef_search
RESET hnsw.ef_search;
CREATE TABLE hv_plan (id int, cat int, embedding vector(256));
INSERT INTO hv_plan SELECT i, i % 1000,
	(SELECT array_agg(((i * 31 + d * 17) % 101) / 10.0) FROM generate_series(1, 256) d)
	FROM generate_series(1, 3000) i;
CREATE INDEX ON hv_plan USING hnsw (embedding vector_l2_ops);
CREATE INDEX ON hv_plan (cat);
ANALYZE hv_plan;
EXPLAIN (COSTS OFF) SELECT id FROM hv_plan WHERE embedding = (SELECT embedding FROM hv_plan WHERE id = 1);
EXPLAIN (COSTS OFF) SELECT id FROM hv_plan ORDER BY embedding <-> (SELECT embedding FROM hv_plan WHERE id = 1) LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM hv_plan WHERE cat = 7 ORDER BY embedding <-> (SELECT embedding FROM hv_plan WHERE id = 1) LIMIT 5;
DROP TABLE hv_plan;
SET hnsw.ef_search = 1000;
CREATE INDEX hv_l2 ON hv USING hnsw (embedding vector_l2_ops);

-- iterative scans return more than ef_search rows
SET hnsw.ef_search = 10;
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM hv ORDER BY embedding <-> '[1,2,3]' LIMIT 100) s;
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*) FROM (SELECT id FROM hv ORDER BY embedding <-> '[1,2,3]' LIMIT 100) s;
SET hnsw.iterative_scan = strict_order;
SELECT count(*) > 10 AS more FROM (SELECT id FROM hv ORDER BY embedding <-> '[1,2,3]' LIMIT 100) s;
-- strict order really is in order
SELECT bool_and(d >= prev) FROM (
	SELECT d, lag(d, 1, 0::float8) OVER (ORDER BY n) AS prev FROM (
		SELECT row_number() OVER () AS n, embedding <-> '[1,2,3]' AS d
		FROM (SELECT embedding FROM hv ORDER BY embedding <-> '[1,2,3]' LIMIT 100) s) t) u;
SET hnsw.max_scan_tuples = 20;
SELECT count(*) < 100 AS bounded FROM (SELECT id FROM hv ORDER BY embedding <-> '[1,2,3]' LIMIT 100) s;
RESET hnsw.max_scan_tuples;
RESET hnsw.iterative_scan;
RESET enable_seqscan;
RESET hnsw.ef_search;

-- an iterative scan that runs through the whole graph returns every row
-- once: its visited set turns to page bits as it grows, and keeps the
-- elements past offset 32 of a page (small elements, m = 4) in its hash
-- table
CREATE TABLE hv_many (id int, embedding vector(3));
INSERT INTO hv_many SELECT i, ARRAY[sin(i), cos(i * 0.7), (i % 17) / 17.0]
FROM generate_series(1, 3000) i;
CREATE INDEX hv_many_idx ON hv_many USING hnsw (embedding vector_l2_ops) WITH (m = 4);
CREATE EXTENSION pageinspect;
SELECT max((lower - 24) / 4) > 32 AS past_offset_32
FROM generate_series(1, pg_relation_size('hv_many_idx') / 8192 - 1) b,
	page_header(get_raw_page('hv_many_idx', b::int));
DROP EXTENSION pageinspect;
SET enable_seqscan = off;
SET hnsw.iterative_scan = relaxed_order;
SET hnsw.max_scan_tuples = 1000000;
SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM hv_many ORDER BY embedding <-> '[0,0,0]') s;
SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM hv_many ORDER BY embedding <-> '[0.5,-0.5,1]') s;
RESET hnsw.max_scan_tuples;
RESET hnsw.iterative_scan;
RESET enable_seqscan;
DROP TABLE hv_many;

-- UNLOGGED table: the index has an init fork
CREATE UNLOGGED TABLE hv_unlogged (id int, embedding vector(3));
INSERT INTO hv_unlogged SELECT * FROM hv WHERE id < 50;
CREATE INDEX hv_unlogged_idx ON hv_unlogged USING hnsw (embedding vector_l2_ops);
SELECT relpersistence FROM pg_class WHERE relname = 'hv_unlogged_idx';
SET enable_seqscan = off;
SELECT id FROM hv_unlogged ORDER BY embedding <-> '[1,2,3]' LIMIT 3;
RESET enable_seqscan;
SELECT id FROM hv_unlogged ORDER BY embedding <-> '[1,2,3]' LIMIT 3;

-- amvalidate on every opclass
SELECT opcname, amvalidate(c.oid) FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
	WHERE amname = 'hnsw' AND opcintype = 'vector'::regtype ORDER BY opcname;

-- amvalidate catches broken opclasses
CREATE OPERATOR CLASS hnsw_bad_sig FOR TYPE vector USING hnsw AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_norm(vector);
CREATE OPERATOR CLASS hnsw_no_dist FOR TYPE vector USING hnsw AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 2 vector_norm(vector);
CREATE OPERATOR CLASS hnsw_bad_op FOR TYPE vector USING hnsw AS
	OPERATOR 2 <-> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_l2_squared_distance(vector, vector),
	FUNCTION 3 vector_norm(vector);
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'hnsw_bad_sig';
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'hnsw_no_dist';
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'hnsw_bad_op';
DROP OPERATOR FAMILY hnsw_bad_sig USING hnsw;
DROP OPERATOR FAMILY hnsw_no_dist USING hnsw;
DROP OPERATOR FAMILY hnsw_bad_op USING hnsw;

-- reloptions and GUCs: ranges and errors
\set VERBOSITY terse
CREATE INDEX ON hv USING hnsw (embedding vector_l2_ops) WITH (m = 1);
CREATE INDEX ON hv USING hnsw (embedding vector_l2_ops) WITH (m = 101);
CREATE INDEX ON hv USING hnsw (embedding vector_l2_ops) WITH (ef_construction = 3);
CREATE INDEX ON hv USING hnsw (embedding vector_l2_ops) WITH (ef_construction = 1001);
CREATE INDEX ON hv USING hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 31);
CREATE INDEX ON hv USING hnsw (embedding vector_l2_ops) WITH (foo = 1);
CREATE INDEX hv_opts ON hv USING hnsw (embedding vector_l2_ops) WITH (m = 2, ef_construction = 4);
SELECT reloptions FROM pg_class WHERE relname = 'hv_opts';
DROP INDEX hv_opts;
SET hnsw.ef_search = 0;
SET hnsw.ef_search = 1001;
SET hnsw.iterative_scan = on;
SET hnsw.max_scan_tuples = 0;
SET hnsw.scan_mem_multiplier = 0;
SET hnsw.scan_mem_multiplier = 1001;
SET hnsw.upper_cache_mem = -1;
SET hnsw.upper_cache_mem = '3TB';
SET hnsw.no_such_setting = 1;
SHOW hnsw.ef_search;
SHOW hnsw.iterative_scan;
SHOW hnsw.max_scan_tuples;
SHOW hnsw.scan_mem_multiplier;
SHOW hnsw.upper_cache_mem;
SET hnsw.upper_cache_mem = '64kB';
SHOW hnsw.upper_cache_mem;
RESET hnsw.upper_cache_mem;
CREATE TABLE hv_nodim (embedding vector);
INSERT INTO hv_nodim VALUES ('[1,2,3]');
CREATE INDEX ON hv_nodim USING hnsw (embedding vector_l2_ops);
CREATE INDEX ON hv USING hnsw (id);
CREATE INDEX ON hv USING hnsw (embedding vector_l2_ops, embedding vector_l2_ops);
CREATE TABLE hv_big (embedding vector(2000));
INSERT INTO hv_big SELECT array_fill(1, ARRAY[2000])::vector;
CREATE INDEX ON hv_big USING hnsw (embedding vector_l2_ops);
\set VERBOSITY default

DROP TABLE hv, hv_empty, hv_unlogged, hv_nodim, hv_big;
DROP FUNCTION hv_check;
