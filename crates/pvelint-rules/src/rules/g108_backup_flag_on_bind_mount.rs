//! G108: `backup=1` on an LXC bind or device mount point, which vzdump never backs up.

use crate::context::Context;
use pvelint_parse::guest::VolumeTarget;
use pvelint_parse::vzdump_opts::parse_boolean;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    BackupFlagOnBindMount,
    "G108",
    "backup-flag-on-bind-mount",
    Warning,
    "`backup=1` on a container bind or device mount point: vzdump never includes it."
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
            .with_key(v.key()),
        );
    }
}
