//! C101: one VMID with two configs (two nodes, or both a VM and a container).

use crate::context::Context;
use pvelint_parse::diag::{bounded_list_of, thousands};
use pvelint_parse::{Diagnostic, Guest};

crate::declare_rule!(
    DuplicateVmid,
    "C101",
    "duplicate-vmid",
    Error,
    "The same VMID has a config under two nodes, or both as a VM and as a container."
);

fn place(g: &Guest) -> String {
    format!("{} on node '{}'", g.label(), g.node)
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let guests = &ctx.tree.guests;
    let mut i = 0;
    while i < guests.len() {
        let vmid = guests[i].vmid;
        let mut j = i;
        while j < guests.len() && guests[j].vmid == vmid {
            j += 1;
        }
        let group = &guests[i..j];
        i = j;
        // The first config (VMID, node, type order) stays the reference; every other one
        // is reported where it must be removed or renumbered. Messages and labels name at
        // most a few of the other configs, so n copies give output linear in n.
        for (k, g) in group.iter().enumerate().skip(1) {
            let others = || group.iter().enumerate().filter(move |(x, _)| *x != k).map(|(_, o)| o);
            let mut d = META
                .at(
                    ctx.guest_anchor(g),
                    format!(
                        "VMID {vmid} has {} configs: this one ({}) and {}; pmxcfs logs \"detected duplicate VMID\" and keeps only one of them in the VM list (which one is not predictable), so the API, backups, HA and replication see only that one, and after its next restart pmxcfs does not start at all (\"memdb_open failed\"): /etc/pve stays unmounted on that node",
                        thousands(group.len()),
                        place(g),
                        bounded_list_of(others().map(place), group.len() - 1, ", ", " and "),
                    ),
                )
                .with_help(
                    "remove the stale config, or give one guest a new VMID (rename its config and volumes); a VMID must be unique across all nodes and both guest types",
                )
                .with_object(format!("guest:{vmid}"));
            d = d.with_related_of(others(), group.len() - 1, |o| {
                (ctx.guest_anchor(o), format!("{} is defined here", place(o)))
            });
            out.push(d);
        }
    }
}
