//! The checks of names that become files and directories: spec keys and
//! namespaces. Every pass that meets one calls these, so that a key or a
//! namespace is refused the same way wherever it is written.

use super::checker::Checker;
use super::names;
use super::paths;
use crate::code::Code;
use crate::spec::Spanned;

/// The help for a key or namespace Windows reserves.
const WINDOWS_DEVICE_HELP: &str = "keys and namespaces name files and directories of the generated repository, and Windows cannot check out one named CON, PRN, AUX, NUL, COM0-9 or LPT0-9 (whatever the extension): choose another name";

/// Checks a key of `clusters`, `workloads` or `principals` (`table` says
/// which); returns whether it is valid.
pub(super) fn check_key(checker: &mut Checker<'_>, table: &str, key: &Spanned<String>) -> bool {
    if names::is_key(key.get()) && names::is_windows_device_name(key.get()) {
        checker
            .error(
                Code::Key,
                key.span(),
                format!("`{}` cannot be a {table} key", key.get()),
            )
            .label("a device name on Windows")
            .help(WINDOWS_DEVICE_HELP);
        return false;
    }
    if names::is_key(key.get()) {
        return true;
    }
    checker
        .error(
            Code::Key,
            key.span(),
            format!("`{}` cannot be a {table} key", key.get()),
        )
        .label("not a lowercase DNS label starting with a letter")
        .help(
            "keys name files, Terraform resources and Kubernetes groups: use lowercase letters, digits and `-`, start with a letter, at most 63 characters",
        );
    false
}

/// Refuses the namespace names that cannot be directories of the output:
/// the one its layout reserves, and Windows device names.
pub(super) fn check_namespace_not_reserved(checker: &mut Checker<'_>, namespace: &Spanned<String>) {
    if names::is_windows_device_name(namespace.get()) {
        checker
            .error(
                Code::Namespace,
                namespace.span(),
                format!(
                    "namespace `{}` cannot name a directory on Windows",
                    namespace.get()
                ),
            )
            .label("a device name on Windows")
            .help(WINDOWS_DEVICE_HELP);
    }
    if namespace.get() == paths::CLUSTER_SCOPED_DIR {
        checker
            .error(
                Code::Namespace,
                namespace.span(),
                format!("namespace `{}` is reserved", namespace.get()),
            )
            .label("reserved")
            .help(format!(
                "kubernetes/<cluster>/{}/ holds cluster-scoped objects, so no namespace may have that name",
                paths::CLUSTER_SCOPED_DIR
            ));
    }
}
