-- ivfflat: surface, exact-scan equality at probes = lists, plans, errors
SET client_min_messages = notice;
SELECT setseed(0.5);

-- 2000 rows in 8 anisotropic Gaussian-ish blobs, 8 dimensions
CREATE TABLE ivf_centers AS
	SELECT c, array_agg((random() * 20 - 10)::real ORDER BY j) AS mu,
		array_agg((0.1 + random())::real ORDER BY j) AS sd
	FROM generate_series(0, 7) c, generate_series(1, 8) j GROUP BY c;
CREATE TABLE ivf_items (id int PRIMARY KEY, embedding vector(8));
INSERT INTO ivf_items
	SELECT g, (SELECT array_agg(c.mu[j] + c.sd[j] * (random() + random() + random() - 1.5)
			ORDER BY j) FROM generate_series(1, 8) j)::vector
	FROM generate_series(1, 2000) g JOIN ivf_centers c ON c.c = g % 8;
INSERT INTO ivf_items VALUES (2001, NULL), (2002, '[0,0,0,0,0,0,0,0]');
CREATE TABLE ivf_queries AS
	SELECT q, (SELECT array_agg((random() * 20 - 10)::real) FROM generate_series(1, 8) WHERE q > 0)::vector(8) AS v
	FROM generate_series(1, 5) q;
ANALYZE ivf_items;

CREATE INDEX ivf_l2 ON ivf_items USING ivfflat (embedding vector_l2_ops) WITH (lists = 20);
CREATE INDEX ivf_ip ON ivf_items USING ivfflat (embedding vector_ip_ops) WITH (lists = 20);
CREATE INDEX ivf_cos ON ivf_items USING ivfflat (embedding vector_cosine_ops) WITH (lists = 20);

-- the index answers ORDER BY distance LIMIT k
SET ivfflat.probes = 2;
EXPLAIN (COSTS OFF) SELECT id FROM ivf_items ORDER BY embedding <-> '[1,2,3,4,5,6,7,8]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM ivf_items ORDER BY embedding <#> '[1,2,3,4,5,6,7,8]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM ivf_items ORDER BY embedding <=> '[1,2,3,4,5,6,7,8]' LIMIT 5;
-- but not a query without ORDER BY, even with sequential scans off
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM ivf_items;
RESET enable_seqscan;
-- with probes = lists the exact scan is as good and cheaper
SET ivfflat.probes = 20;
EXPLAIN (COSTS OFF) SELECT id FROM ivf_items ORDER BY embedding <-> '[1,2,3,4,5,6,7,8]' LIMIT 5;

-- probes = lists returns what an exact scan returns, in the same order
CREATE FUNCTION ivf_topk(op text, k int, use_index bool) RETURNS TABLE (q int, ids int[])
LANGUAGE plpgsql AS $$
BEGIN
	IF use_index THEN
		SET LOCAL enable_seqscan = off;
		SET LOCAL enable_indexscan = on;
	ELSE
		SET LOCAL enable_seqscan = on;
		SET LOCAL enable_indexscan = off;
	END IF;
	RETURN QUERY EXECUTE format(
		'SELECT q.q, ARRAY(SELECT id FROM ivf_items WHERE embedding IS NOT NULL
			ORDER BY embedding %s q.v LIMIT %s) FROM ivf_queries q WHERE q.q > 0 ORDER BY q.q',
		op, k);
END $$;
SELECT op, count(*) AS queries,
	sum((i.ids = e.ids)::int) AS equal,
	min(cardinality(i.ids)) AS k
FROM (VALUES ('<->'), ('<#>'), ('<=>')) ops(op),
	LATERAL ivf_topk(op, 20, true) i JOIN LATERAL ivf_topk(op, 20, false) e USING (q)
GROUP BY op ORDER BY op;

-- every non-null row is reachable: NULLs are not indexed, and under cosine
-- neither is the zero vector (its cosine distance is NaN)
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM ivf_items ORDER BY embedding <-> '[0,0,0,0,0,0,0,0]' LIMIT 5000) s;
SELECT count(*) FROM (SELECT id FROM ivf_items ORDER BY embedding <=> '[1,0,0,0,0,0,0,0]' LIMIT 5000) s;
-- a zero query under cosine returns nothing
SELECT count(*) FROM (SELECT id FROM ivf_items ORDER BY embedding <=> '[0,0,0,0,0,0,0,0]' LIMIT 5) s;

-- fewer probes return real rows in distance order, the i-th never nearer
-- than the exact i-th
SET ivfflat.probes = 1;
WITH idx AS (
	SELECT row_number() OVER () AS i, d FROM (
		SELECT embedding <-> (SELECT embedding FROM ivf_items WHERE id = 5) AS d FROM ivf_items
		ORDER BY embedding <-> (SELECT embedding FROM ivf_items WHERE id = 5) LIMIT 10) s),
exact AS (
	SELECT row_number() OVER (ORDER BY d) AS i, d FROM (
		SELECT embedding <-> (SELECT embedding FROM ivf_items WHERE id = 5) AS d FROM ivf_items
		WHERE embedding IS NOT NULL OFFSET 0) s)
SELECT count(*) AS n,
	count(*) FILTER (WHERE idx.d < exact.d) AS nearer_than_exact,
	count(*) FILTER (WHERE idx.d < lag) AS out_of_order
FROM (SELECT i, d, lag(d) OVER (ORDER BY i) AS lag FROM idx) idx JOIN exact USING (i);

-- inserts after the build are found
INSERT INTO ivf_items VALUES (3000, '[100,100,100,100,100,100,100,100]');
SELECT id FROM ivf_items ORDER BY embedding <-> '[99,99,99,99,99,99,99,99]' LIMIT 1;
-- deletes and VACUUM
DELETE FROM ivf_items WHERE id % 2 = 0;
VACUUM ivf_items;
SET ivfflat.probes = 20;
SELECT count(*), sum((id % 2 = 0)::int) AS deleted_found
FROM (SELECT id FROM ivf_items ORDER BY embedding <-> '[0,0,0,0,0,0,0,0]' LIMIT 5000) s;
RESET enable_seqscan;

-- iterative scan: a selective filter still gets its LIMIT rows
SET enable_seqscan = off;
SET ivfflat.probes = 1;
SELECT count(*) FROM (SELECT id FROM ivf_items WHERE id % 100 = 1
	ORDER BY embedding <-> '[1,2,3,4,5,6,7,8]' LIMIT 10) s;
SET ivfflat.iterative_scan = relaxed_order;
SELECT count(*) FROM (SELECT id FROM ivf_items WHERE id % 100 = 1
	ORDER BY embedding <-> '[1,2,3,4,5,6,7,8]' LIMIT 10) s;
-- max_probes bounds the lists read: 1 + 1 lists find what probes = 2 finds
SET ivfflat.max_probes = 2;
SELECT count(*) FROM (SELECT id FROM ivf_items WHERE id % 20 = 1
	ORDER BY embedding <-> (SELECT embedding FROM ivf_items WHERE id = 21) LIMIT 100) s;
RESET ivfflat.max_probes;
RESET ivfflat.iterative_scan;
SET ivfflat.probes = 2;
SELECT count(*) FROM (SELECT id FROM ivf_items WHERE id % 20 = 1
	ORDER BY embedding <-> (SELECT embedding FROM ivf_items WHERE id = 21) LIMIT 100) s;
RESET enable_seqscan;

-- an empty table builds, then takes inserts
CREATE TABLE ivf_empty (id int, embedding vector(3));
CREATE INDEX ON ivf_empty USING ivfflat (embedding) WITH (lists = 3);
INSERT INTO ivf_empty VALUES (1, '[1,1,1]'), (2, '[2,2,2]'), (3, '[-1,0,5]');
SET enable_seqscan = off;
SET ivfflat.probes = 3;
SELECT id FROM ivf_empty ORDER BY embedding <-> '[2,2,1]';
RESET enable_seqscan;
-- too little data for the lists asked
CREATE TABLE ivf_small (embedding vector(3));
INSERT INTO ivf_small VALUES ('[1,2,3]'), ('[4,5,6]');
CREATE INDEX ON ivf_small USING ivfflat (embedding) WITH (lists = 10);

-- UNLOGGED table: the init fork holds an empty index
CREATE UNLOGGED TABLE ivf_unlogged (embedding vector(3));
CREATE INDEX ivf_unlogged_idx ON ivf_unlogged USING ivfflat (embedding) WITH (lists = 2);
INSERT INTO ivf_unlogged VALUES ('[1,2,3]'), ('[3,2,1]');
SET enable_seqscan = off;
SET ivfflat.probes = 2;
SELECT embedding FROM ivf_unlogged ORDER BY embedding <-> '[1,2,4]';
RESET enable_seqscan;
SELECT pg_relation_filepath('ivf_unlogged_idx') IS NOT NULL AS has_file;

-- opclasses validate
SELECT opcname, amvalidate(opc.oid) FROM pg_opclass opc JOIN pg_am am ON am.oid = opc.opcmethod
WHERE am.amname = 'ivfflat' ORDER BY opcname;

-- options and GUCs
SHOW ivfflat.probes;
SHOW ivfflat.iterative_scan;
SHOW ivfflat.max_probes;
CREATE INDEX ivf_default ON ivf_small USING ivfflat (embedding);
SELECT reloptions FROM pg_class WHERE relname = 'ivf_l2';

-- errors
\set VERBOSITY terse
CREATE INDEX ON ivf_small USING ivfflat (embedding) WITH (lists = 0);
CREATE INDEX ON ivf_small USING ivfflat (embedding) WITH (lists = 32769);
CREATE INDEX ON ivf_small USING ivfflat (embedding) WITH (lists = 'many');
CREATE INDEX ON ivf_small USING ivfflat (embedding) WITH (probes = 3);
CREATE TABLE ivf_nodims (embedding vector);
CREATE INDEX ON ivf_nodims USING ivfflat (embedding);
CREATE TABLE ivf_wide (embedding vector(2001));
CREATE INDEX ON ivf_wide USING ivfflat (embedding);
CREATE TABLE ivf_int (x int);
CREATE INDEX ON ivf_int USING ivfflat (x);
CREATE INDEX ON ivf_small USING ivfflat (embedding, embedding);
CREATE INDEX ON ivf_small USING ivfflat (embedding vector_l2_ops) WITH (lists = 1000000);
SET maintenance_work_mem = '1MB';
CREATE INDEX ON ivf_items USING ivfflat (embedding) WITH (lists = 32768);
RESET maintenance_work_mem;
SET ivfflat.probes = 0;
SET ivfflat.probes = 32769;
SET ivfflat.iterative_scan = strict_order;
SET ivfflat.max_probes = 0;
SET ivfflat.nonexistent = 1;
SET enable_seqscan = off;
SELECT id FROM ivf_items ORDER BY embedding <-> '[1,2,3]' LIMIT 1;
RESET enable_seqscan;
-- an opclass with a wrong support function, and one without FUNCTION 4
CREATE OPERATOR CLASS ivf_bad_ops FOR TYPE vector USING ivfflat AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_norm(vector),
	FUNCTION 4 ivf_vector_support(internal);
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'ivf_bad_ops';
CREATE OPERATOR CLASS ivf_nosupport_ops FOR TYPE vector USING ivfflat AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_l2_squared_distance(vector, vector);
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'ivf_nosupport_ops';
CREATE INDEX ON ivf_small USING ivfflat (embedding ivf_nosupport_ops);
DROP OPERATOR FAMILY ivf_bad_ops USING ivfflat;
DROP OPERATOR FAMILY ivf_nosupport_ops USING ivfflat;
\set VERBOSITY default

-- ivfflat_check: healthy indexes (also after inserts, deletes and vacuum)
-- report nothing; a relation that is not an ivfflat index is an error
SELECT count(*) FROM ivfflat_check('ivf_l2');
SELECT count(*) FROM ivfflat_check('ivf_cos');
SELECT count(*) FROM ivfflat_check('ivf_unlogged_idx');
DELETE FROM ivf_items WHERE id % 3 = 0;
VACUUM ivf_items;
INSERT INTO ivf_items SELECT id + 100000, embedding FROM ivf_items WHERE id % 3 = 1;
SELECT count(*) FROM ivfflat_check('ivf_ip');
\set VERBOSITY terse
SELECT * FROM ivfflat_check('ivf_items');
SELECT * FROM ivfflat_check('ivf_items_pkey');
\set VERBOSITY default

DROP TABLE ivf_items, ivf_centers, ivf_queries, ivf_empty, ivf_small,
	ivf_unlogged, ivf_nodims, ivf_wide, ivf_int;
DROP FUNCTION ivf_topk;
