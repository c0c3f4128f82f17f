-- test/bench/ivfflat_bench.sql: ivfflat build and per-query time.
--
-- Needs a table items (id int, embedding vector(128)) and a table
-- queries (q vector(128)), loaded beforehand (see README.md, "ivfflat").
-- Run with psql -X -f; prints build times (\timing) and the mean time per
-- query at probes 1, 10, 20 and of a trivial query (the SQL floor).
-- jit is off: JIT compilation of some queries in the loop would swamp the
-- index's own time.
SET max_parallel_maintenance_workers = 0;
SET maintenance_work_mem = '256MB';
CREATE OR REPLACE FUNCTION ivf_bench(probes int, floor bool) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	r record;
	n int := 0;
	s int;
BEGIN
	PERFORM set_config('ivfflat.probes', probes::text, true);
	t0 := clock_timestamp();
	FOR r IN SELECT q FROM queries LOOP
		IF floor THEN
			SELECT count(*) INTO s FROM (SELECT r.q <-> r.q LIMIT 10) x;
		ELSE
			SELECT count(*) INTO s FROM (SELECT id FROM items
				ORDER BY embedding <-> r.q LIMIT 10) x;
		END IF;
		n := n + 1;
	END LOOP;
	RETURN extract(epoch FROM clock_timestamp() - t0) * 1000 / n;
END $$;
DROP INDEX IF EXISTS items_ivf;
\timing on
CREATE INDEX items_ivf ON items USING ivfflat (embedding vector_l2_ops) WITH (lists = 100);
DROP INDEX items_ivf;
CREATE INDEX items_ivf ON items USING ivfflat (embedding vector_l2_ops) WITH (lists = 1000);
\timing off
SET enable_seqscan = off;
SET jit = off;
SELECT ivf_bench(1, false) AS warmup \gset
SELECT 'floor' AS p, round(ivf_bench(1, true)::numeric, 4) AS ms
UNION ALL SELECT 'probes 1', round(ivf_bench(1, false)::numeric, 4)
UNION ALL SELECT 'probes 10', round(ivf_bench(10, false)::numeric, 4)
UNION ALL SELECT 'probes 20', round(ivf_bench(20, false)::numeric, 4);
DROP FUNCTION ivf_bench;
