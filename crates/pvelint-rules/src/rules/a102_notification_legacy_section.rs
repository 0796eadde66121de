//! A102: notifications.cfg holds a filter or group section of PVE 8.0, which PVE 9 no
//! longer knows: the whole file fails to load.

use crate::context::Context;
use pvelint_parse::notifications::Kind;
use pvelint_parse::{Diagnostic, Severity};

crate::declare_rule!(
    NotificationLegacySection,
    "A102",
    "notification-legacy-section",
    Error,
    "notifications.cfg holds a filter or group section of PVE 8.0, which PVE 9 no longer knows: the whole file fails to load."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(n) = &ctx.tree.notifications else { return };
    let pve9 = ctx.tree.pve_version >= 9;
    for s in n.sections.iter().filter(|s| matches!(s.kind, Kind::LegacyFilter | Kind::LegacyGroup)) {
        let effect = if pve9 {
            "PVE 9 no longer knows this section type, so proxmox-notify rejects the whole notifications.cfg (\"unknown section type\") and sends no notification at all, backup failure mails included"
        } else {
            "PVE 8 still reads it, but it has no effect since matchers replaced filters and groups (8.1), and PVE 9 rejects the whole file because of it (pve8to9 warns)"
        };
        let mut d = META
            .at(s.header.sub(0, s.kind.name().len()), format!("'{}' is a `{}` section of PVE 8.0's notification system; {effect}", s.name.value, s.kind.name()))
            .with_help("remove the section and route notifications with a `matcher` (target the endpoints the group listed)")
            .with_object(format!("notification:{}", s.name.value));
        if !pve9 {
            d = d.with_severity(Severity::Warning);
        }
        out.push(d);
    }
}
