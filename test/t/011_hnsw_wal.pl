# A streaming standby returns the same hnsw index results as the primary
# after a build (log_newpage_range), a build past maintenance_work_mem,
# inserts, deletes and VACUUM (Generic WAL).  The primary runs with
# wal_consistency_checking = 'generic', so the standby also checks every
# replayed Generic WAL record against a full page image.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VectorTestData qw(clustered_rows write_rows load_table);

my $primary = PostgreSQL::Test::Cluster->new('hnsw_primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', qq{
wal_consistency_checking = 'generic'
maintenance_work_mem = '64MB'
# keep WAL for a standby that falls behind on a loaded machine (no slot)
wal_keep_size = '1GB'
});
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION vector');
$primary->backup('backup');

my $standby = PostgreSQL::Test::Cluster->new('hnsw_standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;

my $dir = PostgreSQL::Test::Utils::tempdir;
write_rows("$dir/a.tsv", clustered_rows(11, 3000, 32, 10, 8), 1);
write_rows("$dir/b.tsv", clustered_rows(11, 1500, 32, 10, 8, 77), 3001);
write_rows("$dir/q.tsv", clustered_rows(11, 20, 32, 10, 8, 99), 1);

$primary->safe_psql('postgres', q{
	CREATE TABLE t (id int, embedding vector(32));
	CREATE TABLE q (id int, embedding vector(32));
});
load_table($primary, 't', "$dir/a.tsv");
load_table($primary, 'q', "$dir/q.tsv");

my $query = q{
	SET enable_seqscan = off;
	SET hnsw.ef_search = 20;
	SELECT q.id, ARRAY(SELECT t.id FROM t
		ORDER BY t.embedding <-> q.embedding LIMIT 10)
	FROM q ORDER BY q.id;
	SELECT q.id, ARRAY(SELECT t.id FROM t
		ORDER BY t.embedding <=> q.embedding LIMIT 10)
	FROM q ORDER BY q.id;
};

sub compare
{
	my ($name) = @_;
	$primary->wait_for_catchup($standby);
	my $p = $primary->safe_psql('postgres', $query);
	my $s = $standby->safe_psql('postgres', $query);
	ok(length($p) > 0 && $p eq $s, "standby equals primary $name");
}

$primary->safe_psql('postgres', q{
	CREATE INDEX t_l2 ON t USING hnsw (embedding vector_l2_ops);
	CREATE INDEX t_cos ON t USING hnsw (embedding vector_cosine_ops)
		WITH (m = 8, ef_construction = 32);
});
compare('after build');

load_table($primary, 't', "$dir/b.tsv");
compare('after inserts');

$primary->safe_psql('postgres', q{
	DELETE FROM t WHERE id % 3 = 0;
	VACUUM t;
});
compare('after DELETE and VACUUM');

$primary->safe_psql('postgres', q{
	INSERT INTO t SELECT id + 10000, embedding FROM t WHERE id % 5 = 1;
	UPDATE t SET id = id + 100000 WHERE id % 7 = 2;
});
compare('after inserts into freed space and UPDATEs');

$primary->safe_psql('postgres', q{
	SET maintenance_work_mem = '1MB';
	DROP INDEX t_l2;
	CREATE INDEX t_l2 ON t USING hnsw (embedding vector_l2_ops);
});
compare('after a build beyond maintenance_work_mem');

# the standby's index also matches an exact scan where the search is exact;
# distances are compared, since duplicated rows tie
my $topk = q{
	SELECT q.id, ARRAY(SELECT round((t.embedding <-> q.embedding)::numeric, 4)
		FROM t ORDER BY t.embedding <-> q.embedding LIMIT 5)
	FROM q ORDER BY q.id;
};
my $exact = $standby->safe_psql('postgres',
	"SET enable_indexscan = off; $topk");
my $approx = $standby->safe_psql('postgres',
	"SET enable_seqscan = off; SET hnsw.ef_search = 400; $topk");
is($approx, $exact, 'standby index at ef_search 400 equals an exact scan');

$standby->stop;
$primary->stop;
done_testing();
