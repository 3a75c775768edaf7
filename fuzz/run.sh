#!/usr/bin/env bash
# Property-based fuzzing of sheetc-core (not run in CI).
#   fuzz/run.sh [seconds-per-target] [extra args, e.g. --seed 42]
# Builds the harness in $CARGO_TARGET_DIR (default /tmp/fuzz-target), then runs the
# `formulas` target (parse + bind + codegen), the `xlsx` target (read + compile) and the
# `binary` target (.xlsb/.xls read + compile) for N seconds each (default 60). Crashing, hanging, slow or out-of-memory inputs are
# saved to fuzz/crashes/; replay one with
#   /tmp/fuzz-target/release/sheetc-fuzz replay fuzz/crashes/<file>
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
secs="${1:-60}"
shift || true
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/fuzz-target}"
(cd "$here" && cargo build --release --quiet) || exit 2
bin="$CARGO_TARGET_DIR/release/sheetc-fuzz"
mkdir -p "$here/crashes" "$here/work"
status=0
for target in formulas xlsx binary; do
  start=$(date +%s)
  # Cap memory so a runaway allocation kills the harness instead of the machine.
  ( ulimit -v "${FUZZ_MEM_KB:-6000000}"; exec "$bin" "$target" "$secs" "$@" )
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
