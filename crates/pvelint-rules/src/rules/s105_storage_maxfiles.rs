//! S105: `maxfiles`, removed in PVE 9, on a storage, in /etc/vzdump.conf, in a backup job
//! or on a vzdump.cron line.

use crate::context::Context;
use pvelint_parse::storage::{ContentType, StorageType};
use pvelint_parse::{Diagnostic, Edit, Fix, Severity, Span};

crate::declare_rule!(
    StorageMaxfiles,
    "S105",
    "storage-maxfiles",
    Warning,
    "`maxfiles` is set; PVE 9 removed it, so that retention limit no longer applies.",
    fix = Unsafe
);

/// The fix, in the syntax of the file: `sep` is `" "` (storage.cfg, jobs.cfg) or `": "`
/// (vzdump.conf). Where the key changes nothing (`sev` info on PVE 9), removing it is
/// the fix.
fn help(sep: &str, sev: Severity) -> String {
    if sev == Severity::Info {
        "remove the `maxfiles` line: it changes no retention here, and pve8to9 stops on it".to_string()
    } else {
        format!("replace `maxfiles{sep}N` with `prune-backups{sep}keep-last=N` (`maxfiles{sep}0` meant keep-all=1)")
    }
}

/// The fix: the `maxfiles` line rewritten as the `prune-backups` it meant (`sep` between
/// key and value as the file writes it), or removed where `prune-backups` is set already.
/// `line` is the line without its newline; `command` the Proxmox command line (words),
/// completed with the options.
fn fix(ctx: &Context, line: Span, value: &str, sep: &str, has_prune: bool, command: Option<Vec<String>>) -> Option<Fix> {
    let file = ctx.tree.file(line.file);
    let value = value.trim();
    if !value.bytes().all(|b| b.is_ascii_digit()) || value.is_empty() {
        return None;
    }
    // PVE 9's API knows no `maxfiles` (`--delete maxfiles` fails: pve-storage
    // `API2/Storage/Config.pm` "no such option", pve-manager `API2/Backup.pm` "unknown
    // option"); its parser drops the key, so the next write of the file removes it.
    let mut opts: Vec<String> = Vec::new();
    if ctx.tree.pve_version < 9 {
        opts.extend(["--delete".to_string(), "maxfiles".to_string()]);
    }
    let fix = if has_prune {
        Fix::unsafe_(
            "remove the `maxfiles` line: `prune-backups` is set",
            vec![Edit::delete(crate::fix::whole_line(file, line))],
        )
    } else {
        let meant = was(value);
        opts.extend(["--prune-backups".to_string(), meant.clone()]);
        Fix::unsafe_(
            format!("replace `maxfiles` with `prune-backups {meant}`"),
            vec![crate::fix::replace_line_body(file, line, &format!("prune-backups{sep}{meant}"))],
        )
    };
    let command = command.filter(|_| !opts.is_empty()).and_then(|mut words| {
        words.extend(opts);
        crate::fix::command(&words.iter().map(String::as_str).collect::<Vec<_>>())
    });
    Some(match command {
        Some(c) => fix.with_command(c),
        None => fix,
    })
}

/// Where `maxfiles` no longer changes anything: why, for an info. pve8to9 still fails on
/// it (`check_backup_retention_settings`).
fn obsolete(why: &str) -> String {
    format!("{why}, so retention does not change; the key is only obsolete, but pve8to9 fails on it")
}

/// `maxfiles 0` meant keep everything, which is also what no setting means.
fn keeps_all(v: &str) -> bool {
    v.trim() == "0"
}

fn was(v: &str) -> String {
    match v {
        "0" => "keep-all=1".to_string(),
        n => format!("keep-last={n}"),
    }
}

/// What happens to `maxfiles <v>` on the cluster's version: `dropped` says who drops it in
/// PVE 9, `tail` what follows. On PVE 8 it still works (deprecated) and the finding is an
/// upgrade note.
fn clause(ctx: &Context, v: &str, dropped: &str, tail: &str) -> String {
    if ctx.tree.pve_version < 9 {
        format!(
            ", which is deprecated: PVE {} still reads it as {}, but PVE 9 removed it ({dropped}), so after the upgrade {tail}; pve8to9 fails on it",
            ctx.tree.pve_version,
            was(v)
        )
    } else {
        format!(", which PVE 9 no longer knows (PVE 7 and 8 read it as {}); {dropped}, and {tail}", was(v))
    }
}

/// On PVE 8 every finding is a note for the upgrade.
fn severity(ctx: &Context, sev: Severity) -> Severity {
    if ctx.tree.pve_version < 9 {
        Severity::Info
    } else {
        sev
    }
}

/// The whole line holding `span` (jobs.cfg keeps only the value's span of a removed key).
fn line_of(ctx: &Context, span: Span) -> Span {
    let f = ctx.tree.file(span.file);
    f.lines().map(|(l, _)| l).find(|l| l.start <= span.start && span.end <= l.end).unwrap_or(span)
}

/// `--maxfiles 2` from the span of its value `2`.
fn option_span(ctx: &Context, value: Span) -> Span {
    let text = &ctx.tree.file(value.file).text;
    let before = text.get(..value.start as usize).unwrap_or_default();
    match before.rfind("maxfiles") {
        Some(i) => {
            let start = before[..i].trim_end_matches('-').len();
            Span { start: start as u32, ..value }
        }
        None => value,
    }
}

/// Whether every backup to storage `id` takes its retention from its job: every job that
/// targets the storage sets `prune-backups`, which wins over the storage's (vzdump.conf's
/// comes after the storage's: pve-manager `PVE/VZDump.pm`, `new`). `Some(why)` then.
fn pruned_elsewhere(ctx: &Context, id: &str) -> Option<String> {
    let jobs: Vec<_> = ctx
        .tree
        .jobs
        .iter()
        .flat_map(|j| j.vzdump_jobs())
        .filter(|j| j.opts.storage().is_some_and(|s| s.value == id))
        .collect();
    (!jobs.is_empty() && jobs.iter().all(|j| j.opts.get("prune-backups").is_some()))
        .then(|| "every backup job that writes to it sets `prune-backups`, which wins".to_string())
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for s in ctx.tree.storage.iter().chain(ctx.tree.storage.shadowed.iter()) {
        if matches!(s.kind, StorageType::Foreign(_)) {
            continue;
        }
        let Some(sec) = &s.section else { continue };
        let Some(v) = sec.get("maxfiles") else { continue };
        let span = sec.key_line("maxfiles").unwrap_or(v.span);
        let (tail, sev) = if sec.get("prune-backups").is_some() {
            (obsolete("its `prune-backups` applies instead"), Severity::Info)
        } else if keeps_all(&v.value) {
            (obsolete("`maxfiles 0` meant keep every backup, as no setting does"), Severity::Info)
        } else if !s.has_content(ContentType::Backup) {
            (obsolete("the storage has no `backup` content"), Severity::Info)
        } else if let Some(why) = pruned_elsewhere(ctx, &s.id) {
            (obsolete(&why), Severity::Info)
        } else {
            (
                "backups on it whose job and /etc/vzdump.conf set no `prune-backups` are kept forever, until the storage is full".to_string(),
                Severity::Warning,
            )
        };
        out.push(
            META.at(
                span,
                format!(
                    "storage '{}' sets `maxfiles {}`{}",
                    s.id,
                    v.value,
                    clause(ctx, &v.value, "Proxmox drops the key", &tail)
                ),
            )
            .with_severity(severity(ctx, sev))
            .with_help(help(" ", sev))
            .with_object(s.object())
            .with_key("maxfiles")
            .with_fix_opt(sec.key_line("maxfiles").and_then(|line| {
                let command = ["pvesm", "set", &s.id].map(String::from).to_vec();
                fix(ctx, line, &v.value, " ", sec.get("prune-backups").is_some(), Some(command))
            })),
        );
    }
    for (node, conf) in &ctx.tree.vzdump_confs {
        let Some(v) = conf.opts.legacy.get("maxfiles") else { continue };
        let span = conf.line_of("maxfiles").map_or(v.span, |(k, val)| {
            let end = val.as_ref().map_or(k.span.end, |x| x.span.end);
            Span { end, ..k.span }
        });
        let (tail, sev) = if conf.opts.get("prune-backups").is_some() {
            (obsolete("its `prune-backups` applies instead"), Severity::Info)
        } else if keeps_all(&v.value) {
            (obsolete("`maxfiles: 0` meant keep every backup, as no setting does"), Severity::Info)
        } else {
            (
                format!("backups on node '{node}' whose job sets no `prune-backups` fall back to the storage's `prune-backups`, else are kept forever, until the storage is full"),
                Severity::Warning,
            )
        };
        out.push(
            META.at(
                span,
                format!(
                    "the vzdump.conf of node '{node}' sets `maxfiles: {}`{}",
                    v.value,
                    clause(ctx, &v.value, "vzdump ignores the line", &tail)
                ),
            )
            .with_severity(severity(ctx, sev))
            .with_help(help(": ", sev))
            .with_object(format!("node:{node}"))
            .with_key("maxfiles")
            .with_fix_opt(conf.line_of("maxfiles").and_then(|(k, _)| {
                let line = ctx.tree.file(k.span.file).line_span(k.span.start);
                fix(ctx, line, &v.value, ": ", conf.opts.get("prune-backups").is_some(), None)
            })),
        );
    }
    if let Some(jobs) = &ctx.tree.jobs {
        for job in jobs.vzdump_jobs() {
            let Some(v) = job.opts.legacy.get("maxfiles") else { continue };
            let span = line_of(ctx, v.span);
            let (tail, sev) = if job.opts.get("prune-backups").is_some() {
                (obsolete("its `prune-backups` applies instead"), Severity::Info)
            } else if keeps_all(&v.value) {
                (obsolete("`maxfiles 0` meant keep every backup, as no setting does"), Severity::Info)
            } else {
                (
                    "its backups fall back to the `prune-backups` of the storage, then of /etc/vzdump.conf, else are kept forever, until the storage is full".to_string(),
                    Severity::Warning,
                )
            };
            out.push(
                META.at(
                    span,
                    format!(
                        "backup job '{}' sets `maxfiles {}`{}",
                        job.id.value,
                        v.value,
                        clause(ctx, &v.value, "Proxmox drops the key", &tail)
                    ),
                )
                .with_severity(severity(ctx, sev))
                .with_help(help(" ", sev))
                .with_object(job.object())
                .with_key("maxfiles")
                .with_fix_opt({
                    let command = ["pvesh", "set", &format!("/cluster/backup/{}", job.id.value)].map(String::from).to_vec();
                    fix(ctx, span, &v.value, " ", job.opts.get("prune-backups").is_some(), Some(command))
                }),
            );
        }
    }
    if let Some(cron) = &ctx.tree.vzdump_cron {
        for e in &cron.entries {
            let Some(v) = e.opts.legacy.get("maxfiles") else { continue };
            out.push(
                META.at(
                    option_span(ctx, v.span),
                    if ctx.tree.pve_version < 9 {
                        format!(
                            "this vzdump.cron line passes `--maxfiles {}`, which is deprecated: PVE {} still reads it as {}, but PVE 9's vzdump no longer has the option, so after the upgrade the command line is rejected (\"unable to parse option\") and this backup does not run",
                            v.value,
                            ctx.tree.pve_version,
                            was(&v.value)
                        )
                    } else {
                        format!(
                            "this vzdump.cron line passes `--maxfiles {}`, an option PVE 9's vzdump no longer has (PVE 7 and 8 read it as {}); the command line is rejected (\"unable to parse option\") and this backup does not run",
                            v.value,
                            was(&v.value)
                        )
                    },
                )
                .with_severity(match (e.enabled, ctx.tree.pve_version < 9) {
                    (false, _) => Severity::Info,
                    (true, true) => Severity::Warning,
                    (true, false) => Severity::Error,
                })
                .with_help("replace `--maxfiles N` with `--prune-backups keep-last=N`, or better, recreate the backup as a job in Datacenter → Backup (jobs.cfg)")
                .with_object("vzdump.cron")
                .with_key("maxfiles"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pvelint_parse::{load, InputFile, TreeInput};

    fn run(pve_version: u8) -> Vec<Diagnostic> {
        run_with(pve_version, "5")
    }

    fn run_with(pve_version: u8, maxfiles: &str) -> Vec<Diagnostic> {
        let storage = format!("nfs: nas\n\tserver 10.0.0.9\n\texport /tank\n\tcontent backup\n\tmaxfiles {maxfiles}\n");
        let input = TreeInput {
            files: vec![InputFile::new("storage.cfg", storage.as_bytes().to_vec())],
            pve_version: Some(pve_version),
            ..TreeInput::default()
        };
        let tree = load(input);
        let ctx = Context::new(&tree);
        let mut out = Vec::new();
        check(&ctx, &mut out);
        out
    }

    #[test]
    fn pve9_warns_pve8_notes_the_upgrade() {
        let d = run(9);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Warning);
        assert!(
            d[0].message.contains("PVE 9 no longer knows") && d[0].message.contains("keep-last=5"),
            "{}",
            d[0].message
        );
        let d = run(8);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Info);
        assert!(d[0].message.contains("PVE 8 still reads it as keep-last=5"), "{}", d[0].message);
    }

    #[test]
    fn maxfiles_0_changes_no_retention() {
        let d = run_with(9, "0");
        assert_eq!(d[0].severity, Severity::Info);
        assert!(d[0].message.contains("retention does not change"), "{}", d[0].message);
    }
}
