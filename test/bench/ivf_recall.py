#!/usr/bin/python3
"""
test/bench/ivf_recall.py: recall@10 of ivfflat against FAISS IndexIVFFlat
with the same lists and probes, on the data sets of datasets.py.

Only recall, no timing: it answers "are our lists as good as FAISS's?".
FAISS is trained on all rows (it subsamples to 256 per list itself) with
several k-means seeds, so its spread shows how much of a difference is seed
noise.  Our build is deterministic.  Recall counts a returned row as a hit
when its exact distance is within the true 10th distance (ties count).

    python3 test/bench/ivf_recall.py                    # throwaway cluster
    python3 test/bench/ivf_recall.py --dsn "host=... port=5432 user=postgres dbname=postgres" \\
        --sets fiori-docs-minilm,bge-m3-alice-1k --lists 100,30 --probes tenth \\
        --split first

--lists takes numbers and the rules "rule" (rows / 1000, at least 10) and
"sqrt" (sqrt(rows) rounded to tens).  --probes "tenth" is lists / 10.
--split applies to the text sets, which ship no queries: "random"
(datasets.py's seeded hold-out of 100 rows, --seed) or "first" (the first
--nq rows, 50 by default, as test/t/020_ivfflat_recall.pl holds them out).
Needs python3-numpy, python3-psycopg and python3-faiss; as root without
--dsn it starts scripts/bench-cluster and stops it at the end.
"""

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import numpy as np                      # noqa: E402
import psycopg                          # noqa: E402

import datasets                         # noqa: E402

OPS = {"l2": ("<->", "vector_l2_ops"), "ip": ("<#>", "vector_ip_ops"),
       "cosine": ("<=>", "vector_cosine_ops")}
TEXT_SETS = ("fiori-docs-minilm", "bge-m3-alice-1k", "cohere-wiki-1k")
PGCONF = "shared_buffers = 1GB\nmaintenance_work_mem = 1GB\njit = off\n"


def vec_text(v):
    return "[" + ",".join(repr(float(x)) for x in v) + "]"


def recall(found, queries, base, gt_d, metric, k):
    hits = 0
    for i, ids in enumerate(found):
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids):
            d = datasets.distances(base[ids], queries[i:i + 1], metric)[0]
            tenth = gt_d[i][k - 1]
            hits += int(np.sum(d <= tenth + 1e-5 * max(abs(tenth), 1e-12)))
    return hits / (k * len(found))


def faiss_found(base, queries, metric, lists, probes, seed, k):
    import faiss
    faiss.omp_set_num_threads(1)
    d = base.shape[1]
    if metric == "cosine":
        base, queries = datasets.normalize(base), datasets.normalize(queries)
    if metric == "l2":
        quant, mt = faiss.IndexFlatL2(d), faiss.METRIC_L2
    else:
        quant, mt = faiss.IndexFlatIP(d), faiss.METRIC_INNER_PRODUCT
    idx = faiss.IndexIVFFlat(quant, d, lists, mt)
    idx.cp.seed = seed
    idx.cp.min_points_per_centroid = 1      # small sets: no warning spam
    idx.train(base)
    idx.add(base)
    out = {}
    for p in probes:
        idx.nprobe = p
        _, labels = idx.search(queries, k)
        out[p] = [lab[lab >= 0] for lab in labels]
    return out


def lists_of(spec, n):
    if spec == "rule":
        return max(10, n // 1000)
    if spec == "sqrt":
        return max(10, int(round(np.sqrt(n) / 10.0)) * 10)
    return int(spec)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sets", default="fiori-docs-minilm,bge-m3-alice-1k,"
                   "cohere-wiki-1k,fmnistsmall,siftsmall,bigann10k")
    p.add_argument("--metric", help="default: cosine for text sets, else the set's")
    p.add_argument("--lists", default="100,rule,sqrt")
    p.add_argument("--probes", default="tenth", help="comma list, or tenth")
    p.add_argument("--split", choices=("random", "first"), default="random")
    p.add_argument("--seed", type=int, default=42, help="hold-out seed (random split)")
    p.add_argument("--nq", type=int, default=None, help="queries (held-out rows)")
    p.add_argument("--faiss-seeds", type=int, default=5)
    p.add_argument("--no-faiss", action="store_true")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--dsn")
    a = p.parse_args()

    cdir = None
    dsn = a.dsn
    if not dsn:
        out = subprocess.run([os.path.join(REPO, "scripts", "bench-cluster"), "start"],
                             stdout=subprocess.PIPE, text=True,
                             env=dict(os.environ, BENCH_PGCONF=PGCONF))
        if out.returncode != 0 or not out.stdout.strip():
            sys.exit("scripts/bench-cluster start failed")
        dsn = out.stdout.strip().splitlines()[-1]
        cdir = dict(kv.split("=", 1) for kv in dsn.split())["host"]
    try:
        conn = psycopg.connect(dsn, autocommit=True)
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        conn.execute("SET max_parallel_maintenance_workers = 0")
        print("| set | metric | rows | queries | lists | probes | ours | FAISS mean [min..max] |")
        print("|---|---|---:|---:|---:|---:|---:|---|")
        for name in a.sets.split(","):
            seed = None if a.split == "first" else a.seed
            nq = a.nq or (50 if a.split == "first" and name in TEXT_SETS else None)
            base, queries, metric = datasets.load(name, nq=nq, seed=seed)
            if a.metric:
                metric = a.metric
            elif name in TEXT_SETS:
                metric = "cosine"
            _, gt_d = datasets.ground_truth(base, queries, metric, k=a.k)
            op, opclass = OPS[metric]
            conn.execute("DROP TABLE IF EXISTS ivf_recall_items")
            conn.execute("CREATE TABLE ivf_recall_items (id int, v vector(%d))"
                         % base.shape[1])
            with conn.cursor().copy("COPY ivf_recall_items FROM STDIN") as cp:
                for i, v in enumerate(base):
                    cp.write_row((i, vec_text(v)))
            conn.execute("VACUUM ANALYZE ivf_recall_items")
            for spec in a.lists.split(","):
                lists = lists_of(spec, len(base))
                if a.probes == "tenth":
                    probes = [max(1, lists // 10)]
                else:
                    probes = sorted({min(lists, int(x)) for x in a.probes.split(",")})
                conn.execute("DROP INDEX IF EXISTS ivf_recall_idx")
                conn.execute("CREATE INDEX ivf_recall_idx ON ivf_recall_items "
                             "USING ivfflat (v %s) WITH (lists = %d)" % (opclass, lists))
                ref = [] if a.no_faiss else [
                    faiss_found(base, queries, metric, lists, probes, s, a.k)
                    for s in range(1, a.faiss_seeds + 1)]
                conn.execute("SET enable_seqscan = off")
                for pr in probes:
                    conn.execute("SET ivfflat.probes = %d" % pr)
                    sql = ("SELECT id FROM ivf_recall_items ORDER BY v %s %%s::vector "
                           "LIMIT %d" % (op, a.k))
                    found = [[r[0] for r in conn.execute(sql, (vec_text(q),))]
                             for q in queries]
                    ours = recall(found, queries, base, gt_d, metric, a.k)
                    fr = [recall(f[pr], queries, base, gt_d, metric, a.k) for f in ref]
                    print("| %s | %s | %d | %d | %d | %d | %.3f | %s |" % (
                        name, metric, len(base), len(queries), lists, pr, ours,
                        "%.3f [%.3f..%.3f]" % (np.mean(fr), min(fr), max(fr)) if fr else "-"),
                        flush=True)
                conn.execute("RESET enable_seqscan")
        conn.execute("DROP TABLE IF EXISTS ivf_recall_items")
    finally:
        if cdir:
            subprocess.run([os.path.join(REPO, "scripts", "bench-cluster"), "stop", cdir])
    return 0


if __name__ == "__main__":
    sys.exit(main())
