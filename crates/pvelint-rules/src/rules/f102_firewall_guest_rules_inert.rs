//! F102: A guest firewall file has rules that never apply: the guest firewall is off or
//! no NIC of the guest has firewall=1.

use crate::context::Context;
use crate::Diagnostic;

crate::declare_rule!(
    FirewallGuestRulesInert,
    "F102",
    "firewall-guest-rules-inert",
    Warning,
    "A guest firewall file has rules that never apply: the guest firewall is off or no NIC of the guest has firewall=1."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (vmid, f) in &ctx.tree.firewall_guests {
        let rules = f.active_rules().count();
        if rules == 0 {
            continue;
        }
        let Some(g) = ctx.guest(*vmid) else { continue };
        let first = f.active_rules().next().map_or(f.rules[0].line, |r| r.line);
        let cfg = &g.config;
        let nics = cfg
            .main()
            .entries
            .iter()
            .filter(|e| e.valid && cfg.key(e).strip_prefix("net").is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())))
            .count();
        let flagged = cfg.main().entries.iter().filter(|e| e.valid && cfg.key(e).starts_with("net")).any(|e| {
            cfg.entry_prop(e, "firewall").and_then(|v| pvelint_parse::propstring::parse_boolean(v.value)) == Some(true)
        });
        let enabled = f.option("enable").is_some_and(|v| v.value == "1");
        let count = pvelint_parse::text::count(rules, "rule");
        let (at, message, help) = if !enabled {
            (
                f.option("enable").map_or(first, |v| v.span),
                format!("the firewall of {} is off (`enable: 1` is not set in its [OPTIONS]), so the rules of its firewall file ({count}) never apply", g.label()),
                "add `enable: 1` under [OPTIONS] (Firewall → Options → Firewall: Yes), or remove the rules",
            )
        } else if nics > 0 && !flagged {
            (
                first,
                format!("none of the NICs of {} has `firewall=1`, so the rules of its firewall file ({count}) never apply: Proxmox filters only NICs with the flag", g.label()),
                "set `firewall=1` on the NICs the rules are for (Hardware → Network Device → Firewall)",
            )
        } else {
            continue;
        };
        out.push(META.at(at, message).with_object(format!("firewall:guest:{vmid}")).with_help(help));
    }
}
