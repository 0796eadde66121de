//! J102: a backup job writes to a storage without `backup` content.

use crate::context::Context;
use pvelint_parse::storage::ContentType;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    BackupTargetLacksBackupContent,
    "J102",
    "backup-target-lacks-backup-content",
    Error,
    "A backup job's target storage does not allow `backup` content."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for t in ctx.job_targets() {
        let id = t.storage;
        let Some(s) = ctx.storage(id) else { continue };
        if !s.usable || s.has_content(ContentType::Backup) {
            continue;
        }
        let content: Vec<&str> = s.content.value.iter().map(|c| c.name()).collect();
        let fails = t.fails();
        let mut d = META
            .at(
                t.set_at.unwrap_or(t.jobs[0].id.span),
                format!(
                    "{} to storage '{id}', whose content ({}) does not include backup; vzdump refuses it (\"wrong content type\") and {fails}",
                    t.subject("writes", "write"),
                    content.join(",")
                ),
            )
            .with_help(format!("add `backup` to the content of '{id}', or choose another storage"))
            .with_object(t.object.clone())
            .with_key("storage");
        if let Some(c) = s.content.span {
            let msg = if s.content.default { "default content of this type applies" } else { "content set here" };
            d = d.with_label(c, msg);
        }
        out.push(d);
    }
}
