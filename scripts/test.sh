#!/usr/bin/env bash
# The whole test suite: installs what it needs, checks formatting, lints and
# docs for the three architectures, refuses an unsupported target, then runs
# every test natively (x86_64) and under qemu-user (aarch64, riscv64), with
# and without the `std` feature, and the example program on each.
# Then boots real Debian kernels (5.10, 6.1, 6.12 on x86_64; 6.12 on aarch64
# and riscv64) under qemu-system and runs the freestanding init as PID 1 and
# every test binary inside them (scripts/vm.sh).
# Fails loudly if any architecture's tests fail or do not run. Run as root:
# the attack tests need mount namespaces and a private procfs.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(x86_64-unknown-linux-gnu aarch64-unknown-linux-musl riscv64gc-unknown-linux-gnu)
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

step() { printf '\n=== %s\n' "$*"; }

step "installing dependencies"
bash scripts/install-deps.sh

if [ "$(id -u)" -ne 0 ]; then
  echo "error: the test suite must run as root (mount namespaces, fsopen, seccomp)" >&2
  exit 1
fi

step "cargo fmt --check"
cargo fmt --all -- --check
for m in bench/Cargo.toml examples/freestanding/Cargo.toml vm/Cargo.toml tools/stack/Cargo.toml; do
  cargo fmt --manifest-path "$m" -- --check
done

for t in "${TARGETS[@]}"; do
  for features in "" "--features std"; do
    step "clippy $t $features"
    # shellcheck disable=SC2086
    cargo clippy -q --all-targets --target "$t" $features -- -D warnings
  done
  step "clippy freestanding example $t"
  cargo clippy -q --manifest-path examples/freestanding/Cargo.toml --target "$t" -- -D warnings
  step "clippy VM suite init $t"
  cargo clippy -q --manifest-path vm/Cargo.toml --target "$t" -- -D warnings
  step "cargo doc $t"
  RUSTDOCFLAGS="-D warnings" cargo doc -q --no-deps --target "$t" --features std
done

step "clippy bench (native only: it builds pathrs)"
cargo clippy -q --manifest-path bench/Cargo.toml -- -D warnings

step "an unsupported target is refused with one sentence"
if cargo build -q --target x86_64-unknown-none >"$log/none.txt" 2>&1; then
  echo "error: the build for x86_64-unknown-none succeeded" >&2
  exit 1
fi
grep -q "safe-procfs supports only Linux on x86_64, aarch64 and riscv64" "$log/none.txt"
echo "refused as expected"

total_passed=0
total_failed=0
for t in "${TARGETS[@]}"; do
  for features in "" "--features std"; do
    step "tests on $t $features"
    out="$log/test-$t${features// /}.txt"
    skip=()
    if [ "$t" != x86_64-unknown-linux-gnu ]; then
      # tests/old_kernel.rs emulates old kernels with a seccomp supervisor;
      # qemu-user implements no seccomp. They run natively here and on
      # real aarch64/riscv64 kernels in the VM matrix.
      echo "not run under qemu-user (no seccomp): old_kernel_*"
      skip=(-- --skip old_kernel_)
    fi
    # shellcheck disable=SC2086
    if ! cargo test --target "$t" $features --features fault-injection "${skip[@]}" 2>&1 | tee "$out"; then
      echo "error: tests failed on $t $features" >&2
      exit 1
    fi
    passed=$(awk '/^test result:/ { for (i = 1; i < NF; i++) if ($(i+1) ~ /^passed/) s += $i } END { print s + 0 }' "$out")
    failed=$(awk '/^test result:/ { for (i = 1; i < NF; i++) if ($(i+1) ~ /^failed/) s += $i } END { print s + 0 }' "$out")
    if [ "${passed:-0}" -eq 0 ]; then
      echo "error: no test ran on $t $features" >&2
      exit 1
    fi
    if grep -q "SKIPPED" "$out" && [ "${CI:-}" = "true" ]; then
      echo "error: tests were skipped on $t under CI" >&2
      exit 1
    fi
    echo "$t${features:+ $features}: $passed passed, $failed failed"
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
  done
  step "examples on $t (container shim, threaded, ps, proc_cat)"
  bash scripts/examples.sh "$t"
done

step "stack high-water mark of every call in every mode (fails above the goals)"
bash scripts/stack.sh

step "freestanding init binary, natively and under qemu"
bash scripts/freestanding.sh

# Runs a script that ends with a "PREFIX N passed, N failed" line and adds
# its counts to the total. Usage: counted NAME PREFIX SCRIPT
counted() {
  local name=$1 prefix=$2 script=$3 counts
  if ! bash "$script" 2>&1 | tee "$log/$name.txt"; then
    echo "error: $script failed" >&2
    exit 1
  fi
  counts=$(sed -n "s/^$prefix \([0-9]*\) passed, \([0-9]*\) failed\$/\1 \2/p" "$log/$name.txt")
  [ -n "$counts" ] || { echo "error: $script reported no counts" >&2; exit 1; }
  total_passed=$((total_passed + ${counts% *}))
  total_failed=$((total_failed + ${counts#* }))
}

step "the C library (capi/): libpathrs's procfs C API, C tests with glibc, musl, aarch64 and riscv64"
counted capi "capi:" scripts/capi.sh

step "real kernels under qemu-system: PID 1 run and the test binaries in each VM"
counted vm "vm total:" scripts/vm.sh

printf '\ntotal: %s passed, %s failed\n' "$total_passed" "$total_failed"
