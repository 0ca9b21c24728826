#!/usr/bin/env bash
# Runs the example programs for one target and checks their output: the
# container shim (also built static with musl), the threaded program with
# unshare(CLONE_FS), ps (every pid) and proc_cat. Run as root.
# Usage: scripts/examples.sh TARGET
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:?usage: scripts/examples.sh TARGET}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# The re-exec'd shim runs under the emulator again: it needs the library
# prefix the cargo runner passes with -L.
case $t in riscv64*) export QEMU_LD_PREFIX=/usr/riscv64-linux-gnu ;; esac

expect() { # FILE REGEX...
  local f=$1; shift
  for want in "$@"; do
    grep -qE "$want" "$f" || { cat "$f"; echo "error: example output on $t lacks /$want/" >&2; exit 1; }
  done
}

run() { # EXAMPLE TARGET
  echo "--- example $1 on $2"
  cargo run -q --target "$2" --example "$1" | tee "$out"
}

shim_checks=('^shim: procfs handle (PrivateInstance|DetachedClone)$'
  '^apparmor exec label: (set to unconfined|refused by AppArmor|no AppArmor here \(openat2 beneath /proc/self: ENOENT)'
  '^sysctl kernel.pid_max = [0-9]+$' '^fd 0 -> ' '^fd [0-9]+ -> /[0-9]+/fd \(this listing\)$'
  '^re-exec: through self/exe, fd [0-9]+$' '^payload: running, re-executed through self/exe')

run container_shim "$t"
expect "$out" "${shim_checks[@]}"
if [ "$t" = x86_64-unknown-linux-gnu ]; then
  # The shim as shims are shipped: static, musl.
  run container_shim x86_64-unknown-linux-musl
  expect "$out" "${shim_checks[@]}"
  bin=target/x86_64-unknown-linux-musl/debug/examples/container_shim
  command -v readelf >/dev/null || { echo "error: readelf not found (apt-get install binutils)" >&2; exit 1; }
  if readelf -lW "$bin" | grep -q INTERP; then
    echo "error: $bin is not static (it has an ELF interpreter)" >&2
    exit 1
  fi
  echo "static: $bin has no ELF interpreter"
fi

run threaded "$t"
tmp=$(dirname "$(mktemp -u)")
expect "$out" "^main: cwd \(self\) $PWD\$" '^worker: comm \(thread-self\) fs-worker$' \
  "^worker: cwd \(thread-self\) $tmp\$" "^worker: cwd \(self\) $PWD\$" '^worker: threads in self/task [0-9]+$'

run ps "$t"
expect "$out" '^ +1 [^ ]+' '^[0-9]+ processes$'

run proc_cat "$t"
expect "$out" '^Name:' '^Linux$' '^--- /proc/self/exe -> /'
