-- ivfflat: inverted-file index access method (src/ivf/README)
--
-- Support functions of an ivfflat opclass:
--   FUNCTION 1  distance (type, type) -> float8, smaller is nearer
--   FUNCTION 2  norm (type) -> float8, optional: spherical k-means
--   FUNCTION 3  normalize (type) -> type, optional: values are normalised
--               before they are stored or compared (needs FUNCTION 2)
--   FUNCTION 4  support (internal) -> internal: the float view k-means uses

CREATE FUNCTION ivfflathandler(internal) RETURNS index_am_handler
	AS 'MODULE_PATHNAME' LANGUAGE C;

CREATE ACCESS METHOD ivfflat TYPE INDEX HANDLER ivfflathandler;

COMMENT ON ACCESS METHOD ivfflat IS 'ivfflat index access method';

CREATE FUNCTION ivf_vector_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C;

CREATE OPERATOR CLASS vector_l2_ops
	DEFAULT FOR TYPE vector USING ivfflat AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_l2_squared_distance(vector, vector),
	FUNCTION 4 ivf_vector_support(internal);

CREATE OPERATOR CLASS vector_ip_ops
	FOR TYPE vector USING ivfflat AS
	OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_negative_inner_product(vector, vector),
	FUNCTION 2 vector_norm(vector),
	FUNCTION 4 ivf_vector_support(internal);

CREATE OPERATOR CLASS vector_cosine_ops
	FOR TYPE vector USING ivfflat AS
	OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_negative_inner_product(vector, vector),
	FUNCTION 2 vector_norm(vector),
	FUNCTION 3 l2_normalize(vector),
	FUNCTION 4 ivf_vector_support(internal);

-- Verification (src/ivf/README, "Verification"): one row per problem found,
-- none for a healthy index.  Not granted to PUBLIC; granted to
-- pg_stat_scan_tables (a member of pg_monitor), as hnsw_check is: it reads
-- the table and the index under AccessShareLock and shows no values.
CREATE FUNCTION ivfflat_check(regclass)
	RETURNS TABLE (blkno bigint, problem text)
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT PARALLEL RESTRICTED;

REVOKE ALL ON FUNCTION ivfflat_check(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ivfflat_check(regclass) TO pg_stat_scan_tables;
