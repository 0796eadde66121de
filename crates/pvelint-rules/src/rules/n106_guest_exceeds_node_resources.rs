//! N106: a guest wants more CPUs or memory than its node has.

use crate::context::Context;
use crate::{Diagnostic, Severity};
use pvelint_parse::guest::GuestKind;
use pvelint_parse::Span;

crate::declare_rule!(
    GuestExceedsNodeResources,
    "N106",
    "guest-exceeds-node-resources",
    Error,
    "A guest wants more CPUs or memory than its node has."
);

const MIB: u64 = 1024 * 1024;

/// A whole number at the start of a value (`4`, `4096`), or the `current=` of a VM's
/// memory property string.
fn number(v: &str) -> Option<u64> {
    let v = v.split(',').find_map(|p| p.strip_prefix("current=")).unwrap_or(v.split(',').next().unwrap_or(v));
    v.trim().parse().ok()
}

fn cpu_message(guest: &str, want: u64, have: u32, node: &str, vm: bool) -> (String, Severity) {
    if vm {
        (
            format!("{guest} asks for {want} vCPUs (sockets × cores), but node '{node}' has {have} CPUs: the VM fails to start with \"MAX {have} vcpus allowed per VM on this node\""),
            Severity::Error,
        )
    } else {
        (format!("{guest} asks for {want} cores, but node '{node}' has {have} CPUs: the container gets at most {have}"), Severity::Info)
    }
}

fn memory_message(guest: &str, want_mib: u64, have: u64, node: &str) -> String {
    format!(
        "{guest} asks for {want_mib} MiB of memory, more than node '{node}' has ({} MiB): it cannot get it, and starting it pushes the node into swapping or the OOM killer",
        have / MIB
    )
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (node, nf) in &ctx.tree.facts {
        let f = &nf.facts;
        for &gi in ctx.guests_on(node) {
            let g = &ctx.tree.guests[gi];
            let cfg = &g.config;
            let val = |k: &str| cfg.get(k).map(|e| (number(cfg.value(e)), e.value));
            let vm = g.kind == GuestKind::Qemu;
            let mut push = |span: Span, text: String, sev: Severity, key: &str| {
                out.push(
                    META.at(span, text)
                        .with_severity(sev)
                        .with_label(nf.node_span, format!("facts of node '{node}'"))
                        .with_help("lower the setting, or run the guest on a node that has enough")
                        .with_object(format!("guest:{}", g.vmid))
                        .with_key(key),
                );
            };
            if let (Some(have), Some((Some(cores), span))) = (f.cpus, val("cores")) {
                let sockets = if vm { val("sockets").and_then(|(n, _)| n).unwrap_or(1) } else { 1 };
                let want = cores.saturating_mul(sockets);
                if want > u64::from(have) {
                    let (text, sev) = cpu_message(&g.label(), want, have, node, vm);
                    push(span, text, sev, "cores");
                }
            }
            if let (Some(have), Some((Some(mib), span))) = (f.memory_bytes, val("memory")) {
                if mib.saturating_mul(MIB) > have {
                    push(span, memory_message(&g.label(), mib, have, node), Severity::Warning, "memory");
                }
            }
        }
    }
}
