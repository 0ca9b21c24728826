//! Links the init with `no-unwind-tables.ld`: it drops the unwind tables
//! (about a fifth of the binary), which a `panic = "abort"` binary never reads.

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rustc-link-arg-bins=-T{dir}/no-unwind-tables.ld");
    println!("cargo:rerun-if-changed=no-unwind-tables.ld");
}
