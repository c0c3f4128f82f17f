-- hnsw on halfvec, sparsevec and bit: the access method is type-agnostic,
-- so each opclass is checked against an exact scan on a small table (the
-- sequence of distances must be equal; ids may tie), plus EXPLAIN and
-- amvalidate.

SET client_min_messages = warning;
SET hnsw.ef_search = 1000;

CREATE TABLE ht (id int, h halfvec(4), s sparsevec(6), b bit(12));
INSERT INTO ht
	SELECT i,
		ARRAY[(i * 7) % 23, (i * 13) % 29 - 14, (i * 5) % 31, i % 5 + 0.5]::halfvec(4),
		('{' || 1 + i % 3 || ':' || (i % 9) + 1 || ',' || 4 + (i * 5) % 3 || ':' || (i % 4) - 2.5 || '}/6')::sparsevec(6),
		((i * 2654435761) % 4096)::bit(12)
	FROM generate_series(1, 150) i;

CREATE FUNCTION ht_check(col text, op text, q text, k int) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	exact float8[];
	approx float8[];
	sql text := format('SELECT array_agg(d) FROM (SELECT %I %s %L AS d FROM ht ORDER BY %I %s %L LIMIT %s) s',
					   col, op, q, col, op, q, k);
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

-- halfvec
CREATE INDEX ht_h_l2 ON ht USING hnsw (h halfvec_l2_ops);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM ht ORDER BY h <-> '[1,2,3,4]' LIMIT 5;
RESET enable_seqscan;
SELECT ht_check('h', '<->', '[1,2,3,4]', 10), ht_check('h', '<->', '[20,-10,30,1]', 20);
DROP INDEX ht_h_l2;
CREATE INDEX ht_h_ip ON ht USING hnsw (h halfvec_ip_ops);
SELECT ht_check('h', '<#>', '[1,2,3,4]', 5);
DROP INDEX ht_h_ip;
CREATE INDEX ht_h_cos ON ht USING hnsw (h halfvec_cosine_ops);
SELECT ht_check('h', '<=>', '[1,2,3,4]', 10), ht_check('h', '<=>', '[-1,0,2,1]', 10);
DROP INDEX ht_h_cos;
CREATE INDEX ht_h_l1 ON ht USING hnsw (h halfvec_l1_ops);
SELECT ht_check('h', '<+>', '[1,2,3,4]', 10);
DROP INDEX ht_h_l1;

-- sparsevec: elements of different sizes in one index
CREATE INDEX ht_s_l2 ON ht USING hnsw (s sparsevec_l2_ops);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM ht ORDER BY s <-> '{1:1,3:2}/6' LIMIT 5;
RESET enable_seqscan;
SELECT ht_check('s', '<->', '{1:1,3:2}/6', 10), ht_check('s', '<->', '{2:5,6:-1}/6', 20);
DROP INDEX ht_s_l2;
CREATE INDEX ht_s_ip ON ht USING hnsw (s sparsevec_ip_ops);
SELECT ht_check('s', '<#>', '{1:1,3:2}/6', 3);
DROP INDEX ht_s_ip;
CREATE INDEX ht_s_cos ON ht USING hnsw (s sparsevec_cosine_ops);
SELECT ht_check('s', '<=>', '{1:1,3:2}/6', 10);
DROP INDEX ht_s_cos;
CREATE INDEX ht_s_l1 ON ht USING hnsw (s sparsevec_l1_ops);
SELECT ht_check('s', '<+>', '{1:1,3:2}/6', 10);
DROP INDEX ht_s_l1;

-- bit
CREATE INDEX ht_b_ham ON ht USING hnsw (b bit_hamming_ops);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM ht ORDER BY b <~> '101010101010' LIMIT 5;
RESET enable_seqscan;
SELECT ht_check('b', '<~>', '101010101010', 10), ht_check('b', '<~>', '000011110000', 10);
DROP INDEX ht_b_ham;
CREATE INDEX ht_b_jac ON ht USING hnsw (b bit_jaccard_ops);
SELECT ht_check('b', '<%>', '101010101010', 10);
DROP INDEX ht_b_jac;

SELECT opcname, amvalidate(c.oid) FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
	WHERE amname = 'hnsw' AND opcintype <> 'vector'::regtype ORDER BY opcname;

DROP TABLE ht;
DROP FUNCTION ht_check;
