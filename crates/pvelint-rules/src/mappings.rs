//! Guest references to resource mappings (`hostpciN: mapping=…`, `usbN: mapping=…`,
//! `virtiofsN: dirid=…`) and the mappings they name, read once per run for the X1xx
//! rules ([`Context::mapping_refs`], [`Context::mapping`]).

use crate::context::Context;
use pvelint_parse::guest::GuestKind;
use pvelint_parse::mapping::{Mapping, MappingKind};
use pvelint_parse::{Guest, Span, Spanned};
use std::collections::{BTreeMap, BTreeSet};

/// One guest key that names a mapping.
#[derive(Clone, Copy)]
pub struct MappingRef<'a> {
    pub guest: &'a Guest,
    pub kind: MappingKind,
    /// `hostpci0`, `usb1`, `virtiofs0`.
    pub key: &'a str,
    /// The mapping ID as written.
    pub id: Spanned<&'a str>,
    /// The whole line of the key.
    pub line: Span,
}

impl MappingRef<'_> {
    /// `VM 100 hostpci0`.
    pub fn describe(&self) -> String {
        format!("{} {}", self.guest.label(), self.key)
    }

    /// `mapping=gpu` / `dirid=share`, for messages.
    pub fn written(&self) -> String {
        match self.kind {
            MappingKind::Dir => format!("dirid={}", pvelint_parse::diag::quote_bounded(self.id.value)),
            _ => format!("mapping={}", pvelint_parse::diag::quote_bounded(self.id.value)),
        }
    }
}

/// `hostpci` (0–15), `usb` (0–13), `virtiofs` (0–9) keys: which mapping file they use.
fn mapping_key(key: &str) -> Option<MappingKind> {
    let digits = key.trim_start_matches(|c: char| c.is_ascii_lowercase());
    let base = &key[..key.len() - digits.len()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    let i: u32 = digits.parse().ok()?;
    match base {
        "hostpci" if i < 16 => Some(MappingKind::Pci),
        "usb" if i < 14 => Some(MappingKind::Usb),
        "virtiofs" if i < 10 => Some(MappingKind::Dir),
        _ => None,
    }
}

/// Every mapping reference of the main section of every VM, in guest order then file
/// order. Containers use no mappings (pve-container has no reference to them).
pub(crate) fn collect<'a>(guests: &'a [Guest]) -> Vec<MappingRef<'a>> {
    let mut out = Vec::new();
    for g in guests.iter().filter(|g| g.kind == GuestKind::Qemu) {
        let cfg = &g.config;
        for e in cfg.main().entries.iter().filter(|e| e.valid) {
            let key = cfg.key(e);
            let Some(kind) = mapping_key(key) else { continue };
            let id = match kind {
                MappingKind::Dir => cfg.entry_prop(e, "dirid").or_else(|| cfg.entry_positional(e)),
                _ => cfg.entry_prop(e, "mapping"),
            };
            // `usbN` with both `host` and `mapping`: qemu-server ignores the device
            // (`parse_usb_device` returns nothing); `hostpciN` dies "Cannot set both".
            if kind == MappingKind::Usb && cfg.entry_prop(e, "host").is_some() {
                continue;
            }
            if let Some(id) = id.filter(|i| !i.value.is_empty()) {
                out.push(MappingRef { guest: g, kind, key, id, line: cfg.line(e) });
            }
        }
    }
    out
}

/// (kind, ID) → index of the mapping in its file's `mappings`.
pub(crate) type MappingIndex<'a> = BTreeMap<(MappingKind, &'a str), usize>;

pub(crate) fn index(tree: &pvelint_parse::Tree) -> MappingIndex<'_> {
    let mut m = BTreeMap::new();
    for cfg in tree.mappings.iter() {
        for (i, map) in cfg.mappings.iter().enumerate() {
            m.entry((cfg.kind, map.id.value.as_str())).or_insert(i);
        }
    }
    m
}

impl<'a> Context<'a> {
    /// The mapping of this kind with this ID (usable or not).
    pub fn mapping(&self, kind: MappingKind, id: &str) -> Option<&'a Mapping> {
        let i = *self.mapping_index().get(&(kind, id))?;
        self.tree.mappings.of(kind)?.mappings.get(i)
    }

    /// The guest references to mappings, computed once per run.
    pub fn mapping_refs(&self) -> &[MappingRef<'a>] {
        self.mapping_refs.get_or_init(|| collect(&self.tree.guests))
    }

    fn mapping_index(&self) -> &MappingIndex<'a> {
        self.mapping_index.get_or_init(|| index(self.tree))
    }

    /// For every HA resource of a guest (not `ignored`) the nodes HA may run it on
    /// ([`crate::ha::Placement::candidates`]: the cluster nodes among those of a strict
    /// node-affinity rule or restricted group that the CRM keeps, else every cluster node).
    /// Empty when the cluster's nodes are unknown.
    pub fn ha_run_nodes(&self) -> BTreeMap<u32, BTreeSet<String>> {
        let mut out = BTreeMap::new();
        let (Some(cluster), Some(resources)) = (self.nodes.as_ref(), self.tree.ha.resources.as_ref()) else {
            return out;
        };
        let placement = self.ha_placement();
        for res in resources.resources.iter().filter(|r| r.state() != "ignored") {
            let Some(vmid) = res.vmid else { continue };
            let nodes: BTreeSet<String> = match placement.candidates(self, &res.sid.value) {
                Some(crate::ha::Candidates::Only(list, _)) => list.into_iter().collect(),
                _ => cluster.clone(),
            };
            out.insert(vmid, nodes);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(mapping_key("hostpci0"), Some(MappingKind::Pci));
        assert_eq!(mapping_key("hostpci15"), Some(MappingKind::Pci));
        assert_eq!(mapping_key("hostpci16"), None);
        assert_eq!(mapping_key("usb13"), Some(MappingKind::Usb));
        assert_eq!(mapping_key("virtiofs9"), Some(MappingKind::Dir));
        assert_eq!(mapping_key("virtiofs"), None);
        assert_eq!(mapping_key("usb01"), None);
        assert_eq!(mapping_key("net0"), None);
    }
}
