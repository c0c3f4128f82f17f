# ivfflat corruption: damage index pages on purpose in a stopped cluster
# (a page id, a format version, a chain made to loop, a vector dimension, a
# heap TID) and show that ivfflat_check reports each problem and that scans
# fail with INDEX_CORRUPTED (SQLSTATE XX002) instead of crashing or looping.
# Offsets are computed from the page header and line pointers, as the page
# layout in src/ivf/README describes.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('ivf_corrupt');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector');

# Five copies of a small clustered table, each with its own index, so that
# each corruption is checked alone.
my @names = qw(pageid version loop dim tid);
for my $n (@names)
{
	$node->safe_psql('postgres', qq{
SELECT setseed(0.25);
CREATE TABLE t_$n (id int, v vector(8));
INSERT INTO t_$n SELECT g, (SELECT array_agg((g % 7) * 3 - 9 + (0.3 + j % 3) * (random() - 0.5)
		ORDER BY j)::vector FROM generate_series(1, 8) j)
	FROM generate_series(1, 2000) g;
CREATE INDEX i_$n ON t_$n USING ivfflat (v) WITH (lists = 4);
});
	is($node->safe_psql('postgres', "SELECT count(*) FROM ivfflat_check('i_$n')"),
		'0', "i_$n is healthy before corruption");
}

my $blcksz = $node->safe_psql('postgres', "SHOW block_size");
my %path;
$path{$_} = $node->data_dir . '/'
  . $node->safe_psql('postgres', "SELECT pg_relation_filepath('i_$_')")
  for @names;
$node->stop;

sub read_page
{
	my ($file, $blk) = @_;
	open(my $fh, '<:raw', $file) or die "open $file: $!";
	seek($fh, $blk * $blcksz, 0) or die;
	read($fh, my $page, $blcksz) == $blcksz or die "short read";
	close $fh;
	return $page;
}

sub write_bytes
{
	my ($file, $offset, $bytes) = @_;
	open(my $fh, '+<:raw', $file) or die "open $file: $!";
	seek($fh, $offset, 0) or die;
	print $fh $bytes;
	close $fh;
}

# Offset in the page of item $off (1-based), from its line pointer.
sub item_offset
{
	my ($page, $off) = @_;
	my $lp = unpack('V', substr($page, 24 + 4 * ($off - 1), 4));
	return $lp & 0x7fff;
}

# The first entry page of list 0: startPage of the first list tuple on
# block 1.
sub first_entry_page
{
	my ($file) = @_;
	my $page = read_page($file, 1);
	return unpack('V', substr($page, item_offset($page, 1), 4));
}

sub special_offset
{
	my ($page) = @_;
	return unpack('v', substr($page, 16, 2));
}

# 1. a page id: the last two bytes of an entry page
my $blk = first_entry_page($path{pageid});
write_bytes($path{pageid}, ($blk + 1) * $blcksz - 2, pack('v', 0x1234));

# 2. the format version in the metapage (after the magic number)
write_bytes($path{version}, 24 + 4, pack('V', 99));

# 3. a chain that loops: the first entry page of list 0 links to itself
$blk = first_entry_page($path{loop});
my $page = read_page($path{loop}, $blk);
write_bytes($path{loop}, $blk * $blcksz + special_offset($page), pack('V', $blk));

# 4. a vector dimension: entry tuple = TID (6), padding (2), varlena header
# (4), then int16 dim
$blk = first_entry_page($path{dim});
$page = read_page($path{dim}, $blk);
write_bytes($path{dim}, $blk * $blcksz + item_offset($page, 1) + 12, pack('v', 7));

# 5. a heap TID past the end of the table (block number hi half)
$blk = first_entry_page($path{tid});
$page = read_page($path{tid}, $blk);
write_bytes($path{tid}, $blk * $blcksz + item_offset($page, 2), pack('v', 0x7fff));

$node->start;

my %expect = (
	pageid => qr/not an ivfflat entry page/,
	version => qr/format version 99; expected/,
	loop => qr/already visited: the chain loops/,
	dim => qr/has 7 dimensions; expected 8/,
	tid => qr/points to heap block \d+; the table has \d+ blocks/);
for my $n (@names)
{
	my $report = $node->safe_psql('postgres',
		"SELECT blkno || ': ' || problem FROM ivfflat_check('i_$n')");
	like($report, $expect{$n}, "ivfflat_check reports the corrupted $n");
}

# Scans that reach the damage fail with XX002; every list is probed.  The
# bad heap TID is not an index error (the heap fetch fails), so it is left
# to ivfflat_check.
for my $n (qw(pageid version loop dim))
{
	my ($ret, $out, $err) = $node->psql('postgres', qq{
\\set VERBOSITY verbose
SET enable_seqscan = off;
SET ivfflat.probes = 4;
SELECT id FROM t_$n ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 5;
}, timeout => 60);
	isnt($ret, 0, "scan of i_$n fails");
	like($err, qr/XX002/, "scan of i_$n reports INDEX_CORRUPTED");
}

# The server survived all of it.
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'server still up');

$node->stop;
done_testing();
