//! C106: corosync.conf nodes do not all have the same links, or a link mixes IPv4 and
//! IPv6 or is numbered above 7: corosync refuses the configuration.

use crate::context::Context;
use pvelint_parse::corosync::CorosyncNode;
use pvelint_parse::{Diagnostic, Spanned};
use std::net::IpAddr;

crate::declare_rule!(
    CorosyncLinksInconsistent,
    "C106",
    "corosync-links-inconsistent",
    Error,
    "corosync.conf nodes do not all have the same links, or a link mixes IPv4 and IPv6 or is numbered above 7: corosync refuses the configuration."
);

/// Links are numbered 0 to 7 (`KNET_MAX_LINK`).
const MAX_LINK: u32 = 7;

const EFFECT: &str = "corosync refuses the whole configuration: a node that restarts corosync with it stays out of the cluster, and a reload (`corosync-cfgtool -R`) is rejected";

/// A node and its address on a link.
type Address<'a> = (&'a CorosyncNode, &'a Spanned<String>);

/// The link number of `ringN_addr` / `linkN_addr`.
fn link_number(key: &str) -> Option<u32> {
    key.strip_prefix("ring").or_else(|| key.strip_prefix("link"))?.strip_suffix("_addr")?.parse().ok()
}

fn links(node: &CorosyncNode) -> impl Iterator<Item = (u32, &String, &Spanned<String>)> {
    node.links.iter().filter_map(|(k, v)| link_number(k).map(|n| (n, k, v)))
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(c) = &ctx.tree.corosync else { return };
    // Per valid link number: how many nodes have it and the first few of them; the first
    // address of each IP family.
    let mut have: [(usize, Vec<&str>); MAX_LINK as usize + 1] = Default::default();
    let mut family: [(Option<Address>, Option<Address>); MAX_LINK as usize + 1] = Default::default();
    let mut mixed: Vec<(u32, &CorosyncNode, &Spanned<String>)> = Vec::new();
    for node in &c.nodes {
        for (n, key, v) in links(node) {
            if n > MAX_LINK {
                out.push(
                    META.at(v.span, format!("node '{}' sets {key}, but links are numbered 0 to {MAX_LINK} (\"interface ring number bigger than allowed maximum\"); {EFFECT}", node.name.value))
                        .with_help("use ring0_addr to ring7_addr")
                        .with_object(format!("node:{}", node.name.value))
                        .with_key(key.clone()),
                );
                continue;
            }
            let slot = &mut have[n as usize];
            slot.0 += 1;
            if slot.1.len() < pvelint_parse::diag::MAX_RELATED {
                slot.1.push(&node.name.value);
            }
            let Ok(ip) = v.value.parse::<IpAddr>() else { continue };
            let fam = &mut family[n as usize];
            let (mine, other) = if ip.is_ipv4() { (&mut fam.0, &fam.1) } else { (&mut fam.1, &fam.0) };
            if mine.is_none() {
                *mine = Some((node, v));
                if other.is_some() {
                    mixed.push((n, node, v));
                }
            }
        }
    }
    for node in &c.nodes {
        let own: Vec<u32> = links(node).map(|(n, ..)| n).collect();
        let missing: Vec<u32> = (0..=MAX_LINK).filter(|n| have[*n as usize].0 > 0 && !own.contains(n)).collect();
        let Some(&first) = missing.first() else { continue };
        let keys: Vec<String> = missing.iter().map(|n| format!("ring{n}_addr")).collect();
        let (count, names) = &have[first as usize];
        let others = pvelint_parse::diag::bounded_list_of(names.iter().map(|n| format!("'{n}'")), *count, ", ", " and ");
        out.push(
            META.at(
                node.name.span,
                format!(
                    "node '{}' has no {}, which {others} {} (\"Not all nodes have the same number of links\"); {EFFECT}",
                    node.name.value,
                    pvelint_parse::text::join_and(&keys),
                    if *count == 1 { "has" } else { "have" }
                ),
            )
            .with_help("give every node an address on every link (or remove the link from all nodes), then raise `config_version`")
            .with_object(format!("node:{}", node.name.value))
            .with_key(format!("ring{first}_addr")),
        );
    }
    for (n, node, v) in mixed {
        let fam = &family[n as usize];
        let first = if v.value.parse::<IpAddr>().is_ok_and(|ip| ip.is_ipv4()) { fam.1 } else { fam.0 };
        let mut d = META
            .at(
                v.span,
                format!(
                    "link {n} mixes IP families: node '{}' has {} here (\"Nodes for link {n} have different IP families\"); {EFFECT}",
                    node.name.value, v.value
                ),
            )
            .with_help("use addresses of one family (all IPv4 or all IPv6) on each link")
            .with_object(format!("node:{}", node.name.value))
            .with_key(format!("ring{n}_addr"));
        if let Some((other, at)) = first {
            d = d.with_label(at.span, format!("node '{}' has {}", other.name.value, at.value));
        }
        out.push(d);
    }
}
