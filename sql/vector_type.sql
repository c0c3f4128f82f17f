-- vector type: text and binary I/O, typmod, errors
\set VERBOSITY terse

SELECT '[1,2,3]'::vector;
SELECT ' [ 1 , 2.5 ,-3e-2 ] '::vector;
SELECT '[1e38,-1e38,1.5e-38]'::vector;
SELECT '[-0]'::vector, '[0.1]'::vector, '[3.14159265358979]'::vector;
SELECT '[1,2,3]'::vector(3);
SELECT vector_dims(array_fill(1, ARRAY[16000])::vector);

-- malformed text
SELECT '1,2,3'::vector;
SELECT '[1,2,3'::vector;
SELECT '[1,,2]'::vector;
SELECT '[1,2,]'::vector;
SELECT '[,1]'::vector;
SELECT '[1 2]'::vector;
SELECT '[1,2]x'::vector;
SELECT '[a]'::vector;
SELECT ''::vector;
SELECT '[]'::vector;
SELECT '[ ]'::vector;
SELECT '[NaN]'::vector;
SELECT '[Infinity]'::vector;
SELECT '[-inf]'::vector;
SELECT '[1e39]'::vector;
SELECT '[1e-46]'::vector;
SELECT array_fill(1, ARRAY[16001])::vector;
SELECT ('[' || repeat('1,', 16000) || '1]')::vector;

-- typmod
SELECT '[1,2]'::vector(3);
SELECT '[1,2,3]'::vector(2);
SELECT '[1]'::vector(0);
SELECT '[1]'::vector(16001);
SELECT '[1]'::vector(1, 2);
CREATE TABLE t (v vector(3));
INSERT INTO t VALUES ('[1,2,3]');
INSERT INTO t VALUES ('[1,2]');
INSERT INTO t VALUES ('[1,2,3,4]'::vector);
SELECT * FROM t;
\d t
DROP TABLE t;

-- binary I/O round-trips through COPY
CREATE TABLE t (id int, v vector(3));
INSERT INTO t VALUES (1, '[1,-2.5,3e-7]'), (2, '[0,0,0]'), (3, NULL);
COPY t TO '/tmp/vector_type_binary.copy' WITH (FORMAT binary);
CREATE TABLE t2 (id int, v vector(3));
COPY t2 FROM '/tmp/vector_type_binary.copy' WITH (FORMAT binary);
SELECT t.id, t.v = t2.v AS same, t2.v FROM t JOIN t2 USING (id) ORDER BY id;
-- typmod is enforced on binary input too
CREATE TABLE t3 (id int, v vector(2));
COPY t3 FROM '/tmp/vector_type_binary.copy' WITH (FORMAT binary);
SELECT count(*) FROM t3;
DROP TABLE t, t2, t3;

-- bad binary input: write crafted bytes as a binary COPY of a bytea, then
-- read the same file into a vector column, so vector_recv sees the bytes
CREATE TABLE b (v vector);
CREATE FUNCTION pg_temp.recv_test(hex text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('COPY (SELECT decode(%L, ''hex'')) TO ''/tmp/vector_type_recv.copy'' WITH (FORMAT binary)', hex);
	COPY b FROM '/tmp/vector_type_recv.copy' WITH (FORMAT binary);
	RETURN 'stored';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT pg_temp.recv_test('000200003f80000040000000');	-- [1,2]
SELECT pg_temp.recv_test('00000000');					-- no dimensions
SELECT pg_temp.recv_test('ffff0000');					-- negative dimensions
SELECT pg_temp.recv_test('3e810000');					-- 16001 dimensions
SELECT pg_temp.recv_test('000100013f800000');			-- reserved field set
SELECT pg_temp.recv_test('000200003f800000');			-- truncated
SELECT pg_temp.recv_test('000100003f80000000');		-- trailing byte
SELECT pg_temp.recv_test('000100007fc00000');			-- NaN
SELECT pg_temp.recv_test('00010000ff800000');			-- -Infinity
SELECT pg_temp.recv_test('');							-- empty
SELECT * FROM b;
DROP TABLE b;
