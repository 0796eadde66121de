//! S106: a `glusterfs` storage, a type PVE 9 removed.

use crate::context::Context;
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

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for s in ctx.tree.storage.iter() {
        if s.kind != StorageType::Glusterfs {
            continue;
        }
        let Some(span) = s.section.as_ref().map(|sec| sec.raw.kind.span).or(s.header) else { continue };
        let users: Vec<_> = ctx.volumes().filter(|v| v.storage_id().is_some_and(|id| id.value == s.id)).collect();
        let used = match users.len() {
            0 => String::new(),
            1 => "; 1 guest volume is on it".to_string(),
            n => format!("; {n} guest volumes are on it"),
        };
        let mut d = if ctx.tree.pve_version < 9 {
            META.at(
                span,
                format!(
                    "storage '{}' is of type glusterfs, which PVE {} still supports but PVE 9 removed: after the upgrade its section is skipped as an unknown type, so storage '{}' no longer exists and every guest volume, backup and ISO on it fails{used}; pve8to9 refuses the upgrade",
                    s.id, ctx.tree.pve_version, s.id
                ),
            )
            .with_severity(pvelint_parse::Severity::Warning)
        } else {
            META.at(
                span,
                format!(
                    "storage '{}' is of type glusterfs, which PVE 9 removed: its section is skipped as an unknown type, so storage '{}' does not exist there and every guest volume, backup and ISO on it fails{used} (pve8to9 refuses the upgrade)",
                    s.id, s.id
                ),
            )
        }
            .with_help("before upgrading to PVE 9, move the data to another storage, or mount the GlusterFS volume yourself (fstab/systemd) and define a `dir` storage with `is_mountpoint` on it, then update the volume references")
            .with_object(s.object());
        for v in users.iter().take(MAX_LABELS) {
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
