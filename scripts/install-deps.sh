#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian bookworm machine:
# the rustup targets and components, qemu-user 10 from bookworm-backports, the
# riscv64 cross linker and libc, strace. Idempotent: a second run only checks.
set -euo pipefail

need_apt=()
command -v qemu-aarch64 >/dev/null && command -v qemu-riscv64 >/dev/null || need_apt+=(qemu-user)
command -v riscv64-linux-gnu-gcc >/dev/null || need_apt+=(gcc-riscv64-linux-gnu)
[ -d /usr/riscv64-linux-gnu/lib ] || need_apt+=(libc6-dev-riscv64-cross)
command -v strace >/dev/null || need_apt+=(strace)
command -v cc >/dev/null || need_apt+=(gcc)          # cargo's default linker
command -v readelf >/dev/null || need_apt+=(binutils) # static-binary checks

if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  src=/etc/apt/sources.list.d/bookworm-backports.list
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo 'deb http://deb.debian.org/debian bookworm-backports main' | $SUDO tee "$src" >/dev/null
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Wait for another apt (unattended-upgrades on a fresh VM) to let go of the lock.
  apt=($SUDO apt-get -o DPkg::Lock::Timeout=600)
  "${apt[@]}" update -qq
  # qemu-user must be version 10 (bookworm's own 7.2 lacks syscalls we test).
  "${apt[@]}" install -y -qq -t bookworm-backports qemu-user >/dev/null
  "${apt[@]}" install -y -qq gcc gcc-riscv64-linux-gnu libc6-dev-riscv64-cross strace binutils >/dev/null
fi

installed=$(rustup target list --installed)
for t in aarch64-unknown-linux-musl riscv64gc-unknown-linux-gnu x86_64-unknown-none x86_64-unknown-linux-musl; do
  grep -qx "$t" <<<"$installed" || rustup target add "$t"
done
for c in clippy rustfmt; do
  rustup component list --installed | grep -q "^$c" || rustup component add "$c"
done

# Fail loudly if anything a check needs is still missing.
for tool in cc readelf qemu-aarch64 qemu-riscv64 riscv64-linux-gnu-gcc strace; do
  command -v "$tool" >/dev/null || { echo "error: $tool is missing after installing" >&2; exit 1; }
done
qemu-aarch64 --version | head -1
