//! G108: `backup=1` on an LXC bind or device mount point, which vzdump never backs up.

use crate::context::Context;
use pvelint_parse::guest::VolumeTarget;
use pvelint_parse::vzdump_opts::parse_boolean;
use pvelint_parse::{Diagnostic, Edit, Fix};

/// The mount point's value without its `backup=…` options: the file edit replaces the
/// value, and `pct set` takes the whole property string. None for a value with quotes
/// (a part could hold a comma).
fn without_backup(v: &crate::context::GuestVolume) -> Option<Fix> {
    let config = &v.guest.config;
    let entry = config.entry_of(v.vol);
    let value = config.value(entry);
    if value.contains('"') {
        return None;
    }
    let kept: Vec<&str> = value.split(',').filter(|p| p.split_once('=').is_none_or(|(k, _)| k.trim() != "backup")).collect();
    let new = kept.join(",");
    let fix = Fix::safe(
        format!("remove `backup=1` from {}, where it has no effect", v.key()),
        vec![Edit::replace(entry.value, new.clone())],
    );
    Some(match crate::fix::command(&["pct", "set", &v.guest.vmid.to_string(), &format!("--{}", v.key()), &new]) {
        Some(c) => fix.with_command(c),
        None => fix,
    })
}

crate::declare_rule!(
    BackupFlagOnBindMount,
    "G108",
    "backup-flag-on-bind-mount",
    Warning,
    "`backup=1` on a container bind or device mount point: vzdump never includes it.",
    fix = Safe
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for v in ctx.volumes().filter(|v| v.in_main() && Context::is_ct(v.guest)) {
        let (kind, word) = match &v.vol.target {
            VolumeTarget::Bind(_) => ("bind mount of a host directory", "bind"),
            VolumeTarget::Device(_) => ("device mount of a host block device", "device"),
            _ => continue,
        };
        let Some(flag) = v.prop("backup") else { continue };
        if parse_boolean(flag.value) != Some(true) {
            continue;
        }
        out.push(
            META.at(
                flag.span,
                format!(
                    "{} is a {kind} ('{}'), and `backup=1` has no effect on it: vzdump backs up only storage volumes and logs \"excluding {word} mount point {} ('{}') from backup (not a volume)\", so this data is in none of the guest's backups",
                    v.describe(),
                    v.value(),
                    v.key(),
                    v.mount_path().map_or("?", |m| m.value)
                ),
            )
            .with_label(v.vol.value, "not a storage volume")
            .with_help("back the host directory up separately (on the host, or with a storage volume mount point instead of a bind mount), and remove `backup=1` so the config says what happens")
            .with_object(format!("guest:{}", v.guest.vmid))
            .with_key(v.key())
            .with_fix_opt(without_backup(&v)),
        );
    }
}
