-- distances between bit strings: <~> Hamming, <%> Jaccard
\set VERBOSITY terse

SELECT B'1010' <~> B'0110', hamming_distance(B'1010', B'0110');
SELECT B'1111' <~> B'1111', B'0000' <~> B'1111';
-- lengths that are not a multiple of 8 and span several bytes
SELECT B'101010101' <~> B'010101010';
SELECT repeat('1', 1000)::bit(1000) <~> repeat('0', 1000)::bit(1000);
SELECT (repeat('10', 500))::varbit <~> (repeat('01', 500))::varbit;

-- Jaccard distance is 1 - |a & b| / |a | b|
SELECT B'1100' <%> B'1010', jaccard_distance(B'1100', B'1010');
SELECT B'1111' <%> B'1111', B'1000' <%> B'0100', B'1110' <%> B'0110';
-- no bit set in either: 0/0 is defined as distance 1, as pgvector does
SELECT B'0000' <%> B'0000', jaccard_distance(B'000000000', B'000000000');
SELECT B'0000' <%> B'0001';

-- both agree with a bit-by-bit count done in SQL on strings of many lengths
SELECT setseed(0.5);
CREATE TABLE bits (id int, a varbit, b varbit);
INSERT INTO bits
SELECT i, string_agg(CASE WHEN random() < 0.3 THEN '1' ELSE '0' END, '')::varbit,
	string_agg(CASE WHEN random() < 0.6 THEN '1' ELSE '0' END, '')::varbit
FROM generate_series(1, 40) i, generate_series(1, 8 * (i % 13) + i) j
GROUP BY i;
SELECT count(*) AS rows,
	count(*) FILTER (WHERE a <~> b = (SELECT count(*) FROM generate_series(0, length(a) - 1) k
		WHERE get_bit(a, k) <> get_bit(b, k))) AS hamming_ok,
	count(*) FILTER (WHERE a <%> b = 1 - (SELECT count(*) FILTER (WHERE get_bit(a, k) = 1 AND get_bit(b, k) = 1)::float8
		/ count(*) FILTER (WHERE get_bit(a, k) = 1 OR get_bit(b, k) = 1)
		FROM generate_series(0, length(a) - 1) k)) AS jaccard_ok
FROM bits;
DROP TABLE bits;

-- binary_quantize of vector and halfvec feed the bit distances
SELECT binary_quantize('[1,-1,2,-2]'::vector) <~> binary_quantize('[1,1,-2,-2]'::halfvec);
SELECT binary_quantize('[1,-1,2,-2]'::vector) <%> binary_quantize('[1,1,2,-2]'::halfvec);

-- nearest neighbours by Hamming distance, ordered by the operator
CREATE TABLE items (id int, v bit(4));
INSERT INTO items VALUES (1, B'0000'), (2, B'1111'), (3, B'1100'), (4, B'1000'), (5, NULL);
SELECT id, v <~> B'1101' AS hamming, v <%> B'1101' AS jaccard FROM items
	ORDER BY v <~> B'1101', id;
DROP TABLE items;

-- errors
SELECT B'101' <~> B'1010';
SELECT B'101' <%> B'1010';
SELECT hamming_distance(B'1', B'');
SELECT jaccard_distance(B'', B'1');
SELECT B'' <~> B'', B'' <%> B'';
