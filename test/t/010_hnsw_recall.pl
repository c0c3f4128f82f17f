# Recall of hnsw indexes against exact search computed in the same test:
# after a build, after inserts into an existing index, after deleting a
# tenth and then half of the rows and VACUUM (then more inserts into the
# freed space), after a build that overflowed maintenance_work_mem, after
# a parallel build (needs max_worker_processes > 0, the default), with
# iterative scans on filtered queries at 1% and 10% selectivity, and with
# shared_buffers far smaller than the index.  Generated data: 10,000
# clustered anisotropic 64-dimension vectors (test/perl/VectorTestData.pm).
# The siftsmall part needs ../shared (VECTOR_SHARED) and is skipped without.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VectorTestData qw(clustered_rows write_rows load_table read_fvecs
  read_f32 topk_ids recall);

my $K = 10;
my $node = PostgreSQL::Test::Cluster->new('hnsw_recall');
$node->init;
$node->append_conf('postgresql.conf', qq{
maintenance_work_mem = '256MB'
max_parallel_maintenance_workers = 0
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector');

my $dir = PostgreSQL::Test::Utils::tempdir;
my $rows = clustered_rows(7, 10000, 64, 50, 16);
my $qrows = clustered_rows(7, 100, 64, 50, 16, 999);
write_rows("$dir/items.tsv", $rows, 1,
	sub { my $id = shift; ($id % 100) . "\t" . ($id % 10) });
write_rows("$dir/queries.tsv", $qrows, 1);

$node->safe_psql('postgres', q{
	CREATE TABLE items (id int, embedding vector(64), cat100 int, cat10 int);
	CREATE TABLE queries (id int, embedding vector(64));
});
load_table($node, 'items', "$dir/items.tsv");
load_table($node, 'queries', "$dir/queries.tsv");

my $exact_sql = 'SET enable_indexscan = off;';
my $index_sql = 'SET enable_seqscan = off;';

sub check_recall
{
	my ($name, $table, $min, $settings, $where, $op) = @_;
	$op //= '<->';
	my $exact = topk_ids($node, $exact_sql, $table, 'queries', $op, $K, $where);
	my $approx = topk_ids($node, $index_sql . ($settings // ''), $table,
		'queries', $op, $K, $where);
	my $r = recall($exact, $approx, $K);
	cmp_ok($r, '>=', $min, sprintf('%s: recall@%d = %.4f', $name, $K, $r));
	return $r;
}

# build
$node->safe_psql('postgres',
	'CREATE INDEX items_idx ON items USING hnsw (embedding vector_l2_ops)');
like(
	$node->safe_psql('postgres', q{
		EXPLAIN (COSTS OFF) SELECT id FROM items
		ORDER BY embedding <-> (SELECT embedding FROM queries WHERE id = 1) LIMIT 10}),
	qr/Index Scan using items_idx/,
	'the planner uses the index for ORDER BY distance LIMIT');
check_recall('after build', 'items', 0.95);
my $r200 = check_recall('after build, ef_search 200', 'items', 0.99,
	'SET hnsw.ef_search = 200;');

# inserts into an existing index: build on half, insert the other half
$node->safe_psql('postgres', q{
	CREATE TABLE items_ins (LIKE items);
	INSERT INTO items_ins SELECT * FROM items WHERE id <= 5000;
	CREATE INDEX ON items_ins USING hnsw (embedding vector_l2_ops);
	INSERT INTO items_ins SELECT * FROM items WHERE id > 5000;
});
check_recall('after inserts into an existing index', 'items_ins', 0.95);
$node->safe_psql('postgres', 'DROP TABLE items_ins');

# a build that overflows maintenance_work_mem
my ($ret, $stdout, $stderr) = $node->psql('postgres', q{
	SET maintenance_work_mem = '1MB';
	CREATE TABLE items_small (LIKE items);
	INSERT INTO items_small SELECT * FROM items;
	CREATE INDEX ON items_small USING hnsw (embedding vector_l2_ops);
});
is($ret, 0, 'build beyond maintenance_work_mem succeeds');
like($stderr, qr/hnsw graph no longer fits into maintenance_work_mem/,
	'build beyond maintenance_work_mem gives a NOTICE');
check_recall('after a build beyond maintenance_work_mem', 'items_small', 0.95);
$node->safe_psql('postgres', 'DROP TABLE items_small');

# a parallel build: workers insert into one graph in shared memory
($ret, $stdout, $stderr) = $node->psql('postgres', q{
	SET max_parallel_maintenance_workers = 1;
	SET min_parallel_table_scan_size = 0;
	SET client_min_messages = debug1;
	CREATE TABLE items_par (LIKE items);
	INSERT INTO items_par SELECT * FROM items;
	CREATE INDEX ON items_par USING hnsw (embedding vector_l2_ops);
});
is($ret, 0, 'parallel build succeeds');
like($stderr, qr/hnsw build of "items_par_embedding_idx" with 1 parallel workers launched/,
	'the build used a parallel worker');
check_recall('after a parallel build', 'items_par', 0.95);
$node->safe_psql('postgres', 'DROP TABLE items_par');

# iterative scans on filtered queries
for my $sel ([ 'cat100', 1 ], [ 'cat10', 10 ])
{
	my ($col, $pct) = @$sel;
	my $where = "t.$col = 3";
	my $off = topk_ids($node, $index_sql, 'items', 'queries', '<->', $K, $where);
	my $short = grep { @{ $off->{$_} } < $K } keys %$off;
	note("$pct% selectivity without iterative scan: $short of 100 queries short");

	for my $mode ('relaxed_order', 'strict_order')
	{
		my $got = topk_ids($node,
			$index_sql . "SET hnsw.iterative_scan = $mode;",
			'items', 'queries', '<->', $K, $where);
		my $full = grep { @{ $got->{$_} } == $K } keys %$got;
		is($full, 100, "$pct% selectivity, $mode: all queries return $K rows");
		my $exact = topk_ids($node, $exact_sql, 'items', 'queries', '<->', $K,
			$where);
		my $r = recall($exact, $got, $K);
		cmp_ok($r, '>=', 0.9,
			sprintf('%d%% selectivity, %s: recall@%d = %.4f', $pct, $mode, $K, $r));
	}
}

# a light delete: most elements keep half their slots live, and VACUUM
# only drops their dead neighbours (src/hnsw/README, Vacuum); the rows it
# takes are among those the next step deletes
$node->safe_psql('postgres', 'DELETE FROM items WHERE id % 10 = 4');
$node->safe_psql('postgres', 'VACUUM items');
check_recall('after deleting 10% and VACUUM', 'items', 0.95);

# delete half, VACUUM, then insert into the freed space
$node->safe_psql('postgres', 'DELETE FROM items WHERE id % 2 = 0');
$node->safe_psql('postgres', 'VACUUM items');
check_recall('after deleting 50% and VACUUM', 'items', 0.95);
my $size_before = $node->safe_psql('postgres',
	"SELECT pg_relation_size('items_idx')");
my $more = clustered_rows(7, 2500, 64, 50, 16, 4242);
write_rows("$dir/more.tsv", $more, 20001,
	sub { my $id = shift; ($id % 100) . "\t" . ($id % 10) });
load_table($node, 'items', "$dir/more.tsv");
my $size_after = $node->safe_psql('postgres',
	"SELECT pg_relation_size('items_idx')");
cmp_ok($size_after, '<=', $size_before,
	'inserts after VACUUM reuse the space of deleted elements');
check_recall('after VACUUM and more inserts', 'items', 0.95);

# the real siftsmall set
SKIP:
{
	my $shared = $ENV{VECTOR_SHARED} // '';
	skip 'needs ../shared (VECTOR_SHARED)', 3 unless $shared;
	my $base = read_fvecs("$shared/data/siftsmall/siftsmall_base.fvecs");
	my $query = read_fvecs("$shared/data/siftsmall/siftsmall_query.fvecs");
	write_rows("$dir/sift.tsv", $base, 1);
	write_rows("$dir/siftq.tsv", $query, 1);
	$node->safe_psql('postgres', q{
		DROP TABLE queries;
		CREATE TABLE sift (id int, embedding vector(128));
		CREATE TABLE queries (id int, embedding vector(128));
	});
	load_table($node, 'sift', "$dir/sift.tsv");
	load_table($node, 'queries', "$dir/siftq.tsv");
	$node->safe_psql('postgres',
		'CREATE INDEX ON sift USING hnsw (embedding vector_l2_ops)');
	check_recall('siftsmall after build', 'sift', 0.95);
	check_recall('siftsmall, ef_search 200', 'sift', 0.99,
		'SET hnsw.ef_search = 200;');
	$node->safe_psql('postgres', 'DELETE FROM sift WHERE id % 2 = 1; VACUUM sift;');
	check_recall('siftsmall after deleting 50% and VACUUM', 'sift', 0.95);
}

# more real sets: Fashion-MNIST (L2), sentence embeddings (cosine), Cohere
# Wikipedia embeddings (inner product); 50 rows of each are held out as
# queries
SKIP:
{
	my $shared = $ENV{VECTOR_SHARED} // '';
	skip 'needs ../shared (VECTOR_SHARED)', 3 unless $shared;
	my @sets = (
		[ 'fmnist', 784, 'vector_l2_ops', '<->', 0.95,
		  read_fvecs("$shared/data/fmnistsmall/fmnistsmall_base.fvecs") ],
		[ 'fiori', 384, 'vector_cosine_ops', '<=>', 0.95,
		  read_f32("$shared/data/fiori-docs-minilm/embeddings.bin", 384) ],
		[ 'cohere', 768, 'vector_ip_ops', '<#>', 0.9,
		  read_f32("$shared/data/cohere-wiki-1k/cohere_1k_vectors", 768) ]);
	for my $set (@sets)
	{
		my ($name, $dims, $opclass, $op, $min, $rows) = @$set;
		my @q = splice(@$rows, 0, 50);
		write_rows("$dir/$name.tsv", $rows, 1);
		write_rows("$dir/${name}q.tsv", \@q, 1);
		$node->safe_psql('postgres', qq{
			DROP TABLE IF EXISTS queries;
			CREATE TABLE $name (id int, embedding vector($dims));
			CREATE TABLE queries (id int, embedding vector($dims));
		});
		load_table($node, $name, "$dir/$name.tsv");
		load_table($node, 'queries', "$dir/${name}q.tsv");
		$node->safe_psql('postgres',
			"CREATE INDEX ON $name USING hnsw (embedding $opclass)");
		check_recall("$name ($opclass) after build", $name, $min, undef,
			undef, $op);
	}
}

# An index and table several times shared_buffers: searches, VACUUM's
# repair searches (which read through the default strategy) and VACUUM's
# passes (through its ring) find their pages evicted between visits.
$node->append_conf('postgresql.conf', "shared_buffers = '1MB'");
$node->restart;
$node->safe_psql('postgres', q{
	DROP TABLE IF EXISTS queries;
	CREATE TABLE queries (id int, embedding vector(64));
	CREATE TABLE evict (id int, embedding vector(64), cat100 int, cat10 int);
});
load_table($node, 'queries', "$dir/queries.tsv");
load_table($node, 'evict', "$dir/items.tsv");
$node->safe_psql('postgres',
	'CREATE INDEX evict_idx ON evict USING hnsw (embedding vector_l2_ops)');
is( $node->safe_psql('postgres', q{
		SELECT pg_relation_size('evict_idx') >
		       2 * pg_size_bytes(current_setting('shared_buffers'))}),
	't', 'the index alone is over twice shared_buffers');
check_recall('shared_buffers 1MB: after build', 'evict', 0.95);
$node->safe_psql('postgres', 'DELETE FROM evict WHERE id % 2 = 1');
$node->safe_psql('postgres', 'VACUUM evict');
check_recall('shared_buffers 1MB: after deleting 50% and VACUUM', 'evict', 0.95);
is($node->safe_psql('postgres', "SELECT count(*) FROM hnsw_check('evict_idx')"),
	'0', 'shared_buffers 1MB: hnsw_check finds nothing wrong after VACUUM');

$node->stop;
done_testing();
