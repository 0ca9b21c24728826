#!/usr/bin/env bash
# The C library (capi/): lints it, builds the static (and, where the target
# has one, shared) library for x86_64, aarch64 and riscv64, checks its
# exported symbols and signatures against libpathrs's, compiles the C test
# (capi/tests/capi_test.c) with every toolchain and runs it (natively and
# under qemu-user), and checks the pkg-config install. Ends with
# "capi: N passed, N failed". Run as root (the test's overmount attack).
#
#   bash scripts/capi.sh                   # everything above
#   bash scripts/capi.sh --install PREFIX  # build (x86_64) and install as
#       PREFIX/lib/libsafe_procfs.{a,so} + libpathrs.{a,so} (symlinks),
#       PREFIX/include/pathrs.h (every declaration; C, C++ through
#       safe-procfs-cxx.h, and cffi read it) + safe-procfs.h (includes it),
#       PREFIX/lib/pkgconfig/safe-procfs.pc + pathrs.pc
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
manifest=capi/Cargo.toml
version=$(sed -n 's/^version = "\(.*\)"/\1/p' capi/Cargo.toml | head -1)

# The static library (and cargo's plain cdylib), then the shared library
# again as libpathrs.so.0 with libpathrs's symbol versions (capi/build.rs,
# capi/src/versions.rs), where the target has shared libraries.
build_lib() {
  cargo build -q --release --manifest-path "$manifest" --target "$1" 2>&1 |
    grep -v "dropping unsupported crate type" || true
  case $1 in
    *-linux-gnu)
      # (a target directory of its own: the two builds' flags differ, and
      # would otherwise rebuild each other)
      CARGO_TARGET_DIR=capi/target/versioned cargo rustc -q --lib --release --manifest-path "$manifest" \
        --target "$1" --crate-type cdylib -- --cfg safe_procfs_cdylib
      ln -sf libsafe_procfs_capi.so "capi/target/versioned/$1/release/libpathrs.so.0"
      ;;
  esac
}

install_to() {
  local prefix=$1 native=${2:-x86_64-unknown-linux-gnu}
  build_lib "$native"
  local out=capi/target/$native/release
  mkdir -p "$prefix/lib/pkgconfig" "$prefix/include"
  install -m 644 "$out/libsafe_procfs_capi.a" "$prefix/lib/libsafe_procfs.a"
  install -m 755 "capi/target/versioned/$native/release/libsafe_procfs_capi.so" "$prefix/lib/libsafe_procfs.so"
  ln -sf libsafe_procfs.a "$prefix/lib/libpathrs.a"
  ln -sf libsafe_procfs.so "$prefix/lib/libpathrs.so"
  ln -sf libsafe_procfs.so "$prefix/lib/libpathrs.so.0" # its soname
  local h
  for h in pathrs.h safe-procfs-cxx.h safe-procfs.h safe-procfs-pathrs-compat.h; do
    install -m 644 "include/$h" "$prefix/include/$h"
  done
  for pc in safe-procfs:safe_procfs pathrs:pathrs; do
    sed -e "s|@PREFIX@|$prefix|" -e "s|@NAME@|${pc%%:*}|" -e "s|@LIB@|${pc#*:}|" \
      -e "s|@VERSION@|$version|" capi/pathrs.pc.in >"$prefix/lib/pkgconfig/${pc%%:*}.pc"
  done
}

if [ "${1:-}" = "--install" ]; then
  [ -n "${2:-}" ] || { echo "usage: $0 --install PREFIX" >&2; exit 2; }
  prefix=$(realpath -m "$2")
  install_to "$prefix"
  echo "installed into $prefix (pkg-config names: pathrs, safe-procfs)"
  exit 0
fi

TARGETS=(x86_64-unknown-linux-gnu aarch64-unknown-linux-musl riscv64gc-unknown-linux-gnu)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAILED: $*"; }

cargo fmt --manifest-path "$manifest" -- --check
for t in "${TARGETS[@]}"; do
  cargo clippy -q --manifest-path "$manifest" --target "$t" -- -D warnings 2>&1 |
    grep -v "dropping unsupported crate type" || true
  # (clippy's own exit status decides: re-run quietly to get it)
  cargo clippy -q --manifest-path "$manifest" --target "$t" -- -D warnings >/dev/null 2>&1 ||
    { echo "error: clippy failed for capi on $t" >&2; exit 1; }
  build_lib "$t"
done
lib() { # the static library, or the versioned shared library (libpathrs.so.0)
  case $2 in
    so) echo "capi/target/versioned/$1/release/libsafe_procfs_capi.so" ;;
    *) echo "capi/target/$1/release/libsafe_procfs_capi.$2" ;;
  esac
}

# --- exported symbols: exactly libpathrs's procfs functions plus ours.
# (the procfs functions, the stubs of the rest of libpathrs's API and pathrs_version, ours)
want_syms=$(printf '%s\n' pathrs_errorinfo pathrs_errorinfo_free pathrs_proc_open pathrs_proc_openat \
  pathrs_proc_readlink pathrs_proc_readlinkat pathrs_procfs_open pathrs_open_root pathrs_reopen \
  pathrs_inroot_{resolve,resolve_nofollow,open,readlink,rename,rmdir,unlink,remove_all,creat,mkdir,mkdir_all,mknod,symlink,hardlink} \
  pathrs_version safe_procfs_error_slots safe_procfs_set_default_no_host_fallback | sort | xargs)
# (the shared library also exports the implementations of libpathrs's old
# entry points under their __*_v1 names, as libpathrs does)
want_so_syms=$(printf '%s\n' $want_syms __pathrs_{proc_open,proc_openat,reopen,inroot_open,inroot_rename,inroot_creat,inroot_symlink,inroot_hardlink}_v1 |
  sort | xargs)
for so in "$(lib x86_64-unknown-linux-gnu so)" "$(lib riscv64gc-unknown-linux-gnu so)"; do
  got=$(nm -D --defined-only "$so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort -u | xargs)
  if [ "$got" = "$want_so_syms" ]; then pass "exports of $so"; else fail "exports of $so: $got"; fi
  if [ "$(readelf -dW "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')" = libpathrs.so.0 ]; then
    pass "soname of $so is libpathrs.so.0"
  else
    fail "soname of $so"
  fi
done
for t in "${TARGETS[@]}"; do
  got=$(nm -g --defined-only "$(lib "$t" a)" 2>/dev/null | awk '$2 == "T" && $3 ~ /^(pathrs_|safe_procfs_)/ { sub(/@.*/, "", $3); print $3 }' | sort -u | xargs)
  if [ "$got" = "$want_syms" ]; then pass "C symbols of the $t static library"; else fail "$t static library: $got"; fi
done

# --- the reference: the real libpathrs 0.2.6 C library, built from the
# `pathrs` crate package in cargo's registry (scripts/libpathrs-ref.sh).
ref=$(bash scripts/libpathrs-ref.sh)
symvers() { # "VERSION NAME" per dynamic symbol of ours or libpathrs's (a name that $2 has)
  objdump -T "$1" | awk '$NF ~ /^(__)?pathrs_/ { v = $(NF-1); gsub(/[()]/, "", v); print v, $NF }' | sort -u
}
ours_so=$(lib x86_64-unknown-linux-gnu so)
theirs=$(symvers "$ref/lib/libpathrs.so.0")
mine=$(symvers "$ours_so" | grep -v '^SAFE_PROCFS_')
common=$(comm -12 <(awk '{ print $2 }' <<<"$theirs" | sort -u) <(awk '{ print $2 }' <<<"$mine" | sort -u) | grep -v '^__' || true)
if [ -n "$common" ] && [ "$(grep -wFf <(echo "$common") <<<"$theirs")" = "$(grep -wFf <(echo "$common") <<<"$mine")" ] &&
  [ -z "$(comm -13 <(awk '{ print $2 }' <<<"$theirs" | sort -u) <(awk '{ print $2 }' <<<"$mine" | sort -u))" ]; then
  pass "symbol versions: the $(wc -l <<<"$common") pathrs_* names we export have exactly libpathrs 0.2.6's versions ($(grep -cwFf <(echo "$common") <<<"$mine") name@version pairs, the old pathrs_proc_openat@LIBPATHRS_0.2 among them)"
else
  diff <(grep -wFf <(echo "$common") <<<"$theirs") <(grep -wFf <(echo "$common") <<<"$mine") || true
  fail "symbol versions differ from libpathrs 0.2.6's"
fi

# --- signatures and numbers against libpathrs's own header (the copy in
# cargo's registry, which the bench's pathrs crate brings there):
# all its function prototypes are compiled after our headers (a mismatch
# is a conflicting declaration), and its enum/#define values must be those
# of the C test's table.
pathrs_h=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/pathrs-*/include/pathrs.h 2>/dev/null | sort -V | tail -1 || true)
if [ -n "$pathrs_h" ]; then
  {
    echo '#include "pathrs.h"'
    awk '/^[a-z][a-z_ ]*[ *]pathrs_[a-z_]*\(/ { on = 1 } on { print } on && /;/ { on = 0 }' "$pathrs_h"
  } >"$work/sig.c"
  nproto=$(grep -c '^[a-z].*pathrs_[a-z_]*(' "$work/sig.c" || true)
  if gcc -std=gnu11 -Wall -Werror -fsyntax-only -Iinclude "$work/sig.c" && [ "$nproto" -eq 24 ]; then
    pass "all $nproto prototypes identical to $pathrs_h"
  else
    fail "prototypes differ from $pathrs_h"
  fi
  for name in PATHRS_PROC_ROOT PATHRS_PROC_SELF PATHRS_PROC_THREAD_SELF __PATHRS_PROC_TYPE_MASK \
    __PATHRS_PROC_TYPE_PID PATHRS_PROCFS_NEW_UNMASKED __PATHRS_MAX_ERR_VALUE PATHRS_PROC_DEFAULT_ROOTFD; do
    v=$(sed -nE "s/^(#define)?[[:space:]]*$name[[:space:]=]+(-?[0-9]+)(ull)?.*/\2/p" "$pathrs_h" | head -1)
    if [ -n "$v" ] && grep -qE "\"$name\", .*[ ()]$v(ull)?[ )},]" capi/tests/capi_test.c; then
      pass "$name = $v in libpathrs's header and in the C test's table"
    else
      fail "$name: libpathrs has '$v', not in the C test's table"
    fi
  done
else
  echo "note: no copy of libpathrs's pathrs.h in cargo's registry: prototype check skipped"
fi

# --- libpathrs's type names work in C (enum pathrs_proc_base_t too), and
# the headers compile and link as C++.
printf '#include "safe-procfs.h"\n#include "safe-procfs-pathrs-compat.h"\nenum pathrs_proc_base_t b = PATHRS_PROC_SELF;\npathrs_proc_base_t c = PATHRS_PROC_PID(1);\npathrs_procfs_open_how how = { .flags = PATHRS_PROCFS_NEW_UNMASKED };\npathrs_version_info_t v;\n' >"$work/names.c"
if gcc -std=gnu11 -Wall -Werror -fsyntax-only -Iinclude "$work/names.c"; then
  pass "libpathrs's type and constant names compile in C"
else
  fail "libpathrs's type and constant names in C"
fi
printf '#include <pathrs.h>\n#include "safe-procfs.h"\nint main() {\n  char b[8];\n  int n = pathrs_proc_readlink(PATHRS_PROC_ROOT, "self", b, sizeof b);\n  pathrs_error_t *e = pathrs_errorinfo(n);\n  pathrs_errorinfo_free(e);\n  return !(n > 0 && !e);\n}\n' >"$work/cxx.cc"
if g++ -Wall -Werror -Iinclude "$work/cxx.cc" "$(lib x86_64-unknown-linux-gnu a)" -o "$work/cxx" && "$work/cxx"; then
  pass "the headers compile, link and run as C++"
else
  fail "the headers as C++"
fi

# --- cffi reads pathrs.h as the Python binding `pathrs` does: with every
# preprocessor line dropped except object-like #defines that have a value
# (its build passes that text to cffi's cdef). Our own filter of that rule;
# scripts/pathrs-clients.sh builds the binding itself.
if python3 -c 'import cffi' 2>/dev/null; then
  if python3 - include/pathrs.h <<'EOP'
import re, sys, cffi
kept = []
for line in open(sys.argv[1]).read().splitlines():
    m = re.match(r"\s*#\s*(\w*)\s*(\w*)(.*)$", line)
    if m and not (m.group(1) == "define" and m.group(3).strip() and not m.group(3).startswith("(")):
        continue
    kept.append(line)
ffi = cffi.FFI()
ffi.cdef("typedef uint32_t dev_t;")  # the binding declares dev_t itself
ffi.cdef("\n".join(kept))
lib = ffi.dlopen(None)  # constants need no symbol: the values cdef parsed
want = {"PATHRS_PROC_ROOT": 0xFFFFFFFE70726F63, "PATHRS_PROC_SELF": 0xFFFFFFFE091D5E1F,
        "PATHRS_PROC_THREAD_SELF": 0xFFFFFFFE3EAD5E1F, "PATHRS_PROC_DEFAULT_ROOTFD": -9,
        "__PATHRS_MAX_ERR_VALUE": -4096, "__PATHRS_PROC_TYPE_MASK": 0xFFFFFFFF00000000,
        "__PATHRS_PROC_TYPE_PID": 1 << 63, "PATHRS_PROCFS_NEW_UNMASKED": 1,
        "SAFE_PROCFS_PROCFS_NO_HOST_FALLBACK": 1 << 63, "SAFE_PROCFS_PROC_DEFAULT_ROOTFD_NO_HOST": -4095}
for name, value in want.items():
    assert getattr(lib, name) == value, (name, getattr(lib, name), value)
assert ffi.sizeof("pathrs_error_t") == 16 and ffi.alignof("pathrs_error_t") == 8
ffi.typeof("int (*)(int, pathrs_proc_base_t, const char *, uint64_t)")
EOP
  then
    pass "cffi's cdef reads pathrs.h with its preprocessor lines dropped"
  else
    fail "cffi cannot read pathrs.h"
  fi
else
  fail "python3 cffi is missing (pip install cffi)"
fi

# --- the C test with every toolchain.
src=capi/tests/capi_test.c
cflags=(-O1 -g -Wall -Wextra -Werror -std=gnu11 -Iinclude)
build_run() { # name, then the compile command; runner in $runner
  local name=$1; shift
  if ! "$@" >"$work/$name.cc" 2>&1; then
    cat "$work/$name.cc"; fail "$name: does not compile"; return
  fi
  local out
  out=$($runner "$work/$name" 2>&1) || true
  echo "$out" | grep -v '^ok' | tail -20
  local line
  line=$(tail -1 <<<"$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
  if [ -z "$line" ]; then fail "$name: no result line"; return; fi
  echo "$name: ${line% *} passed, ${line#* } failed"
  passed=$((passed + ${line% *}))
  failed=$((failed + ${line#* }))
  summary+=("$name: ${line% *} passed, ${line#* } failed")
}
summary=()
x86=$(lib x86_64-unknown-linux-gnu a)
runner=""
build_run x86_64-glibc-static-lib gcc "${cflags[@]}" "$src" "$x86" -lpthread -o "$work/x86_64-glibc-static-lib"
x86so=$(lib x86_64-unknown-linux-gnu so)
build_run x86_64-glibc-shared-lib gcc "${cflags[@]}" "$src" -L"$(dirname "$x86so")" -lsafe_procfs_capi \
  -Wl,-rpath,"$root/$(dirname "$x86so")" -lpthread -o "$work/x86_64-glibc-shared-lib"
# (ldd's output is taken whole first: grep -q would close the pipe early,
# and under pipefail ldd's SIGPIPE would fail the check now and then)
deps=$(ldd "$work/x86_64-glibc-shared-lib" 2>&1 || true)
if grep -q "libpathrs.so.0 => $root/capi/target/versioned" <<<"$deps"; then
  pass "the shared-library test uses the shared library"
else
  fail "the shared-library test does not load our libpathrs.so.0"
fi
# A caller that opted out of the host /proc never gets it after seccomp
# takes the mount API away and close_range closes the cached fd: a real
# seccomp filter, so native only (qemu-user implements no seccomp).
build_run x86_64-no-host-fallback-after-seccomp-close_range gcc "${cflags[@]}" capi/tests/no_host_test.c "$x86" \
  -o "$work/x86_64-no-host-fallback-after-seccomp-close_range"
cargo build -q --manifest-path "$manifest" --target x86_64-unknown-linux-gnu
build_run x86_64-glibc-static-lib-debug-build gcc "${cflags[@]}" "$src" \
  capi/target/x86_64-unknown-linux-gnu/debug/libsafe_procfs_capi.a -lpthread -o "$work/x86_64-glibc-static-lib-debug-build"
build_run x86_64-musl-static musl-gcc -static "${cflags[@]}" "$src" "$x86" -o "$work/x86_64-musl-static"
runner="qemu-aarch64"
build_run aarch64-glibc-static aarch64-linux-gnu-gcc -static "${cflags[@]}" "$src" \
  "$(lib aarch64-unknown-linux-musl a)" -lpthread -o "$work/aarch64-glibc-static"
runner="qemu-riscv64"
build_run riscv64-glibc-static riscv64-linux-gnu-gcc -static "${cflags[@]}" "$src" \
  "$(lib riscv64gc-unknown-linux-gnu a)" -lpthread -o "$work/riscv64-glibc-static"
rv=$(lib riscv64gc-unknown-linux-gnu so)
runner="qemu-riscv64 -L /usr/riscv64-linux-gnu"
build_run riscv64-glibc-shared-lib riscv64-linux-gnu-gcc "${cflags[@]}" "$src" -L"$(dirname "$rv")" \
  -lsafe_procfs_capi -Wl,-rpath,"$root/$(dirname "$rv")" -lpthread -o "$work/riscv64-glibc-shared-lib"
# Static musl programs for aarch64 and riscv64: Debian has no musl cross
# compiler, so musl-dev of that architecture (bookworm's arm64, trixie's
# riscv64: bookworm has no riscv64) is fetched by name from Debian's archive
# (signature and SHA256 checked, as the VM test fetches its kernels) and its
# musl-gcc.specs pointed at the unpacked copy, for the glibc cross gcc.
musl_specs() { # suite debarch triple-arch -> specs file
  local dir
  dir=$(bash scripts/vm/fetch-kernel.sh /var/cache/safe-procfs-vm "$1" "$2" musl-dev)
  sed -e "s|/usr/|$dir/usr/|g" -e 's|-dynamic-linker [^ ]*||' \
    "$dir/usr/lib/$3-linux-musl/musl-gcc.specs" >"$work/$3-musl.specs"
  echo "$work/$3-musl.specs"
}
runner="qemu-aarch64"
build_run aarch64-musl-static aarch64-linux-gnu-gcc -specs "$(musl_specs bookworm arm64 aarch64)" -static \
  "${cflags[@]}" "$src" "$(lib aarch64-unknown-linux-musl a)" -o "$work/aarch64-musl-static"
# bookworm's riscv64 ld (binutils 2.40) crashes on trixie's musl objects:
# link with rust-lld. lld takes an archive member for a symbol from the first
# archive that has it, so libgcc goes first (else compiler_builtins' soft
# float, which refers to rust_eh_personality, would serve musl's printf).
runner="qemu-riscv64"
gcc_ld=$(dirname "$(rustc --print target-libdir)")/bin/gcc-ld
build_run riscv64-musl-static riscv64-linux-gnu-gcc -specs "$(musl_specs trixie riscv64 riscv64)" -static \
  -B"$gcc_ld" -fuse-ld=lld "${cflags[@]}" "$src" "$(riscv64-linux-gnu-gcc -print-libgcc-file-name)" \
  "$(lib riscv64gc-unknown-linux-gnu a)" -o "$work/riscv64-musl-static"
for bin in x86_64-musl-static aarch64-musl-static riscv64-musl-static aarch64-glibc-static riscv64-glibc-static; do
  if [ -f "$work/$bin" ] && ! grep -qE 'INTERP|DYNAMIC' <<<"$(readelf -lW "$work/$bin")"; then
    pass "$bin is a static executable"
  else
    fail "$bin is not a static executable"
  fi
done

# --- pkg-config: installed under libpathrs's name, found and linked.
install_to "$work/prefix" >/dev/null
cat >"$work/example.c" <<'EOC'
#include <pathrs.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
    char buf[256];
    int fd = pathrs_proc_open(PATHRS_PROC_SELF, "status", O_RDONLY);
    if (IS_PATHRS_ERR(fd)) { pathrs_error_t *e = pathrs_errorinfo(fd);
        fprintf(stderr, "%s\n", e->description); pathrs_errorinfo_free(e); return 1; }
    ssize_t n = read(fd, buf, sizeof buf - 1); close(fd);
    buf[n > 0 ? n : 0] = 0; fputs(buf, stdout);
    free(NULL); /* <pathrs.h> brings <stdlib.h>, as libpathrs's does (cgo: C.free) */
    return 0;
}
EOC
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
if gcc -static -Werror=implicit-function-declaration "$work/example.c" $(pkg-config --cflags --libs pathrs) -o "$work/example" &&
  grep -q '^Name:' <<<"$("$work/example")"; then
  pass "pkg-config pathrs: static link and run"
else
  fail "pkg-config pathrs"
fi
if gcc "$work/example.c" $(pkg-config --cflags --libs pathrs) -Wl,-rpath,"$work/prefix/lib" -o "$work/example-so" &&
  grep -q libpathrs.so <<<"$(ldd "$work/example-so" 2>&1)" && grep -q '^Name:' <<<"$("$work/example-so")"; then
  pass "pkg-config pathrs: shared link (libpathrs.so) and run"
else
  fail "pkg-config pathrs (shared)"
fi

# --- binary compatibility: a program built against the REAL libpathrs
# 0.2.6 (its header, linked to its libpathrs.so.0), run with the loader's
# path naming the real library, then ours: no relink, same answers.
gcc -O1 -Wall -Werror -std=gnu11 -I"$ref/include" capi/tests/loader_test.c -L"$ref/lib" -lpathrs \
  -o "$work/built-against-libpathrs"
real_out=$(LD_LIBRARY_PATH=$ref/lib "$work/built-against-libpathrs" 2>/dev/null) || true
ours_out=$(LD_LIBRARY_PATH=$work/prefix/lib "$work/built-against-libpathrs" 2>/dev/null) || true
loaded=$(LD_LIBRARY_PATH=$work/prefix/lib ldd "$work/built-against-libpathrs" 2>&1 || true)
nq=$(grep -c . <<<"$real_out" || true)
if grep -q "libpathrs.so.0 => $work/prefix/lib/libpathrs.so.0" <<<"$loaded" && [ "$(tail -1 <<<"$real_out")" = end ] &&
  [ "$real_out" = "$ours_out" ]; then
  pass "a program linked against the real libpathrs 0.2.6 runs on ours by LD_LIBRARY_PATH alone: all $((nq - 1)) answers identical"
  echo "loader-path test: $((nq - 1)) answers identical to libpathrs 0.2.6's"
else
  diff <(echo "$real_out") <(echo "$ours_out") || true
  fail "the program built against libpathrs answers differently on ours"
fi

# --- go-pathrs's procfs package (cgo, `#cgo pkg-config: pathrs`) built
# against this library: capi/tests/go/main.go, with the go-pathrs copy of
# cargo's registry and Debian's golang.org/x/sys (no module proxy needed).
go_bin=$(command -v go || ls /usr/lib/go-1.2*/bin/go 2>/dev/null | sort -V | tail -1 || true)
go_pathrs=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/pathrs-*/go-pathrs 2>/dev/null | sort -V | tail -1 || true)
x_sys=/usr/share/gocode/src/golang.org/x/sys
if [ -n "$go_bin" ] && [ -n "$go_pathrs" ] && [ -d "$x_sys" ]; then
  mkdir -p "$work/go"
  cp capi/tests/go/main.go "$work/go/"
  cat >"$work/go/go.mod" <<EOM
module safe-procfs-capi-gotest

go 1.22

require (
	cyphar.com/go-pathrs v0.0.0
	golang.org/x/sys v0.0.0
)

replace cyphar.com/go-pathrs => $go_pathrs

replace golang.org/x/sys => $x_sys
EOM
  for mode in static shared; do
    ldflags=""; [ $mode = static ] && ldflags=-static
    runner="env LD_LIBRARY_PATH=$work/prefix/lib"
    build_run "go-pathrs-procfs-$mode" env -C "$work/go" GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local \
      GOCACHE="$work/gocache" CGO_LDFLAGS="$ldflags" "$go_bin" build -o "$work/go-pathrs-procfs-$mode" .
  done
else
  echo "note: no Go toolchain, go-pathrs copy or golang.org/x/sys: the Go check is skipped"
fi

# The README's C example compiles against the installed header.
awk '/^## C$/ { c = 1 } c && /^```c$/ { on = 1; next } on && /^```$/ { exit } on' README.md >"$work/readme.c"
if [ -s "$work/readme.c" ] && gcc -Wall -Werror "$work/readme.c" $(pkg-config --cflags --libs pathrs) -o "$work/readme"; then
  pass "the README's C example compiles and links"
else
  fail "the README's C example"
fi

echo
printf '%s\n' "${summary[@]}"
printf 'capi: %s passed, %s failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
