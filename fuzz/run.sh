#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) each, one after another.
# Needs cargo-fuzz (`cargo install cargo-fuzz`). Only a stable toolchain is on
# these machines, so RUSTC_BOOTSTRAP=1 lets it accept libFuzzer's -Z flags;
# the sanitizer is off (safe Rust; we look for panics, aborts and hangs).
# Usage: fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(config csv sql_expr template manifest)
fi
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/studybook-fuzz-target}"
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "runs/$t"
  echo "== $t: ${secs}s"
  # New corpus entries go to runs/ (not committed); corpus/ holds the seeds.
  if ! cargo fuzz run --dev -s none "$t" "runs/$t" "corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=4096 -timeout=30 -print_final_stats=1; then
    echo "== $t: FAILED (see artifacts/$t/)"
    failed=1
  fi
done
exit "${failed:-0}"
