//! N105: a VM passes through a PCI or USB device its node does not have.

use crate::context::Context;
use crate::Diagnostic;
use pvelint_parse::facts::Facts;
use pvelint_parse::guest::GuestKind;

crate::declare_rule!(
    GuestDeviceMissingOnNode,
    "N105",
    "guest-device-missing-on-node",
    Error,
    "A guest passes through a PCI or USB device by address or ID that its node does not have."
);

fn message(guest: &str, key: &str, device: &str, node: &str, pci: bool) -> String {
    if pci {
        format!("{guest} {key} passes through PCI device '{device}', which node '{node}' does not have: the VM fails to start with \"no PCI device found for '{device}'\"")
    } else {
        format!("{guest} {key} passes through USB device '{device}', which is not plugged into node '{node}': the VM starts without it")
    }
}

/// `01:00.0` → `0000:01:00.0`; `01:00` (every function) → `0000:01:00.`.
fn pci_prefix(id: &str) -> String {
    let full = if id.matches(':').count() == 1 { format!("0000:{id}") } else { id.to_string() };
    let full = full.to_ascii_lowercase();
    if full.contains('.') {
        full
    } else {
        format!("{full}.")
    }
}

fn has_pci(f: &Facts, id: &str) -> bool {
    // The devices are sorted by address (`Facts::sort`): the first one at or after the
    // prefix is the only candidate.
    let p = pci_prefix(id);
    let i = f.pci_devices.partition_point(|d| d.address < p);
    f.pci_devices.get(i).is_some_and(|d| if p.ends_with('.') { d.address.starts_with(&p) } else { d.address == p })
}

fn has_usb(f: &Facts, host: &str) -> bool {
    match host.split_once(':') {
        Some((v, p)) => f.usb_devices.iter().any(|u| u.vendor.eq_ignore_ascii_case(v) && u.product.eq_ignore_ascii_case(p)),
        None => f.usb_devices.iter().any(|u| u.port == host),
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (node, nf) in &ctx.tree.facts {
        let f = &nf.facts;
        for &gi in ctx.guests_on(node) {
            let g = &ctx.tree.guests[gi];
            if g.kind != GuestKind::Qemu {
                continue;
            }
            let cfg = &g.config;
            for e in &cfg.main().entries {
                let key = cfg.key(e);
                let (device, pci) = if key.starts_with("hostpci") && !f.pci_devices.is_empty() {
                    if cfg.entry_prop(e, "mapping").is_some() {
                        continue;
                    }
                    let Some(host) = cfg.entry_prop(e, "host").or_else(|| cfg.entry_positional(e)) else { continue };
                    // `01:00.0;02:00.0`: each must exist.
                    let Some(missing) = host.value.split(';').find(|id| !id.is_empty() && !has_pci(f, id)) else { continue };
                    (pvelint_parse::Spanned::new(missing, host.span), true)
                } else if key.starts_with("usb") && key[3..].bytes().all(|b| b.is_ascii_digit()) && !f.usb_devices.is_empty() {
                    let Some(host) = cfg.entry_prop(e, "host") else { continue };
                    if host.value.eq_ignore_ascii_case("spice") || has_usb(f, host.value) {
                        continue;
                    }
                    (host, false)
                } else {
                    continue;
                };
                let mut d = META
                    .at(device.span, message(&g.label(), key, device.value, node, pci))
                    .with_label(nf.node_span, format!("facts of node '{node}'"))
                    .with_help("use a resource mapping (`mapping=`) that names the device on each node, or correct the address for this node")
                    .with_object(format!("guest:{}", g.vmid))
                    .with_key(key);
                if !pci {
                    d = d.with_severity(crate::Severity::Warning);
                }
                out.push(d);
            }
        }
    }
}
