//! G112: a VM names a custom CPU model that cpu-models.conf does not define: Proxmox
//! drops its whole cpu line and starts it with the default CPU type.

use crate::context::Context;
use pvelint_parse::guest::{GuestKind, SectionKind};
use pvelint_parse::{Diagnostic, Guest, Span};

crate::declare_rule!(
    CpuModelUndefined,
    "G112",
    "cpu-model-undefined",
    Warning,
    "A VM names a custom CPU model that cpu-models.conf does not define: Proxmox drops its whole cpu line and starts it with the default CPU type."
);

/// The CPU type of a `cpu` value (`[cputype=]<type>[,key=value…]`) and its span.
fn cputype(value: &str, at: Span) -> Option<(&str, Span)> {
    let mut start = 0;
    for item in value.split(',') {
        let (text, off) = match item.strip_prefix("cputype=") {
            Some(t) => (t, start + "cputype=".len()),
            None if !item.contains('=') => (item, start),
            None => {
                start += item.len() + 1;
                continue;
            }
        };
        return Some((text, at.sub(off, off + text.len())));
    }
    None
}

fn message(g: &Guest, name: &str, where_: &str) -> String {
    format!(
        "{} sets `cpu: custom-{name}`{where_}, but cpu-models.conf defines no CPU model '{name}': qemu-server rejects the value when it reads the config (\"Custom cputype '{name}' not found\") and drops the whole cpu line, so the VM starts with the default CPU type, without the model's flags",
        g.label()
    )
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // Without the file (a partial copy) which models exist is unknown.
    let Some(models) = &ctx.tree.cpu_models else { return };
    for g in ctx.tree.guests.iter().filter(|g| g.kind == GuestKind::Qemu) {
        let c = &g.config;
        for s in c.sections.iter().filter(|s| matches!(s.kind, SectionKind::Main | SectionKind::Pending)) {
            let Some(e) = s.get(&c.text, "cpu") else { continue };
            let Some((ty, span)) = cputype(c.value(e), e.value) else { continue };
            let Some(name) = ty.strip_prefix("custom-") else { continue };
            if models.get(name).is_some() {
                continue;
            }
            let where_ = if s.kind == SectionKind::Pending { " in its pending changes" } else { "" };
            out.push(
                META.at(span, message(g, name, where_))
                    .with_help(format!("define `cpu-model: {name}` in virtual-guest/cpu-models.conf (Datacenter → Custom CPU Models), or choose a model that exists"))
                    .with_object(format!("guest:{}", g.vmid))
                    .with_key("cpu"),
            );
        }
    }
}
