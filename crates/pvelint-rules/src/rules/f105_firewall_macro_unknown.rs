//! F105: A firewall rule uses a macro that Proxmox does not know.

use crate::context::Context;
use crate::Diagnostic;
use pvelint_parse::firewall::FwScope;

crate::declare_rule!(
    FirewallMacroUnknown,
    "F105",
    "firewall-macro-unknown",
    Error,
    "A firewall rule uses a macro that Proxmox does not know."
);

/// The macros of pve-firewall (`$pve_fw_macros` and the IPv6-only `$pve_ipv6fw_macros`),
/// sorted by their lower-case names; Proxmox looks them up without case.
const MACROS: &[&str] = &[
    "Amanda", "Auth", "BGP", "BitTorrent", "BitTorrent32", "Ceph", "Citrix", "CVS", "DAAP", "DCC", "DHCPfwd", "DHCPv6",
    "Distcc", "DNS", "Finger", "FTP", "Git", "GNUnet", "GRE", "HKP", "HTTP", "HTTPS", "ICPV2", "ICQ", "IMAP", "IMAPS",
    "IPIP", "IPsec", "IPsecah", "IPsecnat", "IRC", "Jetdirect", "L2TP", "LDAP", "LDAPS", "Mail", "MDNS", "MSNP",
    "MSSQL", "Munin", "MySQL", "NeighborDiscovery", "NNTP", "NNTPS", "NTP", "OpenVPN", "OSPF", "PCA", "Ping", "PMG",
    "POP3", "POP3S", "PostgreSQL", "PPtP", "Printer", "Razor", "Rdate", "RDP", "RIP", "RNDC", "Rsync", "SANE",
    "SixXS", "SMB", "SMBswat", "SMTP", "SMTPS", "SNMP", "SPAMD", "SPICEproxy", "Squid", "SSH", "Submission", "SVN",
    "Syslog", "Telnet", "Telnets", "TFTP", "Time", "Trcrt", "VNC", "VNCL", "Web", "Webcache", "Webmin", "Whois",
];

fn known(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    MACROS.binary_search_by(|m| m.to_ascii_lowercase().cmp(&lower)).is_ok()
}

/// The closest macro within a small edit distance, for the help.
fn closest(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    MACROS
        .iter()
        .map(|m| (pvelint_parse::section::edit_distance(&lower, &m.to_ascii_lowercase()), *m))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, m)| m)
}

/// The object of a finding in a firewall file (`firewall:guest:100`), for ignores and
/// fingerprints.
pub(crate) fn object(scope: &FwScope) -> String {
    match scope {
        FwScope::Cluster => "firewall:cluster".into(),
        FwScope::Host(n) => format!("firewall:host:{n}"),
        FwScope::Guest(v) => format!("firewall:guest:{v}"),
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let t = ctx.tree;
    for f in t.firewall_cluster.iter().chain(t.firewall_hosts.values()).chain(t.firewall_guests.values()) {
        for r in f.rules.iter().filter(|r| r.enabled) {
            let Some(m) = &r.macro_name else { continue };
            if known(&m.value) {
                continue;
            }
            let help = match closest(&m.value) {
                Some(c) => format!("did you mean `{c}({})`?", r.action.value),
                None => "use one of the macros the GUI offers (Firewall → Add → Macro), or write the rule with `-p` and `-dport`".to_string(),
            };
            out.push(
                META.at(m.span, format!("this rule uses macro '{}', which Proxmox does not know (\"unknown macro\"); the rule is skipped", m.value))
                    .with_object(object(&f.scope))
                    .with_help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_list_is_sorted_and_lookups_ignore_case() {
        let lower: Vec<String> = super::MACROS.iter().map(|m| m.to_ascii_lowercase()).collect();
        assert!(lower.windows(2).all(|w| w[0] < w[1]), "MACROS must be sorted by lower-case name");
        assert!(super::known("ssh"));
        assert!(super::known("HTTPS"));
        assert!(!super::known("HTTPS3"));
        assert_eq!(super::closest("HTTPS3"), Some("HTTPS"));
    }
}
