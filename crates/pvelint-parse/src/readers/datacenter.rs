//! `/etc/pve/datacenter.cfg`: flat `key: value` lines read by
//! `PVE::JSONSchema::parse_config` (pve-common) through
//! `PVE::DataCenterConfig::parse_datacenter_config` (pve-cluster).
//!
//! What Proxmox does, line by line (each line trimmed of surrounding whitespace, CR
//! included; empty lines skipped):
//! * a line starting with `#` is part of the datacenter description;
//! * `^(\S+?):\s*(.*)$` sets the key (up to the first `:`) to the rest; a later line with
//!   the same key replaces the earlier value (last wins);
//! * any other line is ignored with a warning;
//! * afterwards every value is checked against the schema; keys the schema does not
//!   know, and values that fail it, are dropped with a warning.

use crate::diag::Diagnostic;
use crate::section;
use crate::source::SourceFile;
use crate::span::{FileId, Span, Spanned};
use crate::syntax;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Datacenter {
    pub file: FileId,
    /// The values Proxmox keeps (last occurrence of a key, if valid). Boolean keys hold
    /// `0`/`1` after Proxmox's `parse_boolean`.
    pub values: BTreeMap<String, Spanned<String>>,
    /// The whole line of each kept value, for labels.
    pub lines: BTreeMap<String, Span>,
}

impl Datacenter {
    pub fn get(&self, key: &str) -> Option<&Spanned<String>> {
        self.values.get(key)
    }
}

/// The keyboard layouts of `PVE::Tools::kvmkeymaplist`.
const KEYBOARDS: &[&str] = &[
    "da", "de", "de-ch", "en-gb", "en-us", "es", "fi", "fr", "fr-be", "fr-ca", "fr-ch", "hu", "is", "it", "ja", "lt",
    "mk", "nl", "no", "pl", "pt", "pt-br", "sl", "sv", "tr",
];

#[derive(Clone, Copy)]
enum Kind {
    Text,
    Bool,
    Enum(&'static [&'static str]),
    IntMin(i64),
    Custom(fn(&str) -> Result<(), String>),
}

/// Keys of the datacenter schema (PVE 7 to 9). Property-string keys are only checked
/// where a mistake is common and the check is certain.
const KEYS: &[(&str, Kind)] = &[
    ("keyboard", Kind::Enum(KEYBOARDS)),
    ("language", Kind::Text),
    ("http_proxy", Kind::Custom(check_http_proxy)),
    ("migration_unsecure", Kind::Bool),
    ("next-id", Kind::Text),
    ("migration", Kind::Custom(check_migration)),
    ("console", Kind::Enum(&["applet", "vv", "html5", "xtermjs"])),
    ("email_from", Kind::Text),
    ("max_workers", Kind::IntMin(1)),
    ("fencing", Kind::Enum(&["watchdog", "hardware", "both"])),
    ("ha", Kind::Custom(check_ha)),
    ("mac_prefix", Kind::Custom(check_mac_prefix)),
    ("notify", Kind::Text),
    ("bwlimit", Kind::Text),
    ("u2f", Kind::Text),
    ("webauthn", Kind::Text),
    ("description", Kind::Text),
    ("tag-style", Kind::Text),
    ("user-tag-access", Kind::Text),
    ("registered-tags", Kind::Text),
    ("crs", Kind::Text),
    ("replication", Kind::Text),
    ("consent-text", Kind::Text),
];

fn check_http_proxy(v: &str) -> Result<(), String> {
    if v.starts_with("http://") {
        Ok(())
    } else {
        Err(format!(
            "'{v}' does not start with `http://` (the schema pattern is `http://.*`; https proxies are not accepted)"
        ))
    }
}

fn check_mac_prefix(v: &str) -> Result<(), String> {
    // ^[a-f0-9][02468ace](?::[a-f0-9]{2}){0,2}:?$ (case-insensitive)
    let err = || Err(format!("'{v}' is not a unicast MAC prefix like `BC:24:11`"));
    let t = v.strip_suffix(':').unwrap_or(v);
    let mut groups = t.split(':');
    let Some(first) = groups.next() else { return err() };
    let fb = first.as_bytes();
    if fb.len() != 2 || !fb[0].is_ascii_hexdigit() || !b"02468aceACE".contains(&fb[1]) {
        return err();
    }
    let rest: Vec<&str> = groups.collect();
    if rest.len() > 2 || rest.iter().any(|g| g.len() != 2 || !g.bytes().all(|c| c.is_ascii_hexdigit())) {
        return err();
    }
    Ok(())
}

fn is_cidr(v: &str) -> bool {
    let Some((addr, len)) = v.split_once('/') else { return false };
    if len.is_empty() || !len.bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let Ok(len) = len.parse::<u32>() else { return false };
    if addr.parse::<std::net::Ipv4Addr>().is_ok() {
        (8..=32).contains(&len)
    } else if addr.parse::<std::net::Ipv6Addr>().is_ok() {
        (8..=128).contains(&len)
    } else {
        false
    }
}

fn check_migration(v: &str) -> Result<(), String> {
    let mut have_type = false;
    for part in v.split(',') {
        if part.trim().is_empty() {
            continue;
        }
        let (k, val) = match part.split_once('=') {
            Some((k, val)) => (k, val),
            None => ("type", part),
        };
        match k {
            "type" => {
                if have_type {
                    return Err("the migration type is given twice".into());
                }
                have_type = true;
                if val != "secure" && val != "insecure" {
                    return Err(format!("migration type '{val}' is not `secure` or `insecure`"));
                }
            }
            "network" => {
                if !is_cidr(val) {
                    return Err(format!("migration network '{val}' is not a CIDR network like `10.0.0.0/24`"));
                }
            }
            _ => return Err(format!("'{k}' is not a key of the migration setting (keys: type, network)")),
        }
    }
    Ok(())
}

fn check_ha(v: &str) -> Result<(), String> {
    for part in v.split(',') {
        if let Some(("shutdown_policy", p)) = part.split_once('=') {
            if !["freeze", "failover", "conditional", "migrate"].contains(&p) {
                return Err(format!("HA shutdown_policy '{p}' is not one of freeze, failover, conditional, migrate"));
            }
        }
    }
    Ok(())
}

/// `PVE::JSONSchema::parse_boolean`.
fn parse_boolean(v: &str) -> Option<&'static str> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "on" | "yes" | "true" => Some("1"),
        "0" | "off" | "no" | "false" => Some("0"),
        _ => None,
    }
}

fn check(kind: Kind, v: &str) -> Result<String, String> {
    match kind {
        Kind::Text => Ok(v.to_string()),
        Kind::Bool => parse_boolean(v)
            .map(str::to_string)
            .ok_or_else(|| format!("'{v}' is not a boolean (1/0, yes/no, on/off, true/false)")),
        Kind::Enum(values) => {
            if values.contains(&v) {
                Ok(v.to_string())
            } else {
                Err(format!("'{v}' is not one of {}", values.join(", ")))
            }
        }
        Kind::IntMin(min) => match v.parse::<i64>() {
            Ok(n) if n >= min && !v.starts_with('+') => Ok(v.to_string()),
            Ok(_) if !v.starts_with('+') => Err(format!("{v} is below the minimum of {min}")),
            _ => Err(format!("'{v}' is not an integer")),
        },
        Kind::Custom(f) => f(v).map(|()| v.to_string()),
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\x0b' | '\x0c')
}

pub fn parse(file: &SourceFile, out: &mut Vec<Diagnostic>) -> Datacenter {
    let mut local = Vec::new();
    let dc = parse_inner(file, &mut local);
    // Report in file order.
    local.sort_by_key(|d| d.span.start);
    out.extend(local);
    dc
}

fn parse_inner(file: &SourceFile, diags: &mut Vec<Diagnostic>) -> Datacenter {
    // Every occurrence of each key: (key span, value, line).
    let mut seen: BTreeMap<String, Vec<(Span, Spanned<String>, Span)>> = BTreeMap::new();
    for (span, line) in file.lines() {
        let lead = line.len() - line.trim_start_matches(is_space).len();
        let t = line.trim_matches(is_space);
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let tspan = span.sub(lead, lead + t.len());
        // ^(\S+?):\s*(.*)$ : the key runs to the first colon and holds no whitespace.
        let colon = t.find(':');
        let key_ok = colon.is_some_and(|c| c > 0 && !t[..c].contains(is_space));
        let Some(c) = colon.filter(|_| key_ok) else {
            diags.push(
                syntax::UNPARSABLE_LINE
                    .at(tspan, "Proxmox ignores this line of datacenter.cfg: it is not `key: value`")
                    .with_help("write the setting as `key: value`, or make the line a comment with `#`")
                    .with_object("file"),
            );
            continue;
        };
        let key = &t[..c];
        let after = &t[c + 1..];
        let vlead = after.len() - after.trim_start_matches(is_space).len();
        let vstart = lead + c + 1 + vlead;
        let value = Spanned::new(after[vlead..].to_string(), span.sub(vstart, lead + t.len()));
        seen.entry(key.to_string()).or_default().push((span.sub(lead, lead + c), value, span));
    }

    let mut values = BTreeMap::new();
    let mut lines = BTreeMap::new();
    for (key, occ) in seen {
        let Some((key_span, value, line)) = occ.last().cloned() else { continue };
        if occ.len() > 1 {
            let mut d = syntax::DUPLICATE_KEY
                .at(
                    occ[0].2,
                    format!(
                        "'{}' is set {} times in datacenter.cfg; Proxmox uses the last value '{}'",
                        crate::diag::quote_bounded(&key),
                        occ.len(),
                        crate::diag::quote_bounded(&value.value)
                    ),
                )
                .with_label(line, "this line wins")
                .with_object("file")
                .with_key(key.clone())
                .with_help("remove the lines that should not apply");
            let middle = &occ[1..occ.len() - 1];
            d = d.with_related_of(middle.iter().take(crate::diag::MAX_RELATED - 1), middle.len(), |o| {
                (o.2, "also overridden".to_string())
            });
            diags.push(d);
        }
        let Some(&(_, kind)) = KEYS.iter().find(|(k, _)| *k == key) else {
            let mut d = syntax::UNKNOWN_KEY
                .at(key_span, format!("unknown key '{key}' in datacenter.cfg; Proxmox drops it"))
                .with_object("file")
                .with_key(key.clone());
            if let Some(s) = section::suggest(&key, KEYS.iter().map(|(k, _)| *k)) {
                d = d.with_help(format!("did you mean '{s}'?"));
            }
            diags.push(d);
            continue;
        };
        if value.value.is_empty() && !matches!(kind, Kind::Text) {
            diags.push(
                syntax::MISSING_VALUE
                    .at(line, format!("'{key}' has no value; Proxmox drops it"))
                    .with_object("file")
                    .with_key(key.clone()),
            );
            continue;
        }
        match check(kind, &value.value) {
            Ok(v) => {
                values.insert(key.clone(), Spanned::new(v, value.span));
                lines.insert(key, line);
            }
            Err(e) => diags.push(
                syntax::INVALID_VALUE
                    .at(value.span, format!("invalid value for '{key}': {e}; Proxmox drops the key"))
                    .with_object("file")
                    .with_key(key),
            ),
        }
    }
    Datacenter { file: file.id, values, lines }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (Datacenter, Vec<Diagnostic>) {
        let f = SourceFile::new(FileId(2), "datacenter.cfg", text.to_string());
        let mut d = Vec::new();
        (parse(&f, &mut d), d)
    }

    fn codes(d: &[Diagnostic]) -> Vec<&str> {
        d.iter().map(|d| d.code).collect()
    }

    #[test]
    fn keeps_values_with_spans() {
        let text = "#My%20cluster\n\nkeyboard: en-us\n  migration:   secure,network=10.1.0.0/24  \r\nmigration_unsecure: yes\n";
        let (c, d) = run(text);
        assert!(d.is_empty(), "{d:?}");
        let k = c.get("keyboard").unwrap();
        assert_eq!(k.value, "en-us");
        assert_eq!(&text[k.span.range()], "en-us");
        let m = c.get("migration").unwrap();
        assert_eq!(&text[m.span.range()], "secure,network=10.1.0.0/24");
        assert_eq!(c.get("migration_unsecure").unwrap().value, "1");
        assert_eq!(&text[c.lines["keyboard"].range()], "keyboard: en-us");
    }

    #[test]
    fn last_value_wins_and_bad_values_are_dropped() {
        let (c, d) =
            run("keyboard: de\nkeyboard: fr\nhttp_proxy: https://proxy:3128\nmax_workers: 0\nconsole: html5\n");
        assert_eq!(c.get("keyboard").unwrap().value, "fr");
        assert!(c.get("http_proxy").is_none());
        assert!(c.get("max_workers").is_none());
        assert_eq!(c.get("console").unwrap().value, "html5");
        assert_eq!(codes(&d), vec!["P006", "P008", "P008"]);
    }

    #[test]
    fn unparsable_unknown_and_empty() {
        let (c, d) = run("keyboard de\nkeybaord: de\nfencing:\nmac_prefix: BC:24:11\nmac_prefix2: x\n");
        assert_eq!(codes(&d), vec!["P004", "P007", "P009", "P007"]);
        assert_eq!(d[1].help.as_deref(), Some("did you mean 'keyboard'?"));
        assert_eq!(c.get("mac_prefix").unwrap().value, "BC:24:11");
    }

    #[test]
    fn checks() {
        assert!(check_mac_prefix("BC:24:11").is_ok());
        assert!(check_mac_prefix("02").is_ok());
        assert!(check_mac_prefix("01:00").is_err());
        assert!(check_mac_prefix("BC:24:11:22").is_err());
        assert!(check_migration("insecure").is_ok());
        assert!(check_migration("type=secure,network=fd00::/64").is_ok());
        assert!(check_migration("secure,network=10.0.0.1").is_err());
        assert!(check_migration("fast").is_err());
        assert!(check_ha("shutdown_policy=migrate").is_ok());
        assert!(check_ha("shutdown_policy=move").is_err());
    }

    fn dump(text: &str) -> String {
        let f = SourceFile::new(FileId(0), "datacenter.cfg", text.to_string());
        let mut d = Vec::new();
        let c = parse(&f, &mut d);
        let loc = |s: crate::Span| crate::testutil::range(&f, s);
        let mut out = String::new();
        for (k, v) in &c.values {
            out += &format!("{k} = {:?} @{}\n", v.value, loc(v.span));
        }
        out += &crate::testutil::diag_lines(&f, &d);
        out
    }

    #[test]
    fn snapshots() {
        insta::glob!("../../../../testdata/parse/datacenter", "*.cfg", |path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            insta::assert_snapshot!(dump(&text));
        });
    }

    /// Runs over the real configurations of the shared corpus: no findings expected.
    #[test]
    #[ignore]
    fn corpus_real_files() {
        crate::testutil::assert_corpus_clean(&crate::testutil::named("datacenter.cfg"), &|_, f, d| {
            parse(f, d);
        });
    }
}
