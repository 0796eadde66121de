//! C107: pmxcfs cannot read a config_version above 0 from corosync.conf, or reads it
//! from a comment: the file is never copied to the nodes as written.

use crate::context::Context;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    CorosyncConfigVersionInvalid,
    "C107",
    "corosync-config-version-invalid",
    Error,
    "pmxcfs cannot read a config_version above 0 from corosync.conf, or reads it from a comment: the file is never copied to the nodes as written."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(c) = &ctx.tree.corosync else { return };
    let totem = c.totem().map_or(ctx.tree.file(c.file).span().at_start(), |t| t.name.span);
    let read = c.pmxcfs_version.as_ref();
    let found = read.and_then(|v| v.value.parse::<u64>().ok().map(|n| (v, n)));
    match (found, &c.config_version) {
        (None, _) | (Some((_, 0)), _) => {
            let at = read.map(|v| v.span).or(c.config_version.as_ref().map(|v| v.span)).unwrap_or(totem);
            let what = match read {
                Some(v) => format!("`config_version: {}`", v.value),
                None => "no `config_version: <number>`".to_string(),
            };
            out.push(
                META.at(
                    at,
                    format!("corosync.conf has {what}, so pmxcfs cannot tell its version (\"unable to parse cluster config_version\") and never copies it to /etc/corosync/corosync.conf: every change to it stays without effect"),
                )
                .with_help("set `config_version` in the totem block to a number above the version the nodes run (`corosync-cmapctl totem.config_version`)")
                .with_object("file")
                .with_key("config_version"),
            );
        }
        (Some((v, n)), Some(totem_version)) if v.span != totem_version.span => {
            out.push(
                META.at(
                    v.span,
                    format!(
                        "pmxcfs reads config_version {n} here, the first `config_version:` in the text (comments included), not the totem block's {}: it copies the file to the nodes only when this number grows",
                        totem_version.value
                    ),
                )
                .with_label(totem_version.span, "corosync uses this one")
                .with_help("remove or reword the earlier `config_version:` so that pmxcfs reads the totem block's value")
                .with_object("file")
                .with_key("config_version"),
            );
        }
        _ => {}
    }
}
