# A backend's copy of the upper layers of an hnsw index (src/hnsw/hnswupper.c):
# made at the 1000th scan of the index in a backend, within
# hnsw.upper_cache_mem, and made again after VACUUM deleted elements and
# after the index grew.  Each session here runs 1000 warm-up scans, then the
# 100 test queries at hnsw.ef_search 10, and reports the copies it made
# (DEBUG1); recall is compared with exact search and the rows with those
# of a session without a copy, for the half-precision codes (L2, cosine)
# and for plain values (L1).  Generated data: 10,000 clustered anisotropic
# 64-dimension vectors (test/perl/VectorTestData.pm).

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VectorTestData qw(clustered_rows write_rows load_rows_and_queries
  topk_ids recall);

my $K = 10;
my $node = PostgreSQL::Test::Cluster->new('hnsw_upper');
$node->init;
$node->append_conf('postgresql.conf', qq{
maintenance_work_mem = '256MB'
max_parallel_maintenance_workers = 0
autovacuum = off
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector');

my $dir = PostgreSQL::Test::Utils::tempdir;
my $rows = clustered_rows(11, 10000, 64, 50, 16);
my $qrows = clustered_rows(11, 100, 64, 50, 16, 777);
load_rows_and_queries($node, $dir, 'items', 'queries', 'vector(64)', $rows,
	$qrows);

# 1000 scans of the table's index in this session (10 per query)
sub warmup
{
	my ($table, $op) = @_;
	return qq{
		DO \$\$
		DECLARE q record;
		BEGIN
			FOR i IN 1..10 LOOP
				FOR q IN SELECT embedding FROM queries LOOP
					PERFORM t.id FROM $table t
					ORDER BY t.embedding $op q.embedding LIMIT 1;
				END LOOP;
			END LOOP;
		END \$\$;
	};
}

my $top_sql = q{
	SELECT q.id, array_to_string(ARRAY(
		SELECT t.id FROM %s t ORDER BY t.embedding %s q.embedding LIMIT %d), ',')
	FROM queries q ORDER BY q.id;
};

# Run sql in one session; returns (top K per query, copies made).
sub session
{
	my ($sql, $table, $op) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', qq{
		SET enable_seqscan = off;
		SET hnsw.ef_search = 10;
		SET client_min_messages = debug1;
		$sql
		} . sprintf($top_sql, $table, $op, $K));
	is($ret, 0, 'session runs') or diag($err);
	my %res;
	for my $line (split /\n/, $out)
	{
		next unless $line =~ /^(\d+)\|(.*)$/;
		$res{$1} = [ grep { length } split /,/, $2 ];
	}
	my @copies = ($err =~ /hnsw index "\w+": (copied layers \d+ to \d+, \d+ elements)/g);
	return (\%res, \@copies);
}

# queries whose top K are the same in two runs
sub same
{
	my ($a, $b) = @_;
	return scalar grep { join(',', @{ $a->{$_} }) eq join(',', @{ $b->{$_} // [] }) }
	  keys %$a;
}

sub exact
{
	my ($table, $op) = @_;
	return topk_ids($node, 'SET enable_indexscan = off;', $table, 'queries',
		$op, $K);
}

for my $case ([ 'vector_l2_ops', '<->' ], [ 'vector_cosine_ops', '<=>' ],
	[ 'vector_l1_ops', '<+>' ])
{
	my ($opclass, $op) = @$case;
	$node->safe_psql('postgres', qq{
		DROP INDEX IF EXISTS items_idx;
		CREATE INDEX items_idx ON items USING hnsw (embedding $opclass);
	});
	my $exact = exact('items', $op);

	# no copy in the first 1000 scans
	my ($res0, $copies) = session('', 'items', $op);
	is(scalar @$copies, 0, "$opclass: no copy in a session's first scans");
	my $r0 = recall($exact, $res0, $K);

	# layer 0 starts from the element the descent on disk ends on (but for
	# the odd query where half precision turns a near tie) and from the
	# next three of layer 1: the rows are those found without a copy for
	# nearly every query, and recall is no lower
	my $res;
	($res, $copies) = session(warmup('items', $op), 'items', $op);
	is(scalar @$copies, 1, "$opclass: one copy after 1000 scans");
	like($copies->[0] // '', qr/copied layers 1 to \d+/,
		"$opclass: the copy has every upper layer");
	my $r = recall($exact, $res, $K);
	cmp_ok($r, '>=', 0.95,
		sprintf('%s: recall@%d through the copy = %.4f (without: %.4f)',
			$opclass, $K, $r, $r0));
	cmp_ok($r, '>=', $r0 - 0.01, "$opclass: the copy keeps recall");
	my $same = same($res0, $res);
	cmp_ok($same, '>=', 95,
		"$opclass: same rows through the copy as without for $same of 100 queries");
}

# L2 from here on
$node->safe_psql('postgres', q{
	DROP INDEX items_idx;
	CREATE INDEX items_idx ON items USING hnsw (embedding vector_l2_ops);
});
my $exact = exact('items', '<->');

# a budget that holds only the layers above 1, one that holds none, none
my ($res, $copies) = session("SET hnsw.upper_cache_mem = '64kB';" .
	  warmup('items', '<->'), 'items', '<->');
like($copies->[0] // '', qr/copied layers [2-9] to \d+/,
	'a small hnsw.upper_cache_mem leaves the lowest layers out');
cmp_ok(recall($exact, $res, $K), '>=', 0.95,
	'recall through a copy of the top layers');
($res, $copies) = session("SET hnsw.upper_cache_mem = '1kB';" .
	  warmup('items', '<->'), 'items', '<->');
is(scalar @$copies, 0, 'no copy when not even the top layer fits');
($res, $copies) = session("SET hnsw.upper_cache_mem = 0;" .
	  warmup('items', '<->'), 'items', '<->');
is(scalar @$copies, 0, 'hnsw.upper_cache_mem = 0 makes no copy');
cmp_ok(recall($exact, $res, $K), '>=', 0.95, 'recall without a copy');

# VACUUM that deletes elements: the copy is made again, and the scans
# after it find the remaining rows as well as before
($res, $copies) = session(warmup('items', '<->') . q{
	SELECT count(*) >= 0 AS scanned FROM queries q,
	LATERAL (SELECT t.id FROM items t ORDER BY t.embedding <-> q.embedding
			 LIMIT 10) s;
	DELETE FROM items WHERE id % 2 = 0;
	VACUUM items;
}, 'items', '<->');
is(scalar @$copies, 2, 'a copy is made again after VACUUM deleted elements');
$exact = exact('items', '<->');
cmp_ok(recall($exact, $res, $K), '>=', 0.95,
	'recall through the copy made after VACUUM');

# inserts into the freed space, then past it: the index grows by more than
# an eighth, and the copy is made again
my $more = clustered_rows(11, 6000, 64, 50, 16, 4242);
write_rows("$dir/more.tsv", $more, 20001);
($res, $copies) = session(warmup('items', '<->') . qq{
	COPY items FROM '$dir/more.tsv';
}, 'items', '<->');
is(scalar @$copies, 2, 'a copy is made again after the index grew');
$exact = exact('items', '<->');
cmp_ok(recall($exact, $res, $K), '>=', 0.95,
	'recall through the copy made after inserts');

done_testing();
