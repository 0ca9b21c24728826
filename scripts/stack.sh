#!/usr/bin/env bash
# Stack high-water mark of every public call in every fallback mode
# (tools/stack), release and debug, on x86_64 natively and on aarch64 and
# riscv64 under qemu-user (fault injection stands in for seccomp there).
# Fails if a call exceeds its goal:
#   release, every architecture: default mode (private procfs, openat2)
#            <= 1536 B, any mode <= 4096 B
#   debug, every architecture: any call in any mode <= 8192 B
# Usage: scripts/stack.sh [--write-docs] [TARGET...]   (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
# --write-docs: run as usual, and put the output into docs/stack.md too.
[ "${1:-}" != --write-docs ] || { shift; exec bash scripts/write-doc.sh --run docs/stack.md stack "$0" "$@"; }

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(x86_64-unknown-linux-gnu aarch64-unknown-linux-musl riscv64gc-unknown-linux-gnu)
manifest=tools/stack/Cargo.toml
status=0
for t in "${targets[@]}"; do
  features=()
  case $t in x86_64-*) ;; *) features=(--features __fault_injection) ;; esac
  for profile in release debug; do
    if [ $profile = release ]; then
      flags=(--release) limits=(--limit-default 1536 --limit-fallback 4096)
    else
      flags=() limits=(--limit-default 8192 --limit-fallback 8192)
    fi
    echo "### $t, $profile build (bytes of stack per call)"
    echo
    if ! cargo run -q "${flags[@]}" --manifest-path "$manifest" --target "$t" "${features[@]}" -- "${limits[@]}"; then
      echo "error: stack goals missed on $t ($profile)" >&2
      status=1
    fi
    echo
  done
done
exit $status
