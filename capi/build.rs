//! The shared library is libpathrs.so.0 to the loader: its soname, and the
//! symbol versions of capi/libpathrs.map. rustc passes a version script of
//! its own (the exported names), which GNU ld refuses to combine with a
//! second one; lld combines them, so the shared library is linked with
//! rustc's own lld (its gcc-ld directory, for every target). Only the
//! cdylib gets these arguments; the static library is unchanged. The
//! versions themselves (src/versions.rs) need `--cfg safe_procfs_cdylib`:
//! `cargo rustc --release --crate-type cdylib -- --cfg safe_procfs_cdylib`.
use std::path::PathBuf;
use std::process::Command;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let map = dir.join("libpathrs.map");
    println!("cargo::rerun-if-changed=libpathrs.map");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(safe_procfs_cdylib)");
    println!("cargo::rustc-cdylib-link-arg=-Wl,-soname,libpathrs.so.0");
    println!(
        "cargo::rustc-cdylib-link-arg=-Wl,--version-script={}",
        map.display()
    );
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let host = std::env::var("HOST").unwrap_or_default();
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let gcc_ld = PathBuf::from(sysroot)
        .join("lib/rustlib")
        .join(host)
        .join("bin/gcc-ld");
    println!("cargo::rustc-cdylib-link-arg=-B{}", gcc_ld.display());
    println!("cargo::rustc-cdylib-link-arg=-fuse-ld=lld");
}
