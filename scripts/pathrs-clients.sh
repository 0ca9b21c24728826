#!/usr/bin/env bash
# libpathrs's own clients on this library: libpathrs 0.2.6's procfs
# end-to-end tests (procfs-open.bats, procfs-readlink.bats: 20 tests), run
# unmodified from the `pathrs` crate package in cargo's registry, with
#  - its Python pathrs-cmd, on the PyPI binding `pathrs` 0.2.6 built from
#    its sdist (cffi) against our installed pathrs.h and libpathrs.so.0,
#  - its Go pathrs-cmd (e2e-tests/cmd/go on go-pathrs), built with Go 1.24,
#    urfave/cli v3 and x/sys from Debian's archive (fetched by name, as
#    scripts/vm/fetch-kernel.sh fetches kernels: golang-1.24-go/-src and
#    golang-golang-x-sys-dev from trixie, golang-github-urfave-cli-v3-dev
#    from sid; no module proxy: replace directives point at the unpacked
#    sources),
# both loading our library by the loader's path (LD_LIBRARY_PATH).
# Installs what it needs (bats and moreutils' errno from Debian); idempotent,
# downloads cached under /var/cache/safe-procfs, builds under
# target/pathrs-clients. Where this machine lacks /proc/modules (no
# CONFIG_MODULES), the two tests that open it are run on a copy that opens
# /proc/filesystems instead (also a global, read-only procfs file hidden by
# subset=pid), and that is printed.
# Ends with "pathrs-clients: N passed, N failed". Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cache=${SAFE_PROCFS_CACHE:-/var/cache/safe-procfs}
work=$root/target/pathrs-clients
mkdir -p "$work" "$cache/pypi"
passed=0
failed=0

# --- tools
if ! command -v bats >/dev/null || ! command -v errno >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq bats moreutils >/dev/null
fi

# --- our library, installed as a libpathrs user would get it
prefix=$work/prefix
bash scripts/capi.sh --install "$prefix" >/dev/null
export LD_LIBRARY_PATH=$prefix/lib
ref=$(bash scripts/libpathrs-ref.sh) # the reference (for comparison); also fetches the crate package
pkg=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/pathrs-0.2.6 | head -1)
tests=$pkg/e2e-tests/tests

# --- the Python client: the PyPI binding built from its sdist against a
# header and library. Its build reads PATHRS_SRC_ROOT/include/pathrs.h and
# links PATHRS_SRC_ROOT/target/release/libpathrs.so: a directory laid out so.
sdist=$cache/pypi/pathrs-0.2.6.tar.gz
[ -f "$sdist" ] || python3 -m pip download -q --no-deps --no-binary :all: pathrs==0.2.6 -d "$cache/pypi"
python_client() { # NAME INCLUDE-DIR LIB-DIR: $work/pathrs-cmd-NAME
  local name=$1 inc=$2 lib=$3 stage=$work/python-src-root-$1 venv=$work/venv-$1 stamp
  mkdir -p "$stage/target/release"
  ln -sfn "$inc" "$stage/include"
  ln -sf "$lib/libpathrs.so" "$stage/target/release/libpathrs.so"
  [ -x "$venv/bin/python3" ] || python3 -m venv "$venv"
  stamp=$(cat "$inc/pathrs.h" "$lib/libpathrs.so" | sha256sum | cut -c1-16)
  if [ "$(cat "$venv/built-against" 2>/dev/null)" != "$stamp" ]; then
    PATHRS_SRC_ROOT=$stage "$venv/bin/pip" install -q --force-reinstall --no-cache-dir "$sdist"
    echo "$stamp" >"$venv/built-against"
  fi
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$venv/bin/python3" "$pkg/e2e-tests/cmd/python/pathrs-cmd.py" \
    >"$work/pathrs-cmd-$name"
  chmod +x "$work/pathrs-cmd-$name"
}
python_client python "$prefix/include" "$prefix/lib"
linked=$(ldd "$(ls "$work"/venv-python/lib/python3*/site-packages/pathrs/_libpathrs_cffi*.so)")
grep -q "libpathrs.so.0 => $prefix/lib/libpathrs.so.0" <<<"$linked" ||
  { echo "error: the Python binding does not load our library: $linked" >&2; exit 1; }
# For comparison only: the binding built against the real libpathrs's own
# header (one built against ours refers to our extra functions too).
python_client python-on-libpathrs "$ref/include" "$ref/lib"

# --- the Go client: Go 1.24 and the two modules from Debian's archive.
deb=$cache/deb
goroot_go=$(bash scripts/vm/fetch-kernel.sh "$deb" trixie amd64 golang-1.24-go)/usr/lib/go-1.24
goroot_src=$(bash scripts/vm/fetch-kernel.sh "$deb" trixie amd64 golang-1.24-src)/usr/share/go-1.24
# (arch-all packages are listed in the amd64 index too; it is the one
# whose Packages.gz matched its InRelease on the mirror here)
cli=$(bash scripts/vm/fetch-kernel.sh "$deb" sid amd64 golang-github-urfave-cli-v3-dev)/usr/share/gocode/src/github.com/urfave/cli/v3
# (x/sys from trixie, 0.22: sid's needs Go 1.26; what go-pathrs and the
# client use of it is in both)
xsys=$(bash scripts/vm/fetch-kernel.sh "$deb" trixie amd64 golang-golang-x-sys-dev)/usr/share/gocode/src/golang.org/x/sys
goroot=$work/goroot # the two packages' halves of one GOROOT
mkdir -p "$goroot"
for d in bin pkg VERSION go.env; do ln -sfn "$goroot_go/$d" "$goroot/$d"; done
for d in src api lib misc; do ln -sfn "$goroot_src/$d" "$goroot/$d"; done
gosrc=$work/go-src # the client and go-pathrs, side by side as in the package
rm -rf "$gosrc"
mkdir -p "$gosrc/e2e-tests/cmd"
cp -r "$pkg/go-pathrs" "$gosrc/go-pathrs"
cp -r "$pkg/e2e-tests/cmd/go" "$gosrc/e2e-tests/cmd/go"
printf '\nreplace github.com/urfave/cli/v3 => %s\n\nreplace golang.org/x/sys => %s\n' "$cli" "$xsys" \
  >>"$gosrc/e2e-tests/cmd/go/go.mod"
env -C "$gosrc/e2e-tests/cmd/go" GOROOT="$goroot" PATH="$goroot/bin:$PATH" GOTOOLCHAIN=local GOPROXY=off \
  GOFLAGS=-mod=mod GOSUMDB=off GOPATH="$work/gopath" \
  GOCACHE="$work/gocache" PKG_CONFIG_PATH="$prefix/lib/pkgconfig" CGO_ENABLED=1 \
  go build -o "$work/pathrs-cmd-go" .
linked=$(ldd "$work/pathrs-cmd-go")
grep -q "libpathrs.so.0 => $prefix/lib/libpathrs.so.0" <<<"$linked" ||
  { echo "error: the Go client does not load our library: $linked" >&2; exit 1; }
echo "Go client built with $("$goroot/bin/go" version 2>/dev/null || cat "$goroot/VERSION" | head -1)"

# --- the tests, unmodified (or with the one substitution, said aloud).
suite=$tests
if ! [ -e /proc/modules ]; then
  suite=$work/e2e-tests-substituted
  rm -rf "$suite"
  cp -r "$tests" "$suite"
  sed -i 's/modules/filesystems/g' "$suite/procfs-open.bats"
  echo "SUBSTITUTED: this kernel has no /proc/modules (no CONFIG_MODULES): procfs-open.bats's two tests that open"
  echo "  'modules' run on a copy that opens 'filesystems' (a global, read-only procfs file, hidden by subset=pid, as modules is)"
fi
for client in python go; do
  echo "=== libpathrs's procfs e2e tests, $client pathrs-cmd, on our libpathrs.so.0"
  out=$(cd "$work" && PATHRS_CMD=$work/pathrs-cmd-$client bats -t "$suite/procfs-open.bats" "$suite/procfs-readlink.bats" 2>&1) || true
  echo "$out" | grep -E '^(ok|not ok)|^# ' | grep -vE '^# (status|output)' | head -200
  p=$(grep -cE '^ok [0-9]+' <<<"$out" | grep -v skip || true)
  p=$(grep -E '^ok [0-9]+' <<<"$out" | grep -vc '# skip' || true)
  s=$(grep -E '^ok [0-9]+' <<<"$out" | grep -c '# skip' || true)
  f=$(grep -cE '^not ok [0-9]+' <<<"$out" || true)
  echo "$client client: $p passed, $f failed, $s skipped (of $(sed -n 's/^1\.\.//p' <<<"$out"))"
  passed=$((passed + p))
  failed=$((failed + f + s))
  # For comparison only (not counted): the same client, unchanged, on the
  # real libpathrs 0.2.6 (scripts/libpathrs-ref.sh), by the loader's path.
  ref_cmd=$work/pathrs-cmd-$client
  [ "$client" = python ] && ref_cmd=$work/pathrs-cmd-python-on-libpathrs
  ref_out=$(cd "$work" && LD_LIBRARY_PATH=$ref/lib PATHRS_CMD=$ref_cmd \
    bats -t "$suite/procfs-open.bats" "$suite/procfs-readlink.bats" 2>&1) || true
  echo "  (for comparison, the same $client client on the real libpathrs 0.2.6: $(grep -cE '^ok [0-9]+' <<<"$ref_out" || true) of 20 pass;" \
    "not ok: $(grep -E '^not ok' <<<"$ref_out" | sed 's/^not ok [0-9]* //' | paste -sd ';' - || true))"
done
printf 'pathrs-clients: %s passed, %s failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
