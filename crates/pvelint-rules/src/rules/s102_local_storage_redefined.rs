//! S102: a written `local` storage that Proxmox replaces with its built-in definition,
//! or a `nodes` line on `local`, which Proxmox deletes.

use crate::context::Context;
use pvelint_parse::storage::StorageType;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    LocalStorageRedefined,
    "S102",
    "local-storage-redefined",
    Warning,
    "storage.cfg defines `local` in a way Proxmox ignores: another type or path, or a `nodes` restriction."
);

const BUILTIN: &str = "dir, path /var/lib/vz, content backup,images,iso,rootdir,snippets,vztmpl";

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let cfg = &ctx.tree.storage;
    for s in &cfg.shadowed {
        let Some(span) = s.section.as_ref().map(|sec| sec.raw.kind.span).or(s.header) else { continue };
        let why = if !s.usable {
            "this section is not usable (see its other findings)".to_string()
        } else if s.kind != StorageType::Dir {
            format!("it is of type '{}', not 'dir'", s.kind)
        } else {
            match &s.path {
                Some(p) => format!("its path is '{}', not /var/lib/vz", p.value),
                None => "it has no path".to_string(),
            }
        };
        let mut d = META
            .at(
                span,
                format!(
                    "storage 'local' is defined here, but {why}; Proxmox ignores the whole section and uses its built-in 'local' instead ({BUILTIN})"
                ),
            )
            .with_help(
                "give this storage another ID (and update the volumes and jobs that use it); to change what the built-in 'local' holds, write `dir: local` with `path /var/lib/vz`",
            )
            .with_object("storage 'local'");
        if let Some(p) = s.path.as_ref().and_then(|p| p.span).filter(|_| s.kind == StorageType::Dir && s.usable) {
            d = d.with_label(p, "Proxmox replaces this path with /var/lib/vz");
        }
        out.push(d);
    }
    if let Some(span) = cfg.local_nodes_ignored {
        out.push(
            META.at(
                span,
                "storage 'local' has a `nodes` line; Proxmox deletes `nodes` from 'local' when it reads storage.cfg, so 'local' is available on every node",
            )
            .with_help("remove the `nodes` line; to keep a node from using 'local' for some content, use a separate storage with its own ID")
            .with_object("storage 'local'")
            .with_key("nodes"),
        );
    }
}
