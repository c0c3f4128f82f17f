# An hnsw index whose metapage carries another format version is refused
# with ERRCODE_INDEX_CORRUPTED (SQLSTATE XX002) and a hint to REINDEX, and
# REINDEX repairs it.  The version is patched in the file while the server
# is stopped (no data checksums in this cluster).

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('hnsw_format');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION vector;
	CREATE TABLE t (id int, embedding vector(3));
	INSERT INTO t SELECT i, ARRAY[i, i % 7, i % 11]::vector(3)
		FROM generate_series(1, 100) i;
	CREATE INDEX t_idx ON t USING hnsw (embedding vector_l2_ops);
	CHECKPOINT;
});
my $query = q{
	SET enable_seqscan = off;
	SELECT id FROM t ORDER BY embedding <-> '[1,1,1]' LIMIT 1;
};
is($node->safe_psql('postgres', $query), '1', 'index answers before the change');

my $path = $node->data_dir . '/'
  . $node->safe_psql('postgres', "SELECT pg_relation_filepath('t_idx')");
$node->stop;

# HnswMetaPageData follows the 24-byte page header: magic, then version
open(my $fh, '+<:raw', $path) or die "could not open $path: $!";
seek($fh, 24, 0);
read($fh, my $magic, 4);
is(unpack('L<', $magic), 0x484E5357, 'metapage magic where expected');
print $fh pack('L<', 99);
close($fh);

$node->start;
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"\\set VERBOSITY verbose\n$query");
isnt($ret, 0, 'a scan of an index of an unknown version fails');
like($stderr, qr/XX002/, 'with ERRCODE_INDEX_CORRUPTED');
like($stderr, qr/Metapage has version 99; expected 1\./, 'detail names both versions');
like($stderr, qr/Rebuild the index with REINDEX\./, 'hint says REINDEX');
($ret, $stdout, $stderr) = $node->psql('postgres',
	"INSERT INTO t VALUES (101, '[1,2,3]')");
like($stderr, qr/unsupported format version/, 'an insert fails the same way');

$node->safe_psql('postgres', 'REINDEX INDEX t_idx');
is($node->safe_psql('postgres', $query), '1', 'REINDEX repairs the index');

$node->stop;
done_testing();
