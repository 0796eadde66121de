//! G110: an interrupted snapshot operation: `lock: snapshot`, `lock: snapshot-delete` or
//! `lock: rollback`, or `snapstate` on a snapshot other than a container's `[vzdump]`
//! (that one is a backup's, G109).

use crate::context::Context;
use crate::Diagnostic;
use pvelint_parse::guest::SectionKind;
use pvelint_parse::{Guest, Span};

crate::declare_rule!(
    InterruptedSnapshotOperation,
    "G110",
    "interrupted-snapshot-operation",
    Warning,
    "A guest config holds an interrupted snapshot operation (`lock: snapshot`, `snapshot-delete` or `rollback`, or a half-done `snapstate`), which keeps the guest locked."
);

/// The snapshot operations that set a lock and what each one is.
fn operation(lock: &str) -> Option<&'static str> {
    match lock {
        "snapshot" => Some("taking a snapshot"),
        "snapshot-delete" => Some("deleting a snapshot"),
        "rollback" => Some("rolling back to a snapshot"),
        _ => None,
    }
}

/// A container's `[vzdump]` snapshot belongs to a snapshot-mode backup (G109); vzdump
/// never snapshots a VM, so a VM's `[vzdump]` is a user snapshot of that name.
pub fn is_backup_snapshot(g: &Guest, name: &str) -> bool {
    Context::is_ct(g) && name == "vzdump"
}

/// The message: the traces found, what Proxmox does with them.
fn message(g: &Guest, traces: &[String], locked: Option<&str>) -> String {
    let effect = match locked {
        Some(lock) => format!(
            "Proxmox refuses every backup, start, migration and further snapshot of it (\"{} is locked ({lock})\")",
            if Context::is_ct(g) { "CT" } else { "VM" }
        ),
        None => "the half-done snapshot cannot be used for a rollback and its volumes' snapshots may be missing or left over".to_string(),
    };
    format!("{} carries an interrupted snapshot operation ({}); {effect}", g.label(), traces.join("; "))
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for g in &ctx.tree.guests {
        let mut found: Vec<(Span, String)> = Vec::new();
        let mut locked = None;
        if let Some(lock) = g.config.get("lock") {
            let v = g.config.value(lock);
            if let Some(op) = operation(v) {
                locked = Some(v.to_string());
                found.push((g.config.line(lock), format!("`lock: {v}`: {op} did not finish")));
            }
        }
        for sec in &g.config.sections {
            if sec.kind != SectionKind::Snapshot || is_backup_snapshot(g, sec.name_str()) {
                continue;
            }
            if let Some(st) = sec.get(g.config.text(), "snapstate") {
                let state = g.config.value(st);
                let what = match state {
                    "delete" => "its deletion was interrupted",
                    "prepare" => "it was never completed",
                    _ => "it is half-done",
                };
                found.push((g.config.line(st), format!("snapshot '{}' has `snapstate: {state}`: {what}", sec.name_str())));
            }
        }
        let Some((span, _)) = found.first().cloned() else { continue };
        let traces: Vec<String> = found.iter().map(|(_, m)| m.clone()).collect();
        let tool = if Context::is_ct(g) { "pct" } else { "qm" };
        let mut d = META
            .at(span, message(g, &traces, locked.as_deref()))
            .with_help(format!(
                "check that no snapshot task for {vmid} is still running, then `{tool} unlock {vmid}` and finish the operation: `{tool} delsnapshot {vmid} <snapshot> --force` for a half-done or half-deleted snapshot",
                vmid = g.vmid
            ))
            .with_object(format!("guest:{}", g.vmid))
            .with_key(if locked.is_some() { "lock" } else { "snapstate" });
        for (s, m) in found.iter().skip(1) {
            d = d.with_label(*s, m.clone());
        }
        out.push(d);
    }
}
