//! C109: the votes in corosync.conf are such that one node going down costs the cluster
//! its quorum.

use crate::context::Context;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    CorosyncQuorumLostWithOneNode,
    "C109",
    "corosync-quorum-lost-with-one-node",
    Warning,
    "The votes in corosync.conf are such that one node going down costs the cluster its quorum."
);

/// A number of votes as corosync reads it; `None` when it is not a number (C105's and the
/// parser's concern, and then nothing can be computed).
fn votes(v: Option<&pvelint_parse::Spanned<String>>, default: u64) -> Option<u64> {
    v.map_or(Some(default), |v| v.value.parse().ok())
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(c) = &ctx.tree.corosync else { return };
    if c.nodes.len() < 2 {
        return;
    }
    let quorum = c.root.child("quorum");
    let get = |key: &str| quorum.and_then(|q| q.get(key));
    // two_node: a two-node cluster keeps quorum with one node (votequorum, with
    // wait_for_all at start).
    if c.nodes.len() == 2 && get("two_node").is_some_and(|v| v.value.parse::<u64>().is_ok_and(|n| n > 0)) {
        return;
    }
    let mut node_votes = 0u64;
    let mut heaviest = (0u64, &c.nodes[0]);
    for n in &c.nodes {
        let Some(v) = votes(n.quorum_votes.as_ref(), 1) else { return };
        node_votes += v;
        if v > heaviest.0 {
            heaviest = (v, n);
        }
    }
    let device = quorum.and_then(|q| q.child("device"));
    let device_votes = match device {
        Some(d) => match votes(d.get("votes"), 1) {
            Some(v) => v,
            None => return,
        },
        None => 0,
    };
    let expected = match get("expected_votes") {
        Some(v) => match v.value.parse::<u64>() {
            Ok(e) => e,
            Err(_) => return,
        },
        None => node_votes + device_votes,
    };
    let needed = expected / 2 + 1;
    let (lost, node) = heaviest;
    let left = (node_votes + device_votes).saturating_sub(lost);
    if left >= needed {
        return;
    }
    let at = c.root.child("nodelist").map_or(node.name.span, |b| b.name.span);
    let device_note = if device.is_some() { format!(" and the quorum device {device_votes}") } else { String::new() };
    let mut d = META
        .at(
            at,
            format!(
                "the {} nodes of corosync.conf have {node_votes} votes{device_note}; quorum needs {needed} of {expected}, so with node '{}' down ({lost} vote{}) the others have {left} and the cluster loses quorum: /etc/pve turns read-only on the nodes still running (no configuration change, no guest start, no migration) and nodes that run HA resources fence themselves",
                c.nodes.len(),
                node.name.value,
                pvelint_parse::text::plural_s(lost as usize)
            ),
        )
        .with_help("add a vote outside these nodes: a third node or a quorum device (`pvecm qdevice setup <host>`); give every node one vote")
        .with_object("file")
        .with_key("quorum_votes");
    if let Some(q) = quorum {
        d = d.with_label(q.name.span, "quorum settings");
    }
    out.push(d);
}
