//! Symbol versions of the shared library (libpathrs.so.0): for each
//! function we export, the version libpathrs 0.2.6 gives it, so that a
//! program linked against the real libpathrs binds to ours by the
//! loader's path alone; the old `int flags` entry points of
//! `pathrs_proc_openat` and `pathrs_proc_open` under `LIBPATHRS_0.2`; our
//! own functions under `SAFE_PROCFS_0.1`. The nodes are defined in
//! `capi/libpathrs.map` (passed by `build.rs`).
//!
//! Only in the shared library's own build (`--cfg safe_procfs_cdylib`,
//! `cargo rustc --crate-type cdylib`, as scripts/capi.sh builds it): in a
//! static library the default-version aliases would define each name twice
//! for GNU ld, and `.symver` needs the symbol in the same object, which
//! the release profile's single codegen unit (and LTO) guarantees.

macro_rules! versions {
    ($($sym:ident $node:literal;)*) => {
        #[cfg(safe_procfs_cdylib)]
        core::arch::global_asm!($(concat!(".symver ", stringify!($sym), ", ", $node)),*);
    };
}

// Each line: the implementing symbol, then the name@@NODE (default) or
// name@NODE (old) it is exported as.
versions! {
    pathrs_errorinfo "pathrs_errorinfo@@LIBPATHRS_0.1";
    pathrs_errorinfo_free "pathrs_errorinfo_free@@LIBPATHRS_0.1";
    pathrs_proc_open "pathrs_proc_open@@LIBPATHRS_0.1";
    pathrs_proc_readlink "pathrs_proc_readlink@@LIBPATHRS_0.1";
    pathrs_procfs_open "pathrs_procfs_open@@LIBPATHRS_0.2";
    pathrs_proc_readlinkat "pathrs_proc_readlinkat@@LIBPATHRS_0.2";
    pathrs_proc_openat "pathrs_proc_openat@@LIBPATHRS_0.2.5";
    pathrs_version "pathrs_version@@LIBPATHRS_0.2.5";
    __pathrs_proc_openat_v1 "pathrs_proc_openat@LIBPATHRS_0.2";
    __pathrs_proc_open_v1 "pathrs_proc_open@LIBPATHRS_0.2";
    pathrs_open_root "pathrs_open_root@@LIBPATHRS_0.2";
    pathrs_inroot_resolve "pathrs_inroot_resolve@@LIBPATHRS_0.2";
    pathrs_inroot_resolve_nofollow "pathrs_inroot_resolve_nofollow@@LIBPATHRS_0.2";
    pathrs_inroot_readlink "pathrs_inroot_readlink@@LIBPATHRS_0.2";
    pathrs_inroot_rmdir "pathrs_inroot_rmdir@@LIBPATHRS_0.2";
    pathrs_inroot_unlink "pathrs_inroot_unlink@@LIBPATHRS_0.2";
    pathrs_inroot_remove_all "pathrs_inroot_remove_all@@LIBPATHRS_0.2";
    pathrs_inroot_mkdir "pathrs_inroot_mkdir@@LIBPATHRS_0.2";
    pathrs_inroot_mkdir_all "pathrs_inroot_mkdir_all@@LIBPATHRS_0.2";
    pathrs_inroot_mknod "pathrs_inroot_mknod@@LIBPATHRS_0.2";
    pathrs_reopen "pathrs_reopen@@LIBPATHRS_0.2.5";
    pathrs_inroot_open "pathrs_inroot_open@@LIBPATHRS_0.2.5";
    pathrs_inroot_rename "pathrs_inroot_rename@@LIBPATHRS_0.2.5";
    pathrs_inroot_creat "pathrs_inroot_creat@@LIBPATHRS_0.2.5";
    pathrs_inroot_symlink "pathrs_inroot_symlink@@LIBPATHRS_0.2.5";
    pathrs_inroot_hardlink "pathrs_inroot_hardlink@@LIBPATHRS_0.2.5";
    __pathrs_reopen_v1 "pathrs_reopen@LIBPATHRS_0.1";
    __pathrs_inroot_open_v1 "pathrs_inroot_open@LIBPATHRS_0.2";
    __pathrs_inroot_rename_v1 "pathrs_inroot_rename@LIBPATHRS_0.2";
    __pathrs_inroot_creat_v1 "pathrs_inroot_creat@LIBPATHRS_0.2";
    __pathrs_inroot_symlink_v1 "pathrs_inroot_symlink@LIBPATHRS_0.2";
    __pathrs_inroot_hardlink_v1 "pathrs_inroot_hardlink@LIBPATHRS_0.2";
    safe_procfs_set_default_no_host_fallback "safe_procfs_set_default_no_host_fallback@@SAFE_PROCFS_0.1";
    safe_procfs_error_slots "safe_procfs_error_slots@@SAFE_PROCFS_0.1";
}
