-- scripts/sample_data.sql: the demo's sample data, in plain SQL.
--
-- Fills items(id bigserial primary key, category int, embedding vector(64))
-- with 5000 clustered, anisotropic vectors (needs CREATE EXTENSION vector
-- first; psql -f scripts/sample_data.sql).  Deterministic: setseed() fixes
-- the random() stream, and each step is materialised in a fixed order.
--
-- Shape of the data (uniform noise would make any index look perfect):
-- - 40 Gaussian clusters whose centres spread more along some dimensions
--   than others (dimension importance falls off like 1/sqrt(rank), the ranks
--   shuffled by a fixed permutation), as in real embeddings;
-- - each cluster has its own per-dimension spread (lognormal factors), so
--   clusters are elongated along different axes;
-- - cluster sizes are skewed (cluster chosen as floor(40 * u^2)): the
--   largest holds about 12 times as many points as the smallest;
-- - category (1..10) is independent of the cluster, for filtered queries.
--
-- Normal deviates come from the Box-Muller transform of two random() values.

SELECT setseed(0.42);

CREATE TABLE IF NOT EXISTS items (
	id bigserial PRIMARY KEY,
	category int,
	embedding vector(64)
);

-- centre and spread of each (cluster, dimension)
CREATE TEMP TABLE sample_centres AS
SELECT c, d,
	   4.0 * w * sqrt(-2.0 * ln(1.0 - random())) * cos(2.0 * pi() * random()) + 1.0 * w AS centre,
	   w * exp(0.6 * sqrt(-2.0 * ln(1.0 - random())) * cos(2.0 * pi() * random())) AS spread
FROM (SELECT c, d, 1.0 / sqrt(1 + (d * 37) % 64) AS w
	  FROM generate_series(1, 40) AS c, generate_series(0, 63) AS d
	  ORDER BY c, d) AS cd;

-- each point's cluster (skewed sizes) and category
CREATE TEMP TABLE sample_points AS
SELECT p, 1 + floor(40 * random() ^ 2)::int AS c, 1 + floor(10 * random())::int AS category
FROM generate_series(1, 5000) AS p
ORDER BY p;

-- one normal deviate per (point, dimension), scaled by the cluster's spread
INSERT INTO items (category, embedding)
SELECT category, array_agg(x ORDER BY d)::vector(64)
FROM (SELECT sp.p, sp.category, sc.d,
			 sc.centre + sc.spread * sqrt(-2.0 * ln(1.0 - random())) * cos(2.0 * pi() * random()) AS x
	  FROM sample_points AS sp
	  JOIN sample_centres AS sc ON sc.c = sp.c
	  ORDER BY sp.p, sc.d) AS pts
GROUP BY p, category
ORDER BY p;

DROP TABLE sample_centres, sample_points;

ANALYZE items;
