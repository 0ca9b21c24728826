#!/usr/bin/env bash
# Builds the freestanding init (examples/freestanding) for x86_64, aarch64 and
# riscv64 without libc, runs it natively and under qemu-user, checks its
# output (natively also with a mountinfo above 16 KiB, in a private mount
# namespace) and prints its stripped size per architecture. It fails if a
# binary grows past its ceiling (today's size plus a few hundred bytes), so
# that a change cannot regrow the binary unnoticed: raise a ceiling only
# on purpose, and say why. (The lean issue's goal, 16 KiB on x86_64, is not
# met; see docs/freestanding.md.)
# --write-docs also puts the sizes and where the x86_64 bytes go into
# docs/freestanding.md.
# Usage: scripts/freestanding.sh [--sizes-only] [--write-docs]
set -euo pipefail
cd "$(dirname "$0")/.."
sizes_only=false write_docs=false
for a in "$@"; do
  case $a in
    --sizes-only) sizes_only=true ;;
    --write-docs) write_docs=true ;;
    *) echo "usage: $0 [--sizes-only] [--write-docs]" >&2; exit 2 ;;
  esac
done

# The static-binary check needs readelf: fail, never pass silently.
command -v readelf >/dev/null || { echo "error: readelf not found (apt-get install binutils)" >&2; exit 1; }

export RUSTFLAGS="-C panic=abort -C linker=rust-lld -C relocation-model=static -C link-self-contained=no -C target-feature=+crt-static"
manifest=examples/freestanding/Cargo.toml

# A mount table larger than 16 KiB (the init once stopped there): 400 tmpfs
# mounts in a private mount namespace. The init must count every line of
# its mountinfo, as `wc -l` counts them in the same namespace.
big_mountinfo() {
  local bin=$1 out want
  if [ "$(id -u)" -ne 0 ]; then
    [ "${CI:-}" != true ] || { echo "error: the big-mountinfo check needs root under CI" >&2; exit 1; }
    echo "SKIPPED: freestanding big mountinfo: needs root (unshare -m)"
    return
  fi
  out=$(unshare -m --propagation private sh -euc '
    d=$(mktemp -d)
    mount -t tmpfs -o size=64k,mode=0755 safe-procfs-many "$d"
    i=0
    while [ $i -lt 400 ]; do mkdir "$d/m$i"; mount -t tmpfs -o size=4k t "$d/m$i"; i=$((i + 1)); done
    echo "lines $(wc -l </proc/self/mountinfo) bytes $(wc -c </proc/self/mountinfo)"
    exec "$0"' "$bin") || { echo "$out"; echo "error: freestanding-init failed with 400 mounts" >&2; exit 1; }
  read -r _ lines _ bytes <<<"$(grep '^lines ' <<<"$out")"
  want="mountinfo: $lines mounts"
  echo "--- 400 extra mounts: mountinfo of $lines lines, $bytes bytes; the init says: $(grep '^mountinfo: [0-9]' <<<"$out")"
  [ "$bytes" -gt 16384 ] || { echo "error: the mountinfo made is only $bytes bytes" >&2; exit 1; }
  grep -qx "$want" <<<"$out" || { echo "$out"; echo "error: the init did not print '$want'" >&2; exit 1; }
}
sizes=$'| target | stripped size | ceiling |\n|---|---|---|'
status=0
for t in x86_64-unknown-linux-gnu aarch64-unknown-linux-musl riscv64gc-unknown-linux-gnu; do
  # Includes the pid-namespace identity check after a fork and the
  # libpathrs-compatible answers; lowered by what the redesign freed.
  case $t in
    x86_64-*) ceiling=24280 ;;
    aarch64-*) ceiling=26952 ;;
    riscv64*) ceiling=23664 ;;
  esac
  cargo build -q --release --manifest-path "$manifest" --target "$t"
  bin=examples/freestanding/target/$t/release/freestanding-init
  size=$(stat -c %s "$bin")
  if ! $sizes_only; then
    case $t in
      x86_64-*) runner=() ;;
      aarch64-*) runner=(qemu-aarch64) ;;
      riscv64*) runner=(qemu-riscv64) ;;
    esac
    out=$("${runner[@]}" "$bin") || { echo "$out"; echo "error: freestanding-init failed on $t" >&2; exit 1; }
    echo "--- $t"
    echo "$out"
    for want in '^handle: ' '^status: Pid:	[0-9]+$' '^cmdline: (qemu-[a-z0-9]+ )?[^ ]*/freestanding-init$' \
      '^mountinfo: [0-9]+ mounts$' '^mountinfo: / is [a-z0-9]+$' '^ostype: Linux$' \
      '^fds: 0 1 2( [0-9]+)+$' '^exe: /' '^comm: safe-init$' '^ok$'; do
      grep -qE "$want" <<<"$out" || { echo "error: $t output lacks /$want/" >&2; exit 1; }
    done
    headers=$(readelf -lW "$bin")
    if grep -qE 'INTERP|DYNAMIC' <<<"$headers"; then
      echo "error: $bin is not a static executable" >&2
      exit 1
    fi
  fi
  if ! $sizes_only && [ "$t" = x86_64-unknown-linux-gnu ]; then
    big_mountinfo "$bin"
  fi
  sizes+=$'\n'"| $t | $size bytes ($(awk "BEGIN { printf \"%.1f\", $size / 1024 }") KiB) | $ceiling bytes |"
  if [ "$size" -gt "$ceiling" ]; then
    echo "error: $t: the freestanding init is $size bytes, above its ceiling of $ceiling" >&2
    status=1
  fi
done
echo "$sizes"

# Where the x86_64 bytes go: code per origin (from an unstripped build's
# symbols) and read-only data.
t=x86_64-unknown-linux-gnu
CARGO_PROFILE_RELEASE_STRIP=false cargo build -q --release --manifest-path "$manifest" --target "$t" \
  --target-dir examples/freestanding/target/symbols
bin=examples/freestanding/target/symbols/$t/release/freestanding-init
lib=0 init=0 other=0
while read -r _ size type name; do
  case $type in t | T) ;; *) continue ;; esac
  case $name in
    safe_procfs::*) lib=$((lib + 16#$size)) ;;
    freestanding_init::*) init=$((init + 16#$size)) ;;
    *) other=$((other + 16#$size)) ;;
  esac
done < <(nm -S -C "$bin")
rodata=$(readelf -SW "$bin" | sed -n 's/.*\] \.rodata  *PROGBITS  *[0-9a-f]*  *[0-9a-f]*  *\([0-9a-f]*\) .*/\1/p')
rodata=$((16#${rodata:?no .rodata in $bin}))
code="x86_64 code: library $lib bytes, init $init bytes, other $other bytes; read-only data $rodata bytes"
echo
echo "$code"
if $write_docs; then
  printf '%s\n\n```text\n%s\n```\n' "$sizes" "$code" | bash scripts/write-doc.sh docs/freestanding.md freestanding
fi
exit $status
