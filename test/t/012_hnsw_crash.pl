# Crash recovery of hnsw indexes: an immediate shutdown in the middle of a
# stream of inserts, and in the middle of VACUUM's index pass; after the
# restart the index must return every committed row (full iterative scan)
# and the same nearest neighbours as an exact scan, and keep working.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use VectorTestData qw(clustered_rows write_rows load_table);

my $node = PostgreSQL::Test::Cluster->new('hnsw_crash');
$node->init;
$node->append_conf('postgresql.conf', "autovacuum = off\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector');

my $dir = PostgreSQL::Test::Utils::tempdir;
write_rows("$dir/a.tsv", clustered_rows(5, 2000, 16, 8, 6), 1);
write_rows("$dir/q.tsv", clustered_rows(5, 20, 16, 8, 6, 55), 1);
$node->safe_psql('postgres', q{
	CREATE TABLE t (id int, embedding vector(16));
	CREATE TABLE q (id int, embedding vector(16));
});
load_table($node, 't', "$dir/a.tsv");
load_table($node, 'q', "$dir/q.tsv");
$node->safe_psql('postgres',
	'CREATE INDEX t_idx ON t USING hnsw (embedding vector_l2_ops)');

# every committed row is reachable, and the top 10 equal an exact scan
sub check_index
{
	my ($name) = @_;
	my $all = $node->safe_psql('postgres', q{
		SET enable_seqscan = off;
		SET hnsw.iterative_scan = relaxed_order;
		SET hnsw.max_scan_tuples = 100000000;
		SET hnsw.ef_search = 1000;
		SET work_mem = '256MB';
		SELECT (SELECT count(*) FROM t WHERE embedding IS NOT NULL) =
			(SELECT count(DISTINCT id) FROM
				(SELECT id FROM t ORDER BY embedding <-> (SELECT embedding FROM q WHERE id = 1)) s);
	});
	is($all, 't', "$name: the index returns every committed row");

	my $topk = q{
		SELECT q.id, ARRAY(SELECT round((t.embedding <-> q.embedding)::numeric, 4)
			FROM t ORDER BY t.embedding <-> q.embedding LIMIT 10)
		FROM q ORDER BY q.id;
	};
	my $exact = $node->safe_psql('postgres', "SET enable_indexscan = off; $topk");
	my $approx = $node->safe_psql('postgres',
		"SET enable_seqscan = off; SET hnsw.ef_search = 1000; $topk");
	is($approx, $exact, "$name: the index answers as an exact scan");
}

# start psql on a script in the background (a file: IPC::Run feeds a
# scalar stdin only when pumped)
my $nscript = 0;
sub background
{
	my ($sql) = @_;
	my ($out, $err) = ('', '');
	my $file = "$dir/script" . $nscript++ . '.sql';
	open(my $fh, '>', $file) or die "could not write $file: $!";
	print $fh $sql;
	close($fh);
	return IPC::Run::start(
		[ 'psql', '-X', '-q', '-d', $node->connstr('postgres'), '-f', $file ],
		'>', \$out, '2>', \$err);
}

# an UNLOGGED table's index is reset from its init fork by crash recovery
$node->safe_psql('postgres', q{
	CREATE UNLOGGED TABLE u (id int, embedding vector(16));
	INSERT INTO u SELECT id, embedding FROM t;
	CREATE INDEX u_idx ON u USING hnsw (embedding vector_l2_ops);
});

# crash in the middle of inserts, each its own transaction
my $script = '';
for my $i (10001 .. 16000)
{
	$script .= "INSERT INTO t SELECT $i, (SELECT array_agg(5 * sin($i * d) + d % 3) "
	  . "FROM generate_series(1, 16) d)::vector(16);\n";
}
my $h = background($script);
$node->poll_query_until('postgres', 'SELECT count(*) > 2500 FROM t')
  or die 'inserts did not start';
$node->stop('immediate');
$h->finish;
$node->start;
my $n = $node->safe_psql('postgres', 'SELECT count(*) FROM t');
cmp_ok($n, '>', 2500, "rows committed before the crash survive ($n)");
check_index('after a crash during inserts');

is($node->safe_psql('postgres', q{
		SET enable_seqscan = off;
		SET hnsw.ef_search = 100;
		INSERT INTO u SELECT id, embedding FROM t WHERE id <= 50;
		SELECT count(*) FROM (SELECT id FROM u
			ORDER BY embedding <-> (SELECT embedding FROM q WHERE id = 1)) s;
	}), '50',
	'the UNLOGGED table is empty after the crash and its index works');

$node->safe_psql('postgres', q{
	INSERT INTO t SELECT id + 20000, embedding FROM t WHERE id % 4 = 0;
});
check_index('after inserts following recovery');

# crash in the middle of VACUUM's index pass, slowed down by cost delays
$node->safe_psql('postgres', 'DELETE FROM t WHERE id % 2 = 0');
$h = background(q{
	SET vacuum_cost_delay = '20ms';
	SET vacuum_cost_limit = 1;
	VACUUM t;
});
$node->poll_query_until('postgres',
	"SELECT count(*) > 0 FROM pg_stat_progress_vacuum WHERE phase = 'vacuuming indexes'")
  or die 'vacuum did not reach its index pass';
sleep(1);
$node->stop('immediate');
$h->finish;
$node->start;
check_index('after a crash during VACUUM');

$node->safe_psql('postgres', 'VACUUM t');
check_index('after VACUUM following recovery');
$node->safe_psql('postgres', q{
	INSERT INTO t SELECT id + 40000, embedding FROM t WHERE id % 3 = 0;
});
check_index('after inserts into the vacuumed index');

$node->stop;
done_testing();
