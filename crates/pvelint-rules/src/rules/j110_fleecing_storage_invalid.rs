//! J110: backup fleecing is enabled (in a job or a node's vzdump.conf) without a usable
//! fleecing storage on the nodes where it applies.

use crate::context::{Context, StorageStatus};
use crate::wording::quote_nodes;
use pvelint_parse::guest::GuestKind;
use pvelint_parse::vzdump_opts::VzdumpOptions;
use pvelint_parse::{Diagnostic, Severity, Span};

crate::declare_rule!(
    FleecingStorageInvalid,
    "J110",
    "fleecing-storage-invalid",
    Error,
    "Backup fleecing is enabled without a fleecing storage, or on one that is missing, disabled or not on the node."
);

/// Why fleecing cannot work on a node: (primary span, reason, optional label).
type Problem = (Span, String, Option<(Span, &'static str)>);

fn problem(ctx: &Context, opts: &VzdumpOptions, node: &str) -> Option<Problem> {
    if !opts.fleecing_enabled() {
        return None;
    }
    let whole = opts.get("fleecing")?;
    let Some(s) = opts.fleecing_storage() else {
        return Some((whole.span, "enables fleecing without naming a fleecing storage (`storage=`)".to_string(), None));
    };
    let id = &s.value;
    match ctx.storage_status(id, node) {
        StorageStatus::Available => None,
        StorageStatus::Undefined => {
            Some((s.span, format!("uses fleecing storage '{id}', which storage.cfg does not define"), None))
        }
        StorageStatus::Unusable => Some((
            s.span,
            format!("uses fleecing storage '{id}', whose storage.cfg section is invalid, so Proxmox cannot use it"),
            None,
        )),
        StorageStatus::Disabled(l) => {
            Some((s.span, format!("uses fleecing storage '{id}', which is disabled"), Some((l, "disabled here"))))
        }
        StorageStatus::NotOnNode(l) => Some((
            s.span,
            format!("uses fleecing storage '{id}', which is not available on node '{node}'"),
            Some((l, "restricted to other nodes here")),
        )),
    }
}

const EFFECT: &str =
    "every VM backup fails when vzdump allocates the fleecing images (container backups are not affected)";

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    if let Some(jobs) = &ctx.tree.jobs {
        for job in jobs.vzdump_jobs().filter(|j| j.enabled) {
            if job.opts.get("fleecing").is_none() {
                continue;
            }
            // Group the nodes by problem.
            let mut groups: Vec<(Problem, Vec<String>)> = Vec::new();
            for node in ctx.job_worker_nodes(&job.opts) {
                let Some(p) = problem(ctx, &job.opts, &node) else { continue };
                match groups.iter_mut().find(|g| g.0 .0 == p.0 && g.0 .1 == p.1) {
                    Some(g) => g.1.push(node),
                    None => groups.push((p, vec![node])),
                }
            }
            let selects_vm =
                ctx.tree.guests.is_empty() || ctx.selected_guests(&job.opts).iter().any(|g| g.kind == GuestKind::Qemu);
            for ((span, why, label), nodes) in groups {
                let mut d = META
                    .at(
                        span,
                        format!("backup job '{}' {why}: on {} {EFFECT}", job.id.value, quote_nodes(&nodes)),
                    )
                    .with_help("set `fleecing enabled=1,storage=<id>` to a fast local storage available on every node the job runs on, or disable fleecing")
                    .with_object(job.object())
                    .with_key("fleecing");
                if let Some((l, m)) = label {
                    d = d.with_label(l, m);
                }
                if !selects_vm {
                    d.message.push_str("; this job selects no VM today");
                    d = d.with_severity(Severity::Warning);
                }
                out.push(d);
            }
        }
    }
    for (node, conf) in &ctx.tree.vzdump_confs {
        let Some((span, why, label)) = problem(ctx, &conf.opts, node) else { continue };
        let mut d = META
            .at(
                span,
                format!(
                    "the vzdump.conf of node '{node}' {why}; for every backup job on '{node}' that does not set `fleecing` itself, {EFFECT}"
                ),
            )
            .with_help("set `fleecing: enabled=1,storage=<id>` to a fast local storage available on this node, or remove the line")
            .with_object(format!("node:{node}"))
            .with_key("fleecing");
        if let Some((l, m)) = label {
            d = d.with_label(l, m);
        }
        out.push(d);
    }
}
