#!/bin/bash
# Runs the libFuzzer targets of tests/fuzz for a bounded time each, on a
# copy of their checked-in seed corpus, and fails if any target crashes,
# leaks, times out on an input or runs out of memory.
#
#   utils/fuzz/run_fuzz.sh BUILD_DIR SECONDS [TARGET...]
#
# Bounds per target: -max_total_time SECONDS, -timeout 10 (seconds per
# input), -rss_limit_mb 2048, -malloc_limit_mb 1024 (one allocation), and
# an outer `timeout` of SECONDS + 120 in case the fuzzer itself hangs.
# Environment:
#   FUZZ_WORK   keep the growing corpora in FUZZ_WORK/<target> (created and
#               seeded if missing) instead of a temporary copy deleted at the
#               end: for long runs that resume.
#   FUZZ_ARGS   extra libFuzzer flags (e.g. "-jobs=2 -workers=2").
# Crash inputs land in BUILD_DIR/fuzz-artifacts/<target>/, logs in
# BUILD_DIR/fuzz-logs/<target>.log. The summary prints libFuzzer's final
# figures per target: executions, executions/s, cov, ft, corpus size.
set -uo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "$1" && pwd)"
secs="$2"
shift 2
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(resp_parser restore rdb aof config config_set acl)

work="${FUZZ_WORK:-}"
cleanup=""
if [ -n "$work" ]; then
  mkdir -p "$work" && work="$(cd "$work" && pwd)"
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/tdfuzz-corpus.XXXXXX")"
  cleanup="$work"
fi
trap '[ -n "$cleanup" ] && rm -rf "$cleanup"' EXIT

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# Debian's llvm-14 installs the symbolizer under a versioned name only.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && ! command -v llvm-symbolizer >/dev/null &&
   [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then
  export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
fi

failed=()
summary=()
for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/${t}_fuzz"
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin is missing (build it with make fuzz-build)" >&2
    failed+=("$t(missing)")
    continue
  fi
  corpus="$work/$t"
  mkdir -p "$corpus" "$build/fuzz-artifacts/$t" "$build/fuzz-logs"
  cp -n "$root/tests/fuzz/corpus/$t/"* "$corpus/" 2>/dev/null || true
  dict=()
  [ -f "$root/tests/fuzz/dict/$t.dict" ] && dict=("-dict=$root/tests/fuzz/dict/$t.dict")
  log="$build/fuzz-logs/$t.log"
  # The targets' scratch files (AOF dirs, config files) go to a directory
  # of this run, on tmpfs when there is one, removed after the target:
  # libFuzzer ends the process without running atexit handlers.
  scratch="$(mktemp -d "$( [ -w /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")/tdfuzz-$t.XXXXXX")"
  echo "fuzz: $t for ${secs}s ($(ls "$corpus" | wc -l) inputs to start from)"
  # shellcheck disable=SC2086
  TMPDIR="$scratch" timeout --kill-after=30 $((secs + 120)) "$bin" -max_total_time="$secs" -timeout=10 \
    -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$t/" \
    "${dict[@]}" ${FUZZ_ARGS:-} "$corpus" >"$log" 2>&1
  rc=$?
  rm -rf "$scratch"
  done_line="$(grep -a -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)"
  execs="$(grep -a '^stat::number_of_executed_units:' "$log" | tail -1 | awk '{print $2}')"
  rate="$(grep -a '^stat::average_exec_per_sec:' "$log" | tail -1 | awk '{print $2}')"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")"
  ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")"
  corp="$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$done_line")"
  summary+=("$(printf '%-12s execs %-10s exec/s %-7s cov %-6s ft %-7s corpus %-12s %s' "$t" "${execs:-?}" \
    "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$([ $rc -eq 0 ] && echo ok || echo "FAILED (exit $rc)")")")
  if [ $rc -ne 0 ]; then
    failed+=("$t")
    echo "fuzz: $t FAILED (exit $rc); last lines of $log:" >&2
    tail -40 "$log" >&2
  fi
done

echo
echo "fuzz summary (${secs}s per target):"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: failed: ${failed[*]} (inputs in $build/fuzz-artifacts/)" >&2
  exit 1
fi
