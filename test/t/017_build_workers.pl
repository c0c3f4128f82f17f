# Parallel builds of tables whose vectors live in TOAST.  A vector of more
# than about 500 dimensions is stored out of line, so the table's main fork
# is tiny and PostgreSQL's planner, which sizes index builds by the main
# fork, offers no worker.  Both access methods count the TOAST relation too
# (src/buildworkers.c); the table's parallel_workers option, and a
# temporary table, still have the last word.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('build_workers');
$node->init;
$node->append_conf('postgresql.conf', qq{
max_worker_processes = 8
max_parallel_workers = 8
max_parallel_maintenance_workers = 1
maintenance_work_mem = 256MB
min_parallel_table_scan_size = 1MB
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector');

# 400 rows of 768 dimensions: about 3 kB each, all in TOAST
$node->safe_psql('postgres', q{
SELECT setseed(0.25);
CREATE TABLE wide (id int, v vector(768));
INSERT INTO wide SELECT g, (SELECT array_agg(sin(g * 0.37 + j) + random() * 0.1)
		FROM generate_series(1, 768) j WHERE g > 0)::vector
	FROM generate_series(1, 400) g;
});
my $main = $node->safe_psql('postgres',
	q{SELECT pg_relation_size('wide') / 8192});
my $toast = $node->safe_psql('postgres',
	q{SELECT pg_relation_size(reltoastrelid) / 8192 FROM pg_class WHERE relname = 'wide'});
note("main fork $main pages, TOAST $toast pages");
cmp_ok($main, '<', 128, 'the main fork is below min_parallel_table_scan_size');
cmp_ok($main + $toast, '>=', 128, 'with TOAST it is above');

# Build; returns the number of workers the server said it launched
sub build
{
	my ($table, $using) = @_;
	$node->safe_psql('postgres', 'DROP INDEX IF EXISTS wide_idx');
	my ($ret, $out, $err) = $node->psql('postgres', qq{
		SET client_min_messages = debug1;
		CREATE INDEX wide_idx ON $table USING $using});
	die "build failed: $err" if $ret != 0;
	my ($n) = $err =~ /(\d+) parallel workers launched/;
	($n) = $err =~ /launched (\d+) of \d+ parallel workers/ unless defined $n;
	return $n // 0;
}

my %using = (
	hnsw => 'hnsw (v vector_l2_ops)',
	ivfflat => 'ivfflat (v vector_l2_ops) WITH (lists = 10)');

foreach my $am (sort keys %using)
{
	is(build('wide', $using{$am}), 1, "$am: a TOASTed table gets a worker");
	is($node->safe_psql('postgres', q{
		SET enable_seqscan = off;
		SELECT count(*) FROM (SELECT id FROM wide ORDER BY v <-> (SELECT v FROM wide WHERE id = 7) LIMIT 5) s}),
		5, "$am: the parallel-built index answers");
}

# the table's own setting decides, as for any index
$node->safe_psql('postgres', 'ALTER TABLE wide SET (parallel_workers = 0)');
foreach my $am (sort keys %using)
{
	is(build('wide', $using{$am}), 0, "$am: parallel_workers = 0 on the table is obeyed");
}
$node->safe_psql('postgres', 'ALTER TABLE wide RESET (parallel_workers)');

# workers cannot read a temporary table
$node->safe_psql('postgres', 'DROP INDEX IF EXISTS wide_idx');
my ($ret, $out, $err) = $node->psql('postgres', q{
	SET client_min_messages = debug1;
	CREATE TEMP TABLE wide_tmp AS SELECT * FROM wide;
	CREATE INDEX ON wide_tmp USING hnsw (v vector_l2_ops);
});
is($ret, 0, 'a temporary table is indexed');
unlike($err, qr/parallel workers (launched|planned)/,
	'a temporary table is indexed without workers');

$node->stop;
done_testing();
