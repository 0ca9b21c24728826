#!/usr/bin/env bash
# Boots real Debian kernels under qemu-system (TCG) and runs the crate there.
#
# Matrix (NAME  DEBIAN-SUITE  DEBIAN-ARCH  PACKAGE):
#   x86_64-5.10   bullseye amd64   linux-image-cloud-amd64
#   x86_64-6.1    bookworm amd64   linux-image-cloud-amd64
#   x86_64-6.12   trixie   amd64   linux-image-cloud-amd64
#   aarch64-6.12  trixie   arm64   linux-image-cloud-arm64
#   riscv64-6.12  trixie   riscv64 linux-image-riscv64 (riscv64 has no cloud flavour)
# The kernel packages are fetched by scripts/vm/fetch-kernel.sh into
# $SAFE_PROCFS_VM_CACHE (default /var/cache/safe-procfs-vm), never into the
# repository.
#
# Each VM boots twice, each time from an initramfs built here:
#  1. PID 1 run: examples/freestanding (no libc, no allocator) is /init, with
#     nothing mounted. Every line it prints (prefixed `pid1: `) is checked,
#     and it must power the machine off with reboot(2): a kernel panic, a
#     missing or extra line, or no power-off within the time limit fails.
#  2. Suite run: vm/ (vm-suite-init) is /init; it mounts /proc, /sys, /dev,
#     /tmp, probes fsopen, subset=pid, open_tree, openat2 and statx mount ids
#     with raw syscalls, and runs every test binary of the crate (discovered
#     from `cargo test --no-run`, for each feature set in FEATURE_SETS) with
#     CI=true, then reports `N passed, N failed` and powers off.
#
# Prints one `NAME: N passed, N failed` line per VM and a total, writes the
# measured table to target/vm/kernels.md, and with --write-docs puts it into
# docs/kernels.md between the vm-table markers. Exits non-zero on any failure.
#
# Usage: scripts/vm.sh [--write-docs] [NAME...]
# Environment: VM_JOBS (VMs at once, default 2), VM_SMP (vCPUs per VM,
# default 1), SAFE_PROCFS_VM_CACHE.
set -euo pipefail
cd "$(dirname "$0")/.."

write_docs=false
only=()
for a in "$@"; do
  case $a in
    --write-docs) write_docs=true ;;
    -*) echo "usage: $0 [--write-docs] [NAME...]" >&2; exit 2 ;;
    *) only+=("$a") ;;
  esac
done

CACHE=${SAFE_PROCFS_VM_CACHE:-/var/cache/safe-procfs-vm}
JOBS=${VM_JOBS:-2}
SMP=${VM_SMP:-1}
PID1_TIMEOUT=120
# A hang guard: a suite run took 94-159 s per VM here (aarch64 the slowest).
SUITE_TIMEOUT=900
# One feature set in the VMs (the one with every test); both are run
# natively and under qemu-user by scripts/test.sh. Full emulation is slow.
FEATURE_SETS=(std,__fault_injection)
work=$PWD/target/vm
export CARGO_TARGET_DIR=$work/cargo

MATRIX=(
  "x86_64-5.10 bullseye amd64 linux-image-cloud-amd64"
  "x86_64-6.1 bookworm amd64 linux-image-cloud-amd64"
  "x86_64-6.12 trixie amd64 linux-image-cloud-amd64"
  "aarch64-6.12 trixie arm64 linux-image-cloud-arm64"
  "riscv64-6.12 trixie riscv64 linux-image-riscv64"
)
if [ ${#only[@]} -gt 0 ]; then
  sel=()
  for m in "${MATRIX[@]}"; do
    for o in "${only[@]}"; do [ "${m%% *}" = "$o" ] && sel+=("$m"); done
  done
  [ ${#sel[@]} -gt 0 ] || { echo "error: no VM named ${only[*]}" >&2; exit 2; }
  MATRIX=("${sel[@]}")
fi

# Rust target for each guest architecture: static binaries. riscv64 has no
# musl std in this toolchain's rustup, so the gnu targets link glibc
# statically (+crt-static); aarch64 uses musl with rust-lld, as the
# qemu-user tests do.
rust_target() {
  case $1 in
    x86_64) echo x86_64-unknown-linux-gnu ;;
    aarch64) echo aarch64-unknown-linux-musl ;;
    riscv64) echo riscv64gc-unknown-linux-gnu ;;
  esac
}

for tool in cpio gzip qemu-system-x86_64 qemu-system-aarch64 qemu-system-riscv64 jq; do
  command -v "$tool" >/dev/null || { echo "error: $tool is missing (run scripts/install-deps.sh)" >&2; exit 1; }
done
mkdir -p "$work" "$CACHE"
t_start=$(date +%s)

echo "--- fetching kernels into $CACHE"
for m in "${MATRIX[@]}"; do
  read -r name suite darch pkg <<<"$m"
  bash scripts/vm/fetch-kernel.sh "$CACHE" "$suite" "$darch" "$pkg" >"$work/$name.kdir" &
done
wait_all() { local rc=0; for p in $(jobs -p); do wait "$p" || rc=1; done; return $rc; }
wait_all || { echo "error: fetching a kernel failed" >&2; exit 1; }

arches=()
for m in "${MATRIX[@]}"; do
  a=${m%%-*}
  [[ " ${arches[*]} " == *" $a "* ]] || arches+=("$a")
done

echo "--- building the two inits and the test binaries for: ${arches[*]}"
for a in "${arches[@]}"; do
  t=$(rust_target "$a")
  # PID 1 run: the freestanding init, built as scripts/freestanding.sh does.
  RUSTFLAGS="-C panic=abort -C linker=rust-lld -C relocation-model=static -C link-self-contained=no -C target-feature=+crt-static" \
    CARGO_TARGET_DIR=$work/cargo-freestanding cargo build -q --release --manifest-path examples/freestanding/Cargo.toml --target "$t"
  # Suite run: the suite init and every test binary of the crate, per feature set.
  export RUSTFLAGS="-C target-feature=+crt-static -C strip=debuginfo"
  cargo build -q --release --manifest-path vm/Cargo.toml --target "$t"
  for fs in "${FEATURE_SETS[@]}"; do
    cargo test -q --no-run --target "$t" --features "$fs" --message-format=json \
      | jq -r 'select(.reason == "compiler-artifact" and .profile.test and .executable != null)
               | "\(.target.name) \(.executable)"' >"$work/tests-$a-$fs.txt"
    [ -s "$work/tests-$a-$fs.txt" ] || { echo "error: no test binaries for $t $fs" >&2; exit 1; }
  done
  unset RUSTFLAGS
done

echo "--- building the initramfs images"
mkrd() { # DIR OUT: a newc cpio with /dev/console (char 5,1), gzip -1
  mkdir -p "$1/dev"
  [ -c "$1/dev/console" ] || mknod "$1/dev/console" c 5 1
  (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet) | gzip -1 >"$2"
}
for a in "${arches[@]}"; do
  t=$(rust_target "$a")
  rd=$work/rd-$a-pid1
  rm -rf "$rd" && mkdir -p "$rd"
  cp "$work/cargo-freestanding/$t/release/freestanding-init" "$rd/init"
  mkrd "$rd" "$work/$a-pid1.cpio.gz"

  rd=$work/rd-$a-suite
  rm -rf "$rd" && mkdir -p "$rd"/{proc,sys,tmp,crate,tests}
  cp "$CARGO_TARGET_DIR/$t/release/vm-suite-init" "$rd/init"
  cp Cargo.toml "$rd/crate/" # tests open Cargo.toml from their working directory, as under cargo
  for fs in "${FEATURE_SETS[@]}"; do
    mkdir -p "$rd/tests/$fs"
    while read -r tname exe; do
      if readelf -lW "$exe" | grep -q INTERP; then
        echo "error: $exe is not static" >&2
        exit 1
      fi
      cp "$exe" "$rd/tests/$fs/$tname"
    done <"$work/tests-$a-$fs.txt"
  done
  mkrd "$rd" "$work/$a-suite.cpio.gz"
done
t_built=$(date +%s)
echo "fetch and build: $((t_built - t_start)) s"

# qemu command line for an architecture (kernel, initrd, memory, append follow).
qemu_cmd() {
  local common=(-accel tcg -smp "$SMP" -display none -monitor none -nic none -no-reboot)
  case $1 in
    x86_64) echo qemu-system-x86_64 -cpu max "${common[@]}" ;;
    aarch64) echo qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on "${common[@]}" ;;
    riscv64) echo qemu-system-riscv64 -M virt -bios default "${common[@]}" ;;
  esac
}
console_of() {
  case $1 in
    x86_64) echo ttyS0 ;;
    aarch64) echo ttyAMA0 ;;
    riscv64) echo ttyS0 ;;
  esac
}

# boot NAME RUN TIMEOUT MEM: boots one VM, console to $work/NAME-RUN.log;
# writes the seconds taken to $work/NAME-RUN.secs.
boot() {
  local name=$1 run=$2 limit=$3 mem=$4 a=${1%%-*} kdir img
  kdir=$(cat "$work/$name.kdir")
  img=$(ls "$kdir"/boot/vmlinu[xz]-* | head -1)
  local append="console=$(console_of "$a") panic=-1 quiet safe_procfs_vm=$run"
  local s e rc=0
  s=$(date +%s.%N)
  # shellcheck disable=SC2046
  timeout -k 5 "$limit" $(qemu_cmd "$a") -m "$mem" -kernel "$img" \
    -initrd "$work/$a-$run.cpio.gz" -append "$append" \
    -serial "file:$work/$name-$run.log" </dev/null >"$work/$name-$run.qemu" 2>&1 || rc=$?
  e=$(date +%s.%N)
  awk -v s="$s" -v e="$e" 'BEGIN { printf "%.1f\n", e - s }' >"$work/$name-$run.secs"
  echo "$rc" >"$work/$name-$run.rc"
  echo "$append" >"$work/$name-$run.append"
}

run_vm() { # NAME: both runs, one after the other
  boot "$1" pid1 "$PID1_TIMEOUT" 256
  boot "$1" suite "$SUITE_TIMEOUT" 2048
  echo "VM $1 done: PID 1 run $(cat "$work/$1-pid1.secs") s, suite run $(cat "$work/$1-suite.secs") s"
}

echo "--- booting ${#MATRIX[@]} VMs, $JOBS at a time, $SMP vCPU each"
rm -f "$work"/*.log "$work"/*.secs "$work"/*.rc
t_vms=$(date +%s)
for m in "${MATRIX[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  run_vm "${m%% *}" &
done
wait_all || true
t_end=$(date +%s)

# ---- checks
failures=0
fail() { echo "FAIL [$1]: $2" >&2; failures=$((failures + 1)); }

# Checks the PID 1 run's log; sets kind to the handle kind it reported.
check_pid1() {
  local name=$1 log=$work/$1-pid1.log want_release
  kind="?"
  want_release=$(basename "$(ls "$(cat "$work/$name.kdir")"/boot/vmlinu[xz]-*)" | sed 's/^vmlinu[xz]-//')
  tr -d '\r' <"$log" >"$log.txt"
  grep -q 'Kernel panic' "$log.txt" && fail "$name pid1" "kernel panic: $(grep -m1 'Kernel panic' "$log.txt")"
  grep -q 'reboot: Power down' "$log.txt" || fail "$name pid1" "the machine was not powered off (qemu exit $(cat "$work/$name-pid1.rc"))"
  mapfile -t lines < <(sed -n 's/^pid1: //p' "$log.txt")
  local expect=(
    '^handle: (private procfs instance|detached clone of /proc|host /proc)$'
    $'^status: Pid:\t1$'
    '^ostype: Linux$'
    "^osrelease: ${want_release//+/\\+}\$"
    "^cmdline: $(sed 's/[.+]/\\&/g' "$work/$name-pid1.append")\$"
    '^mountinfo: [0-9]+ [0-9]+ [0-9]+:[0-9]+ / / .* - rootfs rootfs '
    '^exe: /init$'
    '^comm: safe-init$'
    '^ok$'
    '^power off$'
  )
  if [ ${#lines[@]} -ne ${#expect[@]} ]; then
    fail "$name pid1" "expected ${#expect[@]} lines from the init, got ${#lines[@]}"
  fi
  local i
  for i in "${!expect[@]}"; do
    if ! grep -qE -- "${expect[$i]}" <<<"${lines[$i]:-}"; then
      fail "$name pid1" "line $((i + 1)) '${lines[$i]:-<missing>}' does not match /${expect[$i]}/"
    fi
  done
  case ${lines[0]:-} in
    "handle: private procfs instance") kind=PrivateInstance ;;
    "handle: detached clone of /proc") kind=DetachedClone ;;
    "handle: host /proc") kind=HostMount ;;
  esac
}

probe() { # NAME WHAT: the suite init's probe answer, shortened
  sed -n "s|^suite: probe: $2: ||p" "$work/$1-suite.log.txt" | head -1 | sed 's/ (id 0x[0-9a-f]*)//; s/^$/?/'
}

table=$'| VM | kernel | handle kind (PID 1) | fsopen | subset=pid | `self/net/dev` in a subset=pid instance | open_tree | openat2 | statx `STATX_MNT_ID` | statx `STATX_MNT_ID_UNIQUE` | fdinfo `ino:` | tests in the VM | PID 1 run | suite run |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|'
summary=()
total_passed=0
total_failed=0
for m in "${MATRIX[@]}"; do
  name=${m%% *}
  if ! [ -f "$work/$name-pid1.log" ] || ! [ -f "$work/$name-suite.log" ]; then
    fail "$name" "no console log"
    continue
  fi
  check_pid1 "$name"
  slog=$work/$name-suite.log
  tr -d '\r' <"$slog" >"$slog.txt"
  grep -q 'Kernel panic' "$slog.txt" && fail "$name suite" "kernel panic: $(grep -m1 'Kernel panic' "$slog.txt")"
  grep -q 'reboot: Power down' "$slog.txt" || fail "$name suite" "the machine was not powered off (qemu exit $(cat "$work/$name-suite.rc"))"
  if grep -q '^suite: FAIL' "$slog.txt"; then
    while read -r l; do fail "$name suite" "${l#suite: }"; done < <(grep '^suite: FAIL' "$slog.txt")
  fi
  counts=$(sed -n 's/^suite: total: \([0-9]* passed, [0-9]* failed\)$/\1/p' "$slog.txt")
  if [ -z "$counts" ]; then
    fail "$name suite" "no 'N passed, N failed' report within ${SUITE_TIMEOUT} s (qemu exit $(cat "$work/$name-suite.rc"))"
    counts="0 passed, 1 failed"
  fi
  passed=${counts%% passed*}
  failed=${counts#*passed, }
  failed=${failed%% failed}
  if [ "$failed" -ne 0 ]; then
    fail "$name suite" "$failed test(s) failed (console log: $slog.txt); the first failures:"
    grep -A1 'panicked at' "$slog.txt" | grep -vE 'panicked at|^--$' | head -20 >&2 || true
  fi
  [ "$passed" -gt 0 ] || fail "$name suite" "no test passed"
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  # Where the kernel has fsopen, the PID 1 init must have got a private procfs.
  if [ "$(probe "$name" fsopen)" = yes ] && [ "$kind" != PrivateInstance ]; then
    fail "$name pid1" "fsopen works on this kernel, but the handle is $kind"
  fi
  release=$(sed -n 's/^suite: kernel: \([^ ]*\) .*/\1/p' "$slog.txt")
  table+=$'\n'"| $name | ${release:-?} | $kind | $(probe "$name" fsopen) | $(probe "$name" subset=pid) | $(probe "$name" 'subset=pid self/net/dev') | $(probe "$name" open_tree) | $(probe "$name" openat2) | $(probe "$name" 'statx STATX_MNT_ID') | $(probe "$name" 'statx STATX_MNT_ID_UNIQUE') | $(probe "$name" 'fdinfo ino') | $passed passed, $failed failed | $(cat "$work/$name-pid1.secs") s | $(cat "$work/$name-suite.secs") s |"
  summary+=("$name: $passed passed, $failed failed (PID 1 run $(cat "$work/$name-pid1.secs") s, suite run $(cat "$work/$name-suite.secs") s)")
done

echo "$table" >"$work/kernels.md"
echo
echo "$table"
echo
printf '%s\n' "${summary[@]}"
echo "VM part: $((t_end - t_start)) s (fetch and build $((t_built - t_start)) s, VMs $((t_end - t_vms)) s, $JOBS at a time)"

if $write_docs; then
  # Written from a failed run too: the table then shows the failed counts.
  bash scripts/write-doc.sh docs/kernels.md vm-table <"$work/kernels.md"
fi

if [ "$failures" -ne 0 ]; then
  echo "error: $failures VM check(s) failed; console logs in $work" >&2
  echo "vm total: $total_passed passed, $total_failed failed"
  exit 1
fi
echo "vm total: $total_passed passed, $total_failed failed"
