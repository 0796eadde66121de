//! G105: a volume included in backups lives on a single-node, non-shared, non-system
//! storage (a USB disk, an extra pool): every backup of the guest depends on it.

use crate::context::{Context, StorageStatus};
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    BackupVolumeOnFragileStorage,
    "G105",
    "backup-volume-on-fragile-storage",
    Warning,
    "A volume included in backups is on a non-shared storage tied to one node that is not the system disk."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for v in ctx.volumes().filter(|v| v.backed_up()) {
        let Some(s) = v.storage else { continue };
        if !ctx.on_extra_fragile_device(v) || ctx.volume_status(&v) != StorageStatus::Available {
            continue;
        }
        let Some(sid) = v.storage_id() else { continue };
        let mut d = META.at(
            backup_item_span(v).unwrap_or(sid.span),
            format!(
                "{} is included in backups but lives on storage '{}', a non-shared {} storage tied to node '{}' only",
                v.describe(),
                s.id,
                s.kind,
                v.guest.node
            ),
        );
        if let Some(n) = &s.nodes {
            d = d.with_label(n.span, "single node here");
        }
        out.push(
            d.with_help("if the device is removable or may move, set backup=0 on the mount point (or back it up separately); every backup of the guest stalls when the device is gone")
                .with_object(format!("guest:{}", v.guest.vmid))
                .with_key(v.key()),
        );
    }
}

/// The span of `backup=1` in the mount point's property string.
fn backup_item_span(v: crate::context::GuestVolume) -> Option<pvelint_parse::Span> {
    let item = v.vol.props.get_item(v.guest.config.text(), "backup")?;
    let key = item.key()?;
    Some(pvelint_parse::Span { end: item.value.end, ..key })
}
