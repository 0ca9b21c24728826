#!/usr/bin/env bash
# The hot-path benchmark: prints the table of docs/bench.md (syscalls and median
# time per operation for a plain open, safe-procfs and pathrs 0.2.6).
# Run as root (fsopen needs CAP_SYS_ADMIN, as in production container shims).
set -euo pipefail
cd "$(dirname "$0")/.."
# --write-docs: run as usual, and put the output into docs/bench.md too.
if [ "${1:-}" = --write-docs ]; then
  shift
  out=$(mktemp)
  trap 'rm -f "$out"' EXIT
  status=0
  bash "$0" "$@" | tee "$out" || status=$?
  bash scripts/write-doc.sh docs/bench.md bench <"$out"
  exit $status
fi
command -v strace >/dev/null || { apt-get update -qq && apt-get install -y -qq strace >/dev/null; }
cargo build -q --release --manifest-path bench/Cargo.toml
exec bench/target/release/safe-procfs-bench "$@"
