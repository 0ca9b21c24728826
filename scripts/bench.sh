#!/usr/bin/env bash
# The hot-path benchmark: prints the table of docs/bench.md (syscalls and median
# time per operation for a plain open, safe-procfs and pathrs 0.2.6).
# Run as root (fsopen needs CAP_SYS_ADMIN, as in production container shims).
set -euo pipefail
cd "$(dirname "$0")/.."
# --write-docs: run as usual, and put the output into docs/bench.md too.
[ "${1:-}" != --write-docs ] || { shift; exec bash scripts/write-doc.sh --run docs/bench.md bench "$0" "$@"; }
command -v strace >/dev/null || { apt-get update -qq && apt-get install -y -qq strace >/dev/null; }
cargo build -q --release --manifest-path bench/Cargo.toml
exec bench/target/release/safe-procfs-bench "$@"
