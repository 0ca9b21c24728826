//! Refuses every target the crate has no syscall stubs for, with one sentence.
fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let supported = os == "linux" && matches!(arch.as_str(), "x86_64" | "aarch64" | "riscv64");
    if !supported {
        eprintln!(
            "error: safe-procfs supports only Linux on x86_64, aarch64 and riscv64 \
             (target_os = \"linux\", target_arch in {{x86_64, aarch64, riscv64}}), \
             not target_os = \"{os}\", target_arch = \"{arch}\"."
        );
        std::process::exit(1);
    }
    println!("cargo::rerun-if-changed=build.rs");
}
