# hnsw_check finds corruption written into the index file, and scans of a
# corrupted index fail with ERRCODE_INDEX_CORRUPTED (XX002) or return
# without crashing.  The server is stopped, bytes at offsets computed from
# the page format (src/hnsw/hnsw_page.h) are patched, the server restarted;
# the original bytes are put back after each case.  No data checksums in
# this cluster.  Last, hnsw_check runs on a hot standby.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $BLCKSZ = 8192;
my $node = PostgreSQL::Test::Cluster->new('hnsw_corrupt');
$node->init(allows_streaming => 1);
# keep WAL for a standby that falls behind on a loaded machine (no slot)
$node->append_conf('postgresql.conf', "wal_keep_size = '1GB'");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION vector;
	SELECT setseed(0.15);
	CREATE TABLE t (id int, v vector(8));
	INSERT INTO t SELECT i,
		ARRAY(SELECT (i % 6) * 4 + (random() - 0.5) * d
			  FROM generate_series(1, 8) d)::float4[]::vector(8)
		FROM generate_series(1, 800) i;
	CREATE INDEX t_idx ON t USING hnsw (v vector_l2_ops) WITH (m = 8);
	CHECKPOINT;
});
is($node->safe_psql('postgres', "SELECT count(*) FROM hnsw_check('t_idx')"),
	'0', 'the index is healthy before any change');

my $scan = q{
	SET enable_seqscan = off;
	SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> '[4,4,4,4,4,4,4,4]' LIMIT 10) s;
};
is($node->safe_psql('postgres', $scan), '10', 'the scan returns 10 rows');

my $path = $node->data_dir . '/'
  . $node->safe_psql('postgres', "SELECT pg_relation_filepath('t_idx')");
$node->stop;

open(my $fh, '+<:raw', $path) or die "could not open $path: $!";

sub rd
{
	my ($off, $len) = @_;
	seek($fh, $off, 0);
	read($fh, my $buf, $len) == $len or die "short read at $off";
	return $buf;
}

sub wr
{
	my ($off, $bytes) = @_;
	seek($fh, $off, 0);
	print $fh $bytes;
	$fh->flush;
}

# ItemPointerData: bi_hi, bi_lo, ip_posid (uint16 each)
sub tid_bytes { my ($b, $o) = @_; return pack('SSS', $b >> 16, $b & 0xFFFF, $o); }
sub tid_of { my ($hi, $lo, $o) = unpack('SSS', $_[0]); return (($hi << 16) | $lo, $o); }

# HnswMetaPageData after the 24-byte page header: magic, version (uint32),
# m, efConstruction, entryLevel, unused (16 bits each), entryPoint
my ($magic, $version, $m, $efc, $entry_level) = unpack('LLSSs', rd(24, 14));
is($magic, 0x484E5357, 'metapage magic where expected');
my ($ep_blk, $ep_off) = tid_of(rd(40, 6));

# byte offset of element (blk, off): its line pointer is at 24 + 4 * (off-1)
sub element_offset
{
	my ($blk, $off) = @_;
	my $lp = unpack('L', rd($blk * $BLCKSZ + 24 + 4 * ($off - 1), 4));
	return ($blk * $BLCKSZ + ($lp & 0x7FFF), $lp >> 17);
}

# element tuple: level, deleted (uint8), unused (uint16), 3 heap TIDs, then
# slots: layer 0 has 2*m, each upper layer m; value INTALIGNed after them
my ($ep_pos) = element_offset($ep_blk, $ep_off);
my $ep_level = unpack('C', rd($ep_pos, 1));
is($ep_level, $entry_level, 'entry point element has the metapage level');
my $slots = 4 + 3 * 6;
my $top_slot = $ep_pos + $slots
  + 6 * ($entry_level == 0 ? 0 : 2 * $m + ($entry_level - 1) * $m);

# where the entry point's value starts (a scan always reads it)
my $value_pos = $ep_pos + ((($slots + 6 * (2 * $m + $ep_level * $m)) + 3) & ~3);
is(unpack('L', rd($value_pos, 4)) >> 2, 40, 'vector(8) value header where expected');

# run a case: patch, start, check, restore
sub corruption_case
{
	my (%c) = @_;
	my $orig = rd($c{offset}, length($c{bytes}));
	wr($c{offset}, $c{bytes});
	$node->start;
	my $rows = $node->safe_psql('postgres',
		"SELECT coalesce(blkno::text, '-') || ': ' || problem FROM hnsw_check('t_idx')");
	like($rows, $c{check}, "$c{name}: hnsw_check reports it");
	my ($ret, $out, $err) = $node->psql('postgres',
		"\\set VERBOSITY verbose\n$scan");
	if ($c{scan} eq 'XX002')
	{
		isnt($ret, 0, "$c{name}: the scan fails");
		like($err, qr/XX002/, "$c{name}: with ERRCODE_INDEX_CORRUPTED");
	}
	else
	{
		# rows, or an error that is not a crash
		like($err . $out, $c{scan}, "$c{name}: the scan ends without crashing");
	}
	is($node->safe_psql('postgres', 'SELECT 1'), '1',
		"$c{name}: the server is up");
	$node->stop;
	wr($c{offset}, $orig);
}

corruption_case(
	name => 'element page id',
	offset => $BLCKSZ + $BLCKSZ - 2,
	bytes => pack('S', 0x1234),
	check => qr/^1: page id is 0x1234; expected 0xFF91$/m,
	scan => 'XX002');

corruption_case(
	name => 'metapage magic',
	offset => 24,
	bytes => pack('L', 0xDEADBEEF),
	check => qr/^0: metapage magic is 0xDEADBEEF; expected 0x484E5357$/m,
	scan => 'XX002');

corruption_case(
	name => 'metapage version',
	offset => 28,
	bytes => pack('L', 77),
	check => qr/^0: metapage has version 77; expected 1$/m,
	scan => 'XX002');

corruption_case(
	name => 'neighbour past the relation',
	offset => $top_slot,
	bytes => tid_bytes(9999, 1),
	check => qr/^$ep_blk: element \($ep_blk,$ep_off\) has neighbour \(9999,1\) on layer $entry_level, which is past the end of the index/m,
	scan => 'XX002');

corruption_case(
	name => 'neighbour is the metapage',
	offset => $top_slot,
	bytes => tid_bytes(0, 1),
	check => qr/^$ep_blk: element \($ep_blk,$ep_off\) has neighbour \(0,1\) on layer $entry_level, which is the metapage$/m,
	scan => 'XX002');

corruption_case(
	name => 'neighbour past the last item',
	offset => $top_slot,
	bytes => tid_bytes(1, 500),
	check => qr/has neighbour \(1,500\) on layer $entry_level, which is past the last item of its page/m,
	scan => qr/^10$/m);

corruption_case(
	name => 'vector dimension',
	offset => $value_pos + 4,
	bytes => pack('s', 7),
	check => qr/^$ep_blk: element \($ep_blk,$ep_off\) has a value of 40 bytes that does not match its dimension field$/m,
	scan => 'XX002');

corruption_case(
	name => 'element level',
	offset => $ep_pos,
	bytes => pack('C', 200),
	check => qr/^$ep_blk: element \($ep_blk,$ep_off\) has level 200; the maximum is 15$/m,
	scan => 'XX002');

# heap TIDs are not checked by index scans: the heap access fails or
# finds nothing
corruption_case(
	name => 'heap TID past the table',
	offset => $ep_pos + 4,
	bytes => tid_bytes(9999, 1),
	check => qr/^$ep_blk: element \($ep_blk,$ep_off\) has heap TID \(9999,1\) past the end of table "t" \(\d+ blocks\)$/m,
	scan => qr/could not read block 9999|^\d+$/m);

corruption_case(
	name => 'heap TID past the last line pointer',
	offset => $ep_pos + 4,
	bytes => tid_bytes(0, 1000),
	check => qr/^$ep_blk: element \($ep_blk,$ep_off\) has heap TID \(0,1000\) past the last line pointer of its heap page \(\d+\)$/m,
	scan => qr/^\d+$/m);

corruption_case(
	name => 'entry point',
	offset => 40,
	bytes => tid_bytes(9999, 3),
	check => qr/^0: entry point \(9999,3\) is past the end of the index/m,
	scan => 'XX002');

corruption_case(
	name => 'entry point level',
	offset => 36,
	bytes => pack('s', $entry_level + 1),
	check => qr/^0: entry point \($ep_blk,$ep_off\) has level $entry_level but the metapage says @{[$entry_level + 1]}$/m,
	scan => qr/^10$/m);

# A deleted neighbour: a fault from an element with a heap TID, but not
# from a dead one awaiting vacuum (vacuum marks the dead deleted page by
# page, so a crash can leave a dead element naming one already marked).
# The entry point's first layer-0 neighbour is marked deleted as vacuum
# does it: flag set, heap TIDs and neighbour slots cleared.
{
	my ($nb_blk, $nb_off) = tid_of(rd($ep_pos + $slots, 6));
	my ($nb_pos) = element_offset($nb_blk, $nb_off);
	my $nb_level = unpack('C', rd($nb_pos, 1));
	my $nb_len = $slots + 6 * (2 * $m + $nb_level * $m);
	my $nb_orig = rd($nb_pos, $nb_len);
	my $ep_tids = rd($ep_pos + 4, 18);
	my $link = qr/^$ep_blk: element \($ep_blk,$ep_off\) has neighbour \($nb_blk,$nb_off\) on layer 0, which is deleted$/m;

	wr($nb_pos, pack('CC', $nb_level, 1) . ("\0" x ($nb_len - 2)));
	$node->start;
	like($node->safe_psql('postgres',
			"SELECT coalesce(blkno::text, '-') || ': ' || problem FROM hnsw_check('t_idx')"),
		$link, 'a live element naming a deleted one: hnsw_check reports it');
	$node->stop;

	wr($ep_pos + 4, "\0" x 18);
	$node->start;
	unlike($node->safe_psql('postgres',
			"SELECT coalesce(blkno::text, '-') || ': ' || problem FROM hnsw_check('t_idx')"),
		$link, 'a dead element naming a deleted one: hnsw_check does not');
	$node->stop;

	wr($ep_pos + 4, $ep_tids);
	wr($nb_pos, $nb_orig);
}

close($fh);

# restored: healthy again; then a hot standby checks its copy
$node->start;
is($node->safe_psql('postgres', "SELECT count(*) FROM hnsw_check('t_idx')"),
	'0', 'restored bytes give a healthy index');
$node->backup('bk');
my $standby = PostgreSQL::Test::Cluster->new('hnsw_corrupt_standby');
$standby->init_from_backup($node, 'bk', has_streaming => 1);
$standby->start;
$node->safe_psql('postgres', q{
	DELETE FROM t WHERE id % 4 = 0;
	VACUUM t;
	INSERT INTO t SELECT i, ARRAY[i % 3, 1, 2, 3, 4, 5, 6, 7]::vector(8)
		FROM generate_series(801, 900) i;
});
$node->wait_for_catchup($standby);
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't',
	'the standby is in recovery');
is($standby->safe_psql('postgres',
	"SELECT count(*) FROM hnsw_check('t_idx')"), '0',
	'hnsw_check finds no problem on the hot standby');
is($node->safe_psql('postgres', "SELECT count(*) FROM hnsw_check('t_idx')"),
	'0', 'nor on the primary after delete, vacuum and inserts');

$standby->stop;
$node->stop;
done_testing();
