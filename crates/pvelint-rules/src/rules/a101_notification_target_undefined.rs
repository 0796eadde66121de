//! A101: a notification matcher names a target that is not an endpoint: notifications it
//! matches are not sent there.

use crate::context::Context;
use pvelint_parse::notifications::{Notifications, Section};
use pvelint_parse::{Diagnostic, Spanned};

crate::declare_rule!(
    NotificationTargetUndefined,
    "A101",
    "notification-target-undefined",
    Error,
    "A notification matcher names a target that is not an endpoint: notifications it matches are not sent there."
);

/// The endpoint proxmox-notify adds when the file does not define it (proxmox-notify
/// `context/pve.rs`).
pub const BUILTIN_ENDPOINT: &str = "mail-to-root";

fn message(matcher: &Section, target: &Spanned<String>, what: &str) -> String {
    format!(
        "matcher '{}' sends to target '{}', which {what}; at send time proxmox-notify logs \"could not notify via target '{}', it does not exist\" and every notification the matcher selects (backup failures included) is lost for it",
        matcher.name.value, target.value, target.value
    )
}

/// Whether `name` is an endpoint proxmox-notify knows: defined in the file, or built in.
pub fn is_endpoint(n: &Notifications, name: &str) -> bool {
    match n.get(name) {
        Some(s) => s.kind.is_endpoint(),
        None => name == BUILTIN_ENDPOINT,
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(n) = &ctx.tree.notifications else { return };
    for matcher in n.matchers() {
        for target in matcher.list("target") {
            let what = match n.get(&target.value) {
                Some(s) if s.kind.is_endpoint() => continue,
                Some(s) => format!("is a {} section, not an endpoint", s.kind.name()),
                None if target.value == BUILTIN_ENDPOINT => continue,
                None => "notifications.cfg does not define".to_string(),
            };
            let mut d = META
                .at(target.span, message(matcher, &target, &what))
                .with_help("define the endpoint (sendmail, smtp, gotify or webhook) or point the matcher at one that exists (`mail-to-root` always does)")
                .with_object(format!("notification:{}", matcher.name.value))
                .with_key("target");
            if let Some(s) = n.get(&target.value) {
                d = d.with_label(s.name.span, "this is not an endpoint");
            }
            out.push(d);
        }
    }
}
