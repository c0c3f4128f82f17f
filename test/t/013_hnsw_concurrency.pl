# Concurrent inserts, updates, searches, deletes and VACUUM on one hnsw
# index (pgbench, several clients, bounded time; VECTOR_SOAK_SECONDS makes
# it longer).  No client may get an error, and afterwards the index must
# return every row (nothing lost) and the same nearest neighbours as an
# exact scan.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $seconds = $ENV{VECTOR_SOAK_SECONDS} || 15;
my $node = PostgreSQL::Test::Cluster->new('hnsw_concurrency');
$node->init;
$node->append_conf('postgresql.conf', qq{
autovacuum = off
max_connections = 30
});
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION vector;
	CREATE TABLE t (id int, n int DEFAULT 0, embedding vector(16));
	SELECT setseed(0.25);
	INSERT INTO t (id, embedding)
		SELECT i, (SELECT array_agg(((i * d) % 17 + random()) * (1 + d % 4))
			FROM generate_series(1, 16) d)::vector(16)
		FROM generate_series(1, 2000) i;
	CREATE INDEX t_idx ON t USING hnsw (embedding vector_l2_ops)
		WITH (m = 8, ef_construction = 32);
});

my $vec = q{(SELECT array_agg(((:id * d) % 17 + random()) * (1 + d % 4))
	FROM generate_series(1, 16) d)::vector(16)};
$node->pgbench(
	"--no-vacuum --client=5 --jobs=2 --time=$seconds --random-seed=1234",
	0,
	[qr{processed: [1-9]}],
	[qr{^(pgbench: setting random seed to 1234\n)?$}],
	'concurrent inserts, updates, searches, deletes and VACUUM without errors',
	{
		'001_insert@6' => qq{
			\\set id random(3000, 1000000)
			INSERT INTO t (id, embedding) SELECT :id, $vec;
		},
		'002_search@6' => qq{
			\\set id random(1, 1000000)
			SET enable_seqscan = off;
			SELECT id FROM t ORDER BY embedding <-> $vec LIMIT 10;
		},
		'003_update@2' => q{
			\set id random(1, 2000)
			UPDATE t SET n = n + 1 WHERE id = :id;
		},
		'004_delete@1' => q{
			\set id random(1, 1000000)
			DELETE FROM t WHERE id % 97 = :id % 97 AND id % 5 = 0;
		},
		'005_vacuum@1' => q{
			VACUUM t;
		},
	});

$node->safe_psql('postgres', 'VACUUM t');

my $all = $node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SET hnsw.iterative_scan = relaxed_order;
	SET hnsw.max_scan_tuples = 100000000;
	SET hnsw.ef_search = 1000;
	SET work_mem = '256MB';
	SELECT (SELECT count(*) FROM t), (SELECT count(DISTINCT ctid) FROM
		(SELECT ctid FROM t ORDER BY embedding <-> (SELECT embedding FROM t LIMIT 1)) s);
});
my ($rows, $found) = split /\|/, $all;
cmp_ok($rows, '>', 2000, "rows were inserted concurrently ($rows)");
is($found, $rows, 'the index returns every row after the run');

my $topk = q{
	SELECT q.id, ARRAY(SELECT round((t.embedding <-> q.embedding)::numeric, 4)
		FROM t ORDER BY t.embedding <-> q.embedding LIMIT 10)
	FROM (SELECT id, embedding FROM t WHERE id % 200 = 7) q ORDER BY q.id;
};
my $exact = $node->safe_psql('postgres', "SET enable_indexscan = off; $topk");
my $approx = $node->safe_psql('postgres',
	"SET enable_seqscan = off; SET hnsw.ef_search = 1000; $topk");
is($approx, $exact, 'the index answers as an exact scan after the run');

$node->stop;
done_testing();
