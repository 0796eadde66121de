//! F104: A guest firewall rule names an interface netN that the guest does not have.

use crate::context::Context;
use crate::Diagnostic;

crate::declare_rule!(
    FirewallRuleInterfaceMissing,
    "F104",
    "firewall-rule-interface-missing",
    Warning,
    "A guest firewall rule names an interface netN that the guest does not have."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (vmid, f) in &ctx.tree.firewall_guests {
        let Some(g) = ctx.guest(*vmid) else { continue };
        for r in f.rules.iter().filter(|r| r.enabled) {
            let Some(iface) = &r.iface else { continue };
            let is_net = iface.value.strip_prefix("net").is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
            if !is_net || g.config.get(&iface.value).is_some() {
                continue;
            }
            out.push(
                META.at(iface.span, format!("this rule applies to `-i {}`, but {} has no {}: the rule never matches", iface.value, g.label(), iface.value))
                    .with_object(format!("firewall:guest:{vmid}"))
                    .with_help("use the interface the rule is meant for (`net0`, …), or remove the rule"),
            );
        }
    }
}
