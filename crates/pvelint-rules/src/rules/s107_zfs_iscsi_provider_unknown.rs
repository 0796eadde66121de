//! S107: a ZFS over iSCSI storage names an `iscsiprovider` that Proxmox keeps (the schema
//! has no enum) but cannot use: every disk operation on the storage dies.

use crate::context::Context;
use crate::Diagnostic;
use pvelint_parse::storage::StorageType;

crate::declare_rule!(
    ZfsIscsiProviderUnknown,
    "S107",
    "zfs-iscsi-provider-unknown",
    Error,
    "A ZFS over iSCSI storage names an `iscsiprovider` that Proxmox keeps but cannot use, so every disk operation on it fails."
);

/// The providers `ZFSPlugin.pm` dispatches to (`zfs_request`, `$zfs_get_base`), compared
/// with `eq`: case matters (`LIO`, not `lio`).
pub const PROVIDERS: &[&str] = &["comstar", "istgt", "iet", "LIO"];

/// The message, with Proxmox's own error text.
fn message(id: &str, provider: &str) -> String {
    format!(
        "storage '{id}' has `iscsiprovider {provider}`, which Proxmox keeps (the option is a free string) but does not know: every disk operation on the storage (create, delete, resize, start a VM on it) dies with \"{provider}: unknown iscsi provider. Available [comstar, istgt, iet, LIO]\""
    )
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for s in ctx.tree.storage.iter() {
        if s.kind != StorageType::ZfsOverIscsi {
            continue;
        }
        let Some(sec) = &s.section else { continue };
        let Some(v) = sec.get("iscsiprovider") else { continue };
        if PROVIDERS.contains(&v.value.as_str()) {
            continue;
        }
        let close = PROVIDERS.iter().find(|p| p.eq_ignore_ascii_case(&v.value));
        let help = match close {
            Some(p) => format!("write `iscsiprovider {p}` (the name is case-sensitive)"),
            None => "set `iscsiprovider` to the target software of the iSCSI host: comstar (illumos), istgt (FreeBSD), iet or LIO (Linux)".to_string(),
        };
        out.push(
            META.at(v.span, message(&s.id, &v.value))
                .with_help(help)
                .with_object(s.object())
                .with_key("iscsiprovider"),
        );
    }
}
