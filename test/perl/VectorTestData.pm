# VectorTestData.pm: test data and recall helpers for the TAP tests.
#
# Generated data is clustered and anisotropic, with a low intrinsic
# dimension as real embeddings have: each cluster is a centre plus a
# random rank-r linear map of a Gaussian, scaled per dimension, plus a
# little isotropic noise.  Everything comes from a seeded PRNG, so a test
# sees the same data on every run.

package VectorTestData;

use strict;
use warnings;
use Exporter 'import';
use Test::More;

our @EXPORT_OK = qw(gaussian clustered_rows write_rows load_table
  load_rows_and_queries read_fvecs fvecs_to_copy read_f32 topk_ids recall recall_ties);

# One standard normal draw (Box-Muller) from Perl's seeded rand.
sub gaussian
{
	my $u1 = rand();
	$u1 = 1e-12 if $u1 < 1e-12;
	return sqrt(-2 * log($u1)) * cos(6.283185307179586 * rand());
}

# clustered_rows(seed, n, dim, nclusters, rank): array of array refs.
# Rows of cluster c are generated from the same centre and map whatever n is,
# so two calls with the same seed and shape give points of one distribution.
sub clustered_rows
{
	my ($seed, $n, $dim, $nclusters, $rank, $rowseed) = @_;
	my (@centres, @maps, @scales);

	srand($seed);
	@scales = map { 0.2 + 1.8 * rand() } 1 .. $dim;
	for my $c (0 .. $nclusters - 1)
	{
		push @centres, [ map { 10 * rand() - 5 } 1 .. $dim ];
		push @maps,
		  [ map { [ map { gaussian() * 0.5 } 1 .. $dim ] } 1 .. $rank ];
	}
	srand($rowseed // $seed + 1);
	my @rows;
	for my $i (0 .. $n - 1)
	{
		my $c = int(rand($nclusters));
		my @z = map { gaussian() } 1 .. $rank;
		my @x = @{ $centres[$c] };
		for my $k (0 .. $rank - 1)
		{
			my $m = $maps[$c][$k];
			$x[$_] += $z[$k] * $m->[$_] for 0 .. $dim - 1;
		}
		$x[$_] = $x[$_] * $scales[$_] + 0.05 * gaussian() for 0 .. $dim - 1;
		push @rows, \@x;
	}
	return \@rows;
}

# write_rows(path, rows, first_id, extra): tab-separated "id [v]" (+ extra
# columns from a callback of the id) for COPY.
sub write_rows
{
	my ($path, $rows, $first, $extra) = @_;
	open(my $fh, '>', $path) or die "could not write $path: $!";
	my $id = $first // 1;
	for my $r (@$rows)
	{
		my $line = $id . "\t[" . join(',', map { sprintf('%.5f', $_) } @$r) . ']';
		$line .= "\t" . $extra->($id) if $extra;
		print $fh "$line\n";
		$id++;
	}
	close($fh);
	chmod 0644, $path;
}

# load_table(node, table, path): COPY a file written by write_rows.
sub load_table
{
	my ($node, $table, $path) = @_;
	$node->safe_psql('postgres', "COPY $table FROM '$path'");
}

# load_rows_and_queries(node, dir, table, queries, type, rows, query rows):
# create the two tables (id int, embedding type) and load the rows, ids
# from 1, through files in dir.
sub load_rows_and_queries
{
	my ($node, $dir, $table, $queries, $type, $rows, $qrows) = @_;
	write_rows("$dir/$table.tsv", $rows, 1);
	write_rows("$dir/$queries.tsv", $qrows, 1);
	$node->safe_psql('postgres', qq{
		CREATE TABLE $table (id int, embedding $type);
		CREATE TABLE $queries (id int, embedding $type);
	});
	load_table($node, $table, "$dir/$table.tsv");
	load_table($node, $queries, "$dir/$queries.tsv");
}

# read_fvecs(path, limit): array of array refs from an .fvecs file.
sub read_fvecs
{
	my ($path, $limit) = @_;
	open(my $fh, '<:raw', $path) or die "could not read $path: $!";
	my @rows;
	while (read($fh, my $hdr, 4) == 4)
	{
		my $d = unpack('l<', $hdr);
		read($fh, my $buf, 4 * $d) == 4 * $d or die "short read in $path";
		push @rows, [ unpack("f<$d", $buf) ];
		last if defined $limit && @rows >= $limit;
	}
	close($fh);
	return \@rows;
}

# fvecs_to_copy(in, out): an .fvecs file as COPY text, ids from 0, values
# printed as Perl prints them (exact for the integer-valued sets).
sub fvecs_to_copy
{
	my ($in, $out) = @_;
	open(my $fh, '<:raw', $in) or die "could not open $in: $!";
	open(my $oh, '>', $out) or die "could not open $out: $!";
	my $id = 0;
	while (read($fh, my $hdr, 4) == 4)
	{
		my $d = unpack('l<', $hdr);
		read($fh, my $buf, 4 * $d) == 4 * $d or die "short read in $in";
		my @x = unpack("f<$d", $buf);
		print $oh $id++, "\t[", join(',', @x), "]\n";
	}
	close($oh);
	close($fh);
}

# read_f32(path, dims): array of array refs from a headerless file of
# little-endian float32 rows.
sub read_f32
{
	my ($path, $dims) = @_;
	open(my $fh, '<:raw', $path) or die "could not read $path: $!";
	my @rows;
	while (read($fh, my $buf, 4 * $dims) == 4 * $dims)
	{
		push @rows, [ unpack("f<$dims", $buf) ];
	}
	close($fh);
	return \@rows;
}

# topk_ids(node, sql_settings, table, queries, op, k, where): hash of query
# id => array ref of result ids, computed in one statement.
sub topk_ids
{
	my ($node, $settings, $table, $queries, $op, $k, $where) = @_;
	$where = $where ? "WHERE $where" : '';
	my $out = $node->safe_psql('postgres', qq{
		$settings
		SELECT q.id, array_to_string(ARRAY(
			SELECT t.id FROM $table t $where
			ORDER BY t.embedding $op q.embedding LIMIT $k), ',')
		FROM $queries q ORDER BY q.id;
	});
	my %res;
	for my $line (split /\n/, $out)
	{
		my ($qid, $ids) = split /\|/, $line;
		$res{$qid} = [ grep { length } split /,/, ($ids // '') ];
	}
	return \%res;
}

# recall(exact, approx, k): mean fraction of the exact k found.
sub recall
{
	my ($exact, $approx, $k) = @_;
	my ($found, $total) = (0, 0);
	for my $q (keys %$exact)
	{
		my %a = map { $_ => 1 } @{ $approx->{$q} // [] };
		my @e = @{ $exact->{$q} };
		$found += grep { $a{$_} } @e;
		$total += scalar @e;
	}
	return $total ? $found / $total : 0;
}

# recall_ties(node, table, queries, op, approx, k): mean recall@k where a
# returned row counts as a hit when its exact distance is within the k-th
# exact distance, so that a different choice among rows tied at the k-th
# distance (common with Hamming and Jaccard distances on bit strings) is
# not counted as a miss.  The k-th distances and the distances of the
# returned rows are computed by a sequential scan in one statement.
sub recall_ties
{
	my ($node, $table, $queries, $op, $approx, $k) = @_;
	my $values = join(",\n",
		map { "($_, '{" . join(',', @{ $approx->{$_} }) . "}'::int[])" }
		  sort { $a <=> $b } keys %$approx);
	return 0 unless $values;
	my $out = $node->safe_psql('postgres', qq{
		SET enable_indexscan = off;
		SET enable_bitmapscan = off;
		WITH a(qid, ids) AS (VALUES $values)
		SELECT a.qid, (SELECT count(DISTINCT t.id) FROM $table t
					   WHERE t.id = ANY (a.ids)
					   AND (t.embedding $op q.embedding) <= x.kth)
		FROM a JOIN $queries q ON q.id = a.qid,
		LATERAL (SELECT t.embedding $op q.embedding AS kth FROM $table t
				 ORDER BY 1 LIMIT 1 OFFSET $k - 1) x;
	});
	my ($found, $nq) = (0, 0);
	for my $line (split /\n/, $out)
	{
		my (undef, $hits) = split /\|/, $line;
		$found += $hits > $k ? $k : $hits;
		$nq++;
	}
	return $nq ? $found / ($k * $nq) : 0;
}

1;
