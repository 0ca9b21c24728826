#!/usr/bin/env bash
# The reference differential (bench/src/bin/reference_differential.rs):
# libpathrs 0.2.6's C library (scripts/libpathrs-ref.sh builds it from
# cargo's registry) and ours (scripts/capi.sh --install) asked the same
# questions in one process, every base x every path x 8 open flags, plus
# readlink. Ends with "reference-differential: N passed, N failed" (a
# failure is a difference that is not one of the explained kinds, which
# README's list of differences gives with their reasons).
set -euo pipefail
cd "$(dirname "$0")/.."
ref=$(bash scripts/libpathrs-ref.sh)
prefix=$PWD/target/reference-differential/prefix
bash scripts/capi.sh --install "$prefix" >/dev/null
cargo build -q --release --manifest-path bench/Cargo.toml --bin reference_differential
bench/target/release/reference_differential "$prefix/lib/libsafe_procfs.so" "$ref/lib/libpathrs.so.0"
