# Recall of ivfflat against exact search computed in the same test: after the
# build, after inserts, after deletes + VACUUM, for the three opclasses on
# clustered data; on the real sets siftsmall, bigann10k, fmnistsmall (L2),
# cohere-wiki-1k (inner product), fiori-docs-minilm and bge-m3-alice-1k
# (cosine); and iterative scans under a 1% filter.  The real sets need
# ../shared (VECTOR_SHARED) and are skipped without it.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VectorTestData qw(fvecs_to_copy);

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

# siftsmall: 10,000 x 128 real SIFT descriptors, 100 queries; lists = 100,
# probes 10: 0.978 (FAISS 0.973 [0.966..0.976]).
SKIP:
{
	my $shared = $ENV{VECTOR_SHARED} // '';
	skip 'needs ../shared (VECTOR_SHARED)', 10 if $shared eq '';
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

	# The issue's bar is recall@10 >= 0.9 at probes = lists / 10.  Each set
	# below is checked there with a lists value that suits its size, except
	# where no sensible lists value reaches it (bge-m3-alice-1k; see there).
	# The figures in the comments were measured with test/bench/ivf_recall.py
	# on the same split; FAISS is IndexIVFFlat with the same lists and nprobe,
	# one thread, mean [min..max] over 5 k-means seeds.  Averaged over 5
	# random splits of 100 queries, ours is within 0.015 of FAISS or above
	# it on every set at lists 10, 30 and 100, so where the bar fails it is
	# the data and the lists value, not the clustering (src/ivf/README).
	# fashion-mnist (60,000 x 784) stays in the benchmark, since loading it
	# would dominate this test: lists = 60 (rows / 1000), probes 6: 0.997,
	# FAISS 0.997; lists = 100, probes 10: 0.999, FAISS 0.999.  fmnistsmall
	# below is a subset of it.

	# Text embeddings, raw float32; the first 50 rows are held out as queries.
	# cohere-wiki-1k: 1,000 x 768, inner product.
	raw_to_copy(768, "$tmp/coh_q.copy", "$tmp/coh.copy",
		"$shared/data/cohere-wiki-1k/cohere_1k_vectors");
	# fiori-docs-minilm: 778 x 384, cosine.
	raw_to_copy(384, "$tmp/fio_q.copy", "$tmp/fio.copy",
		"$shared/data/fiori-docs-minilm/embeddings.bin");
	# bge-m3-alice-1k: 2 x 500 x 1024, cosine.
	raw_to_copy(1024, "$tmp/bge_q.copy", "$tmp/bge.copy",
		map { "$shared/data/bge-m3-alice-1k/unit-data-1024-${_}_queries.vec" }
		  qw(sentence paragraph));
	# bigann10k: 10,000 x 128 uint8 SIFT; its 100 queries are base rows
	# 0..99, so those rows are held out of the base as the queries.
	bvecs_to_copy("$shared/data/bigann10k/bigann10k_base.bvecs", 100,
		"$tmp/big_q.copy", "$tmp/big.copy");
	# fmnistsmall: 1,000 x 784 Fashion-MNIST images, the 500 shipped queries.
	fvecs_to_copy("$shared/data/fmnistsmall/fmnistsmall_base.fvecs", "$tmp/fmn.copy");
	fvecs_to_copy("$shared/data/fmnistsmall/fmnistsmall_query.fvecs", "$tmp/fmn_q.copy");
	chmod 0644, glob("$tmp/*.copy");
	$node->safe_psql('postgres', qq{
		CREATE TABLE coh (id int, v vector(768)); COPY coh FROM '$tmp/coh.copy';
		CREATE TABLE coh_q (id int, v vector(768)); COPY coh_q FROM '$tmp/coh_q.copy';
		CREATE INDEX ON coh USING ivfflat (v vector_ip_ops) WITH (lists = 30);
		CREATE TABLE fio (id int, v vector(384)); COPY fio FROM '$tmp/fio.copy';
		CREATE TABLE fio_q (id int, v vector(384)); COPY fio_q FROM '$tmp/fio_q.copy';
		CREATE INDEX fio_idx ON fio USING ivfflat (v vector_cosine_ops) WITH (lists = 30);
		CREATE TABLE fion AS SELECT id, l2_normalize(v)::vector(384) AS v FROM fio;
		CREATE TABLE fion_q AS SELECT id, l2_normalize(v)::vector(384) AS v FROM fio_q;
		CREATE INDEX ON fion USING ivfflat (v vector_l2_ops) WITH (lists = 30);
		CREATE TABLE bge (id int, v vector(1024)); COPY bge FROM '$tmp/bge.copy';
		CREATE TABLE bge_q (id int, v vector(1024)); COPY bge_q FROM '$tmp/bge_q.copy';
		CREATE INDEX ON bge USING ivfflat (v vector_cosine_ops) WITH (lists = 100);
		CREATE TABLE big (id int, v vector(128)); COPY big FROM '$tmp/big.copy';
		CREATE TABLE big_q (id int, v vector(128)); COPY big_q FROM '$tmp/big_q.copy';
		CREATE INDEX ON big USING ivfflat (v vector_l2_ops) WITH (lists = 100);
		CREATE TABLE fmn (id int, v vector(784)); COPY fmn FROM '$tmp/fmn.copy';
		CREATE TABLE fmn_q (id int, v vector(784)); COPY fmn_q FROM '$tmp/fmn_q.copy';
		CREATE INDEX ON fmn USING ivfflat (v vector_l2_ops) WITH (lists = 30);
	});
	# 950 rows, lists = 30: 0.994 (FAISS 0.967 [0.932..0.984]).
	$r = $node->safe_psql('postgres', q{
		SET ivfflat.probes = 3; SELECT recall('coh', 'coh_q', '<#>', 10)});
	cmp_ok($r, '>=', 0.9, "cohere-wiki-1k inner product recall\@10 at probes 3 of 30 ($r)");

	# fiori-docs-minilm, 728 rows.  With lists = 30 (about sqrt(rows); the
	# rows / 1000 rule gives fewer) lists hold ~24 rows and these embeddings
	# are not well clustered: at probes 3 of 30 recall is 0.770, FAISS 0.740
	# [0.706..0.784], and at lists = 10, probes 1, 0.68 for both (5 random
	# splits).  An L2 index on the normalised vectors, which ranks alike,
	# does no better (checked below).  So with lists = 30 the 0.9 bar is
	# checked at probes = lists / 3, and the issue's bar with lists = 100
	# (0.916, FAISS 0.881 [0.848..0.900]).
	$r = $node->safe_psql('postgres', q{
		SET ivfflat.probes = 10; SELECT recall('fio', 'fio_q', '<=>', 10)});
	cmp_ok($r, '>=', 0.9, "fiori-docs-minilm cosine recall\@10 at probes 10 of 30 ($r)");
	my ($cos, $l2) = split /\n/, $node->safe_psql('postgres', q{
		SET ivfflat.probes = 3;
		SELECT recall('fio', 'fio_q', '<=>', 10);
		SELECT recall('fion', 'fion_q', '<->', 10)});
	cmp_ok($cos, '>=', $l2 - 0.05,
		"spherical k-means for cosine ($cos) is no worse than L2 k-means on normalised rows ($l2)");
	$r = $node->safe_psql('postgres', q{
		DROP INDEX fio_idx;
		CREATE INDEX ON fio USING ivfflat (v vector_cosine_ops) WITH (lists = 100);
		SET ivfflat.probes = 10; SELECT recall('fio', 'fio_q', '<=>', 10)});
	cmp_ok($r, '>=', 0.9, "fiori-docs-minilm cosine recall\@10 at probes 10 of 100 ($r)");

	# bge-m3-alice-1k, 950 rows, lists = 100: the issue's bar does not hold,
	# for FAISS either: at probes 10 recall is 0.840, FAISS 0.850
	# [0.824..0.868] (5 random splits of 100 queries: 0.881 and 0.890).
	# Fewer lists do worse at lists / 10 (lists = 30, probes 3: 0.816, FAISS
	# 0.791), and it takes lists = 150, 6 rows a list, to pass (0.916).  So
	# 0.9 is checked at probes 20 (0.934), probes 10 must stay at 0.8, and
	# the bar itself with lists = 150.
	my ($b10, $b20) = split /\n/, $node->safe_psql('postgres', q{
		SET ivfflat.probes = 10; SELECT recall('bge', 'bge_q', '<=>', 10);
		SET ivfflat.probes = 20; SELECT recall('bge', 'bge_q', '<=>', 10)});
	cmp_ok($b10, '>=', 0.8, "bge-m3-alice-1k cosine recall\@10 at probes 10 of 100 ($b10)");
	cmp_ok($b20, '>=', 0.9, "bge-m3-alice-1k cosine recall\@10 at probes 20 of 100 ($b20)");
	$r = $node->safe_psql('postgres', q{
		DROP INDEX bge_v_idx;
		CREATE INDEX bge_150 ON bge USING ivfflat (v vector_cosine_ops) WITH (lists = 150);
		SET ivfflat.probes = 15; SELECT recall('bge', 'bge_q', '<=>', 10)});
	cmp_ok($r, '>=', 0.9, "bge-m3-alice-1k cosine recall\@10 at probes 15 of 150 ($r)");

	# bigann10k, 9,900 rows, lists = 100: 0.936 (FAISS 0.926 [0.919..0.937]).
	$r = $node->safe_psql('postgres', q{
		SET ivfflat.probes = 10; SELECT recall('big', 'big_q', '<->', 10)});
	cmp_ok($r, '>=', 0.9, "bigann10k recall\@10 at probes 10 of 100 ($r)");

	# fmnistsmall, 1,000 rows, lists = 30: 0.965 (FAISS 0.959
	# [0.951..0.962]); at lists = 10, probes 1: 0.875 (FAISS 0.838).
	$r = $node->safe_psql('postgres', q{
		SET ivfflat.probes = 3; SELECT recall('fmn', 'fmn_q', '<->', 10)});
	cmp_ok($r, '>=', 0.9, "fmnistsmall recall\@10 at probes 3 of 30 ($r)");
}

$node->stop;
done_testing();


# Raw float32 rows of dims each, from the files in order: the first 50 rows
# to $qout, the rest to $bout.
sub raw_to_copy
{
	my ($dims, $qout, $bout, @in) = @_;
	open(my $qh, '>', $qout) or die "could not open $qout: $!";
	open(my $bh, '>', $bout) or die "could not open $bout: $!";
	my $id = 0;
	foreach my $in (@in)
	{
		open(my $fh, '<:raw', $in) or die "could not open $in: $!";
		while (read($fh, my $buf, 4 * $dims) == 4 * $dims)
		{
			my $line = $id . "\t[" . join(',', unpack("f<$dims", $buf)) . "]\n";
			print { $id < 50 ? $qh : $bh } $line;
			$id++;
		}
		close($fh);
	}
	close($qh);
	close($bh);
}

# A bvecs file (int32 dims, then dims uint8 per row): the first $nq rows to
# $qout, the rest to $bout, as COPY text.
sub bvecs_to_copy
{
	my ($in, $nq, $qout, $bout) = @_;
	open(my $fh, '<:raw', $in) or die "could not open $in: $!";
	open(my $qh, '>', $qout) or die "could not open $qout: $!";
	open(my $bh, '>', $bout) or die "could not open $bout: $!";
	my $id = 0;
	while (read($fh, my $hdr, 4) == 4)
	{
		my $d = unpack('l<', $hdr);
		read($fh, my $buf, $d) == $d or die "short read in $in";
		print { $id < $nq ? $qh : $bh } $id, "\t[", join(',', unpack("C$d", $buf)), "]\n";
		$id++;
	}
	close($qh);
	close($bh);
	close($fh);
}
