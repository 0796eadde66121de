//! C108: corosync.conf sets two_node together with a quorum device: corosync refuses to
//! start.

use crate::context::Context;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    CorosyncTwoNodeWithQdevice,
    "C108",
    "corosync-two-node-with-qdevice",
    Error,
    "corosync.conf sets two_node together with a quorum device: corosync refuses to start."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(c) = &ctx.tree.corosync else { return };
    let Some(quorum) = c.root.child("quorum") else { return };
    let Some(two_node) = quorum.get("two_node").filter(|v| v.value.parse::<u64>().is_ok_and(|n| n > 0)) else { return };
    let Some(device) = quorum.child("device") else { return };
    out.push(
        META.at(
            two_node.span,
            "corosync.conf sets `two_node` and a quorum device (`quorum { device { … } }`); votequorum refuses the combination at start (\"two_node and quorum device cannot be configured at the same time!\"), so corosync does not start on a node that boots with it",
        )
        .with_label(device.name.span, "the quorum device")
        .with_help("keep the quorum device and remove `two_node` (the device breaks the tie), then raise `config_version`")
        .with_object("file")
        .with_key("two_node"),
    );
}
