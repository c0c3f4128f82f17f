# Concurrent inserts, deletes, scans and VACUUM on one ivfflat index
# (pgbench, 4 clients): afterwards the index holds exactly the table's rows
# and is exact at probes = lists.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('ivf_concurrency');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION vector;
SELECT setseed(0.375);
CREATE TABLE t (id bigserial PRIMARY KEY, v vector(16));
INSERT INTO t (v) SELECT (SELECT array_agg((c % 5) * 4 + random() ORDER BY j)
	FROM generate_series(1, 16) j)::vector FROM generate_series(1, 2000) c;
CREATE INDEX t_v_idx ON t USING ivfflat (v) WITH (lists = 4);
});

# Few lists, so that clients keep appending pages to the same chains.
$node->pgbench(
	'--no-vacuum --client=4 --transactions=300',
	0,
	[qr{processed: 1200/1200}],
	[qr{^$}],
	'concurrent inserts, deletes, VACUUM and ordered scans',
	{
		'ivf_insert' => q{
INSERT INTO t (v) SELECT (SELECT array_agg(random() * 20 ORDER BY j)
	FROM generate_series(1, 16) j)::vector FROM generate_series(1, 5);
},
		'ivf_delete' => q{
DELETE FROM t WHERE id IN (SELECT id FROM t ORDER BY random() LIMIT 3);
},
		'ivf_vacuum' => q{
VACUUM t;
},
		'ivf_scan' => q{
SET ivfflat.probes = 2;
SELECT id FROM t ORDER BY v <-> (SELECT array_agg(random() * 20) FROM generate_series(1, 16))::vector LIMIT 5;
},
	});

# inserts into the space the last VACUUM freed
$node->safe_psql('postgres', 'DELETE FROM t WHERE id % 4 = 0; VACUUM t');
$node->pgbench(
	'--no-vacuum --client=3 --transactions=100',
	0,
	[qr{processed: 300/300}],
	[qr{^$}],
	'concurrent inserts after VACUUM',
	{
		'ivf_insert2' => q{
INSERT INTO t (v) SELECT (SELECT array_agg(random() * 20 ORDER BY j)
	FROM generate_series(1, 16) j)::vector FROM generate_series(1, 5);
},
	});

is($node->safe_psql('postgres', q{
	SET enable_seqscan = off; SET ivfflat.probes = 4;
	SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> (SELECT v FROM t LIMIT 1) LIMIT 1000000) s}),
	$node->safe_psql('postgres', 'SELECT count(*) FROM t'),
	'the index holds every row of the table');
my $sql = q{
	SELECT string_agg(ids::text, ';' ORDER BY q) FROM (
		SELECT q.id AS q, ARRAY(SELECT id FROM t ORDER BY v <-> q.v LIMIT 10) AS ids
		FROM (SELECT id, v FROM t ORDER BY id LIMIT 20) q) s};
is($node->safe_psql('postgres', "SET enable_seqscan = off; SET ivfflat.probes = 4; $sql"),
	$node->safe_psql('postgres', "SET enable_indexscan = off; $sql"),
	'and is exact at probes = lists');

$node->stop;
done_testing();
