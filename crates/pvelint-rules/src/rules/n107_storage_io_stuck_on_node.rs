//! N107: processes stuck in uninterruptible I/O, or storage paths that hung, on a node.

use crate::backing::some_of;
use crate::context::Context;
use crate::Diagnostic;
use pvelint_parse::facts::PathState;

crate::declare_rule!(
    StorageIoStuckOnNode,
    "N107",
    "storage-io-stuck-on-node",
    Error,
    "A node's facts show backup or storage processes stuck in uninterruptible I/O, or a storage path that hung."
);

fn stuck_message(node: &str, commands: &[String]) -> String {
    format!(
        "node '{node}' has {} backup or storage process{} stuck in uninterruptible I/O (state D: {}): they cannot be killed, every later backup that needs the same storage queues behind them, and only a reboot clears them",
        commands.len(),
        if commands.len() == 1 { "" } else { "es" },
        some_of(commands)
    )
}

fn hung_message(node: &str, path: &str, users: &[String]) -> String {
    format!(
        "on node '{node}', '{path}' (used by {}) did not answer when it was probed: the storage behind it hangs, and every process that touches it blocks",
        some_of(users)
    )
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (node, nf) in &ctx.tree.facts {
        let f = &nf.facts;
        if !f.stuck_processes.is_empty() {
            let commands: Vec<String> = f.stuck_processes.iter().map(|p| format!("'{}' ({})", p.command, p.pid)).collect();
            let at = nf.stuck_processes.first().copied().unwrap_or(nf.node_span);
            out.push(
                META.at(at, stuck_message(node, &commands))
                    .with_help("find the storage they wait for (a pulled disk, a dead NFS server, a pool imported elsewhere), fix the configuration that points at it, and reboot the node")
                    .with_object(format!("node:{node}")),
            );
        }
        for (i, p) in f.paths.iter().enumerate() {
            // vzdump paths are N103's; the rest: storages and bind mounts.
            if p.state != PathState::Hung || p.used_by.iter().any(|u| ["tmpdir", "dumpdir", "script"].contains(&u.key.as_str())) {
                continue;
            }
            let users: Vec<String> = p.used_by.iter().map(|u| format!("{} `{}`", u.object, u.key)).collect();
            let mut d = META
                .at(nf.paths.get(i).copied().unwrap_or(nf.node_span), hung_message(node, &p.path, &users))
                .with_help("check the disk or the server behind the path; until it answers, disable the storage on this node")
                .with_object(format!("node:{node}"));
            for u in p.used_by.iter().take(5) {
                if let Some(anchor) = u.object.strip_prefix("storage:").and_then(|id| ctx.storage(id)).and_then(|s| s.anchor()) {
                    d = d.with_label(anchor, "the storage whose path hung");
                }
            }
            out.push(d);
        }
    }
}
