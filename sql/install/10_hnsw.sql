-- ---------------------------------------------------------------------
-- hnsw access method
-- ---------------------------------------------------------------------
--
-- The access method is type-agnostic; an opclass gives it:
--   FUNCTION 1  distance (type, type) -> float8, smaller is nearer; it
--               need not be the operator's function, only order-preserving
--               with it (e.g. squared L2 for <->)
--   FUNCTION 2  norm (type) -> float8, optional: values of norm 0 are not
--               indexed (a zero vector has no cosine distance)
--   FUNCTION 3  normalize (type) -> type, optional: applied to stored
--               values and to the query
--   OPERATOR 1  the ordering operator (FOR ORDER BY float_ops)
-- See src/hnsw/README.

CREATE FUNCTION hnswhandler(internal) RETURNS index_am_handler
	AS 'MODULE_PATHNAME' LANGUAGE C;

CREATE ACCESS METHOD hnsw TYPE INDEX HANDLER hnswhandler;

COMMENT ON ACCESS METHOD hnsw IS 'hnsw index access method';

CREATE OPERATOR CLASS vector_l2_ops
	FOR TYPE vector USING hnsw AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_l2_squared_distance(vector, vector);

CREATE OPERATOR CLASS vector_ip_ops
	FOR TYPE vector USING hnsw AS
	OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_negative_inner_product(vector, vector);

CREATE OPERATOR CLASS vector_cosine_ops
	FOR TYPE vector USING hnsw AS
	OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_negative_inner_product(vector, vector),
	FUNCTION 2 vector_norm(vector),
	FUNCTION 3 l2_normalize(vector);

CREATE OPERATOR CLASS vector_l1_ops
	FOR TYPE vector USING hnsw AS
	OPERATOR 1 <+> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 l1_distance(vector, vector);
