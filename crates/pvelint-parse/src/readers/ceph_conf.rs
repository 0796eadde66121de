//! `/etc/pve/ceph.conf`: the configuration of a Ceph cluster managed by Proxmox
//! (`pveceph`), read the way pve-storage's `PVE::CephConfig::parse_ceph_config` reads it
//! (registered as cfs file `ceph.conf`; `/etc/ceph/ceph.conf` links to it):
//!
//! * `[section]` headers; `key = value` lines; a line whose first non-blank character is
//!   `;` or `#` is a comment, and so is the rest of a line from a `;` or `#` after the
//!   value;
//! * spaces inside a key become `_` (`mon host` → `mon_host`); dashes and case are kept, so
//!   `mon-host` is another key for Proxmox (Ceph itself treats them alike);
//! * a line that is neither is skipped with a warning (P004); a repeated key keeps the last
//!   value; repeated sections merge.
//!
//! Continuation lines (`\`) and quoted values are read as far as the rules need: the
//! value is the text after `=`, without a trailing comment.

use crate::diag::Diagnostic;
use crate::source::SourceFile;
use crate::span::{FileId, Span, Spanned};
use crate::syntax;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CephConf {
    pub file: FileId,
    /// Section name → key (as Proxmox normalises it) → value (the last one).
    pub sections: BTreeMap<String, BTreeMap<String, Spanned<String>>>,
    /// The header of each section (the first one).
    pub headers: BTreeMap<String, Span>,
}

impl CephConf {
    pub fn get(&self, section: &str, key: &str) -> Option<&Spanned<String>> {
        self.sections.get(section)?.get(key)
    }
}

pub fn parse(file: &SourceFile, diags: &mut Vec<Diagnostic>) -> CephConf {
    let mut out = CephConf { file: file.id, ..CephConf::default() };
    let mut section: Option<String> = None;
    for (span, raw) in file.lines() {
        let line = raw.trim_end_matches('\r');
        let body = line.trim_start();
        let lead = line.len() - body.len();
        if body.is_empty() || body.starts_with(';') || body.starts_with('#') {
            continue;
        }
        if let Some(rest) = body.strip_prefix('[') {
            match rest.find(']') {
                Some(end) => {
                    let name = rest[..end].trim().to_string();
                    out.headers.entry(name.clone()).or_insert(span.sub(lead, lead + end + 2));
                    out.sections.entry(name.clone()).or_default();
                    section = Some(name);
                }
                None => diags.push(
                    syntax::UNPARSABLE_LINE
                        .at(span.sub(lead, line.len()), "this section header has no ']'; Proxmox's ceph.conf reader skips it, and the lines after it land in no section")
                        .with_object("file"),
                ),
            }
            continue;
        }
        let Some(eq) = body.find('=') else {
            diags.push(
                syntax::UNPARSABLE_LINE
                    .at(
                        span.sub(lead, line.len()),
                        "this line has no '='; Proxmox's ceph.conf reader skips it (\"expected '=' after key - skip\")",
                    )
                    .with_object("file"),
            );
            continue;
        };
        let Some(sec) = section.clone() else {
            diags.push(
                syntax::UNPARSABLE_LINE
                    .at(span.sub(lead, line.len()), "this key stands before any [section]; Proxmox's ceph.conf reader skips it (\"no section header - skip\")")
                    .with_object("file"),
            );
            continue;
        };
        let key: String = body[..eq].split_whitespace().collect::<Vec<_>>().join("_");
        let after = &body[eq + 1..];
        let cut = after.find([';', '#']).unwrap_or(after.len());
        let value = after[..cut].trim();
        let vstart = lead + eq + 1 + (after.len() - after.trim_start().len());
        let value_span = span.sub(vstart.min(line.len()), (vstart + value.len()).min(line.len()));
        out.sections
            .entry(sec)
            .or_default()
            .insert(key, Spanned::new(value.trim_matches(['"', '\'']).to_string(), value_span));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_normalised_as_proxmox_does() {
        let f = SourceFile::new(
            FileId(0),
            "ceph.conf",
            "[global]\n\tfsid = 1234\n\tmon host = 10.0.0.1 10.0.0.2 ; the monitors\n\tpublic-network = 10.0.0.0/24\n\n[mon.pve1]\n\tpublic_addr = 10.0.0.1\nbroken line\n".into(),
        );
        let mut d = Vec::new();
        let c = parse(&f, &mut d);
        assert_eq!(c.get("global", "mon_host").map(|v| v.value.as_str()), Some("10.0.0.1 10.0.0.2"));
        assert!(c.get("global", "public_network").is_none());
        assert!(c.get("global", "public-network").is_some());
        assert_eq!(c.get("mon.pve1", "public_addr").map(|v| v.value.as_str()), Some("10.0.0.1"));
        assert_eq!(d.iter().map(|d| d.code).collect::<Vec<_>>(), ["P004"]);
    }
}
