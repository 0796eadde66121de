//! X101: A VM names a PCI, USB or directory mapping that no mapping file defines.

use crate::context::Context;
use crate::mappings::MappingRef;
use crate::Diagnostic;
use pvelint_parse::mapping::MappingKind;

crate::declare_rule!(
    GuestMappingUndefined,
    "X101",
    "guest-mapping-undefined",
    Error,
    "A VM names a PCI, USB or directory mapping that no mapping file defines."
);

/// The error qemu-server dies with at start.
fn start_error(r: &MappingRef) -> String {
    match r.kind {
        MappingKind::Pci => format!("PCI device mapping not found for '{}'", r.id.value),
        MappingKind::Usb => format!("USB device mapping not found for '{}'", r.id.value),
        MappingKind::Dir => format!("Directory ID {} does not exist.", r.id.value),
    }
}

fn message(r: &MappingRef, defined_but_dropped: bool) -> String {
    let file = r.kind.path();
    let what = if defined_but_dropped {
        format!("Proxmox drops '{}' of {file}: it has no valid `map` entry", r.id.value)
    } else {
        format!("{file} defines no {} '{}'", r.kind.noun(), r.id.value)
    };
    format!("{} uses `{}`, but {what}; the VM fails to start (\"{}\")", r.describe(), r.written(), start_error(r))
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for r in ctx.mapping_refs() {
        let found = ctx.mapping(r.kind, r.id.value);
        if found.is_some_and(|m| m.usable) {
            continue;
        }
        let mut d = META
            .at(r.id.span, message(r, found.is_some()))
            .with_object(format!("guest:{}", r.guest.vmid))
            .with_key(r.key)
            .with_help(format!(
                "create the {} '{}' (Datacenter → Resource Mappings) with an entry for node '{}', or correct the name",
                r.kind.noun(),
                r.id.value,
                r.guest.node
            ));
        if let Some(m) = found {
            d = d.with_label(m.id.span, "defined here without a valid `map` entry");
        }
        out.push(d);
    }
}
