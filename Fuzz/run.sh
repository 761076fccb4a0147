#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/Package.swift and runs each for SECONDS_PER_TARGET (default 60) on a
# temporary copy of its seed corpus (Fuzz/Corpus/<target>/). Prints the executions and crashes of each target,
# keeps every crash, timeout, leak or out-of-memory input under Fuzz/artifacts/, and exits non-zero if any
# target found one (or did not run).
#
#   Fuzz/run.sh [SECONDS_PER_TARGET]
#
# Environment:
#   FUZZ_TARGETS="FuzzEventLine FuzzBlueprint"   run only these targets (default: all)
#   FUZZ_KEEP_CORPUS=1                            keep the working corpora (their path is printed)
#   FUZZ_SKIP_BUILD=1                             use the binaries already in Fuzz/.build
#   SPAR_FUZZ_ROUNDTRIP=1                         also check that accepted inputs read back from their
#                                                 canonical form (property checks, off by default)
set -euo pipefail

SECONDS_PER_TARGET="${1:-60}"
case "$SECONDS_PER_TARGET" in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET]" >&2; exit 2 ;;
esac

FUZZ="$(cd "$(dirname "$0")" && pwd)"
BUILD="$FUZZ/.build"
ARTIFACTS="$FUZZ/artifacts"
ALL_TARGETS="FuzzEventLine FuzzJSONValue FuzzPlantModel FuzzBlueprint FuzzB2MML FuzzKPIML FuzzMTConnect FuzzSparkplug FuzzMQTTUMH"
TARGETS="${FUZZ_TARGETS:-$ALL_TARGETS}"

# -sanitize=fuzzer,address instruments every Swift module (Spar's and Yams') for coverage and ASan and links
# libFuzzer and ASan into the executables; -Xcc does the same for the C of Yams' libyaml (fuzzer-no-link:
# instrument, link nothing). Not SwiftPM's own --sanitize=fuzzer: with Swift 6.3 it passes -sanitize=fuzzer to
# swiftc yet leaves the Swift code without coverage counters, so libFuzzer runs blind. -parse-as-library (also
# in Fuzz/Package.swift): the targets have no top-level code.
FLAGS=(--package-path "$FUZZ" --scratch-path "$BUILD" -c release
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xcc -fsanitize=fuzzer-no-link,address)
if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ]; then
  echo "== building the fuzz targets (release, libFuzzer + AddressSanitizer)"
  start=$(date +%s)
  swift build "${FLAGS[@]}"
  echo "== fuzz build took $(($(date +%s) - start)) s"
fi
BIN="$(swift build "${FLAGS[@]}" --show-bin-path)"

# Swift's own crash backtracer would catch the fuzzers' fatal signals before libFuzzer and ASan do: it is slow,
# trips ASan inside its memory server, and can leave the run hanging without writing the crash input.
export SWIFT_BACKTRACE=enable=no

mkdir -p "$ARTIFACTS"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/spar-fuzz.XXXXXX")"
if [ "${FUZZ_KEEP_CORPUS:-0}" = 1 ]; then
  echo "== working corpora kept under $WORK"
else
  trap 'rm -rf "$WORK"' EXIT
fi

# The inputs libFuzzer writes with -artifact_prefix=<target>-: crash-, timeout-, leak-, oom-, slow-unit-<sha1>.
count_artifacts() { ls "$ARTIFACTS" | grep -cE "^$1-(crash|timeout|leak|oom|slow-unit)-[0-9a-f]+$" || true; }

passed=0
failed=0
summary=""
export LSAN_OPTIONS="suppressions=$FUZZ/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
for target in $TARGETS; do
  exe="$BIN/$target"
  if [ ! -x "$exe" ]; then
    echo "$target: no binary at $exe" >&2
    failed=$((failed + 1))
    summary+="$(printf '%-16s %12s %8s  %s' "$target" "-" "-" "not built")"$'\n'
    continue
  fi
  corpus="$WORK/$target/corpus"
  mkdir -p "$corpus"
  cp "$FUZZ/Corpus/$target/"* "$corpus/"
  log="$WORK/$target/libfuzzer.log"
  dict=()
  [ -f "$FUZZ/Dict/$target.dict" ] && dict=("-dict=$FUZZ/Dict/$target.dict")
  before="$(count_artifacts "$target")"

  echo "== $target: ${SECONDS_PER_TARGET} s on $(ls "$corpus" | wc -l) seeds"
  set +e
  # The watchdog only guards against libFuzzer itself hanging; -max_total_time ends a normal run.
  timeout --signal=INT --kill-after=30 $((SECONDS_PER_TARGET + 300)) \
    "$exe" "$corpus" "${dict[@]}" \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$target-" >"$log" 2>&1
  rc=$?
  set -e

  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  execs="${execs:-?}"
  after="$(count_artifacts "$target")"
  found=$((after - before))
  blind=0
  # libFuzzer says this when no input ever produced coverage: the build is not instrumented, fuzzing is blind.
  grep -q "no interesting inputs were found" "$log" && blind=1
  if [ "$rc" -eq 0 ] && [ "$found" -eq 0 ] && [ "$blind" -eq 0 ]; then
    passed=$((passed + 1))
    verdict="ok"
  else
    failed=$((failed + 1))
    verdict="FAILED (libFuzzer exit $rc)"
    [ "$blind" -eq 1 ] && verdict="FAILED (no coverage: the build is not instrumented)"
    cp "$log" "$ARTIFACTS/$target-libfuzzer-$(date +%Y%m%dT%H%M%S).log"
    echo "---- $target: last lines of the libFuzzer log (whole log copied to $ARTIFACTS)"
    grep -E "ERROR: |SUMMARY: |Fatal error|property violated|==[0-9]+==|#[0-9]+ 0x" "$log" | head -40 || true
    tail -n 15 "$log"
    echo "---- artifacts:"
    ls -t "$ARTIFACTS" | grep -E "^$target-(crash|timeout|leak|oom|slow-unit)-" | head -n "$((found > 0 ? found : 1))" |
      sed "s|^|  $ARTIFACTS/|"
  fi
  echo "$target: $execs executions, $found crashes ($verdict)"
  summary+="$(printf '%-16s %12s %8s  %s' "$target" "$execs" "$found" "$verdict")"$'\n'
done

echo
printf '%-16s %12s %8s  %s\n' "target" "executions" "crashes" "result"
printf '%s' "$summary"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
