# WAL of ivfflat: a streaming standby ends up with the same index as the
# primary after build, insert, delete and VACUUM cycles (same page headers,
# same answers); a crash in the middle of inserts leaves an index that
# answers exactly like the table; an UNLOGGED index comes back empty and
# usable after a crash.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
# keep WAL for a standby that falls behind on a loaded machine (no slot)
$primary->append_conf('postgresql.conf', "wal_keep_size = '1GB'");
$primary->start;
$primary->safe_psql('postgres',
	'CREATE EXTENSION vector; CREATE EXTENSION pageinspect');
$primary->backup('bkp');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'bkp', has_streaming => 1);
$standby->start;

# 16-dimensional rows in 12 anisotropic blobs
$primary->safe_psql('postgres', q{
SELECT setseed(0.75);
CREATE TABLE blobs AS
	SELECT c, array_agg((random() * 20 - 10)::real ORDER BY j) AS mu,
		array_agg((0.2 + 2 * random())::real ORDER BY j) AS sd
	FROM generate_series(0, 11) c, generate_series(1, 16) j GROUP BY c;
CREATE FUNCTION blob_point(c int) RETURNS vector LANGUAGE sql AS $$
	SELECT array_agg(b.mu[j] + b.sd[j] * (random() + random() + random() - 1.5) * 2
					 ORDER BY j)::vector
	FROM blobs b, generate_series(1, 16) j WHERE b.c = $1 $$;
CREATE TABLE t (id int, v vector(16));
INSERT INTO t SELECT g, blob_point(g % 12) FROM generate_series(1, 3000) g;
CREATE INDEX t_v_idx ON t USING ivfflat (v) WITH (lists = 20);
CREATE TABLE queries AS SELECT g AS id, blob_point(g % 12) AS v FROM generate_series(1, 10) g;
});

# The ids each query returns through the index, with probes as given
sub answers
{
	my ($node, $probes) = @_;
	return $node->safe_psql('postgres', qq{
		SET enable_seqscan = off; SET ivfflat.probes = $probes;
		SELECT q.id, ARRAY(SELECT id FROM t ORDER BY v <-> q.v LIMIT 20)
		FROM queries q ORDER BY q.id});
}

# Page headers (LSN, lower, upper, special) of every index page
my $headers_sql = q{
	SELECT string_agg(format('%s %s %s %s %s', b, h.lsn, h.lower, h.upper, h.special), ';' ORDER BY b)
	FROM generate_series(0, pg_relation_size('t_v_idx') / 8192 - 1) b,
		LATERAL page_header(get_raw_page('t_v_idx', b::int)) h};

sub compare_standby
{
	my ($stage) = @_;
	$primary->wait_for_catchup($standby);
	is($standby->safe_psql('postgres', $headers_sql),
		$primary->safe_psql('postgres', $headers_sql),
		"standby has the primary's index pages $stage");
	is(answers($standby, 3), answers($primary, 3),
		"standby answers like the primary $stage");
}

compare_standby('after build');
for my $cycle (1 .. 3)
{
	$primary->safe_psql('postgres', qq{
		INSERT INTO t SELECT g, blob_point(g % 12)
			FROM generate_series($cycle * 10000, $cycle * 10000 + 1999) g;
		DELETE FROM t WHERE id % 3 = $cycle % 3;
		VACUUM t;
		INSERT INTO t SELECT g, blob_point(g % 7)
			FROM generate_series($cycle * 10000 + 2000, $cycle * 10000 + 2999) g;
	});
	compare_standby("after insert/delete/VACUUM cycle $cycle");
}

# exact answers: with probes = lists the index agrees with a sequential scan
my $exact = $primary->safe_psql('postgres', q{
	SET enable_indexscan = off;
	SELECT q.id, ARRAY(SELECT id FROM t ORDER BY v <-> q.v LIMIT 20)
	FROM queries q ORDER BY q.id});
is(answers($standby, 20), $exact, 'standby index at probes = lists is exact');

# Crash during inserts: a session commits small batches until the server
# is stopped with an immediate shutdown.
$primary->safe_psql('postgres', q{
CREATE PROCEDURE insert_forever() LANGUAGE plpgsql AS $$
BEGIN
	FOR i IN 1 .. 1000000 LOOP
		INSERT INTO t SELECT 100000 + i * 10 + g, blob_point((i + g) % 12)
			FROM generate_series(0, 9) g;
		COMMIT;
	END LOOP;
END $$;
});
my ($out, $err) = ('', '');
my $h = IPC::Run::start(
	[ 'psql', '-X', '-d', $primary->connstr('postgres'), '-c', 'CALL insert_forever()' ],
	'>', \$out, '2>', \$err);
$primary->poll_query_until('postgres',
	'SELECT count(*) >= 2000 FROM t WHERE id > 100000')
  or die 'inserts did not start';
$primary->stop('immediate');
$h->finish;
$primary->start;

my $after = $primary->safe_psql('postgres', q{
	SET enable_seqscan = off; SET ivfflat.probes = 20;
	SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> (SELECT v FROM queries LIMIT 1)
		LIMIT 10000000) s});
is($after, $primary->safe_psql('postgres', 'SELECT count(*) FROM t'),
	'after a crash during inserts the index holds every row');
$exact = $primary->safe_psql('postgres', q{
	SET enable_indexscan = off;
	SELECT q.id, ARRAY(SELECT id FROM t ORDER BY v <-> q.v LIMIT 20)
	FROM queries q ORDER BY q.id});
is(answers($primary, 20), $exact, 'after the crash probes = lists is exact');
$primary->safe_psql('postgres',
	'INSERT INTO t SELECT g, blob_point(g % 12) FROM generate_series(900000, 900499) g; VACUUM t');
compare_standby('after crash recovery and more inserts');

# UNLOGGED: the init fork gives an empty, usable index after a crash
$primary->safe_psql('postgres', q{
	CREATE UNLOGGED TABLE u (id int, v vector(16));
	INSERT INTO u SELECT g, blob_point(g % 12) FROM generate_series(1, 500) g;
	CREATE INDEX u_v_idx ON u USING ivfflat (v) WITH (lists = 5);
});
$primary->stop('immediate');
$primary->start;
is($primary->safe_psql('postgres', 'SELECT count(*) FROM u'), '0',
	'unlogged table is empty after a crash');
$primary->safe_psql('postgres',
	'INSERT INTO u SELECT g, blob_point(g % 12) FROM generate_series(1, 300) g');
is($primary->safe_psql('postgres', q{
	SET enable_seqscan = off; SET ivfflat.probes = 5;
	SELECT count(*) FROM (SELECT id FROM u ORDER BY v <-> (SELECT v FROM queries LIMIT 1)
		LIMIT 1000) s}),
	'300', 'unlogged index takes inserts after the crash');

$standby->stop;
$primary->stop;
done_testing();
