#!/usr/bin/env bash
# Builds the freestanding init (examples/freestanding) for x86_64, aarch64 and
# riscv64 without libc, runs it natively and under qemu-user, checks its
# output and prints its stripped size per architecture. It fails if a
# binary grows past its ceiling (today's size plus a few hundred bytes), so
# that a change cannot regrow the binary unnoticed: raise a ceiling only
# on purpose, and say why. (The lean issue's goal, 16 KiB on x86_64, is not
# met; see README.md.)
# Usage: scripts/freestanding.sh [--sizes-only]
set -euo pipefail
cd "$(dirname "$0")/.."

# The static-binary check needs readelf: fail, never pass silently.
command -v readelf >/dev/null || { echo "error: readelf not found (apt-get install binutils)" >&2; exit 1; }

export RUSTFLAGS="-C panic=abort -C linker=rust-lld -C relocation-model=static -C link-self-contained=no -C target-feature=+crt-static"
manifest=examples/freestanding/Cargo.toml
sizes=$'| target | stripped size | ceiling |\n|---|---|---|'
status=0
for t in x86_64-unknown-linux-gnu aarch64-unknown-linux-musl riscv64gc-unknown-linux-gnu; do
  case $t in
    x86_64-*) ceiling=23040 ;;
    aarch64-*) ceiling=26624 ;;
    riscv64*) ceiling=23040 ;;
  esac
  cargo build -q --release --manifest-path "$manifest" --target "$t"
  bin=examples/freestanding/target/$t/release/freestanding-init
  size=$(stat -c %s "$bin")
  if [ "${1:-}" != "--sizes-only" ]; then
    case $t in
      x86_64-*) runner=() ;;
      aarch64-*) runner=(qemu-aarch64) ;;
      riscv64*) runner=(qemu-riscv64) ;;
    esac
    out=$("${runner[@]}" "$bin") || { echo "$out"; echo "error: freestanding-init failed on $t" >&2; exit 1; }
    echo "--- $t"
    echo "$out"
    for want in '^handle: ' '^status: Pid:	[0-9]+$' '^cmdline: (qemu-[a-z0-9]+ )?[^ ]*/freestanding-init$' \
      '^mountinfo: ([0-9]+ mounts, / is [a-z0-9]+|more than 16 KiB of mounts)$' '^ostype: Linux$' \
      '^fds: 0 1 2( [0-9]+)+$' '^exe: /' '^comm: safe-init$' '^ok$'; do
      grep -qE "$want" <<<"$out" || { echo "error: $t output lacks /$want/" >&2; exit 1; }
    done
    headers=$(readelf -lW "$bin")
    if grep -qE 'INTERP|DYNAMIC' <<<"$headers"; then
      echo "error: $bin is not a static executable" >&2
      exit 1
    fi
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
echo
echo "x86_64 code: library $lib bytes, init $init bytes, other $other bytes; read-only data $rodata bytes"
exit $status
