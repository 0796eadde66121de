//! Wording the rules share: how a volume problem is graded and described, how node
//! lists are quoted. Each rule's own message lives in its file; only what several rules
//! say the same way is here.

use crate::context::{GuestVolume, NodeListSource};
use crate::registry::RuleMeta;
use pvelint_parse::{Diagnostic, Span};

/// How much a volume problem matters: a volume in backups (or that the guest needs to
/// start) is an error, another volume of the current config a warning, a volume of a
/// snapshot or pending section an info.
pub fn volume_severity(v: GuestVolume) -> pvelint_parse::Severity {
    use pvelint_parse::Severity;
    if !v.in_main() {
        Severity::Info
    } else if v.backed_up() || (v.key() == "rootfs") {
        Severity::Error
    } else {
        Severity::Warning
    }
}

/// `, which is part of its backups` / `` for messages.
pub fn backup_note(v: GuestVolume) -> &'static str {
    if v.backed_up() {
        " (included in its backups)"
    } else {
        ""
    }
}

/// `node 'a'` / `nodes 'a', 'b'`, for messages.
pub fn quote_nodes(nodes: &[String]) -> String {
    format!("node{} {}", pvelint_parse::text::plural_s(nodes.len()), pvelint_parse::text::quoted(nodes))
}

/// The finding of a node list that names a node outside the cluster (S101, H102):
/// `{list} lists node 'x'{place}, but 'x' is not a cluster node (how the cluster's nodes
/// are known); {effect}`, with a label at the cluster's node list.
pub fn unknown_node(
    meta: &RuleMeta,
    at: Span,
    (list, place): (&str, &str),
    node: &str,
    source: &NodeListSource,
    effect: &str,
) -> Diagnostic {
    let mut d = meta
        .at(
            at,
            format!(
                "{list} lists node '{node}'{place}, but '{node}' is not a cluster node ({}); {effect}",
                source.note
            ),
        )
        .with_key("nodes");
    if let Some(span) = source.span {
        d = d.with_label(span, "the cluster's nodes are listed here");
    }
    d
}
