#!/usr/bin/python3
"""
test/bench/ann_bench.py: benchmark the extension's ANN index access methods
(hnsw, ivfflat) against exact search and against the no-database reference
libraries (hnswlib for HNSW, FAISS IndexIVFFlat for IVF).

Run as root from the repository (see test/bench/README.md):

    python3 test/bench/ann_bench.py --dataset clustered --n 100000 --dim 128 \
        --metric l2 --am hnsw,ivfflat --out test/bench/results/$(date +%F)-clustered.md

Without --dsn it builds the extension and starts a throwaway cluster with
scripts/bench-cluster, and stops it at the end.  Every part that needs an
access method the server does not have is skipped with a message; the
references, the exact scan and the SQL floor still run.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import struct
import subprocess
import sys
import tempfile
import time

# The references run on one thread, as one backend does.  faiss's
# omp_set_num_threads(1) does not reach the BLAS it trains and searches
# with: OpenBLAS's pthread build (libopenblas0-pthread) starts a thread per
# core unless told otherwise before it is loaded.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEB_PYTHON = "/usr/bin/python3"
DEB_PACKAGES = ["python3-numpy", "python3-psycopg", "python3-hnswlib",
                "python3-faiss"]


def ensure_python():
    """
    Re-run under Debian's python (which sees the python3-* packages) when
    started by another interpreter, then install the packages if missing.
    """
    if (os.path.realpath(sys.executable) != os.path.realpath(DEB_PYTHON)
            and os.path.exists(DEB_PYTHON)
            and not os.environ.get("ANN_BENCH_REEXEC")):
        os.environ["ANN_BENCH_REEXEC"] = "1"
        os.execv(DEB_PYTHON, [DEB_PYTHON] + sys.argv)
    missing = []
    for mod, pkg in (("numpy", "python3-numpy"), ("psycopg", "python3-psycopg"),
                     ("hnswlib", "python3-hnswlib"), ("faiss", "python3-faiss")):
        try:
            __import__(mod)
        except ImportError:
            missing.append(pkg)
    if missing:
        if os.geteuid() != 0:
            sys.exit("missing %s; run as root or: apt-get install -y %s"
                     % (", ".join(missing), " ".join(DEB_PACKAGES)))
        log("installing %s" % " ".join(missing))
        subprocess.check_call(["apt-get", "install", "-y", "-q"] + missing,
                              env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def log(msg):
    print("==> %s" % msg, file=sys.stderr, flush=True)


ensure_python()

import numpy as np                      # noqa: E402
import psycopg                          # noqa: E402
from psycopg.adapt import Dumper        # noqa: E402
from psycopg.pq import Format           # noqa: E402

sys.path.insert(0, HERE)
import datasets                         # noqa: E402

OPS = {"l2": ("<->", "vector_l2_ops"),
       "ip": ("<#>", "vector_ip_ops"),
       "cosine": ("<=>", "vector_cosine_ops")}
# --form: what the hnsw index is built on (the table always keeps
# embedding vector(D), and recall is always against full-precision exact
# neighbours).  halfvec: an expression index on embedding::halfvec(D);
# bq: an expression index on binary_quantize(embedding)::bit(D), searched
# by Hamming distance for the top R, re-ranked by the exact distance.
FORMS = ("vector", "halfvec", "bq")
HALFVEC_OPCLASS = {"l2": "halfvec_l2_ops", "ip": "halfvec_ip_ops",
                   "cosine": "halfvec_cosine_ops"}
BQ_RERANK = [40, 100]
SWEEP = {"hnsw": ("ef_search", [10, 20, 40, 80, 160, 320]),
         "ivfflat": ("probes", [1, 5, 10, 20, 50, 100])}
INDEX = "ann_bench_embedding_idx"


# --------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------

class Cluster:
    """A throwaway cluster from scripts/bench-cluster, or an external DSN."""

    def __init__(self, dsn=None, keep=False):
        self.dir = None
        self.keep = keep
        self.dsn = dsn
        if dsn:
            return
        if os.geteuid() != 0:
            sys.exit("without --dsn the bench must run as root (the server "
                     "runs as the postgres OS user)")
        log("starting a throwaway cluster (scripts/bench-cluster start)")
        out = subprocess.run([os.path.join(REPO, "scripts", "bench-cluster"),
                              "start"], stdout=subprocess.PIPE, text=True,
                             env=dict(os.environ, BENCH_PGCONF=BENCH_PGCONF))
        lines = out.stdout.strip().splitlines()
        if out.returncode != 0 or not lines:
            sys.exit("scripts/bench-cluster start failed")
        self.dsn = lines[-1]
        self.dir = dict(kv.split("=", 1) for kv in self.dsn.split())["host"]
        log("cluster at %s" % self.dir)

    def stop(self):
        if self.dir and not self.keep:
            subprocess.run([os.path.join(REPO, "scripts", "bench-cluster"),
                            "stop", self.dir])
            self.dir = None
        elif self.dir:
            log("cluster kept: %s (stop with scripts/bench-cluster stop %s)"
                % (self.dsn, self.dir))


# Settings for a benchmark server, on top of start_cluster's (lib.sh).  The
# data sets here fit in shared_buffers, so reads after the first pass are
# buffer hits; the checkpoint spacing keeps checkpoints out of timed phases.
BENCH_PGCONF = """
shared_buffers = 1GB
maintenance_work_mem = 1GB
work_mem = 64MB
max_wal_size = 8GB
checkpoint_timeout = 1h
jit = off
"""


def make_binary_dumper(oid):
    class VectorBinaryDumper(Dumper):
        """numpy float32 vector -> the type's binary input (vector_recv)."""
        format = Format.BINARY

        def dump(self, obj):
            return (struct.pack(">hh", len(obj), 0)
                    + np.asarray(obj, dtype=">f4").tobytes())
    VectorBinaryDumper.oid = oid
    return VectorBinaryDumper


def vector_text(v):
    """Text form that parses back to the same float32 values."""
    return "[" + ",".join(np.format_float_positional(x, unique=True, trim="-")
                          for x in np.asarray(v, dtype=np.float32)) + "]"


def connect(dsn, param_format):
    conn = psycopg.connect(dsn, autocommit=True)
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    oid = conn.execute("SELECT 'vector'::regtype::oid").fetchone()[0]
    conn.adapters.register_dumper(np.ndarray, make_binary_dumper(oid))
    return conn


def qparam(v, fmt):
    return v if fmt == "binary" else vector_text(v)


def ph(fmt):
    """The placeholder of a vector parameter for the chosen format."""
    return "%b" if fmt == "binary" else "%t::vector"


def setting(conn, name):
    try:
        return conn.execute("SELECT current_setting(%s, true)",
                            (name,)).fetchone()[0]
    except psycopg.Error:
        return None


def wal_lsn(conn):
    return conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]


def wal_diff(conn, a):
    return int(conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), %s)",
                            (a,)).fetchone()[0])


def checkpoint(conn):
    try:
        conn.execute("CHECKPOINT")
    except psycopg.Error as e:
        log("CHECKPOINT failed (%s); WAL figures include full-page images "
            "from an earlier checkpoint" % str(e).strip())


def prewarm(conn, rel):
    """
    Load a relation into shared buffers (pg_prewarm, from contrib), so the
    first timed setting does not pay for reads the later ones do not: COPY
    and index builds write around shared buffers.
    """
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        conn.execute("SELECT pg_prewarm(%s)", (rel,))
    except psycopg.Error as e:
        log("pg_prewarm(%s) failed: %s" % (rel, str(e).strip()))


def am_exists(conn, am):
    return conn.execute("SELECT count(*) FROM pg_am WHERE amname = %s",
                        (am,)).fetchone()[0] > 0


# --------------------------------------------------------------------------
# Table
# --------------------------------------------------------------------------

def copy_binary_rows(ids, cats, vecs):
    """A COPY ... (FORMAT BINARY) stream of (bigint, int, vector) rows."""
    n, d = vecs.shape
    dt = np.dtype([("nf", ">i2"), ("l1", ">i4"), ("id", ">i8"),
                   ("l2", ">i4"), ("cat", ">i4"),
                   ("l3", ">i4"), ("dim", ">i2"), ("unused", ">i2"),
                   ("vec", ">f4", (d,))])
    rows = np.empty(n, dtype=dt)
    rows["nf"] = 3
    rows["l1"] = 8
    rows["id"] = ids
    rows["l2"] = 4
    rows["cat"] = cats
    rows["l3"] = 4 + 4 * d
    rows["dim"] = d
    rows["unused"] = 0
    rows["vec"] = vecs
    return rows.tobytes()


def load_table(conn, table, base, cats, replace):
    """(Re)create the table and COPY the base vectors in; returns seconds."""
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL",
                          (table,)).fetchone()[0]
    if exists and not replace:
        mark = conn.execute("SELECT obj_description(%s::regclass, 'pg_class')",
                            (table,)).fetchone()[0]
        if mark != "ann_bench":
            sys.exit("table %s exists and was not made by ann_bench; pick "
                     "another --table or pass --replace-table" % table)
    conn.execute("DROP TABLE IF EXISTS %s" % table)
    conn.execute("CREATE TABLE %s (id bigint PRIMARY KEY, category int NOT NULL, "
                 "embedding vector(%d))" % (table, base.shape[1]))
    conn.execute("COMMENT ON TABLE %s IS 'ann_bench'" % table)
    t0 = time.perf_counter()
    step = max(1, (32 << 20) // (base.shape[1] * 4 + 30))
    with conn.cursor() as cur:
        with cur.copy("COPY %s (id, category, embedding) FROM STDIN "
                      "(FORMAT BINARY)" % table) as cp:
            cp.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
            for s in range(0, len(base), step):
                e = min(len(base), s + step)
                cp.write(copy_binary_rows(np.arange(s, e), cats[s:e], base[s:e]))
            cp.write(struct.pack(">h", -1))
    t_copy = time.perf_counter() - t0
    conn.execute("VACUUM ANALYZE %s" % table)
    t_all = time.perf_counter() - t0
    prewarm(conn, table)
    return t_copy, t_all


# --------------------------------------------------------------------------
# Query timing
# --------------------------------------------------------------------------

def backend_cpu(conn):
    """
    CPU seconds the connection's server process has used so far, from /proc
    (local server only; None elsewhere).  Unlike wall time it
    is hardly affected by other processes competing for the cores.
    """
    pid = conn.info.backend_pid
    try:
        # time on CPU in nanoseconds (the scheduler's own accounting)
        with open("/proc/%d/schedstat" % pid) as f:
            return int(f.read().split()[0]) / 1e9
    except (OSError, IndexError, ValueError):
        pass
    try:
        # user + system in clock ticks (10 ms): coarse, fine over a sweep
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def run_queries(conn, sql, params, warmup=20):
    """
    Run a prepared statement once per parameter tuple, one at a time on one
    connection (the first few also untimed as warm-up).  Returns (list of
    result id arrays, latencies in seconds, server CPU seconds of the timed
    part or None).
    """
    res = []
    lat = np.empty(len(params))
    with conn.cursor() as cur:
        for p in params[:warmup]:
            cur.execute(sql, p, prepare=True)
            cur.fetchall()
        cpu0 = backend_cpu(conn)
        for i, p in enumerate(params):
            t0 = time.perf_counter()
            cur.execute(sql, p, prepare=True)
            rows = cur.fetchall()
            lat[i] = time.perf_counter() - t0
            res.append(np.array([r[0] for r in rows], dtype=np.int64))
        cpu1 = backend_cpu(conn)
    cpu = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
    return res, lat, cpu


def run_interleaved(conn, sql, params, fsql, fparams, chunk=50, warmup=20):
    """
    Our queries and the floor's in turns of chunk queries each, on one
    connection: both then fall in the same moments of the machine, and
    their difference, which the targets are about, does not carry the
    difference between two spells (a query's time beyond the floor is
    the difference of two figures several times its size).  Returns
    (result id arrays, our latencies, our server CPU seconds or None, the
    floor's latencies, its server CPU seconds or None).
    """
    res = []
    lat = np.empty(len(params))
    flat = np.empty(len(fparams))
    cpu = {0: 0.0, 1: 0.0}
    known = True
    with conn.cursor() as cur:
        for p in params[:warmup]:
            cur.execute(sql, p, prepare=True)
            cur.fetchall()
        for p in fparams[:warmup]:
            cur.execute(fsql, p, prepare=True)
            cur.fetchall()
        for s in range(0, max(len(params), len(fparams)), chunk):
            for side, q, ps, out in ((1, fsql, fparams, flat),
                                     (0, sql, params, lat)):
                c0 = backend_cpu(conn)
                for i in range(s, min(s + chunk, len(ps))):
                    t0 = time.perf_counter()
                    cur.execute(q, ps[i], prepare=True)
                    rows = cur.fetchall()
                    out[i] = time.perf_counter() - t0
                    if side == 0:
                        res.append(np.array([r[0] for r in rows],
                                            dtype=np.int64))
                c1 = backend_cpu(conn)
                if c0 is None or c1 is None:
                    known = False
                else:
                    cpu[side] += c1 - c0
    return (res, lat, cpu[0] if known else None,
            flat, cpu[1] if known else None)


def min_cpu(a, b):
    """The lower of two CPU figures, either of which may be None."""
    return b if a is None else a if b is None else min(a, b)


def lat_stats(lat, cpu=None):
    return {"qps": len(lat) / float(np.sum(lat)),
            "mean_ms": float(np.mean(lat)) * 1e3,
            "p50_ms": float(np.percentile(lat, 50)) * 1e3,
            "p99_ms": float(np.percentile(lat, 99)) * 1e3,
            "cpu_ms": None if cpu is None else cpu / len(lat) * 1e3}


def short_plan(plan):
    return "\n".join(l if len(l) < 100 else l[:96] + " ..."
                     for l in plan.splitlines())


def uses_index(conn, sql, p):
    """The plan of the first query, and whether it scans our ANN index."""
    with conn.cursor() as cur:
        cur.execute("EXPLAIN (COSTS OFF) " + sql, p)
        plan = "\n".join(r[0] for r in cur.fetchall())
    return INDEX in plan, plan


# --------------------------------------------------------------------------
# Benchmark parts (each fills the result dict R)
# --------------------------------------------------------------------------

class Bench:
    def __init__(self, args, conn, base, queries, metric, gt_d, cats, qcats,
                 fgt_d):
        self.a = args
        self.conn = conn
        self.base = base
        self.queries = queries
        self.metric = metric
        self.gt_d = gt_d
        self.cats = cats
        self.qcats = qcats
        self.fgt_d = fgt_d
        self.op, self.opclass = OPS[metric]
        self.t = args.table
        f = args.param_format
        self.knn_sql = ("SELECT id FROM %s ORDER BY embedding %s %s LIMIT %d"
                        % (self.t, self.op, ph(f), args.k))
        self.filt_sql = ("SELECT id FROM %s WHERE category = %%s ORDER BY "
                         "embedding %s %s LIMIT %d"
                         % (self.t, self.op, ph(f), args.k))
        self.qp = [qparam(q, f) for q in queries]
        self.form = "vector"
        self.floor_ms = None
        self.dirty = False
        self.R = {"builds": [], "sweeps": [], "filtered": [], "writes": [],
                  "floor": [], "skipped": []}
        # hnswlib, when built before the sweeps (hnswlib_build): its index,
        # and its best run at each ef, measured beside ours (hnswlib_pass)
        self.hl_idx = None
        self.hl_best = {}
        self.gt_i = None            # ids of the exact k nearest, if known

    def recall(self, found, gt_d, queries=None):
        q = self.queries if queries is None else queries
        return datasets.recall(found, self.base, q, self.metric, gt_d,
                               k=self.a.k)

    def skip(self, what, why):
        log("SKIP %s: %s" % (what, why))
        self.R["skipped"].append({"what": what, "why": why})

    # -- SQL floor --------------------------------------------------------
    def floor(self):
        f = self.a.param_format
        n = len(self.qp)
        isnull = "%s IS NULL" % (ph(f) if f == "text" else "%b::vector")
        k = self.a.k
        rows = ", ".join("(%d)" % i for i in range(1, k + 1))
        cases = [("SELECT $1::vector IS NULL FROM (VALUES (1), ..., (%d)) v "
                  "(no table, k rows)" % k,
                  "SELECT %s FROM (VALUES %s) v(i)" % (isnull, rows),
                  [(p,) for p in self.qp]),
                 ("SELECT $1::vector IS NULL (no table, one row)",
                  "SELECT %s" % isnull,
                  [(p,) for p in self.qp]),
                 ("SELECT id FROM %s WHERE id = $1 (primary key)" % self.t,
                  "SELECT id FROM %s WHERE id = %%s" % self.t,
                  [(int(i),) for i in
                   np.random.default_rng(1).integers(0, len(self.base), n)])]
        if self.gt_i is not None:
            cases.append(("SELECT id FROM %s WHERE ctid = ANY($1) (each "
                          "query's k nearest rows by TID: no index, the "
                          "heap pages an index scan reads)" % self.t,
                          "SELECT id FROM %s WHERE ctid = ANY(%%s::tid[])"
                          % self.t, self.nearest_tids()))
        for label, sql, params in cases:
            # best of three passes: the floor is subtracted from every
            # other row, so it should not carry one pass's noise
            st = None
            cpu_min = None
            for _ in range(3):
                _, lat, cpu = run_queries(self.conn, sql, params)
                s = lat_stats(lat, cpu)
                if st is None or s["mean_ms"] < st["mean_ms"]:
                    st = s
                cpu_min = min_cpu(cpu_min, s["cpu_ms"])
            # the lowest CPU of any pass, as the sweep rows (best_pass)
            st["cpu_ms"] = cpu_min
            st.update(query=label, n=n, passes=3)
            self.R["floor"].append(st)
            log("floor %-50s %.3f ms" % (label, st["mean_ms"]))
        self.floor_case = cases[0]
        self.floor_ms = self.R["floor"][0]["mean_ms"]

    def nearest_tids(self):
        """Each query's exact k nearest rows, as a tid[] literal."""
        ids = sorted(set(int(i) for row in self.gt_i for i in row[:self.a.k]))
        tid = dict(self.conn.execute(
            "SELECT id, ctid::text FROM %s WHERE id = ANY(%%s)" % self.t,
            (ids,)).fetchall())
        return [("{" + ",".join('"%s"' % tid[int(i)] for i in row[:self.a.k])
                 + "}",) for row in self.gt_i]

    def resample_floor(self):
        """
        One more pass of the floor that is subtracted, before each sweep
        row: the lowest pass of the run is the floor, so a busy moment at
        the start cannot inflate it and make the index look cheaper.  (The
        paired sweep takes its floor passes in turns with its own queries,
        interleaved_passes.)
        """
        _, sql, params = self.floor_case
        _, lat, cpu = run_queries(self.conn, sql, params)
        self.count_floor_pass(lat_stats(lat, cpu))

    def count_floor_pass(self, s):
        """A pass of the floor query: the floor is the lowest of them."""
        f = self.R["floor"][0]
        f["passes"] += 1
        cpu_min = min_cpu(f["cpu_ms"], s["cpu_ms"])
        if s["mean_ms"] < f["mean_ms"]:
            f.update(s)
            self.floor_ms = f["mean_ms"]
        f["cpu_ms"] = cpu_min

    def rebase_floor(self):
        """Every row's time beyond the floor, against the run's final floor."""
        for part in ("sweeps", "filtered"):
            for r in self.R[part]:
                if r.get("beyond_floor_ms") is not None:
                    r["beyond_floor_ms"] = r["mean_ms"] - self.floor_ms

    def beyond(self, mean_ms):
        return None if self.floor_ms is None else mean_ms - self.floor_ms

    # -- exact scan -------------------------------------------------------
    def seqscan(self):
        n = min(self.a.exact_queries, len(self.qp))
        self.conn.execute("SET enable_indexscan = off")
        try:
            found, lat, cpu = run_queries(self.conn, self.knn_sql,
                                          [(p,) for p in self.qp[:n]], warmup=3)
        finally:
            self.conn.execute("RESET enable_indexscan")
        r, short = self.recall(found, self.gt_d[:n], self.queries[:n])
        st = lat_stats(lat, cpu)
        st.update(engine="seqscan (exact)", param="-", value=None, recall=r,
                  plan="seq scan",
                  short=short, n=n, beyond_floor_ms=self.beyond(st["mean_ms"]))
        self.R["sweeps"].append(st)
        log("seqscan: recall %.4f, %.2f ms/query" % (r, st["mean_ms"]))
        if r < 0.999:
            # the exact scan disagrees with numpy: distance operators or the
            # ground truth are wrong, and every recall below is suspect
            self.skip("trust in recall", "exact scan recall is %.4f, not 1" % r)
        if not self.a.no_filter:
            self.conn.execute("SET enable_indexscan = off")
            try:
                self.filtered("seqscan (exact)", "-", n)
            finally:
                self.conn.execute("RESET enable_indexscan")

    # -- filtered ---------------------------------------------------------
    def filtered(self, engine, mode, n=None):
        n = len(self.qp) if n is None else min(n, len(self.qp))
        params = [(int(self.qcats[i]), self.qp[i]) for i in range(n)]
        found, lat, cpu = run_queries(self.conn, self.filt_sql, params, warmup=3)
        r, short = self.recall(found, self.fgt_d[:n], self.queries[:n])
        st = lat_stats(lat, cpu)
        st.update(engine=engine, mode=mode, recall=r, short=short, n=n,
                  beyond_floor_ms=self.beyond(st["mean_ms"]))
        self.R["filtered"].append(st)
        log("filtered %s %s: recall %.4f, short %d, %.2f ms/query"
            % (engine, mode, r, short, st["mean_ms"]))

    # -- writes -----------------------------------------------------------
    def writes(self, engine):
        """
        Single-row INSERTs (autocommit) of perturbed copies of base rows,
        then DELETE of a fraction of the original rows and a timed VACUUM;
        WAL measured from a CHECKPOINT so each phase starts from the same
        full-page-image state.
        """
        a = self.a
        self.dirty = True
        rng = np.random.default_rng(7)
        n = a.inserts
        src = self.base[rng.integers(0, len(self.base), n)]
        noise = rng.standard_normal(src.shape).astype(np.float32)
        vecs = (src + noise * (0.01 * self.base.std(axis=0))).astype(np.float32)
        start_id = int(self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM %s"
                                         % self.t).fetchone()[0])
        f = a.param_format
        sql = ("INSERT INTO %s (id, category, embedding) VALUES (%%s, %%s, %s)"
               % (self.t, ph(f)))
        params = [(start_id + i, int(rng.integers(0, 100)), qparam(vecs[i], f))
                  for i in range(n)]
        checkpoint(self.conn)
        lsn = wal_lsn(self.conn)
        t0 = time.perf_counter()
        with self.conn.cursor() as cur:
            for p in params:
                cur.execute(sql, p, prepare=True)
        t_ins = time.perf_counter() - t0
        wal_ins = wal_diff(self.conn, lsn)
        self.conn.execute("DELETE FROM %s WHERE id < %d AND id %% %d = 0"
                          % (self.t, len(self.base), max(1, round(1 / a.delete_frac))))
        nd = self.conn.execute("SELECT %d - count(*) FROM %s WHERE id < %d"
                               % (len(self.base), self.t, len(self.base))).fetchone()[0]
        checkpoint(self.conn)
        lsn = wal_lsn(self.conn)
        t0 = time.perf_counter()
        self.conn.execute("VACUUM %s" % self.t)
        t_vac = time.perf_counter() - t0
        wal_vac = wal_diff(self.conn, lsn)
        size = self.index_size()
        w = {"engine": engine, "inserts": n, "insert_s": t_ins,
             "inserts_per_s": n / t_ins, "wal_per_insert": wal_ins / n,
             "deleted": int(nd), "vacuum_s": t_vac,
             "wal_per_vacuumed_row": wal_vac / max(1, nd),
             "index_mb_after_vacuum": size / 1e6 if size else None}
        self.R["writes"].append(w)
        log("writes %s: %.0f inserts/s, %.0f WAL B/insert; VACUUM of %d "
            "deleted rows %.2f s, %.0f WAL B/row"
            % (engine, w["inserts_per_s"], w["wal_per_insert"], nd, t_vac,
               w["wal_per_vacuumed_row"]))

    def index_size(self):
        r = self.conn.execute("SELECT pg_relation_size(to_regclass(%s))",
                              (INDEX,)).fetchone()[0]
        return r

    def reload_if_dirty(self):
        if self.dirty:
            log("reloading the table (the previous part modified it)")
            load_table(self.conn, self.t, self.base, self.cats, True)
            self.dirty = False

    # -- index forms (--form) ---------------------------------------------
    def form_key(self):
        """The indexed expression and opclass of the current form."""
        d = self.base.shape[1]
        if self.form == "halfvec":
            return ("(embedding::halfvec(%d))" % d, HALFVEC_OPCLASS[self.metric])
        if self.form == "bq":
            return ("(binary_quantize(embedding)::bit(%d))" % d, "bit_hamming_ops")
        return ("embedding", self.opclass)

    def form_queries(self):
        """
        (label, R, sql) for each query shape of the current form; R is the
        re-rank depth of bq (None otherwise).
        """
        a = self.a
        d = self.base.shape[1]
        q = ph(a.param_format)
        if self.form == "halfvec":
            return [("halfvec", None,
                     "SELECT id FROM %s ORDER BY embedding::halfvec(%d) %s "
                     "(%s)::halfvec(%d) LIMIT %d"
                     % (self.t, d, self.op, q, d, a.k))]
        if self.form == "bq":
            # the vector parameter appears twice: psycopg needs it twice
            return [("bq, re-rank top %d" % r, r,
                     "SELECT id FROM (SELECT id, embedding FROM %s ORDER BY "
                     "binary_quantize(embedding)::bit(%d) <~> "
                     "binary_quantize(%s) LIMIT %d) c "
                     "ORDER BY embedding %s %s LIMIT %d"
                     % (self.t, d, q, r, self.op, q, a.k))
                    for r in BQ_RERANK]
        return [("vector", None, self.knn_sql)]

    # -- an index access method --------------------------------------------
    def create_index(self, am, workers):
        a = self.a
        if am == "hnsw":
            opts = "m = %d, ef_construction = %d" % (a.m, a.ef_construction)
        else:
            opts = "lists = %d" % a.lists
        key, opclass = self.form_key()
        self.conn.execute("DROP INDEX IF EXISTS %s" % INDEX)
        self.conn.execute("SET max_parallel_maintenance_workers = %d" % workers)
        checkpoint(self.conn)
        lsn = wal_lsn(self.conn)
        sql = ("CREATE INDEX %s ON %s USING %s (%s %s) WITH (%s)"
               % (INDEX, self.t, am, key, opclass, opts))
        log(sql + " -- workers %d" % workers)
        c0 = backend_cpu(self.conn)
        t0 = time.perf_counter()
        self.conn.execute(sql)
        t = time.perf_counter() - t0
        c1 = backend_cpu(self.conn)
        wal = wal_diff(self.conn, lsn)
        size = self.index_size()
        b = {"engine": "%s (PostgreSQL)" % am, "workers": workers,
             "form": self.form,
             "options": "%s %s; %s" % (key, opclass, opts),
             "build_s": t, "train_s": None,
             "size_mb": size / 1e6, "bytes_per_vector": size / len(self.base),
             "build_wal_mb": wal / 1e6,
             "build_cpu_s": None if c0 is None or c1 is None else c1 - c0}
        self.R["builds"].append(b)
        log("built in %.2f s, %.1f MB (%.0f B/vector)"
            % (t, b["size_mb"], b["bytes_per_vector"]))

    def sweep(self, am, workers):
        prewarm(self.conn, INDEX)
        for label, rerank, sql in self.form_queries():
            self.sweep_sql(am, workers, label, rerank, sql)

    def sweep_sql(self, am, workers, label, rerank, sql):
        gname, values = SWEEP[am]
        if am == "ivfflat":
            values = [v for v in values if v <= self.a.lists] or [self.a.lists]
        if rerank is not None:
            # without iterative scan an index scan returns at most ef_search
            # tuples, so the inner LIMIT R is only filled when ef_search >= R:
            # sweep only such values, starting at R itself
            values = [rerank] + [v for v in values if v > rerank]
        nparam = sql.count("%b") + sql.count("%t")
        params = [(p,) * nparam for p in self.qp]
        self.conn.execute("SET %s.%s = %d" % (am, gname, values[0]))
        used, plan = uses_index(self.conn, sql, params[0])
        if not used:
            log("planner does not pick %s unprompted; plan:\n%s"
                % (INDEX, short_plan(plan)))
        if not self.a.no_force_index:
            self.conn.execute("SET enable_seqscan = off")
        forced, plan = uses_index(self.conn, sql, params[0])
        if not forced:
            log("WARNING: the sweep does not scan %s at all; plan:\n%s"
                % (INDEX, short_plan(plan)))
        plan_note = ("index" if used else
                     "index (enable_seqscan off)" if forced else "NO INDEX")
        # with --rounds, the whole sweep again, each row keeping its best:
        # a busy spell of the machine then spoils one pass of a row, not all
        best = {}
        paired = (self.hl_idx is not None and am == "hnsw" and
                  label == "vector" and rerank is None)
        rounds = []
        for _ in range(self.a.rounds):
            rounds.append({})
            for v in values:
                self.conn.execute("SET %s.%s = %d" % (am, gname, v))
                if paired:
                    found, st, beyond = self.interleaved_passes(sql, params)
                    t, c = self.hnswlib_pass(v)
                    rounds[-1][v] = (beyond, t, c)
                else:
                    self.resample_floor()
                    found, st = self.best_pass(sql, params)
                if v in best:
                    cpu = min_cpu(best[v][1]["cpu_ms"], st["cpu_ms"])
                    if best[v][1]["mean_ms"] <= st["mean_ms"]:
                        found, st = best[v]
                    st["cpu_ms"] = cpu
                best[v] = (found, st)
        for v in values:
            found, st = best[v]
            st["passes"] = self.a.passes * self.a.rounds
            r, short = self.recall(found, self.gt_d)
            st.update(engine="%s (PostgreSQL)%s" % (
                          am, "" if label == "vector" else ", " + label),
                      form=self.form, rerank=rerank, workers=workers,
                      param=gname, value=v, recall=r, short=short,
                      n=len(params), planner_picks_index=used,
                      plan=plan_note,
                      beyond_floor_ms=self.beyond(st["mean_ms"]))
            self.R["sweeps"].append(st)
            log("%s %s %s=%d: recall %.4f, %.0f QPS, %.3f ms (%.3f beyond floor)"
                % (am, label, gname, v, r, st["qps"], st["mean_ms"],
                   st["beyond_floor_ms"] or 0))
        if paired:
            self.best_found = {v: best[v][0] for v in values}
            self.paired_ratios(values, rounds, workers)
        self.conn.execute("RESET enable_seqscan")

    def interleaved_passes(self, sql, params):
        """
        Up to --passes passes over the queries, each taken in turns with
        the floor's (run_interleaved; fewer passes once 10 s are spent, as
        best_pass).  Returns our best pass as best_pass does, and the
        median over the passes of the time beyond the floor within each
        pass, wall and server CPU, in ms per query: what a round of the
        targets' ratio takes (paired_ratios).  The floor passes count
        among the floor's (resample_floor).
        """
        _, fsql, fparams = self.floor_case
        best = None
        cpu_min = None
        walls, cpus = [], []
        spent = 0.0
        for _ in range(self.a.passes):
            found, lat, cpu, flat, fcpu = run_interleaved(
                self.conn, sql, params, fsql, fparams)
            st = lat_stats(lat, cpu)
            fst = lat_stats(flat, fcpu)
            self.count_floor_pass(fst)
            walls.append(st["mean_ms"] - fst["mean_ms"])
            if st["cpu_ms"] is not None and fst["cpu_ms"] is not None:
                cpus.append(st["cpu_ms"] - fst["cpu_ms"])
            if best is None or st["mean_ms"] < best[1]["mean_ms"]:
                best = (found, st)
            cpu_min = min_cpu(cpu_min, st["cpu_ms"])
            spent += float(np.sum(lat)) + float(np.sum(flat))
            if spent > 10:
                break
        best[1]["cpu_ms"] = cpu_min
        beyond = {"wall": float(np.median(walls)),
                  "cpu": float(np.median(cpus)) if len(cpus) == len(walls) else None}
        return best[0], best[1], beyond

    def best_pass(self, sql, params):
        """
        The pass with the lowest mean latency of up to --passes over the
        same queries (fewer once 10 s are spent), with the lowest server CPU
        of any pass, as for the references (best_of): a noisy neighbour
        should not decide a row.
        """
        best = None
        cpu_min = None
        spent = 0.0
        for _ in range(self.a.passes):
            found, lat, cpu = run_queries(self.conn, sql, params)
            st = lat_stats(lat, cpu)
            if best is None or st["mean_ms"] < best[1]["mean_ms"]:
                best = (found, st)
            cpu_min = min_cpu(cpu_min, st["cpu_ms"])
            spent += float(np.sum(lat))
            if spent > 10:
                break
        best[1]["cpu_ms"] = cpu_min
        return best

    def filtered_am(self, am):
        gname, _ = SWEEP[am]
        val = self.a.filter_ef if am == "hnsw" else self.a.filter_probes
        if not self.a.no_force_index:
            self.conn.execute("SET enable_seqscan = off")
        try:
            self.conn.execute("SET %s.%s = %d" % (am, gname, val))
            for mode in ("off", "relaxed_order"):
                try:
                    self.conn.execute("SET %s.iterative_scan = %s" % (am, mode))
                except psycopg.Error as e:
                    self.skip("filtered %s iterative_scan=%s" % (am, mode),
                              str(e).strip())
                    continue
                used, _ = uses_index(self.conn, self.filt_sql,
                                     (int(self.qcats[0]), self.qp[0]))
                self.filtered("%s (PostgreSQL)" % am,
                              "%s=%d, iterative_scan=%s%s"
                              % (gname, val, mode, "" if used else " (no index in plan)"))
        finally:
            self.conn.execute("RESET enable_seqscan")
            try:
                self.conn.execute("RESET %s.iterative_scan" % am)
            except psycopg.Error:
                pass

    def run_am(self, am):
        if not am_exists(self.conn, am):
            self.skip("%s (PostgreSQL)" % am, "access method %s does not exist "
                      "in this server (not merged yet?)" % am)
            return
        for form in self.a.form:
            if form != "vector" and am != "hnsw":
                self.skip("%s (PostgreSQL), form %s" % (am, form),
                          "--form %s is measured for hnsw only" % form)
                continue
            self.form = form
            self.run_am_form(am)
        self.form = "vector"

    def run_am_form(self, am):
        self.reload_if_dirty()
        workers = self.a.workers
        try:
            for i, w in enumerate(workers):
                self.create_index(am, w)
                if self.a.sweep_each_build or i == len(workers) - 1:
                    self.sweep(am, w)
            # filtered and write phases use the plain vector query shape
            if not self.a.no_filter and self.form == "vector":
                self.filtered_am(am)
            if not self.a.no_writes and self.form == "vector":
                self.writes("%s (PostgreSQL)" % am)
        except psycopg.Error as e:
            self.skip("%s (PostgreSQL), form %s, rest of its parts"
                      % (am, self.form), str(e).strip().splitlines()[0])
        finally:
            try:
                self.conn.execute("DROP INDEX IF EXISTS %s" % INDEX)
            except psycopg.Error:
                pass

    # -- references ---------------------------------------------------------
    def hnswlib_build(self):
        """
        Build the hnswlib reference index now, so that its sweep can be
        measured beside ours (hnswlib_pass).
        """
        import hnswlib
        a = self.a
        space = {"l2": "l2", "ip": "ip", "cosine": "cosine"}[self.metric]
        idx = hnswlib.Index(space=space, dim=self.base.shape[1])
        idx.init_index(max_elements=len(self.base), M=a.m,
                       ef_construction=a.ef_construction, random_seed=a.seed)
        idx.set_num_threads(1)
        log("hnswlib: building (M=%d, ef_construction=%d, 1 thread)"
            % (a.m, a.ef_construction))
        t0 = time.perf_counter()
        c0 = time.process_time()
        idx.add_items(self.base, np.arange(len(self.base)), num_threads=1)
        t = time.perf_counter() - t0
        build_cpu = time.process_time() - c0
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "h.bin")
            idx.save_index(p)
            size = os.path.getsize(p)
        self.R["builds"].append({"engine": "hnswlib %s" % hnswlib_version(),
                                 "workers": 0, "options": "M = %d, ef_construction = %d"
                                 % (a.m, a.ef_construction), "build_s": t,
                                 "train_s": None, "size_mb": size / 1e6,
                                 "bytes_per_vector": size / len(self.base),
                                 "build_wal_mb": None, "build_cpu_s": build_cpu})
        log("hnswlib built in %.2f s (%.2f s CPU)" % (t, build_cpu))
        idx.set_ef(a.k)
        idx.knn_query(self.queries[:100], k=a.k, num_threads=1)   # warm-up
        self.hl_idx = idx

    def hnswlib_run(self, ef, repeats):
        """hnswlib's best of repeats batch runs at ef: (wall s, CPU s, labels)."""
        idx = self.hl_idx
        idx.set_ef(max(ef, self.a.k))
        t, c, (labels, _) = best_of(lambda: idx.knn_query(
            self.queries, k=self.a.k, num_threads=1), repeats=repeats)
        return t, c, labels

    def hnswlib_pass(self, ef):
        """
        hnswlib at ef right after one of our sweep rows, as many runs as the
        row had passes: each of its rows then has as many tries as ours,
        spread over the same minutes, and a busy spell of the machine falls
        on both (the ratio of the two is what the targets are about).
        """
        t1, c1, labels = self.hnswlib_run(ef, self.a.passes)
        t, c = t1, c1
        if ef in self.hl_best:
            t0, c0, labels0 = self.hl_best[ef]
            if t0 <= t:
                t, labels = t0, labels0
            c = min(c, c0)
        self.hl_best[ef] = (t, c, labels)
        return t1, c1

    def paired_ratios(self, values, rounds, workers):
        """
        The targets' ratio, time beyond the floor over hnswlib's time at the
        same recall (0.95 and 0.99), computed within each round of the sweep
        from our time beyond the floor in that round (the median over its
        passes of the difference within each pass, where our queries and
        the floor's took turns: interleaved_passes) and hnswlib's best run
        beside it, then the median over rounds.  The machine's slow and
        fast spells last longer than a round, so they weigh on both sides
        of each round's ratio; the best-of-run rows above can pair a fast
        spell of one with a slow one of the other.
        """
        n = len(self.queries)
        ours = {}
        for v in values:
            ours[v] = self.recall(self.best_found[v], self.gt_d)[0]
        hl = {v: self.recall(list(self.hl_best[v][2]), self.gt_d)[0]
              for v in values}
        per_round = []
        for rd in rounds:
            row = {}
            for target in (0.95, 0.99):
                h = interp_at([(hl[v], rd[v][1] / n * 1e3) for v in values],
                              target)
                wall = interp_at([(ours[v], rd[v][0]["wall"]) for v in values],
                                 target)
                cpu = None
                if all(rd[v][0]["cpu"] is not None for v in values):
                    cpu = interp_at([(ours[v], rd[v][0]["cpu"])
                                     for v in values], target)
                if h:
                    row[target] = (None if wall is None else wall / h,
                                   None if cpu is None else cpu / h)
            per_round.append(row)
        res = {"workers": workers, "rounds": len(rounds), "targets": {}}
        for target in (0.95, 0.99):
            walls = [r[target][0] for r in per_round
                     if target in r and r[target][0] is not None]
            cpus = [r[target][1] for r in per_round
                    if target in r and r[target][1] is not None]
            res["targets"][str(target)] = {
                "wall": walls, "cpu": cpus,
                "wall_median": float(np.median(walls)) if walls else None,
                "cpu_median": float(np.median(cpus)) if cpus else None}
            log("paired ratio at recall %.2f: wall %s (median %s), CPU %s "
                "(median %s)" % (target, fmt_list(walls),
                                  fmt(res["targets"][str(target)]["wall_median"], "%.2f"),
                                  fmt_list(cpus),
                                  fmt(res["targets"][str(target)]["cpu_median"], "%.2f")))
        self.R.setdefault("paired", []).append(res)

    def hnswlib_ref(self):
        if self.hl_idx is None:
            self.hnswlib_build()
        for ef in SWEEP["hnsw"][1]:
            if ef in self.hl_best:
                t, c, labels = self.hl_best[ef]
            else:
                t, c, labels = self.hnswlib_run(ef, 5)
            r, short = self.recall(list(labels), self.gt_d)
            row = self.ref_row("hnswlib", "ef", ef, r, short, t, c)
            row["paired"] = ef in self.hl_best
            self.R["sweeps"].append(row)

    def ref_row(self, engine, param, v, r, short, t, c):
        n = len(self.queries)
        log("%s %s=%d: recall %.4f, %.3f ms/query (%.3f CPU)"
            % (engine, param, v, r, t / n * 1e3, c / n * 1e3))
        return {"engine": engine, "workers": 0, "param": param, "value": v,
                "recall": r, "short": short, "n": n, "qps": n / t,
                "mean_ms": t / n * 1e3, "p50_ms": None, "p99_ms": None,
                "beyond_floor_ms": None, "cpu_ms": c / n * 1e3, "batch": True}

    def faiss_ref(self):
        import faiss
        a = self.a
        faiss.omp_set_num_threads(1)
        d = self.base.shape[1]
        base, queries = self.base, self.queries
        if self.metric == "cosine":
            base, queries = datasets.normalize(base), datasets.normalize(queries)
        if self.metric == "l2":
            quant, mt = faiss.IndexFlatL2(d), faiss.METRIC_L2
        else:
            quant, mt = faiss.IndexFlatIP(d), faiss.METRIC_INNER_PRODUCT
        idx = faiss.IndexIVFFlat(quant, d, a.lists, mt)
        ns = min(len(base), a.ivf_train_sample or 50 * a.lists)
        sample = base[np.sort(np.random.default_rng(a.seed).choice(
            len(base), ns, replace=False))]
        idx.cp.seed = a.seed
        log("faiss: training IVFFlat lists=%d on %d rows (%d k-means "
            "iterations, 1 thread)" % (a.lists, ns, idx.cp.niter))
        t0 = time.perf_counter()
        c0 = time.process_time()
        idx.train(sample)
        t_train = time.perf_counter() - t0
        t0 = time.perf_counter()
        idx.add(base)
        t_add = time.perf_counter() - t0
        build_cpu = time.process_time() - c0
        size = len(faiss.serialize_index(idx))
        self.R["builds"].append({"engine": "faiss %s IndexIVFFlat" % faiss.__version__,
                                 "workers": 0, "options": "lists = %d, train sample %d"
                                 % (a.lists, ns), "build_s": t_train + t_add,
                                 "train_s": t_train, "size_mb": size / 1e6,
                                 "bytes_per_vector": size / len(base),
                                 "build_wal_mb": None, "build_cpu_s": build_cpu})
        log("faiss: train %.2f s, add %.2f s" % (t_train, t_add))
        idx.nprobe = 1
        idx.search(queries[:100], a.k)                              # warm-up
        for p in [v for v in SWEEP["ivfflat"][1] if v <= a.lists] or [a.lists]:
            idx.nprobe = p
            t, c, (_, labels) = best_of(lambda: idx.search(queries, a.k))
            r, short = self.recall([l[l >= 0] for l in labels], self.gt_d)
            self.R["sweeps"].append(self.ref_row("faiss IVFFlat", "nprobe", p, r, short, t, c))


def best_of(fn, repeats=5, budget_s=10.0):
    """
    Time fn() up to repeats times, stopping once budget_s is spent; return
    (the shortest wall time, the smallest process CPU time, fn's result).
    The shortest run is the one least disturbed by other work on a shared
    machine; CPU time is hardly disturbed at all (one thread here).
    """
    best = cpu = None
    spent = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        c0 = time.process_time()
        res = fn()
        c = time.process_time() - c0
        t = time.perf_counter() - t0
        spent += t
        best = t if best is None else min(best, t)
        cpu = c if cpu is None else min(cpu, c)
        if spent > budget_s:
            break
    return best, cpu, res


def hnswlib_version():
    try:
        from importlib.metadata import version
        return version("hnswlib")
    except Exception:
        return ""


# --------------------------------------------------------------------------
# Ground truth (cached: numpy on Debian's reference BLAS is slow)
# --------------------------------------------------------------------------

def cached_gt(args, name, base, queries, metric, fn):
    h = hashlib.sha1()
    h.update(np.ascontiguousarray(base[:: max(1, len(base) // 1000)]).tobytes())
    h.update(np.ascontiguousarray(queries).tobytes())
    key = "%s-%s-%d-%d-%d-%s-%s" % (args.dataset, metric, len(base),
                                    base.shape[1], len(queries), name,
                                    h.hexdigest()[:16])
    path = os.path.join(args.cache_dir, key + ".npz")
    if os.path.exists(path):
        z = np.load(path)
        return z["ids"], z["dists"]
    t0 = time.perf_counter()
    ids, dists = fn()
    log("ground truth (%s) in %.1f s" % (name, time.perf_counter() - t0))
    os.makedirs(args.cache_dir, exist_ok=True)
    np.savez(path, ids=ids, dists=dists)
    return ids, dists


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def fmt(v, spec="%.3f"):
    return "-" if v is None else (spec % v)


def fmt_list(vs, spec="%.2f"):
    return "[" + ", ".join(spec % v for v in vs) + "]"


def interp_at(points, target):
    """
    The time at recall target along a curve of (recall, time) points taken
    in order of rising ef: linear between the two rows around it; the first
    row's time if that row already reaches it; None if no row does.
    """
    pts = sorted(points)
    if not pts or pts[-1][0] < target:
        return None
    if pts[0][0] >= target:
        return pts[0][1]
    for (r0, t0), (r1, t1) in zip(pts, pts[1:]):
        if r0 <= target <= r1:
            return t0 if r1 == r0 else t0 + (t1 - t0) * (target - r0) / (r1 - r0)
    return None


def markdown(R):
    m = R["meta"]
    out = []
    out.append("## %s, %d x %d, %s (%s)\n" % (m["dataset"], m["n"], m["dim"],
                                              m["metric"], m["date"]))
    out.append("Host: %s, %d CPUs; server: %s; commit %s; BLAS: %s; "
               "queries: %d (%s parameters); k = %d; load (COPY) %.1f s, "
               "with VACUUM ANALYZE %.1f s; load average %.2f at start, "
               "%.2f at end (other work on the machine).\n"
               % (m["host"], m["cpus"], m["server"], m["commit"], m["blas"],
                  m["nq"], m["param_format"], m["k"], m["load_s"],
                  m["load_all_s"], m["loadavg_start"], m["loadavg_end"]))
    if R["floor"]:
        out.append("SQL floor (same connection, same prepared-statement path; "
                   "each row the lowest of its passes, the first also measured "
                   "again with every sweep row, in turns with its queries in "
                   "the paired sweep: %d passes):\n"
                   % R["floor"][0].get("passes", 3))
        out.append("| query | mean ms | p50 ms | p99 ms | server CPU ms |")
        out.append("|---|---:|---:|---:|---:|")
        for f in R["floor"]:
            out.append("| `%s` | %.3f | %.3f | %.3f | %s |"
                       % (f["query"], f["mean_ms"], f["p50_ms"], f["p99_ms"],
                          fmt(f.get("cpu_ms"))))
        out.append("")
    if R["builds"]:
        out.append("| build | options | workers | build s | CPU s | train s | size MB | bytes/vector | build WAL MB |")
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for b in R["builds"]:
            out.append("| %s | %s | %d | %.2f | %s | %s | %.1f | %.0f | %s |"
                       % (b["engine"], b["options"], b["workers"], b["build_s"],
                          fmt(b.get("build_cpu_s"), "%.2f"),
                          fmt(b["train_s"], "%.2f"), b["size_mb"],
                          b["bytes_per_vector"], fmt(b["build_wal_mb"], "%.1f")))
        out.append("")
    if R["sweeps"]:
        out.append("Each index row is the fastest of %d passes over the queries "
                   "(whole sweeps repeated with --rounds, so that a busy spell "
                   "does not spoil all of a row's passes), "
                   "its CPU ms the lowest of any pass (server CPU, floor "
                   "included); the references are the best of 5 runs, but "
                   "for hnswlib rows marked paired: those were measured "
                   "in the same rounds as ours, each of our passes over a "
                   "row followed by as many runs of hnswlib at that ef, "
                   "and are the best of all of them.\n"
                   % m.get("passes", 3))
        out.append("| search | setting | recall@%d | QPS | mean ms | p50 ms | p99 ms | beyond floor ms | CPU ms | queries | plan |" % m["k"])
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for s in R["sweeps"]:
            setting_ = "-" if s["value"] is None else "%s = %d" % (s["param"], s["value"])
            eng = s["engine"] + (" (batch, in-process%s)" % (
                ", paired" if s.get("paired") else "") if s.get("batch") else "")
            out.append("| %s | %s | %.4f | %.0f | %.3f | %s | %s | %s | %s | %d | %s |"
                       % (eng, setting_, s["recall"], s["qps"], s["mean_ms"],
                          fmt(s["p50_ms"]), fmt(s["p99_ms"]),
                          fmt(s["beyond_floor_ms"]), fmt(s.get("cpu_ms")),
                          s["n"], s.get("plan", "-")))
        out.append("")
    for p in R.get("paired", []):
        out.append("Ratio of the time beyond the floor to hnswlib's time at "
                   "the same recall, computed within each of the %d rounds "
                   "(our time beyond the floor in that round: the median over "
                   "its passes of the difference within each pass, in which "
                   "our queries and the floor's took turns 50 at a time; "
                   "hnswlib's best run beside it; interpolated along both "
                   "recall curves), and its median over the rounds "
                   "(index built with %d workers):\n" % (p["rounds"], p["workers"]))
        out.append("| recall | wall, per round | wall, median | server CPU, per round | server CPU, median |")
        out.append("|---:|---|---:|---|---:|")
        for target, t in sorted(p["targets"].items()):
            out.append("| %s | %s | %s | %s | %s |"
                       % (target, fmt_list(t["wall"]), fmt(t["wall_median"], "%.2f"),
                          fmt_list(t["cpu"]), fmt(t["cpu_median"], "%.2f")))
        out.append("")
    if R["filtered"]:
        out.append("Filtered, 1% selectivity (`WHERE category = $2`, 100 categories):\n")
        out.append("| search | setting | recall@%d | QPS | mean ms | beyond floor ms | CPU ms | short results | queries |" % m["k"])
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for s in R["filtered"]:
            out.append("| %s | %s | %.4f | %.0f | %.3f | %s | %s | %d | %d |"
                       % (s["engine"], s["mode"], s["recall"], s["qps"],
                          s["mean_ms"], fmt(s["beyond_floor_ms"]),
                          fmt(s.get("cpu_ms")), s["short"], s["n"]))
        out.append("")
    if R["writes"]:
        out.append("| writes | single-row inserts/s | WAL B/insert | rows deleted | VACUUM s | WAL B/vacuumed row | index MB after VACUUM |")
        out.append("|---|---:|---:|---:|---:|---:|---:|")
        for w in R["writes"]:
            out.append("| %s | %.0f | %.0f | %d | %.2f | %.0f | %s |"
                       % (w["engine"], w["inserts_per_s"], w["wal_per_insert"],
                          w["deleted"], w["vacuum_s"], w["wal_per_vacuumed_row"],
                          fmt(w["index_mb_after_vacuum"], "%.1f")))
        out.append("")
    for s in R["skipped"]:
        out.append("- skipped %s: %s" % (s["what"], s["why"]))
    if R["skipped"]:
        out.append("")
    return "\n".join(out) + "\n"


def blas_name():
    try:
        np.show_config  # noqa: B018
        real = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
        if "openblas" in real:
            return "OpenBLAS"
        if "blis" in real:
            return "BLIS"
        if "atlas" in real:
            return "ATLAS"
        return "reference (%s)" % os.path.basename(os.path.dirname(real))
    except Exception:
        return "unknown"


def git_commit():
    try:
        head = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                              stdout=subprocess.PIPE, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain",
                                "--untracked-files=no"],
                               stdout=subprocess.PIPE, text=True).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except OSError:
        return "?"


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def int_list(s):
    return [int(x) for x in s.split(",") if x != ""]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", default="clustered", choices=sorted(datasets.DATASETS))
    p.add_argument("--n", type=int, default=100000, help="rows (clustered only)")
    p.add_argument("--dim", type=int, default=128, help="dimensions (clustered only)")
    p.add_argument("--metric", choices=datasets.METRICS,
                   help="override the data set's metric")
    p.add_argument("--queries", type=int, default=None,
                   help="queries (default: 1000, or the data set's own / 100 held out)")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--am", default="hnsw,ivfflat",
                   help="comma list of hnsw, ivfflat, or none")
    p.add_argument("--form", default="vector",
                   help="comma list of %s: what the hnsw index is built on "
                   "(vector column, halfvec expression, binary_quantize "
                   "expression with re-rank of the top %s)"
                   % ("|".join(FORMS), " and ".join(map(str, BQ_RERANK))))
    p.add_argument("--m", type=int, default=16)
    p.add_argument("--ef-construction", type=int, default=64)
    p.add_argument("--lists", default="auto",
                   help="ivfflat lists (auto: rows / 1000, at least 10)")
    p.add_argument("--ivf-train-sample", type=int, default=None,
                   help="rows FAISS trains on (default 50 x lists, capped at rows)")
    p.add_argument("--workers", type=int_list, default=[0, 1],
                   help="max_parallel_maintenance_workers values to build with")
    p.add_argument("--sweep-each-build", action="store_true",
                   help="run the search sweep after every build, not just the last")
    p.add_argument("--ef-search", type=int_list, default=SWEEP["hnsw"][1],
                   help="hnsw.ef_search values (and hnswlib ef) to sweep")
    p.add_argument("--probes", type=int_list, default=SWEEP["ivfflat"][1],
                   help="ivfflat.probes values (and FAISS nprobe) to sweep")
    p.add_argument("--passes", type=int, default=5,
                   help="passes over the queries per sweep row; the row is "
                   "the fastest, its CPU the lowest of any (as hnswlib's "
                   "best of 5)")
    p.add_argument("--rounds", type=int, default=1,
                   help="times the whole index sweep runs; each row keeps "
                   "its best pass of all rounds")
    p.add_argument("--filter-ef", type=int, default=40)
    p.add_argument("--filter-probes", type=int, default=10)
    p.add_argument("--exact-queries", type=int, default=100,
                   help="queries for the (slow) sequential-scan baseline")
    p.add_argument("--inserts", type=int, default=2000)
    p.add_argument("--delete-frac", type=float, default=0.1)
    p.add_argument("--no-filter", action="store_true")
    p.add_argument("--no-writes", action="store_true")
    p.add_argument("--no-seqscan", action="store_true")
    p.add_argument("--no-refs", action="store_true",
                   help="skip hnswlib / FAISS")
    p.add_argument("--refs-only", action="store_true",
                   help="only the references (no server)")
    p.add_argument("--no-force-index", action="store_true",
                   help="leave enable_seqscan on during index sweeps")
    p.add_argument("--param-format", choices=("binary", "text"), default="binary")
    p.add_argument("--dsn", help="use this server instead of a throwaway cluster")
    p.add_argument("--table", default="items")
    p.add_argument("--replace-table", action="store_true")
    p.add_argument("--keep-cluster", action="store_true")
    p.add_argument("--out", help="append the markdown report to this file")
    p.add_argument("--json", help="write the JSON results here (default: --out with .json)")
    p.add_argument("--cache-dir", default=os.environ.get(
        "ANN_BENCH_CACHE", "/tmp/vector-bench-cache"))
    a = p.parse_args()
    SWEEP["hnsw"] = ("ef_search", a.ef_search)
    SWEEP["ivfflat"] = ("probes", a.probes)
    a.am = [x for x in a.am.split(",") if x and x != "none"]
    a.form = [x for x in a.form.split(",") if x]
    for x in a.form:
        if x not in FORMS:
            p.error("unknown --form %s" % x)
    for x in a.am:
        if x not in SWEEP:
            p.error("unknown --am %s" % x)
    return a


def main():
    a = parse_args()
    log("loading data set %s" % a.dataset)
    try:
        base, queries, metric = datasets.load(a.dataset, n=a.n, dim=a.dim,
                                              nq=a.queries, seed=a.seed)
    except datasets.DataMissing as e:
        log("SKIP data set %s: %s" % (a.dataset, e))
        return 0
    if a.queries:
        queries = queries[:a.queries]
    metric = a.metric or metric
    a.lists = max(10, len(base) // 1000) if a.lists == "auto" else int(a.lists)
    log("%d x %d base, %d queries, metric %s" % (len(base), base.shape[1],
                                                 len(queries), metric))
    gt_i, gt_d = cached_gt(a, "knn%d" % a.k, base, queries, metric,
                           lambda: datasets.ground_truth(base, queries, metric, k=a.k))
    rng = np.random.default_rng(a.seed + 1)
    cats = rng.integers(0, 100, len(base)).astype(np.int32)
    qcats = rng.integers(0, 100, len(queries)).astype(np.int32)
    fgt_i, fgt_d = cached_gt(a, "filtered%d" % a.k, base, queries, metric,
                             lambda: datasets.filtered_ground_truth(
                                 base, queries, metric, cats, qcats, k=a.k))

    meta = {"dataset": a.dataset, "n": len(base), "dim": base.shape[1],
            "metric": metric, "nq": len(queries), "k": a.k,
            "date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
            "host": platform.node(), "cpus": os.cpu_count(),
            "commit": git_commit(), "blas": blas_name(),
            "param_format": a.param_format, "args": vars(a),
            "passes": a.passes * a.rounds,
            "server": "-", "load_s": 0.0, "load_all_s": 0.0,
            "loadavg_start": os.getloadavg()[0]}

    cluster = conn = None
    bench = None
    try:
        if not a.refs_only:
            cluster = Cluster(a.dsn, a.keep_cluster)
            conn = connect(cluster.dsn, a.param_format)
            meta["server"] = conn.execute("SHOW server_version").fetchone()[0]
            # one backend on one core, like the one-thread references
            conn.execute("SET max_parallel_workers_per_gather = 0")
            log("loading %d rows with COPY (binary)" % len(base))
            meta["load_s"], meta["load_all_s"] = load_table(
                conn, a.table, base, cats, a.replace_table or a.dsn is None)
            log("loaded in %.1f s (%.1f s with VACUUM ANALYZE)"
                % (meta["load_s"], meta["load_all_s"]))
        bench = Bench(a, conn, base, queries, metric, gt_d, cats, qcats, fgt_d)
        bench.gt_i = gt_i
        bench.R["meta"] = meta
        if conn is not None:
            if "hnsw" in a.am and not a.no_refs:
                bench.hnswlib_build()
            bench.floor()
            if not a.no_seqscan:
                bench.seqscan()
            for am in a.am:
                bench.run_am(am)
            if not a.no_writes:
                bench.reload_if_dirty()
                bench.writes("heap + primary key only (no ANN index)")
        if not a.no_refs:
            if "hnsw" in a.am:
                bench.hnswlib_ref()
            if "ivfflat" in a.am:
                bench.faiss_ref()
    finally:
        if conn is not None:
            conn.close()
        if cluster is not None:
            cluster.stop()

    meta["loadavg_end"] = os.getloadavg()[0]
    if bench is not None and bench.floor_ms is not None:
        bench.rebase_floor()
    md = markdown(bench.R)
    print(md)
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "a") as f:
            f.write(md + "\n")
        log("appended to %s" % a.out)
    jpath = a.json or (os.path.splitext(a.out)[0] + ".json" if a.out else None)
    if jpath:
        runs = []
        if os.path.exists(jpath):
            try:
                with open(jpath) as f:
                    runs = json.load(f)
            except ValueError:
                runs = []
        runs.append(bench.R)
        with open(jpath, "w") as f:
            json.dump(runs, f, indent=1, default=str)
        log("JSON in %s" % jpath)
    return 0


if __name__ == "__main__":
    sys.exit(main())
