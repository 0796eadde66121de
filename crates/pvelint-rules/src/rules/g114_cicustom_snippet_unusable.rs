//! G114: a VM's cicustom names a snippet on a storage that is missing, disabled, not on
//! the VM's node or cannot hold snippets: the VM fails to start.

use crate::context::{Context, StorageStatus};
use pvelint_parse::guest::GuestKind;
use pvelint_parse::storage::ContentType;
use pvelint_parse::{Diagnostic, Guest, Span};

crate::declare_rule!(
    CicustomSnippetUnusable,
    "G114",
    "cicustom-snippet-unusable",
    Error,
    "A VM's cicustom names a snippet on a storage that is missing, disabled, not on the VM's node or cannot hold snippets: the VM fails to start."
);

/// The `type=storage:volname` items of a cicustom value, with the span of each volume ID.
fn items(value: &str, at: Span) -> Vec<(&str, &str, &str, Span)> {
    let mut out = Vec::new();
    let mut start = 0;
    for item in value.split(',') {
        if let Some((kind, volid)) = item.split_once('=') {
            if let Some((storage, volname)) = volid.split_once(':') {
                let off = start + kind.len() + 1;
                out.push((kind, storage, volname, at.sub(off, off + volid.len())));
            }
        }
        start += item.len() + 1;
    }
    out
}

fn message(g: &Guest, kind: &str, volid: &str, why: &str) -> String {
    format!(
        "{} reads its cloud-init {kind} data from '{volid}', but {why}: qemu-server resolves the snippet when it builds the cloud-init drive at start, so the VM does not start",
        g.label()
    )
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for g in ctx.tree.guests.iter().filter(|g| g.kind == GuestKind::Qemu) {
        let c = &g.config;
        let Some(e) = c.get("cicustom") else { continue };
        // Without a cloud-init drive qemu-server never reads cicustom.
        let cloudinit = format!("vm-{}-cloudinit", g.vmid);
        if !c.main().entries.iter().any(|d| c.value(d).contains(&cloudinit)) {
            continue;
        }
        for (kind, storage_id, volname, span) in items(c.value(e), e.value) {
            let storage = ctx.storage(storage_id);
            let why = match ctx.status_of(storage, &g.node) {
                StorageStatus::Undefined => format!("storage.cfg does not define storage '{storage_id}'"),
                StorageStatus::Unusable => format!("storage '{storage_id}' has a definition Proxmox cannot use"),
                StorageStatus::Disabled(_) => format!("storage '{storage_id}' is disabled"),
                StorageStatus::NotOnNode(_) => format!("storage '{storage_id}' is not available on node '{}'", g.node),
                StorageStatus::Available => match storage {
                    Some(s) if !s.kind.supports(ContentType::Snippets) => {
                        format!("storage '{storage_id}' is of type {}, which cannot hold snippets", s.kind)
                    }
                    _ if !volname.starts_with("snippets/") => format!("'{volname}' is not in the storage's snippets directory (\"… is not in the snippets directory\")"),
                    _ => continue,
                },
            };
            let volid = format!("{storage_id}:{volname}");
            out.push(
                META.at(span, message(g, kind, &volid, &why))
                    .with_help("put the snippet on a file storage available on every node the VM runs on, with `snippets` content, and point cicustom at it (`qm set <vmid> --cicustom user=<storage>:snippets/<file>`)")
                    .with_object(format!("guest:{}", g.vmid))
                    .with_key("cicustom"),
            );
        }
    }
}
