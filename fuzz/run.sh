#!/usr/bin/env bash
# Property-based fuzzing of the reader and the compiler (run in CI by scripts/test.mjs,
# 60 s per target).
#   fuzz/run.sh [seconds-per-target] [extra args, e.g. --seed 42]
# Builds the harness in $CARGO_TARGET_DIR (default target/fuzz in the repository, so a
# cached target directory keeps it), replays every saved finding in fuzz/crashes/ (each
# must now be a typed error or a complete engine), then runs the `formulas` target
# (parse + bind + codegen), the `xlsx` target (read + compile, with the structure-
# aware mutator of issue #16) and the `binary` target (.xlsb/.xls read + compile) for N seconds each (default 60). Crashing, hanging, slow or
# out-of-memory inputs are saved to fuzz/crashes/; replay one with
#   target/fuzz/release/sheetc-fuzz replay fuzz/crashes/<file>
# Exit status: 0 when every replay and every target passes, 1 on a finding, 2 when the
# harness does not build.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
secs="${1:-60}"
shift || true
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/../target/fuzz}"
build_start=$(date +%s)
(cd "$here" && cargo build --release --quiet) || exit 2
echo "fuzz harness built in $(( $(date +%s) - build_start )) s"
bin="$CARGO_TARGET_DIR/release/sheetc-fuzz"
mkdir -p "$here/crashes" "$here/work"
status=0
# Cap memory so a runaway allocation kills the harness instead of the machine.
mem_kb="${FUZZ_MEM_KB:-6000000}"

# Saved findings first: each is a regression test.
replayed=0
for f in "$here"/crashes/*; do
  case "$f" in *.txt.txt | *.xlsx.txt) continue ;; esac
  [ -f "$f" ] || continue
  ( ulimit -v "$mem_kb"; exec "$bin" replay "$f" ) >/dev/null 2>&1
  rc=$?
  replayed=$((replayed + 1))
  if [ "$rc" -ne 0 ]; then
    echo "   REGRESSION: $(basename "$f") fails again (exit code $rc); replay it with $bin replay $f"
    status=1
  fi
done
echo "replayed $replayed saved findings"

for target in formulas xlsx binary; do
  start=$(date +%s)
  ( ulimit -v "$mem_kb"; exec "$bin" "$target" "$secs" "$@" )
  rc=$?
  echo "   exit code $rc, wall $(( $(date +%s) - start )) s"
  if [ "$rc" -gt 3 ] && [ "$target" != formulas ] && [ -f "$here/work/current.xlsx" ]; then
    dest="$here/crashes/abort-$target-$(date +%s).bin"
    cp "$here/work/current.xlsx" "$dest"
    echo "   the harness died (signal/abort, e.g. out of memory); input saved to $dest"
  fi
  [ "$rc" -ne 0 ] && status=1
done
rm -rf "$here/work"
exit $status
