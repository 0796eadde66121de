//! G101: a guest volume on a storage that storage.cfg does not define.

use crate::context::Context;
use crate::wording::{backup_note, volume_severity};
use pvelint_parse::{section::suggest, Diagnostic};

crate::declare_rule!(
    VolumeStorageUndefined,
    "G101",
    "volume-storage-undefined",
    Error,
    "A guest volume is on a storage that storage.cfg does not define (or cannot use)."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // Without storage.cfg this rule is not run at all (crate::partial).
    // The suggestion for each undefined ID, computed once (a lost storage is often
    // referenced by hundreds of volumes).
    let mut suggestions: std::collections::HashMap<&str, Option<&str>> = Default::default();
    for v in ctx.volumes().filter(|v| v.is_volume()) {
        let storage = v.storage;
        if storage.is_some_and(|s| s.usable) {
            continue;
        }
        let Some(sid) = v.storage_id() else { continue };
        let what = v.describe();
        let mut d = match storage {
            None => {
                let mut d = META.at(
                    sid.span,
                    format!(
                        "{what}{} is on storage '{}', which storage.cfg does not define",
                        backup_note(v),
                        sid.value
                    ),
                );
                let suggestion = *suggestions
                    .entry(sid.value)
                    .or_insert_with(|| suggest(sid.value, ctx.tree.storage.iter().map(|s| s.id.as_str())));
                d = d.with_help(match suggestion {
                    Some(s) => {
                        format!("did you mean '{s}'? Otherwise define the storage in storage.cfg or move the volume")
                    }
                    None => "define the storage in storage.cfg, or move or remove the volume".to_string(),
                });
                d
            }
            Some(s) => {
                let mut d = META.at(
                    sid.span,
                    format!(
                        "{what}{} is on storage '{}', whose definition Proxmox cannot use (see the syntax diagnostics of storage.cfg)",
                        backup_note(v),
                        sid.value
                    ),
                );
                if let Some(a) = s.anchor() {
                    d = d.with_label(a, "this definition is unusable");
                }
                d.with_help("fix the storage definition so that Proxmox accepts it")
            }
        };
        d = d.with_severity(volume_severity(v)).with_object(format!("guest:{}", v.guest.vmid)).with_key(v.key());
        out.push(d);
    }
}
