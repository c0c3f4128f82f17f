# ivfflat builds: serial and parallel builds of the same table give the
# same pages (the build is deterministic and independent of how the heap is
# split among workers), and a build under a tiny maintenance_work_mem (a
# smaller sample, a sort that spills) still indexes every row.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('ivf_build');
$node->init;
$node->append_conf('postgresql.conf', qq{
max_worker_processes = 8
max_parallel_workers = 8
min_parallel_table_scan_size = 0
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector; CREATE EXTENSION pageinspect');

$node->safe_psql('postgres', q{
SELECT setseed(0.125);
CREATE TABLE blobs AS
	SELECT c, array_agg((random() * 20 - 10)::real ORDER BY j) AS mu,
		array_agg((0.2 + 2 * random())::real ORDER BY j) AS sd
	FROM generate_series(0, 15) c, generate_series(1, 24) j GROUP BY c;
CREATE TABLE t (id int, v vector(24));
INSERT INTO t SELECT g, (SELECT array_agg(b.mu[j] + b.sd[j] * (random() + random() + random() - 1.5) * 2
		ORDER BY j)::vector FROM blobs b, generate_series(1, 24) j WHERE b.c = g % 16)
	FROM generate_series(1, 20000) g;
ALTER TABLE t SET (parallel_workers = 2);
});

# Digest of every index page without its LSN and checksum, which differ
# between builds by design.
sub digest
{
	return $node->safe_psql('postgres', q{
		SELECT md5(string_agg(md5(substring(get_raw_page('t_v_idx', b::int) from 11)), '' ORDER BY b))
		FROM generate_series(0, pg_relation_size('t_v_idx') / 8192 - 1) b});
}

# Build with the given number of workers; returns the page digest and what
# the server said about workers.
sub build
{
	my ($opclass, $workers) = @_;
	$node->safe_psql('postgres', 'DROP INDEX IF EXISTS t_v_idx');
	my ($ret, $out, $err) = $node->psql('postgres', qq{
		SET client_min_messages = debug1;
		SET max_parallel_maintenance_workers = $workers;
		CREATE INDEX t_v_idx ON t USING ivfflat (v $opclass) WITH (lists = 40)});
	die "build failed: $err" if $ret != 0;
	my ($launched) = $err =~ /launched (\d+) of \d+ parallel workers/;
	return (digest(), $launched // 0);
}

foreach my $opclass ('vector_l2_ops', 'vector_cosine_ops')
{
	my ($serial, $n0) = build($opclass, 0);
	my ($again) = build($opclass, 0);
	is($again, $serial, "$opclass: two serial builds give the same pages");
	my ($parallel, $n2) = build($opclass, 2);
	cmp_ok($n2, '>', 0, "$opclass: the parallel build launched workers ($n2)");
	is($parallel, $serial, "$opclass: parallel and serial builds give the same pages");
}

# Exact at probes = lists after a parallel build
my $exact_sql = q{
	SELECT string_agg(ids::text, ';' ORDER BY q) FROM (
		SELECT q.id AS q, ARRAY(SELECT id FROM t ORDER BY v <-> q.v LIMIT 10) AS ids
		FROM (SELECT id, v FROM t WHERE id % 1000 = 0) q) s};
build('vector_l2_ops', 2);
is($node->safe_psql('postgres', "SET enable_seqscan = off; SET ivfflat.probes = 40; $exact_sql"),
	$node->safe_psql('postgres', "SET enable_indexscan = off; $exact_sql"),
	'parallel-built index is exact at probes = lists');

# Tiny maintenance_work_mem: fewer samples, a sort on disk
$node->safe_psql('postgres', q{
	DROP INDEX t_v_idx;
	SET maintenance_work_mem = '1MB';
	SET max_parallel_maintenance_workers = 0;
	CREATE INDEX t_v_idx ON t USING ivfflat (v) WITH (lists = 40)});
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off; SET ivfflat.probes = 40;
	SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> (SELECT v FROM t LIMIT 1) LIMIT 100000) s}),
	'20000', 'a build under 1MB of maintenance_work_mem indexes every row');
is($node->safe_psql('postgres', "SET enable_seqscan = off; SET ivfflat.probes = 40; $exact_sql"),
	$node->safe_psql('postgres', "SET enable_indexscan = off; $exact_sql"),
	'and is exact at probes = lists');

$node->stop;
done_testing();
