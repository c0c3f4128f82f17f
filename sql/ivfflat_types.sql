-- ivfflat opclasses for halfvec and bit: exact-scan equality at
-- probes = lists, plans, amvalidate
SET client_min_messages = notice;
SELECT setseed(0.75);

-- 1500 rows in 6 anisotropic blobs, 16 dimensions, as halfvec and as bit
CREATE TABLE ivft_centers AS
	SELECT c, array_agg((random() * 8 - 4)::real ORDER BY j) AS mu,
		array_agg((0.1 + random())::real ORDER BY j) AS sd
	FROM generate_series(0, 5) c, generate_series(1, 16) j GROUP BY c;
CREATE TABLE ivft_items (id int PRIMARY KEY, h halfvec(16), b bit(16));
INSERT INTO ivft_items (id, h)
	SELECT g, (SELECT array_agg(c.mu[j] + c.sd[j] * (random() + random() + random() - 1.5)
			ORDER BY j) FROM generate_series(1, 16) j)::halfvec
	FROM generate_series(1, 1500) g JOIN ivft_centers c ON c.c = g % 6;
UPDATE ivft_items SET b = binary_quantize(h)::bit(16);
INSERT INTO ivft_items VALUES (1501, NULL, NULL);
CREATE TABLE ivft_queries AS
	SELECT q, (SELECT array_agg((random() * 8 - 4)::real) FROM generate_series(1, 16) WHERE q > 0)::halfvec(16) AS h
	FROM generate_series(1, 5) q;
ANALYZE ivft_items;

CREATE INDEX ivft_l2 ON ivft_items USING ivfflat (h halfvec_l2_ops) WITH (lists = 12);
CREATE INDEX ivft_ip ON ivft_items USING ivfflat (h halfvec_ip_ops) WITH (lists = 12);
CREATE INDEX ivft_cos ON ivft_items USING ivfflat (h halfvec_cosine_ops) WITH (lists = 12);
CREATE INDEX ivft_ham ON ivft_items USING ivfflat (b bit_hamming_ops) WITH (lists = 12);
SELECT count(*) FROM ivfflat_check('ivft_l2');
SELECT count(*) FROM ivfflat_check('ivft_ham');

-- the index answers ORDER BY distance LIMIT k
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM ivft_items ORDER BY h <-> '[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]' LIMIT 3;
EXPLAIN (COSTS OFF) SELECT id FROM ivft_items ORDER BY h <#> '[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]' LIMIT 3;
EXPLAIN (COSTS OFF) SELECT id FROM ivft_items ORDER BY h <=> '[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]' LIMIT 3;
EXPLAIN (COSTS OFF) SELECT id FROM ivft_items ORDER BY b <~> B'1010101010101010' LIMIT 3;
RESET enable_seqscan;

-- probes = lists returns the exact top 20: the same distances in the same
-- order (hamming distances tie a lot, so rows of equal distance may differ).
-- Under cosine the index ranks by inner product of values normalised into
-- halfvec, whose rounding can swap near-ties; the same rows come back
-- (equal_sorted), in an order that may differ from the exact one.
CREATE FUNCTION ivft_topk(col text, op text, use_index bool)
RETURNS TABLE (q int, dists float8[]) LANGUAGE plpgsql AS $$
BEGIN
	IF use_index THEN
		SET LOCAL enable_seqscan = off;
		SET LOCAL enable_indexscan = on;
	ELSE
		SET LOCAL enable_seqscan = on;
		SET LOCAL enable_indexscan = off;
	END IF;
	RETURN QUERY EXECUTE format(
		'SELECT q.q, ARRAY(SELECT %1$s %2$s x FROM ivft_items WHERE %1$s IS NOT NULL
			ORDER BY %1$s %2$s x LIMIT 20)
		FROM (SELECT q, %3$s AS x FROM ivft_queries WHERE q > 0) q ORDER BY q.q',
		col, op, CASE col WHEN 'b' THEN 'binary_quantize(h)::bit(16)' ELSE 'h' END);
END $$;
SET ivfflat.probes = 12;
SELECT col, op, count(*) AS queries,
	count(*) FILTER (WHERE i.dists = e.dists) AS equal,
	count(*) FILTER (WHERE ARRAY(SELECT unnest(i.dists) ORDER BY 1) = e.dists) AS equal_sorted,
	min(cardinality(i.dists)) AS min_rows
FROM (VALUES ('h', '<->'), ('h', '<#>'), ('h', '<=>'), ('b', '<~>')) o (col, op),
	LATERAL ivft_topk(col, op, true) i JOIN LATERAL ivft_topk(col, op, false) e USING (q)
GROUP BY col, op ORDER BY col, op;
RESET ivfflat.probes;

-- every non-null row is reachable through the bit index
SET enable_seqscan = off;
SET ivfflat.probes = 12;
SELECT count(*) FROM (SELECT id FROM ivft_items ORDER BY b <~> B'0000000000000000' LIMIT 5000) s;
RESET ivfflat.probes;
RESET enable_seqscan;

-- an expression index over binary quantization, with a re-rank
CREATE INDEX ivft_bq ON ivft_items USING ivfflat ((binary_quantize(h)::bit(16)) bit_hamming_ops) WITH (lists = 12);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM ivft_items
	ORDER BY binary_quantize(h)::bit(16) <~> binary_quantize('[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]'::halfvec) LIMIT 3;
-- the build keeps each row's own expression value (the per-tuple values
-- of an expression index used to be overwritten by later rows)
SET ivfflat.probes = 12;
CREATE TABLE ivft_bq_index AS SELECT q.q, ARRAY(SELECT binary_quantize(h)::bit(16) <~> binary_quantize(q.h)
	FROM ivft_items WHERE h IS NOT NULL ORDER BY binary_quantize(h)::bit(16) <~> binary_quantize(q.h) LIMIT 20) d
	FROM ivft_queries q WHERE q.q > 0;
RESET enable_seqscan;
SET enable_indexscan = off;
SELECT count(*) AS queries, count(*) FILTER (WHERE i.d = ARRAY(SELECT binary_quantize(h)::bit(16) <~> binary_quantize(q.h)
	FROM ivft_items WHERE h IS NOT NULL ORDER BY 1 LIMIT 20)) AS equal
FROM ivft_bq_index i JOIN ivft_queries q USING (q);
RESET enable_indexscan;
RESET ivfflat.probes;
DROP TABLE ivft_bq_index;

-- amvalidate accepts every new opclass
SELECT opcname, amvalidate(c.oid) FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
WHERE a.amname = 'ivfflat' AND opcname IN
	('halfvec_l2_ops', 'halfvec_ip_ops', 'halfvec_cosine_ops', 'bit_hamming_ops')
ORDER BY opcname;

DROP TABLE ivft_items, ivft_centers, ivft_queries;
DROP FUNCTION ivft_topk;
