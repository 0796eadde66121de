//! C110: a corosync ring address is a host name, not an IP address: corosync resolves it
//! once, at start.

use crate::context::Context;
use pvelint_parse::Diagnostic;
use std::net::IpAddr;

crate::declare_rule!(
    CorosyncRingAddressHostname,
    "C110",
    "corosync-ring-address-hostname",
    Warning,
    "A corosync ring address is a host name, not an IP address: corosync resolves it once, at start."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(c) = &ctx.tree.corosync else { return };
    for node in &c.nodes {
        for (key, v) in &node.links {
            if v.value.parse::<IpAddr>().is_ok() {
                continue;
            }
            out.push(
                META.at(
                    v.span,
                    format!(
                        "node '{}' has {key} '{}', a host name: corosync resolves it when it starts (through /etc/hosts or DNS) and keeps the address; when the name resolves differently on some node, or not at all while DNS is down, that node cannot join the cluster",
                        node.name.value,
                        pvelint_parse::diag::quote_bounded(&v.value)
                    ),
                )
                .with_help("write the node's IP address on that link (what `getent ahosts <name>` gives today), then raise `config_version`")
                .with_object(format!("node:{}", node.name.value))
                .with_key(key.clone()),
            );
        }
    }
}
