-- ---------------------------------------------------------------------
-- hnsw_check: verification of an hnsw index (src/hnsw/hnswcheck.c)
-- ---------------------------------------------------------------------
--
-- One row per problem found, none for a healthy index; blkno is the index
-- block the problem was found on (NULL when it concerns no single block).
-- It takes AccessShareLock on the index and its table, like the
-- pgstattuple functions, so it is granted to pg_stat_scan_tables (a member
-- of pg_monitor) rather than to PUBLIC; its output names TIDs and sizes,
-- never values.  See src/hnsw/README, Verification.

CREATE FUNCTION hnsw_check(regclass)
	RETURNS TABLE (blkno bigint, problem text)
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;

COMMENT ON FUNCTION hnsw_check(regclass) IS 'check an hnsw index for corruption';

REVOKE ALL ON FUNCTION hnsw_check(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hnsw_check(regclass) TO pg_stat_scan_tables;
