#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian bookworm machine:
# the rustup targets and components, qemu-user 10 from bookworm-backports, the
# riscv64 cross linker and libc, strace; for the VM test (scripts/vm.sh)
# qemu-system 10 for x86_64, aarch64 and riscv64 from bookworm-backports,
# cpio, jq, curl and gpgv with Debian's archive keyring (the kernel packages
# themselves are fetched by scripts/vm/fetch-kernel.sh).
# Idempotent: a second run only checks.
set -euo pipefail

need_apt=()
command -v qemu-aarch64 >/dev/null && command -v qemu-riscv64 >/dev/null || need_apt+=(qemu-user)
command -v riscv64-linux-gnu-gcc >/dev/null || need_apt+=(gcc-riscv64-linux-gnu)
[ -d /usr/riscv64-linux-gnu/lib ] || need_apt+=(libc6-dev-riscv64-cross)
command -v strace >/dev/null || need_apt+=(strace)
command -v setpriv >/dev/null || need_apt+=(util-linux) # the test run as nobody
command -v cc >/dev/null || need_apt+=(gcc)          # cargo's default linker
command -v readelf >/dev/null || need_apt+=(binutils) # static-binary checks
# The C library's tests (scripts/capi.sh): musl-gcc and the aarch64 cross compiler.
command -v musl-gcc >/dev/null || need_apt+=(musl-tools)
command -v aarch64-linux-gnu-gcc >/dev/null || need_apt+=(gcc-aarch64-linux-gnu)
[ -d /usr/aarch64-linux-gnu/lib ] || need_apt+=(libc6-dev-arm64-cross)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
need_bpo=()
# scripts/capi.sh builds go-pathrs's procfs package against the C library.
ls /usr/lib/go-1.22/bin/go >/dev/null 2>&1 || need_bpo+=(golang-1.22-go)
[ -d /usr/share/gocode/src/golang.org/x/sys ] || need_bpo+=(golang-golang-x-sys-dev)
command -v qemu-system-x86_64 >/dev/null || need_bpo+=(qemu-system-x86)
command -v qemu-system-aarch64 >/dev/null || need_bpo+=(qemu-system-arm)
command -v qemu-system-riscv64 >/dev/null || need_bpo+=(qemu-system-misc)
for tool in cpio jq curl gpgv; do
  command -v "$tool" >/dev/null || need_apt+=("$tool")
done
[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || need_apt+=(debian-archive-keyring)

if [ ${#need_apt[@]} -gt 0 ] || [ ${#need_bpo[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  src=/etc/apt/sources.list.d/bookworm-backports.list
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo 'deb http://deb.debian.org/debian bookworm-backports main' | $SUDO tee "$src" >/dev/null
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Wait for another apt (unattended-upgrades on a fresh VM) to let go of the lock.
  apt=($SUDO apt-get -o DPkg::Lock::Timeout=600)
  "${apt[@]}" update -qq
  # qemu-user must be version 10 (bookworm's own 7.2 lacks syscalls we test);
  # qemu-system from the same release boots the VM test's kernels.
  "${apt[@]}" install -y -qq -t bookworm-backports qemu-user qemu-system-x86 qemu-system-arm \
    qemu-system-misc golang-1.22-go golang-golang-x-sys-dev >/dev/null
  "${apt[@]}" install -y -qq gcc gcc-riscv64-linux-gnu libc6-dev-riscv64-cross strace binutils util-linux \
    cpio jq curl gpgv debian-archive-keyring musl-tools gcc-aarch64-linux-gnu \
    libc6-dev-arm64-cross pkg-config >/dev/null
fi

installed=$(rustup target list --installed)
for t in aarch64-unknown-linux-musl riscv64gc-unknown-linux-gnu x86_64-unknown-none x86_64-unknown-linux-musl; do
  grep -qx "$t" <<<"$installed" || rustup target add "$t"
done
for c in clippy rustfmt; do
  rustup component list --installed | grep -q "^$c" || rustup component add "$c"
done
# The MSRV (Cargo.toml's rust-version): the test command builds, tests and
# documents the crate with it for the three targets.
msrv=$(sed -n 's/^rust-version = "\(.*\)"$/\1/p' "$(dirname "$0")/../Cargo.toml")
rustup toolchain list | grep -q "^$msrv" ||
  rustup toolchain install "$msrv" --profile minimal --no-self-update
installed=$(rustup +$msrv target list --installed)
for t in aarch64-unknown-linux-musl riscv64gc-unknown-linux-gnu; do
  grep -qx "$t" <<<"$installed" || rustup +$msrv target add "$t"
done

# scripts/capi.sh reads pathrs.h with cffi, as the Python binding does.
python3 -c 'import cffi' 2>/dev/null || python3 -m pip install -q cffi

# Fail loudly if anything a check needs is still missing.
for tool in cc readelf qemu-aarch64 qemu-riscv64 riscv64-linux-gnu-gcc strace setpriv \
  qemu-system-x86_64 qemu-system-aarch64 qemu-system-riscv64 cpio jq curl gpgv musl-gcc \
  aarch64-linux-gnu-gcc pkg-config; do
  command -v "$tool" >/dev/null || { echo "error: $tool is missing after installing" >&2; exit 1; }
done
qemu-aarch64 --version | head -1
qemu-system-x86_64 --version | head -1
