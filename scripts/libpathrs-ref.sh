#!/usr/bin/env bash
# Builds the reference: libpathrs 0.2.6's C library (libpathrs.so.0 with its
# soname and symbol versions, and libpathrs.a), from the `pathrs` crate
# package in cargo's registry (bench/ depends on it, so `cargo fetch` brings
# it), the way its own Makefile does: feature capi, one crate type per build,
# LIBPATHRS_CAPI_BUILDMODE naming it. The package is copied into
# target/libpathrs-ref/ (a build directory: nothing of it is committed) and
# its crate-type set there. Cached: a second run only prints the directory.
# Prints the directory that holds lib/libpathrs.so{,.0}, lib/libpathrs.a and
# include/pathrs.h (libpathrs's own header, for building programs against
# the real library).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$PWD/target/libpathrs-ref
if [ -f "$out/.done" ]; then
  echo "$out"
  exit 0
fi
cargo fetch -q --manifest-path bench/Cargo.toml
pkg=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/pathrs-0.2.6 | head -1)
[ -n "$pkg" ] || { echo "error: no pathrs-0.2.6 in cargo's registry" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/lib" "$out/include"
cp -r "$pkg" "$out/src"
cd "$out/src"
for mode in cdylib staticlib; do
  sed -i "s/^crate-type = .*/crate-type = [\"$mode\"]/" Cargo.toml
  # rustc's own lld (gcc-ld/ld.lld) for libpathrs's -fuse-ld=lld.
  LIBPATHRS_CAPI_BUILDMODE=$mode RUSTFLAGS="-C panic=abort -C link-arg=-B$(rustc --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin/gcc-ld" \
    CARGO_TARGET_DIR="$out/target-$mode" cargo build -q --release --features capi >&2
done
cp "$out/target-cdylib/release/libpathrs.so" "$out/lib/libpathrs.so.0"
ln -sf libpathrs.so.0 "$out/lib/libpathrs.so"
cp "$out/target-staticlib/release/libpathrs.a" "$out/lib/libpathrs.a"
cp include/pathrs.h "$out/include/pathrs.h"
touch "$out/.done"
echo "$out"
