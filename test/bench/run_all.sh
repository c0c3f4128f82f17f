#!/usr/bin/env bash
#
# test/bench/run_all.sh: the whole benchmark matrix, both access methods and
# their references, one markdown + JSON file per data set under
# test/bench/results/ (or $RESULTS).  Run as root from anywhere; takes
# roughly an hour on a 2-core machine (most of it fashion-mnist and the
# 100k clustered sets).  Extra arguments go to every ann_bench.py call,
# e.g. run_all.sh --am hnsw --workers 0.
#
#   QUICK=1 test/bench/run_all.sh      20k clustered sets instead of 100k,
#                                      fashion-mnist left out
#
set -u
here=$(cd "$(dirname "$0")" && pwd)
results=${RESULTS:-$here/results}
day=$(date -u +%F)
mkdir -p "$results"
n=100000
[ -n "${QUICK:-}" ] && n=20000

bench() {
	local tag=$1; shift
	echo "==> ann_bench $*" >&2
	/usr/bin/python3 "$here/ann_bench.py" --out "$results/$day-$tag.md" "$@" ||
		echo "==> FAILED: $*" >&2
}

bench clustered-l2 --dataset clustered --n $n --dim 128 --metric l2 "$@"
bench clustered-cosine --dataset clustered --n $n --dim 128 --metric cosine "$@"
bench siftsmall --dataset siftsmall "$@"
[ -z "${QUICK:-}" ] && bench fashion-mnist --dataset fashion-mnist --queries 1000 "$@"
bench cohere-wiki-1k --dataset cohere-wiki-1k "$@"
bench bge-m3-alice-1k --dataset bge-m3-alice-1k "$@"
bench fiori-docs-minilm --dataset fiori-docs-minilm "$@"

# each real set under L2 and cosine both, beside its own metric above
bench siftsmall-cosine --dataset siftsmall --metric cosine "$@"
[ -z "${QUICK:-}" ] &&
	bench fashion-mnist-cosine --dataset fashion-mnist --queries 1000 --metric cosine "$@"
bench cohere-wiki-1k-l2 --dataset cohere-wiki-1k --metric l2 "$@"
bench cohere-wiki-1k-cosine --dataset cohere-wiki-1k --metric cosine "$@"
bench bge-m3-alice-1k-l2 --dataset bge-m3-alice-1k --metric l2 "$@"
bench fiori-docs-minilm-l2 --dataset fiori-docs-minilm --metric l2 "$@"
echo "==> results in $results/$day-*.md" >&2
