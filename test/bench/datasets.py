"""
test/bench/datasets.py: data sets and exact ground truth for the ANN benchmark.

Every loader returns (base, queries, metric): two C-contiguous float32 arrays
(rows are vectors) and the data set's natural metric ("l2", "ip" or
"cosine").  load() dispatches by name; ground_truth() and
filtered_ground_truth() compute exact neighbours with numpy in batches.

Real data is read from the shared data folder (see data_dir()).  Sets that
ship without queries get a seeded random hold-out of rows as queries, removed
from the base, so a query is never its own neighbour.

The "clustered" set is generated: a Gaussian mixture with a spread of cluster
sizes, anisotropic per-dimension scales and a per-cluster random orientation,
because uniform noise has no neighbourhood structure and makes every index
look either perfect or hopeless.
"""

import gzip
import os

import numpy as np

METRICS = ("l2", "ip", "cosine")


def data_dir():
    """
    The folder holding siftsmall/, fashion-mnist/ ...: $VECTOR_SHARED/data when
    set, else the first shared/data found walking up from this checkout (the
    repository's ../shared/data, or a parent's when the checkout is a nested
    worktree).  Returns None when there is none.
    """
    env = os.environ.get("VECTOR_SHARED")
    if env:
        d = os.path.join(env, "data")
        if os.path.isdir(d):
            return d
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    d = os.path.dirname(repo)
    while True:
        cand = os.path.join(d, "shared", "data")
        if os.path.isdir(cand):
            return cand
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


class DataMissing(Exception):
    """A data set's files are not on this machine."""


def _path(*parts):
    base = data_dir()
    if base is None:
        raise DataMissing("no shared data folder: set VECTOR_SHARED or "
                          "check out ../shared next to the repository")
    p = os.path.join(base, *parts)
    if not os.path.exists(p):
        raise DataMissing("missing %s" % p)
    return p


def read_fvecs(path):
    a = np.fromfile(path, dtype="<i4")
    d = int(a[0])
    return np.ascontiguousarray(a.reshape(-1, d + 1)[:, 1:].view("<f4"),
                                dtype=np.float32)


def read_bvecs(path):
    """bvecs (int32 dims, then dims uint8 per row) as float32 rows."""
    a = np.fromfile(path, dtype=np.uint8)
    d = int(a[:4].view("<i4")[0])
    return np.ascontiguousarray(a.reshape(-1, d + 4)[:, 4:], dtype=np.float32)


def read_ivecs(path):
    a = np.fromfile(path, dtype="<i4")
    d = int(a[0])
    return a.reshape(-1, d + 1)[:, 1:].copy()


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    hdr = np.frombuffer(raw, dtype=">i4", count=4)
    if hdr[0] != 2051:
        raise ValueError("%s: not an IDX3 image file" % path)
    n, rows, cols = int(hdr[1]), int(hdr[2]), int(hdr[3])
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(
        n, rows * cols).astype(np.float32)


def hold_out(data, nq, seed):
    """
    Split nq seeded random rows off data as queries; with seed None, the
    first nq rows (as the TAP tests hold them out).
    """
    if nq >= len(data):
        nq = len(data) // 10
    if seed is None:
        return (np.ascontiguousarray(data[nq:]), np.ascontiguousarray(data[:nq]))
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(data))
    q = np.sort(perm[:nq])
    b = np.sort(perm[nq:])
    return (np.ascontiguousarray(data[b]), np.ascontiguousarray(data[q]))


# --------------------------------------------------------------------------
# Generated: clustered, anisotropic
# --------------------------------------------------------------------------

def _householder_rotate(x, vs):
    """Apply the reflections I - 2 v v^T (v unit rows of vs) to rows of x."""
    for v in vs:
        x -= 2.0 * np.outer(x @ v, v)
    return x


def clustered(n=100000, dim=128, nq=1000, seed=42, centers=None):
    """
    A seeded Gaussian mixture of n + nq points in dim dimensions; nq of them,
    chosen at random, are returned as queries (same distribution, not in the
    base).

    - centers: 100..1000 (n / 100 clamped) unless given; drawn from a normal
      whose per-dimension scales decay like a power law, so a few directions
      carry most of the variance (as in real embeddings).
    - cluster sizes: lognormal weights, so some clusters are 20x others.
    - each cluster has its own lognormal per-dimension scales and overall
      spread, then a random orientation made of four Householder
      reflections, so clusters are elongated along different, non-axis
      directions.
    - a common offset, so the data is not centred at the origin (which keeps
      cosine and inner-product rankings different from L2).
    """
    rng = np.random.default_rng(seed)
    total = n + nq
    if centers is None:
        centers = int(min(1000, max(100, n // 100)))
    centers = max(1, min(centers, total))
    dimscale = (np.arange(1, dim + 1, dtype=np.float64) ** -0.5)
    rng.shuffle(dimscale)
    ctr = rng.standard_normal((centers, dim)) * dimscale * 4.0
    offset = rng.standard_normal(dim) * dimscale * 2.0
    w = rng.lognormal(0.0, 1.0, centers)
    sizes = rng.multinomial(total, w / w.sum())
    out = np.empty((total, dim), dtype=np.float32)
    pos = 0
    for c in range(centers):
        m = int(sizes[c])
        if m == 0:
            continue
        local = rng.lognormal(0.0, 0.6, dim) * dimscale * rng.lognormal(0.0, 0.3)
        pts = rng.standard_normal((m, dim)) * local
        vs = rng.standard_normal((4, dim))
        vs /= np.linalg.norm(vs, axis=1, keepdims=True)
        pts = _householder_rotate(pts, vs)
        out[pos:pos + m] = pts + ctr[c] + offset
        pos += m
    perm = rng.permutation(total)
    out = out[perm]
    return (np.ascontiguousarray(out[:n]), np.ascontiguousarray(out[n:]))


# --------------------------------------------------------------------------
# Real sets (shared data folder)
# --------------------------------------------------------------------------

def _fvecs_set(name, nq):
    """<name>/<name>_base.fvecs and its shipped queries (the first nq), L2."""
    base = read_fvecs(_path(name, name + "_base.fvecs"))
    q = read_fvecs(_path(name, name + "_query.fvecs"))
    if nq:
        q = q[:nq]
    return base, np.ascontiguousarray(q), "l2"


def siftsmall(nq=None, seed=42):
    return _fvecs_set("siftsmall", nq)


def siftsmall_file_gt():
    """The ground truth shipped with siftsmall (top-100, 0-based), or None."""
    try:
        return read_ivecs(_path("siftsmall", "siftsmall_groundtruth.ivecs"))
    except DataMissing:
        return None


def bigann10k(nq=None, seed=42):
    """
    10,000 uint8 SIFT descriptors as floats.  The shipped 100 queries are
    base rows 0..99, so those rows are removed from the base (9,900 rows)
    and are the queries.
    """
    a = read_bvecs(_path("bigann10k", "bigann10k_base.bvecs"))
    q = read_bvecs(_path("bigann10k", "bigann10k_query.bvecs"))
    if not np.array_equal(q, a[:len(q)]):
        raise ValueError("bigann10k: the queries are not base rows 0..%d" % (len(q) - 1))
    nq = min(nq or len(q), len(q))
    return (np.ascontiguousarray(a[len(q):]), np.ascontiguousarray(q[:nq]), "l2")


def fmnistsmall(nq=None, seed=42):
    """Fashion-MNIST train images 0..999 and the 500 shipped queries."""
    return _fvecs_set("fmnistsmall", nq)


def fashion_mnist(nq=1000, seed=42):
    cands = []
    base = data_dir()
    if base:
        cands.append(os.path.join(base, "fashion-mnist"))
    cands.append("/usr/share/datasets/fashion-mnist")
    for d in cands:
        tr = os.path.join(d, "train-images-idx3-ubyte.gz")
        te = os.path.join(d, "t10k-images-idx3-ubyte.gz")
        if os.path.exists(tr) and os.path.exists(te):
            b = read_idx_images(tr)
            q = read_idx_images(te)[:nq or 1000]
            return np.ascontiguousarray(b), np.ascontiguousarray(q), "l2"
    raise DataMissing("fashion-mnist not found in %s (apt-get install "
                      "dataset-fashion-mnist)" % " or ".join(cands))


def cohere_wiki_1k(nq=100, seed=42):
    a = np.fromfile(_path("cohere-wiki-1k", "cohere_1k_vectors"),
                    dtype="<f4").reshape(-1, 768)
    b, q = hold_out(a, nq or 100, seed)
    return b, q, "ip"


def bge_m3_alice_1k(nq=100, seed=42):
    parts = [np.fromfile(_path("bge-m3-alice-1k",
                               "unit-data-1024-%s_queries.vec" % g),
                         dtype="<f4").reshape(-1, 1024)
             for g in ("sentence", "paragraph")]
    b, q = hold_out(np.concatenate(parts), nq or 100, seed)
    return b, q, "cosine"


def fiori_docs_minilm(nq=100, seed=42):
    a = np.fromfile(_path("fiori-docs-minilm", "embeddings.bin"),
                    dtype="<f4").reshape(-1, 384)
    b, q = hold_out(a, nq or 100, seed)
    return b, q, "cosine"


DATASETS = {
    "clustered": None,          # special: takes n and dim
    "siftsmall": siftsmall,
    "bigann10k": bigann10k,
    "fmnistsmall": fmnistsmall,
    "fashion-mnist": fashion_mnist,
    "cohere-wiki-1k": cohere_wiki_1k,
    "bge-m3-alice-1k": bge_m3_alice_1k,
    "fiori-docs-minilm": fiori_docs_minilm,
}


def load(name, n=100000, dim=128, nq=None, seed=42):
    """(base, queries, metric) of a named data set; raises DataMissing."""
    if name == "clustered":
        b, q = clustered(n=n, dim=dim, nq=nq or 1000, seed=seed)
        return b, q, "l2"
    if name not in DATASETS:
        raise KeyError("unknown data set %r (known: %s)"
                       % (name, ", ".join(DATASETS)))
    return DATASETS[name](nq=nq, seed=seed)


# --------------------------------------------------------------------------
# Exact ground truth
# --------------------------------------------------------------------------

def normalize(x):
    x = np.asarray(x, dtype=np.float32)
    nrm = np.linalg.norm(x, axis=1, keepdims=True)
    nrm[nrm == 0] = 1.0
    return (x / nrm).astype(np.float32)


def distances(base, queries, metric):
    """
    Full distance matrix (len(queries) x len(base)) in float64, in the units
    of the SQL operators: L2 distance (<->), negative inner product (<#>),
    cosine distance (<=>).  Smaller is closer for all three.
    """
    q = np.asarray(queries, dtype=np.float64)
    b = np.asarray(base, dtype=np.float64)
    if metric == "l2":
        d = (np.sum(q * q, axis=1)[:, None] - 2.0 * (q @ b.T)
             + np.sum(b * b, axis=1)[None, :])
        return np.sqrt(np.maximum(d, 0.0))
    if metric == "ip":
        return -(q @ b.T)
    if metric == "cosine":
        return 1.0 - normalize(q).astype(np.float64) @ normalize(b).astype(np.float64).T
    raise ValueError("unknown metric %r" % metric)


def _topk(d, k):
    k = min(k, d.shape[1])
    idx = np.argpartition(d, k - 1, axis=1)[:, :k]
    dd = np.take_along_axis(d, idx, axis=1)
    order = np.argsort(dd, axis=1, kind="stable")
    return (np.take_along_axis(idx, order, axis=1),
            np.take_along_axis(dd, order, axis=1))


def _fast_distances(base, queries, metric, bnorm2=None):
    """float32 distance matrix for candidate selection only (may be rounded)."""
    q = np.asarray(queries, dtype=np.float32)
    if metric == "l2":
        if bnorm2 is None:
            bnorm2 = np.einsum("ij,ij->i", base, base)
        return (bnorm2[None, :] - 2.0 * (q @ base.T)
                + np.einsum("ij,ij->i", q, q)[:, None])
    if metric == "ip":
        return -(q @ base.T)
    return -(normalize(q) @ base.T)        # base already normalised


def ground_truth(base, queries, metric, k=100, batch=None):
    """
    Exact k nearest neighbours: (ids int64 [nq, k], dists float64 [nq, k]),
    ids being row numbers of base.  Candidates (k + 32 per query) come from a
    float32 matrix product, which BLAS does fast; they are then re-ranked
    with distances recomputed in float64, so the order and distances are
    exact unless float32 rounding moved a true neighbour more than 32 places.
    Batched so the distance block stays around 128 MB.
    """
    nq = len(queries)
    k = min(k, len(base))
    kc = min(len(base), k + 32)
    b32 = np.ascontiguousarray(base, dtype=np.float32)
    if metric == "cosine":
        b32 = normalize(b32)
    bnorm2 = np.einsum("ij,ij->i", b32, b32) if metric == "l2" else None
    if batch is None:
        batch = max(1, int(32 * 1024 * 1024 // max(1, len(base))))
    ids = np.empty((nq, k), dtype=np.int64)
    ds = np.empty((nq, k), dtype=np.float64)
    for s in range(0, nq, batch):
        qb = queries[s:s + batch]
        cand, _ = _topk(_fast_distances(b32, qb, metric, bnorm2), kc)
        for j in range(len(qb)):
            d = distances(base[cand[j]], qb[j:j + 1], metric)[0]
            o = np.argsort(d, kind="stable")[:k]
            ids[s + j] = cand[j][o]
            ds[s + j] = d[o]
    return ids, ds


def filtered_ground_truth(base, queries, metric, base_cat, query_cat, k=10):
    """
    Exact k nearest neighbours of each query among the base rows whose
    category equals the query's.  Rows of the result past the number of
    matching base rows are -1 / inf.
    """
    nq = len(queries)
    ids = np.full((nq, k), -1, dtype=np.int64)
    ds = np.full((nq, k), np.inf, dtype=np.float64)
    for c in np.unique(query_cat):
        qi = np.nonzero(query_cat == c)[0]
        bi = np.nonzero(base_cat == c)[0]
        if len(bi) == 0:
            continue
        i, d = ground_truth(base[bi], queries[qi], metric, k=k)
        ids[qi, :i.shape[1]] = bi[i]
        ds[qi, :d.shape[1]] = d
    return ids, ds


def recall(found, base, queries, metric, gt_dists, k=10, rel_eps=1e-5):
    """
    Mean recall@k with ties counted as hits: a returned row counts when its
    exact distance is within the k-th true distance (plus a relative epsilon
    for float32 rounding in the server), so duplicate vectors in the data do
    not make an exact answer score below 1.  found is a list of id arrays
    (row numbers of base; may be shorter than k).  Returns (recall, short),
    short being the number of queries with fewer than k results.
    """
    hits = 0
    total = 0
    short = 0
    for qi, ids in enumerate(found):
        kth = gt_dists[qi, min(k, gt_dists.shape[1]) - 1]
        want = int(np.sum(np.isfinite(gt_dists[qi, :k])))
        total += want
        ids = np.asarray(ids, dtype=np.int64)[:k]
        if len(ids) < want:
            short += 1
        if len(ids) == 0:
            continue
        ids = np.unique(ids)
        d = distances(base[ids], queries[qi:qi + 1], metric)[0]
        tol = rel_eps * max(1.0, abs(kth))
        hits += min(want, int(np.sum(d <= kth + tol)))
    return (hits / total if total else 1.0), short
