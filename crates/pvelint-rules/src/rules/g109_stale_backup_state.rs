//! G109: traces of a backup that crashed or hung: `lock: backup`, a container's
//! `[vzdump]` snapshot (and its `snapstate`), leftover fleecing images. Other snapshot
//! states and snapshot locks are G110: vzdump never snapshots a VM.

use crate::context::Context;
use pvelint_parse::guest::SectionKind;
use pvelint_parse::{Diagnostic, Edit, Fix, Span};

crate::declare_rule!(
    StaleBackupState,
    "G109",
    "stale-backup-state",
    Warning,
    "A guest config holds traces of a crashed or hung backup (`lock: backup`, a container's `[vzdump]` snapshot, fleecing images).",
    fix = Unsafe
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for g in &ctx.tree.guests {
        let mut found: Vec<(Span, String)> = Vec::new();
        let mut locked = false;
        if let Some(lock) = g.config.get("lock") {
            if g.config.value(lock) == "backup" {
                locked = true;
                found.push((g.config.line(lock), "`lock: backup`: the guest is locked by a backup".to_string()));
            }
        }
        for sec in &g.config.sections {
            let backup_snapshot = sec.kind == SectionKind::Snapshot
                && super::g110_interrupted_snapshot_operation::is_backup_snapshot(g, sec.name_str());
            if backup_snapshot {
                let span = sec.header.or(sec.name.as_ref().map(|n| n.span));
                if let Some(span) = span {
                    found.push((span, "a leftover `[vzdump]` snapshot of a backup".to_string()));
                }
                if let Some(st) = sec.get(g.config.text(), "snapstate") {
                    found.push((
                        g.config.line(st),
                        format!("the backup's snapshot is half-done (`snapstate: {}`)", g.config.value(st)),
                    ));
                }
            }
            if sec.kind == SectionKind::Special && sec.name_str() == "fleecing" {
                if let Some(e) = sec.get(g.config.text(), "fleecing-images") {
                    found.push((g.config.line(e), "fleecing images a backup did not remove".to_string()));
                }
            }
        }
        let Some((span, _)) = found.first().cloned() else { continue };
        let list = pvelint_parse::diag::bounded_list(found.iter().map(|(_, m)| m), "; ", "; ");
        let effect = if locked {
            "Proxmox refuses to start, stop, migrate or back it up until it is unlocked"
        } else {
            "the next backups may fail on the leftovers, and they use space on the storage"
        };
        let mut d = META
            .at(
                span,
                format!(
                    "{} carries traces of a backup that crashed or hung ({}); {effect}",
                    g.label(),
                    list
                ),
            )
            .with_help(format!(
                "check that no vzdump process for {} is still running (one stuck in D state needs a reboot), then run `{} unlock {}` and remove the leftover snapshot or images",
                g.vmid,
                if Context::is_ct(g) { "pct" } else { "qm" },
                g.vmid
            ))
            .with_object(format!("guest:{}", g.vmid))
            .with_key(if locked { "lock" } else { "snapstate" });
        d = d.with_related(found.iter().skip(1), |(s, m)| (*s, m.clone()));
        // Only a lone lock has a fix: leftover snapshots and images need a decision.
        if locked && found.len() == 1 {
            let tool = if Context::is_ct(g) { "pct" } else { "qm" };
            let mut fix = Fix::unsafe_(
                "remove the `lock: backup` line (only once no backup of the guest runs)",
                vec![Edit::delete(crate::fix::whole_line(ctx.tree.file(g.file), span))],
            );
            if let Some(c) = crate::fix::command(&[tool, "unlock", &g.vmid.to_string()]) {
                fix = fix.with_command(c);
            }
            d = d.with_fix(fix);
        }
        out.push(d);
    }
}
