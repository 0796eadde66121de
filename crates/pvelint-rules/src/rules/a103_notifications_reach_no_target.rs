//! A103: no enabled notification matcher routes to an enabled endpoint: backup failures
//! and other alerts reach nobody.

use crate::context::Context;
use crate::rules::a101_notification_target_undefined::{is_endpoint, BUILTIN_ENDPOINT};
use pvelint_parse::notifications::Kind;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    NotificationsReachNoTarget,
    "A103",
    "notifications-reach-no-target",
    Warning,
    "No enabled notification matcher routes to an enabled endpoint: backup failures and other alerts reach nobody."
);

/// The matcher proxmox-notify adds when the file does not define it: mode all, target
/// `mail-to-root` (proxmox-notify `context/pve.rs`).
const BUILTIN_MATCHER: &str = "default-matcher";

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(n) = &ctx.tree.notifications else { return };
    // A file proxmox-notify rejects sends nothing anyway (P017, A102 say why).
    if n.rejected.is_some() || n.sections.iter().any(|s| matches!(s.kind, Kind::LegacyFilter | Kind::LegacyGroup)) {
        return;
    }
    let endpoint_enabled = |name: &str| is_endpoint(n, name) && n.get(name).is_none_or(|s| !s.disabled());
    if n.get(BUILTIN_MATCHER).is_none() && endpoint_enabled(BUILTIN_ENDPOINT) {
        return;
    }
    if n.matchers().filter(|m| !m.disabled()).any(|m| m.list("target").iter().any(|t| endpoint_enabled(&t.value))) {
        return;
    }
    let at = n.matchers().next().map_or(ctx.tree.file(n.file).span().at_start(), |m| m.name.span);
    let mut d = META
        .at(
            at,
            "no enabled matcher of notifications.cfg sends to an enabled endpoint: every notification (failed backups, replication errors, fencing, updates) reaches nobody, and nothing says so",
        )
        .with_help("enable a matcher (e.g. `default-matcher`, which matches everything) with a target that is defined and enabled (`mail-to-root` mails root@pam's address)")
        .with_object("file");
    for m in n.matchers().take(pvelint_parse::diag::MAX_RELATED) {
        let why = if m.disabled() { "disabled" } else { "no enabled endpoint among its targets" };
        if m.name.span != at {
            d = d.with_label(m.name.span, why);
        }
    }
    out.push(d);
}
