//! The SDN objects by ID and the guest NICs plugged into vnets, built once per run for
//! the D1xx rules ([`Context::sdn_index`], [`Context::vnet_nics`]).

use crate::context::Context;
use pvelint_parse::sdn::{SdnFile, SdnSection};
use pvelint_parse::{Guest, Spanned};
use std::collections::BTreeMap;

/// Sections of each SDN file by ID (the kept definition).
#[derive(Default)]
pub struct SdnIndex<'a> {
    pub zones: BTreeMap<&'a str, &'a SdnSection>,
    pub vnets: BTreeMap<&'a str, &'a SdnSection>,
    pub controllers: BTreeMap<&'a str, &'a SdnSection>,
    pub ipams: BTreeMap<&'a str, &'a SdnSection>,
    pub dns: BTreeMap<&'a str, &'a SdnSection>,
}

fn by_id(f: Option<&SdnFile>) -> BTreeMap<&str, &SdnSection> {
    f.iter().flat_map(|f| f.sections.iter()).map(|s| (s.id.value.as_str(), s)).collect()
}

/// A guest NIC whose `bridge` names a vnet (of vnets.cfg or of the running config).
#[derive(Clone, Copy)]
pub struct VnetNic<'a> {
    pub guest: &'a Guest,
    /// `net0`.
    pub key: &'a str,
    pub bridge: Spanned<&'a str>,
    pub tag: Option<Spanned<&'a str>>,
    pub trunks: Option<Spanned<&'a str>>,
}

impl VnetNic<'_> {
    /// `VM 100 net0`.
    pub fn describe(&self) -> String {
        format!("{} {}", self.guest.label(), self.key)
    }
}

/// `net0` … `net31`.
fn is_net_key(key: &str) -> bool {
    key.strip_prefix("net").is_some_and(|d| {
        !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) && (d.len() == 1 || !d.starts_with('0'))
    })
}

impl<'a> Context<'a> {
    pub fn sdn_index(&self) -> &SdnIndex<'a> {
        self.sdn_index.get_or_init(|| {
            let s = &self.tree.sdn;
            SdnIndex {
                zones: by_id(s.zones.as_ref()),
                vnets: by_id(s.vnets.as_ref()),
                controllers: by_id(s.controllers.as_ref()),
                ipams: by_id(s.ipams.as_ref()),
                dns: by_id(s.dns.as_ref()),
            }
        })
    }

    /// Every NIC of the guests' current configs plugged into a vnet, in guest order. One
    /// pass over the guests; empty without SDN files.
    pub fn vnet_nics(&self) -> &[VnetNic<'a>] {
        self.vnet_nics.get_or_init(|| {
            let sdn = &self.tree.sdn;
            if !sdn.present() {
                return Vec::new();
            }
            let idx = self.sdn_index();
            let running = sdn.running.as_ref();
            let mut out = Vec::new();
            for g in &self.tree.guests {
                let cfg = &g.config;
                for e in cfg.main().entries.iter().filter(|e| e.valid) {
                    let key = cfg.key(e);
                    if !is_net_key(key) {
                        continue;
                    }
                    let Some(bridge) = cfg.entry_prop(e, "bridge") else { continue };
                    let known = idx.vnets.contains_key(bridge.value)
                        || running.is_some_and(|r| r.vnets.contains_key(bridge.value));
                    if known {
                        out.push(VnetNic {
                            guest: g,
                            key,
                            bridge,
                            tag: cfg.entry_prop(e, "tag"),
                            trunks: cfg.entry_prop(e, "trunks"),
                        });
                    }
                }
            }
            out
        })
    }

    /// The zone a NIC's vnet belongs to when a guest starts: the running vnet's `zone`
    /// (else the pending one), looked up in zones.cfg (`Zones::get_plugin_config` reads
    /// the pending zones). `(zone ID, its section if defined)`.
    pub fn vnet_zone(&self, vnet: &str) -> Option<(&'a str, Option<&'a SdnSection>)> {
        let zone: &'a str = match self.tree.sdn.running.as_ref().and_then(|r| r.vnets.get(vnet)) {
            Some(r) => r.zone.as_deref()?,
            None => self.sdn_index().vnets.get(vnet)?.get("zone")?.value.as_str(),
        };
        Some((zone, self.sdn_index().zones.get(zone).copied()))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn net_keys() {
        assert!(super::is_net_key("net0"));
        assert!(super::is_net_key("net31"));
        assert!(!super::is_net_key("net"));
        assert!(!super::is_net_key("net01"));
        assert!(!super::is_net_key("netx"));
    }
}
