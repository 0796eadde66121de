//! S106: a `glusterfs` storage, a type PVE 9 removed.

use crate::context::{Context, GuestVolume};
use std::collections::BTreeMap;
use pvelint_parse::storage::StorageType;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    GlusterfsStorage,
    "S106",
    "glusterfs-storage",
    Error,
    "A storage of type glusterfs, which PVE 9 removed: the section is skipped and everything on it breaks."
);

/// At most this many guest volumes are pointed at; the message counts them all.
const MAX_LABELS: usize = 3;

/// The finding's wording: what PVE 9 does with the section, said for the version in use.
fn message(id: &str, pve_version: u8, volumes: usize) -> String {
    let used = match volumes {
        0 => String::new(),
        1 => "; 1 guest volume is on it".to_string(),
        n => format!("; {n} guest volumes are on it"),
    };
    if pve_version < 9 {
        format!(
            "storage '{id}' is of type glusterfs, which PVE {pve_version} still supports but PVE 9 removed: after the upgrade its section is skipped as an unknown type, so storage '{id}' no longer exists and every guest volume, backup and ISO on it fails{used}; pve8to9 refuses the upgrade"
        )
    } else {
        format!(
            "storage '{id}' is of type glusterfs, which PVE 9 removed: its section is skipped as an unknown type, so storage '{id}' does not exist there and every guest volume, backup and ISO on it fails{used} (pve8to9 refuses the upgrade)"
        )
    }
}

const HELP: &str = "before upgrading to PVE 9, move the data to another storage, or mount the GlusterFS volume yourself (fstab/systemd) and define a `dir` storage with `is_mountpoint` on it, then update the volume references";

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let gluster: Vec<_> = ctx.tree.storage.iter().filter(|s| s.kind == StorageType::Glusterfs).collect();
    if gluster.is_empty() {
        return;
    }
    // One pass over the volumes for all glusterfs storages.
    let mut users: BTreeMap<&str, Vec<GuestVolume>> = gluster.iter().map(|s| (s.id.as_str(), Vec::new())).collect();
    for v in ctx.volumes() {
        if let Some(list) = v.storage_id().and_then(|id| users.get_mut(id.value)) {
            list.push(v);
        }
    }
    for s in gluster {
        let Some(span) = s.section.as_ref().map(|sec| sec.raw.kind.span).or(s.header) else { continue };
        let on_it = users.get(s.id.as_str()).map_or(&[][..], Vec::as_slice);
        let mut d = META.at(span, message(&s.id, ctx.tree.pve_version, on_it.len())).with_help(HELP).with_object(s.object());
        if ctx.tree.pve_version < 9 {
            d = d.with_severity(crate::Severity::Warning);
        }
        for v in on_it.iter().take(MAX_LABELS) {
            if let Some(id) = v.storage_id() {
                d = d.with_label(id.span, format!("{} is on it", v.describe()));
            }
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pvelint_parse::{load, InputFile, Severity, TreeInput};

    fn run(pve_version: u8) -> Vec<Diagnostic> {
        let storage = "glusterfs: gl\n\tserver 10.0.0.1\n\tvolume v\n\tcontent images\n";
        let input = TreeInput {
            files: vec![InputFile::new("storage.cfg", storage.as_bytes().to_vec())],
            pve_version: Some(pve_version),
            ..TreeInput::default()
        };
        let tree = load(input);
        let mut out = Vec::new();
        check(&Context::new(&tree), &mut out);
        out
    }

    #[test]
    fn error_on_pve9_warning_on_pve8() {
        let d = run(9);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
        let d = run(8);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Warning);
        assert!(d[0].message.contains("PVE 8 still supports but PVE 9 removed"), "{}", d[0].message);
    }
}
