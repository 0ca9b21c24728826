#!/usr/bin/env bash
# Fetches one Debian kernel image package by name, without adding its suite
# to apt's sources: the suite's InRelease (checked with gpgv against
# debian-archive-keyring) names the SHA256 of
# dists/SUITE/main/binary-ARCH/Packages.gz, whose stanza for PACKAGE names the
# .deb (Filename:) and its SHA256. The metapackage's first linux-image-*
# dependency is followed, so PACKAGE may be e.g. linux-image-cloud-amd64.
# Any other package is fetched as named (scripts/capi.sh takes musl-dev).
# The .deb is unpacked with dpkg-deb -x into CACHE/SUITE-ARCH-PACKAGE/, which
# is printed on stdout. Cached: a second run only prints the directory.
# Usage: fetch-kernel.sh CACHE SUITE ARCH PACKAGE
set -euo pipefail
cache=$1 suite=$2 arch=$3 pkg=$4
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
out=$cache/$suite-$arch-$pkg
if [ -f "$out/.done" ]; then
  echo "$out"
  exit 0
fi
mkdir -p "$cache/dl"
dl=$cache/dl
fetch() { curl -sSf --retry 3 --connect-timeout 20 -o "$2" "$1"; }

# Per process: vm.sh fetches the kernels of one suite at once.
rel=$dl/$suite-InRelease.$$
trap 'rm -f "$rel" "$rel.new"' EXIT
fetch "$mirror/dists/$suite/InRelease" "$rel.new"
gpgv --quiet --keyring "$keyring" --output "$rel" "$rel.new" 2>/dev/null \
  || { echo "error: bad signature on $suite InRelease" >&2; exit 1; }
rm -f "$rel.new"
idx=main/binary-$arch/Packages.gz
want=$(awk -v f="$idx" '/^SHA256:/ { s = 1; next } /^[^ ]/ { s = 0 } s && $3 == f { print $1 }' "$rel")
[ -n "$want" ] || { echo "error: $idx not in $suite InRelease" >&2; exit 1; }
pk=$dl/$suite-$arch-Packages.gz
if ! [ -f "$pk" ] || [ "$(sha256sum <"$pk" | cut -d' ' -f1)" != "$want" ]; then
  fetch "$mirror/dists/$suite/$idx" "$pk.$$"
  mv "$pk.$$" "$pk"
  [ "$(sha256sum <"$pk" | cut -d' ' -f1)" = "$want" ] \
    || { echo "error: $suite $idx does not match InRelease" >&2; exit 1; }
fi

stanza() { zcat "$pk" | awk -v p="$1" '/^Package: / { s = ($2 == p) } s'; }
field() { awk -v k="$1:" '$1 == k { print $2; exit }'; }
st=$(stanza "$pkg")
[ -n "$st" ] || { echo "error: no package $pkg in $suite/$arch" >&2; exit 1; }
if [[ $pkg == linux-image-* ]] && [ -z "$(field Filename <<<"$st" | grep -E '/linux-image-[0-9]' || true)" ]; then
  # a metapackage: follow its linux-image-<version> dependency
  dep=$(grep '^Depends:' <<<"$st" | grep -oE 'linux-image-[0-9][^ ,]*' | head -1)
  [ -n "$dep" ] || { echo "error: $pkg has no linux-image dependency" >&2; exit 1; }
  st=$(stanza "$dep")
  [ -n "$st" ] || { echo "error: no package $dep in $suite/$arch" >&2; exit 1; }
fi
file=$(field Filename <<<"$st")
sha=$(field SHA256 <<<"$st")
deb=$dl/${file##*/}
if ! [ -f "$deb" ] || [ "$(sha256sum <"$deb" | cut -d' ' -f1)" != "$sha" ]; then
  echo "fetching $file" >&2
  fetch "$mirror/$file" "$deb.part"
  [ "$(sha256sum <"$deb.part" | cut -d' ' -f1)" = "$sha" ] \
    || { echo "error: $file does not match its SHA256" >&2; exit 1; }
  mv "$deb.part" "$deb"
fi
rm -rf "$out"
mkdir -p "$out"
dpkg-deb -x "$deb" "$out"
touch "$out/.done"
echo "$out"
