//! V104: settings in a node's /etc/vzdump.conf that have no effect there.

use crate::context::Context;
use crate::fix;
use pvelint_parse::{Diagnostic, Edit, Fix};

crate::declare_rule!(
    VzdumpConfIneffectiveKey,
    "V104",
    "vzdump-conf-ineffective-key",
    Warning,
    "A /etc/vzdump.conf setting has no effect there (guest selection keys, `stop`, `quiet`, notes/protection without a storage).",
    fix = Safe
);

/// Keys accepted in vzdump.conf that vzdump never uses as defaults, and why.
const INEFFECTIVE: &[(&str, &str)] = &[
    ("all", "guest selection happens in the API call, before the file's defaults are merged"),
    ("vmid", "guest selection happens in the API call, before the file's defaults are merged"),
    ("exclude", "guest selection happens in the API call, before the file's defaults are merged"),
    ("pool", "guest selection happens in the API call, before the file's defaults are merged"),
    ("node", "the node filter is applied by pvescheduler and the API, before the file's defaults are merged"),
    ("stop", "it is a command-line action (stop running backups), not a default"),
    ("quiet", "it only matters for the command line, and is read before the file's defaults are merged"),
];

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (node, conf) in &ctx.tree.vzdump_confs {
        for (key, why) in INEFFECTIVE {
            let Some((k, _)) = conf.line_of(key) else { continue };
            let file = ctx.tree.file(k.span.file);
            out.push(
                META.at(
                    k.span,
                    format!("`{key}` in the vzdump.conf of node '{node}' has no effect: {why}; no backup on this node uses it"),
                )
                .with_help(format!("remove the line; set `{key}` on the backup job in jobs.cfg instead"))
                .with_fix(Fix::safe(
                    format!("remove the `{key}` line, which no backup uses"),
                    vec![Edit::delete(fix::whole_line(file, k.span))],
                ))
                .with_object(format!("node:{node}"))
                .with_key(*key),
            );
        }
        // notes-template / protected are dropped when the backup goes to a dumpdir.
        let Some(dd) = conf.opts.dumpdir() else { continue };
        if conf.opts.storage().is_some() {
            continue;
        }
        for key in ["notes-template", "protected"] {
            let Some((k, _)) = conf.line_of(key) else { continue };
            if conf.opts.get(key).is_none_or(|v| key == "protected" && v.value != "1") {
                continue;
            }
            out.push(
                META.at(
                    k.span,
                    format!(
                        "`{key}` in the vzdump.conf of node '{node}' needs a backup storage, but this file sends backups to `dumpdir {}`; vzdump silently drops `{key}` for every backup that uses this dumpdir (only jobs that set `storage` keep it)",
                        dd.value
                    ),
                )
                .with_label(dd.span, "backups go to a plain directory")
                .with_help("use a storage (`storage: <id>`) instead of `dumpdir`, or remove the line")
                .with_object(format!("node:{node}"))
                .with_key(key),
            );
        }
    }
}
