//! J111: `storage` and `dumpdir` both set, in a node's vzdump.conf (dumpdir ignored) or
//! in a backup job (the job fails).

use crate::context::Context;
use pvelint_parse::{Diagnostic, Edit, Fix, Severity};

crate::declare_rule!(
    StorageAndDumpdirTogether,
    "J111",
    "storage-and-dumpdir-together",
    Warning,
    "`storage` and `dumpdir` are both set: vzdump.conf ignores `dumpdir`; a job with both fails.",
    fix = Safe
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (node, conf) in &ctx.tree.vzdump_confs {
        let (Some(st), Some(dd)) = (conf.opts.storage(), conf.opts.dumpdir()) else { continue };
        out.push(
            META.at(
                dd.span,
                format!(
                    "the vzdump.conf of node '{node}' sets both `storage: {}` and `dumpdir: {}`; vzdump warns \"both 'storage' and 'dumpdir' defined\" and ignores `dumpdir`, so backups from this file's defaults go to storage '{}', not to {}",
                    st.value, dd.value, st.value, dd.value
                ),
            )
            .with_label(st.span, "this wins")
            .with_help("remove one of the two lines")
            .with_fix(Fix::safe(
                "remove the `dumpdir` line, which vzdump ignores beside `storage`",
                vec![Edit::delete(crate::fix::whole_line(ctx.tree.file(dd.span.file), dd.span))],
            ))
            .with_object(format!("node:{node}"))
            .with_key("dumpdir"),
        );
    }
    let Some(jobs) = &ctx.tree.jobs else { return };
    for job in jobs.vzdump_jobs() {
        let (Some(st), Some(dd)) = (job.opts.storage(), job.opts.dumpdir()) else { continue };
        let mut d = META
            .at(
                dd.span,
                format!(
                    "backup job '{}' sets both `storage` and `dumpdir`; vzdump refuses this (\"cannot use options 'storage' and 'dumpdir' at the same time\"), so every run fails before backing up any guest",
                    job.id.value
                ),
            )
            .with_severity(if job.enabled { Severity::Error } else { Severity::Warning })
            .with_label(st.span, "storage set here")
            .with_help("keep only one target: `storage` for a Proxmox storage, or `dumpdir` for a plain directory")
            .with_object(job.object())
            .with_key("dumpdir");
        if !job.enabled {
            d.message.push_str(" (the job is disabled now)");
        }
        out.push(d);
    }
}
