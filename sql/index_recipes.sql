-- The README's index recipes: a halfvec expression index over embeddings
-- too wide for a vector index, and binary quantization with re-ranking.
\set VERBOSITY terse
SELECT setseed(0.5);

-- 300 embeddings of 3072 dimensions around 6 directions
CREATE TABLE wide (id int PRIMARY KEY, embedding vector(3072));
INSERT INTO wide
SELECT i, (SELECT array_agg(sin(d * (1 + i % 6)) + (random() - 0.5) * 0.3 ORDER BY d)
           FROM generate_series(1, 3072) d)::vector
FROM generate_series(1, 300) i;

-- a vector index cannot hold 3072 dimensions on an 8 kB page
CREATE INDEX ON wide USING hnsw (embedding vector_l2_ops);

-- the halfvec expression index can
CREATE INDEX wide_half_idx ON wide USING hnsw ((embedding::halfvec(3072)) halfvec_l2_ops);
ANALYZE wide;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT id FROM wide ORDER BY embedding::halfvec(3072) <-> (SELECT embedding FROM wide WHERE id = 7)::halfvec(3072) LIMIT 5;
-- the nearest neighbour of a stored vector is itself
SELECT count(*) FILTER (WHERE nn = id) AS self_found, count(*) AS queries
FROM (SELECT q.id, (SELECT w.id FROM wide w
                    ORDER BY w.embedding::halfvec(3072) <-> q.embedding::halfvec(3072)
                    LIMIT 1) AS nn
      FROM wide q WHERE q.id % 10 = 0) s;
-- top 5 through the index equal the exact top 5 (distances in half precision)
CREATE TEMP TABLE q AS SELECT embedding AS e FROM wide WHERE id = 123;
EXPLAIN (COSTS OFF)
SELECT id FROM wide ORDER BY embedding::halfvec(3072) <-> (SELECT e FROM q)::halfvec(3072) LIMIT 5;
SELECT array_agg(id ORDER BY id) AS via_index FROM (
	SELECT id FROM wide ORDER BY embedding::halfvec(3072) <-> (SELECT e FROM q)::halfvec(3072) LIMIT 5) s;
RESET enable_seqscan;
SET enable_indexscan = off;
SELECT array_agg(id ORDER BY id) AS exact FROM (
	SELECT id FROM wide, q ORDER BY embedding::halfvec(3072) <-> e::halfvec(3072) LIMIT 5) s;
RESET enable_indexscan;

-- binary quantization: Hamming candidates, then exact re-rank
CREATE INDEX wide_bq_idx ON wide USING hnsw ((binary_quantize(embedding)::bit(3072)) bit_hamming_ops);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT id FROM (
	SELECT id, embedding FROM wide
	ORDER BY binary_quantize(embedding)::bit(3072) <~> binary_quantize((SELECT e FROM q)) LIMIT 40
) c ORDER BY embedding <-> (SELECT e FROM q) LIMIT 5;
SELECT array_agg(id ORDER BY id) AS reranked FROM (
	SELECT id FROM (
		SELECT id, embedding FROM wide
		ORDER BY binary_quantize(embedding)::bit(3072) <~> binary_quantize((SELECT e FROM q)) LIMIT 40
	) c ORDER BY embedding <-> (SELECT e FROM q) LIMIT 5) s;
RESET enable_seqscan;
SELECT array_agg(id ORDER BY id) AS exact FROM (
	SELECT id FROM wide, q ORDER BY embedding <-> e LIMIT 5) s;
DROP TABLE wide;
