#!/usr/bin/env bash
#
# test/fuzz/run.sh SECONDS HARNESS...: run each harness for SECONDS over its
# seed corpus, one after the other, and print one TAP line per harness:
#
#   ok 1 - fuzz_vector_in: 123456 execs in 20 s, no findings
#   not ok 2 - fuzz_vector_recv: finding (fuzz_build/artifacts/...), see ...
#
# New interesting inputs go to fuzz_build/work/<harness>/ (the seed corpus
# in corpus/<harness>/ is only read); crash, leak and timeout inputs to
# fuzz_build/artifacts/.  Exits non-zero when any harness had a finding.
#
set -u
cd "$(dirname "$0")"
secs=$1
shift

echo "1..$#"
n=0
bad=0
for h in "$@"; do
	n=$((n + 1))
	work=fuzz_build/work/$h
	log=fuzz_build/$h.log
	mkdir -p "$work" fuzz_build/artifacts "corpus/$h"
	opts=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048
		-print_final_stats=1 -artifact_prefix="fuzz_build/artifacts/$h-")
	case $h in
		*_typmod_in) opts+=(-max_len=256) ;;
		*_in) opts+=(-max_len=131072 -dict=vector.dict) ;;
		*_recv) opts+=(-max_len=70000) ;;
		*_subvector) opts+=(-max_len=4096 -dict=vector.dict) ;;
		*) opts+=(-max_len=4096) ;;
	esac
	before=$(ls fuzz_build/artifacts | grep -c "^$h-")
	"./$h" "${opts[@]}" "$work" "corpus/$h" >"$log" 2>&1
	rc=$?
	after=$(ls fuzz_build/artifacts | grep -c "^$h-")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if [ $rc = 0 ] && [ "$before" = "$after" ] && [ -n "$execs" ]; then
		echo "ok $n - $h: $execs execs in $secs s, no findings"
	else
		bad=1
		art=$(ls -t fuzz_build/artifacts | grep "^$h-" | head -1)
		echo "not ok $n - $h: exit $rc, ${execs:-?} execs, input ${art:+fuzz_build/artifacts/}${art:-none}, log test/fuzz/$log"
		grep -E 'FINDING|ERROR: (Address|Leak|libFuzzer)|runtime error|SUMMARY' "$log" | head -5 | sed 's/^/# /'
	fi
done
exit $bad
