# Recall of ivfflat against exact search computed in the same test: after the
# build, after inserts, after deletes + VACUUM, for the three opclasses on
# clustered data and for L2 on siftsmall; and iterative scans under a 1%
# filter.  The siftsmall part needs ../shared (VECTOR_SHARED) and is skipped
# without it.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('ivf_recall');
$node->init;
$node->append_conf('postgresql.conf', "maintenance_work_mem = '128MB'");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector');

# recall(table, query table, operator, k): mean recall@k of the index scan
# against an exact scan, over all queries.  Plans are made per EXECUTE, so
# the settings changed in between take effect.
$node->safe_psql('postgres', q{
CREATE FUNCTION recall(tbl text, qtbl text, op text, k int) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
	q record;
	exact int[];
	approx int[];
	hits bigint := 0;
	total bigint := 0;
	sql text := format('SELECT array_agg(id) FROM (SELECT id FROM %s ORDER BY v %s $1 LIMIT %s) s',
					   tbl, op, k);
BEGIN
	FOR q IN EXECUTE format('SELECT v FROM %s', qtbl) LOOP
		PERFORM set_config('enable_indexscan', 'off', true);
		PERFORM set_config('enable_seqscan', 'on', true);
		EXECUTE sql INTO exact USING q.v;
		PERFORM set_config('enable_indexscan', 'on', true);
		PERFORM set_config('enable_seqscan', 'off', true);
		EXECUTE sql INTO approx USING q.v;
		hits := hits + cardinality(ARRAY(SELECT unnest(exact) INTERSECT SELECT unnest(approx)));
		total := total + cardinality(exact);
	END LOOP;
	PERFORM set_config('enable_seqscan', 'on', true);
	RETURN hits::float8 / total;
END $$;
});

# 12,000 rows of 32 dimensions in 24 anisotropic blobs (per-dimension
# scales from 0.2 to 2.2), 60 queries drawn from the same blobs.
$node->safe_psql('postgres', q{
SELECT setseed(0.25);
CREATE TABLE blobs AS
	SELECT c, array_agg((random() * 40 - 20)::real ORDER BY j) AS mu,
		array_agg((0.2 + 2 * random())::real ORDER BY j) AS sd
	FROM generate_series(0, 23) c, generate_series(1, 32) j GROUP BY c;
CREATE FUNCTION blob_point(c int) RETURNS vector LANGUAGE sql AS $$
	SELECT array_agg(b.mu[j] + b.sd[j] * (random() + random() + random() - 1.5) * 2
					 ORDER BY j)::vector
	FROM blobs b, generate_series(1, 32) j WHERE b.c = $1 $$;
CREATE TABLE items (id int PRIMARY KEY, v vector(32));
INSERT INTO items SELECT g, blob_point(g % 24) FROM generate_series(1, 12000) g;
CREATE TABLE queries AS SELECT g AS id, blob_point((g * 7) % 24) AS v
	FROM generate_series(1, 60) g;
});

my %opclass = ('<->' => 'vector_l2_ops', '<#>' => 'vector_ip_ops',
	'<=>' => 'vector_cosine_ops');

sub check_recall
{
	my ($stage) = @_;
	foreach my $op (sort keys %opclass)
	{
		my $r = $node->safe_psql('postgres', qq{
			SET ivfflat.probes = 10;
			SELECT recall('items', 'queries', '$op', 10)});
		cmp_ok($r, '>=', 0.9, "$opclass{$op} recall\@10 at probes 10 $stage ($r)");
	}
}

foreach my $op (sort keys %opclass)
{
	$node->safe_psql('postgres',
		"CREATE INDEX ON items USING ivfflat (v $opclass{$op}) WITH (lists = 100)");
}
my $plan = $node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]' LIMIT 10});
like($plan, qr/Index Scan using items_v_idx/, 'recall is measured on index scans');

check_recall('after build');

# probes = lists is exact
my $exact = $node->safe_psql('postgres', q{
	SET ivfflat.probes = 100; SELECT recall('items', 'queries', '<->', 10)});
is($exact, '1', 'probes = lists gives the exact answer');

# 6,000 inserts from the same blobs, after the build
$node->safe_psql('postgres',
	'INSERT INTO items SELECT g, blob_point(g % 24) FROM generate_series(12001, 18000) g');
check_recall('after inserts');

# delete 40% of the rows, VACUUM, then insert again into the freed space
$node->safe_psql('postgres', 'DELETE FROM items WHERE id % 5 IN (1, 3)');
$node->safe_psql('postgres', 'VACUUM items');
check_recall('after deletes and VACUUM');
my $size_before = $node->safe_psql('postgres',
	"SELECT pg_relation_size('items_v_idx')");
$node->safe_psql('postgres',
	'INSERT INTO items SELECT g, blob_point(g % 24) FROM generate_series(18001, 21000) g');
my $size_after = $node->safe_psql('postgres',
	"SELECT pg_relation_size('items_v_idx')");
is($size_after, $size_before, 'inserts after VACUUM reuse the freed space');
check_recall('after VACUUM and more inserts');
my $dead = $node->safe_psql('postgres', q{
	SET enable_seqscan = off; SET ivfflat.probes = 100;
	SELECT count(*) FROM (SELECT id FROM items ORDER BY v <-> (SELECT v FROM queries LIMIT 1)
		LIMIT 100000) s WHERE id % 5 IN (1, 3) AND id <= 18000});
is($dead, '0', 'no deleted row comes back');
my $all = $node->safe_psql('postgres', q{
	SET enable_seqscan = off; SET ivfflat.probes = 100;
	SELECT (SELECT count(*) FROM (SELECT id FROM items
		ORDER BY v <-> (SELECT v FROM queries LIMIT 1) LIMIT 100000) s) = count(*) FROM items});
is($all, 't', 'every live row is in the index after VACUUM');

# Iterative scan: 1% of rows pass the filter; with relaxed_order each query
# still gets its 10 rows, and they are the exact answer's rows when
# max_probes covers the index.
$node->safe_psql('postgres',
	'ALTER TABLE items ADD COLUMN cat int; UPDATE items SET cat = id % 100; VACUUM items');
my $short = $node->safe_psql('postgres', q{
	SET enable_seqscan = off; SET ivfflat.probes = 1;
	SELECT count(*) FILTER (WHERE n < 10) FROM queries q,
		LATERAL (SELECT count(*) AS n FROM (SELECT id FROM items WHERE cat = 7
			ORDER BY v <-> q.v LIMIT 10) s) c});
cmp_ok($short, '>', 0, "without iterative scan a 1% filter leaves queries short ($short of 60)");
my $full = $node->safe_psql('postgres', q{
	SET enable_seqscan = off; SET ivfflat.probes = 1;
	SET ivfflat.iterative_scan = relaxed_order;
	SELECT count(*) FILTER (WHERE n = 10) FROM queries q,
		LATERAL (SELECT count(*) AS n FROM (SELECT id FROM items WHERE cat = 7
			ORDER BY v <-> q.v LIMIT 10) s) c});
is($full, '60', 'relaxed_order returns the full LIMIT for every query');
# Relaxed order only adds batches when the first one runs short, so under
# the filter it finds at least what the plain scan finds.
my $filtered = $node->safe_psql('postgres', q{
	CREATE VIEW items7 AS SELECT id, v FROM items WHERE cat = 7;
	SET ivfflat.probes = 3;
	SELECT recall('items7', 'queries', '<->', 10);
	SET ivfflat.iterative_scan = relaxed_order;
	SELECT recall('items7', 'queries', '<->', 10)});
my ($plain_recall, $relaxed_recall) = split /\n/, $filtered;
cmp_ok($relaxed_recall, '>', $plain_recall,
	"relaxed_order raises recall\@10 under a 1% filter ($plain_recall -> $relaxed_recall)");

# siftsmall: 10,000 x 128 real SIFT descriptors, 100 queries.
SKIP:
{
	my $shared = $ENV{VECTOR_SHARED} // '';
	skip 'needs ../shared (VECTOR_SHARED)', 5 if $shared eq '';
	my $dir = "$shared/data/siftsmall";
	my $tmp = PostgreSQL::Test::Utils::tempdir;
	fvecs_to_copy("$dir/siftsmall_base.fvecs", "$tmp/base.copy");
	fvecs_to_copy("$dir/siftsmall_query.fvecs", "$tmp/query.copy");
	chmod 0644, "$tmp/base.copy", "$tmp/query.copy";
	$node->safe_psql('postgres', qq{
		CREATE TABLE sift (id int, v vector(128));
		COPY sift FROM '$tmp/base.copy';
		CREATE TABLE sift_q (id int, v vector(128));
		COPY sift_q FROM '$tmp/query.copy';
		CREATE INDEX ON sift USING ivfflat (v vector_l2_ops) WITH (lists = 100);
	});
	my $r = $node->safe_psql('postgres', q{
		SET ivfflat.probes = 10; SELECT recall('sift', 'sift_q', '<->', 10)});
	cmp_ok($r, '>=', 0.9, "siftsmall recall\@10 at probes 10 ($r)");
	$node->safe_psql('postgres', 'DELETE FROM sift WHERE id % 4 = 0; VACUUM sift');
	$r = $node->safe_psql('postgres', q{
		SET ivfflat.probes = 10; SELECT recall('sift', 'sift_q', '<->', 10)});
	cmp_ok($r, '>=', 0.9, "siftsmall recall\@10 after deletes and VACUUM ($r)");

	# Text embeddings, raw float32; the first 50 rows are held out as queries.
	# cohere-wiki-1k: 1,000 x 768, inner product.
	raw_to_copy("$shared/data/cohere-wiki-1k/cohere_1k_vectors", 768,
		"$tmp/coh_q.copy", "$tmp/coh.copy");
	# fiori-docs-minilm: 778 x 384, cosine.
	raw_to_copy("$shared/data/fiori-docs-minilm/embeddings.bin", 384,
		"$tmp/fio_q.copy", "$tmp/fio.copy");
	chmod 0644, glob("$tmp/*.copy");
	$node->safe_psql('postgres', qq{
		CREATE TABLE coh (id int, v vector(768)); COPY coh FROM '$tmp/coh.copy';
		CREATE TABLE coh_q (id int, v vector(768)); COPY coh_q FROM '$tmp/coh_q.copy';
		CREATE INDEX ON coh USING ivfflat (v vector_ip_ops) WITH (lists = 30);
		CREATE TABLE fio (id int, v vector(384)); COPY fio FROM '$tmp/fio.copy';
		CREATE TABLE fio_q (id int, v vector(384)); COPY fio_q FROM '$tmp/fio_q.copy';
		CREATE INDEX ON fio USING ivfflat (v vector_cosine_ops) WITH (lists = 30);
		CREATE TABLE fion AS SELECT id, l2_normalize(v)::vector(384) AS v FROM fio;
		CREATE TABLE fion_q AS SELECT id, l2_normalize(v)::vector(384) AS v FROM fio_q;
		CREATE INDEX ON fion USING ivfflat (v vector_l2_ops) WITH (lists = 30);
	});
	$r = $node->safe_psql('postgres', q{
		SET ivfflat.probes = 3; SELECT recall('coh', 'coh_q', '<#>', 10)});
	cmp_ok($r, '>=', 0.9, "cohere-wiki-1k inner product recall\@10 at probes 3 of 30 ($r)");
	# 728 rows make lists of ~24 rows, and these embeddings are not well
	# clustered: at probes = lists / 10 recall is about 0.77 (an L2 index on
	# the normalised vectors, which ranks alike, does no better, checked
	# below), so the 0.9 bar is checked at probes = lists / 3.
	$r = $node->safe_psql('postgres', q{
		SET ivfflat.probes = 10; SELECT recall('fio', 'fio_q', '<=>', 10)});
	cmp_ok($r, '>=', 0.9, "fiori-docs-minilm cosine recall\@10 at probes 10 of 30 ($r)");
	my ($cos, $l2) = split /\n/, $node->safe_psql('postgres', q{
		SET ivfflat.probes = 3;
		SELECT recall('fio', 'fio_q', '<=>', 10);
		SELECT recall('fion', 'fion_q', '<->', 10)});
	cmp_ok($cos, '>=', $l2 - 0.05,
		"spherical k-means for cosine ($cos) is no worse than L2 k-means on normalised rows ($l2)");
}

$node->stop;
done_testing();

# Write an fvecs file as COPY text: id, then the vector literal.
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

# Raw float32 rows of dims each: the first 50 to $qout, the rest to $bout.
sub raw_to_copy
{
	my ($in, $dims, $qout, $bout) = @_;
	open(my $fh, '<:raw', $in) or die "could not open $in: $!";
	open(my $qh, '>', $qout) or die "could not open $qout: $!";
	open(my $bh, '>', $bout) or die "could not open $bout: $!";
	my $id = 0;
	while (read($fh, my $buf, 4 * $dims) == 4 * $dims)
	{
		my $line = $id . "\t[" . join(',', unpack("f<$dims", $buf)) . "]\n";
		print { $id < 50 ? $qh : $bh } $line;
		$id++;
	}
	close($qh);
	close($bh);
	close($fh);
}
