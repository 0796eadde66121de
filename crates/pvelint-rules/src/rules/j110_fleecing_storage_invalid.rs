//! J110: backup fleecing is enabled (in a job or a node's vzdump.conf) without a usable
//! fleecing storage on the nodes where it applies.

use crate::context::{Context, SomeNodes, StorageStatus};
use pvelint_parse::vzdump_opts::VzdumpOptions;
use pvelint_parse::{Diagnostic, Severity, Span};

crate::declare_rule!(
    FleecingStorageInvalid,
    "J110",
    "fleecing-storage-invalid",
    Error,
    "Backup fleecing is enabled without a fleecing storage, or on one that is missing, disabled or not on the node."
);

/// Why fleecing cannot work on some nodes: (primary span, reason, optional label, the
/// nodes).
type Problem = (Span, String, Option<(Span, &'static str)>, SomeNodes);

/// Why fleecing cannot work on the nodes `nodes` (sorted), judged once for all of them.
fn problem(ctx: &Context, opts: &VzdumpOptions, nodes: &[String]) -> Option<Problem> {
    if !opts.fleecing_enabled() || nodes.is_empty() {
        return None;
    }
    let whole = opts.get("fleecing")?;
    let Some(s) = opts.fleecing_storage() else {
        let why = "enables fleecing without naming a fleecing storage (`storage=`)".to_string();
        return Some((whole.span, why, None, SomeNodes::all(nodes)));
    };
    let id = &s.value;
    let Some(storage) = ctx.storage(id) else {
        if !ctx.storage_known() {
            return None;
        }
        let why = format!("uses fleecing storage '{id}', which storage.cfg does not define");
        return Some((s.span, why, None, SomeNodes::all(nodes)));
    };
    Some(match ctx.unavailable_on(storage, nodes)? {
        (StorageStatus::Unusable, on) => (
            s.span,
            format!("uses fleecing storage '{id}', whose storage.cfg section is invalid, so Proxmox cannot use it"),
            None,
            on,
        ),
        (StorageStatus::Disabled(l), on) => {
            (s.span, format!("uses fleecing storage '{id}', which is disabled"), Some((l, "disabled here")), on)
        }
        (StorageStatus::NotOnNode(l), on) => {
            let why = format!("uses fleecing storage '{id}', which is not available on {}", on.quote());
            (s.span, why, Some((l, "restricted to other nodes here")), on)
        }
        (StorageStatus::Undefined | StorageStatus::Available, _) => return None,
    })
}

const EFFECT: &str =
    "every VM backup fails when vzdump allocates the fleecing images (container backups are not affected)";

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    if let Some(jobs) = &ctx.tree.jobs {
        for job in jobs.vzdump_jobs().filter(|j| j.enabled) {
            if job.opts.get("fleecing").is_none() {
                continue;
            }
            let nodes = ctx.job_worker_nodes(&job.opts);
            let Some((span, why, label, on)) = problem(ctx, &job.opts, &nodes) else { continue };
            let selects_vm = ctx.tree.guests.is_empty() || ctx.selects_vm(&job.opts);
            {
                let mut d = META
                    .at(
                        span,
                        format!("backup job '{}' {why}: on {} {EFFECT}", job.id.value, on.quote()),
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
        let Some((span, why, label, _)) = problem(ctx, &conf.opts, std::slice::from_ref(node)) else { continue };
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
