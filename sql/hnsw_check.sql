-- hnsw_check: healthy indexes give no rows; what is not an hnsw index is
-- refused.  Corrupted indexes are in test/t/015_hnsw_corruption.pl.
SELECT setseed(0.42);

-- clustered, anisotropic data: 8 blobs, per-dimension scales
CREATE TABLE hc (id int, v vector(8), h halfvec(8), s sparsevec(8), n vector(8));
INSERT INTO hc
SELECT i, x::vector(8), x::vector(8)::halfvec(8), x::vector(8)::sparsevec(8),
	l2_normalize(x::vector(8))
FROM (SELECT i, ARRAY(SELECT (i % 8) * 3 + (random() - 0.5) * (d + 1) / 4
					  FROM generate_series(1, 8) d)::float4[] AS x
	  FROM generate_series(1, 1200) i) g;

-- inner product on normalised values (on raw blobs most elements are
-- unreachable: see README, Open issues)
CREATE INDEX hc_l2 ON hc USING hnsw (v vector_l2_ops);
CREATE INDEX hc_l2_m8 ON hc USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32);
CREATE INDEX hc_ip ON hc USING hnsw (n vector_ip_ops);
CREATE INDEX hc_cos ON hc USING hnsw (v vector_cosine_ops);
CREATE INDEX hc_l1 ON hc USING hnsw (v vector_l1_ops);
CREATE INDEX hc_half ON hc USING hnsw (h halfvec_l2_ops);
CREATE INDEX hc_sparse ON hc USING hnsw (s sparsevec_cosine_ops);

SELECT c.relname, k.* FROM pg_class c, hnsw_check(c.oid) k
WHERE c.relname LIKE 'hc\_%' ORDER BY 1, 2, 3;

-- inserts after the build, then deletes and VACUUM (graph repair)
INSERT INTO hc (id, v) SELECT i, ARRAY[i % 5, 1, 2, 3, 4, 5, 6, i % 3]::vector(8)
FROM generate_series(1, 100) i;
DELETE FROM hc WHERE id % 3 = 0;
VACUUM hc;
SELECT c.relname, k.* FROM pg_class c, hnsw_check(c.oid) k
WHERE c.relname LIKE 'hc\_%' ORDER BY 1, 2, 3;

-- everything deleted: an empty graph is healthy too
DELETE FROM hc;
VACUUM hc;
SELECT * FROM hnsw_check('hc_l2');

-- an empty index and an unlogged table (init fork)
CREATE UNLOGGED TABLE hcu (v vector(3));
CREATE INDEX hcu_idx ON hcu USING hnsw (v vector_l2_ops);
SELECT * FROM hnsw_check('hcu_idx');
INSERT INTO hcu SELECT ARRAY[i % 10, i % 7, i]::vector(3) FROM generate_series(1, 300) i;
SELECT * FROM hnsw_check('hcu_idx');

-- not an hnsw index, not an index
\set VERBOSITY terse
CREATE INDEX hc_btree ON hc (id);
SELECT * FROM hnsw_check('hc_btree');
SELECT * FROM hnsw_check('hc');
\set VERBOSITY default

-- a partitioned index has no pages; its partitions' indexes are checked
CREATE TABLE hcp (k int, v vector(3)) PARTITION BY RANGE (k);
CREATE TABLE hcp1 PARTITION OF hcp FOR VALUES FROM (0) TO (100);
INSERT INTO hcp SELECT i, ARRAY[i % 4, i % 9, 1]::vector(3) FROM generate_series(0, 99) i;
CREATE INDEX hcp_idx ON hcp USING hnsw (v vector_l2_ops);
SELECT * FROM hnsw_check('hcp_idx');
SELECT * FROM hnsw_check('hcp1_v_idx');
DROP TABLE hcp;

-- not for PUBLIC; pg_monitor members may run it
CREATE ROLE hnsw_check_user;
SET ROLE hnsw_check_user;
\set VERBOSITY terse
SELECT * FROM hnsw_check('hcu_idx');
\set VERBOSITY default
RESET ROLE;
GRANT pg_monitor TO hnsw_check_user;
GRANT SELECT ON hcu TO hnsw_check_user;
SET ROLE hnsw_check_user;
SELECT * FROM hnsw_check('hcu_idx');
RESET ROLE;
REVOKE SELECT ON hcu FROM hnsw_check_user;
DROP ROLE hnsw_check_user;

DROP TABLE hc, hcu;
