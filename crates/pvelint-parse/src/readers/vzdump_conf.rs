//! A node's `/etc/vzdump.conf` (pve-manager `PVE/VZDump.pm` → `read_vzdump_defaults`; pve-common `src/PVE/JSONSchema.pm` → `parse_config`).
//!
//! Read by `PVE::JSONSchema::parse_config`: every line is trimmed; empty lines and lines
//! starting with `#` are skipped; a data line is `key: value` with the key running to the
//! first `:` (no whitespace inside) and a possibly empty value. Booleans accept
//! `yes`/`no`/`on`/`off`/`true`/`false`. A repeated key: the last line wins silently
//! (`exclude-path` accumulates). Then the schema runs: a key with an invalid value is
//! deleted and the built-in default applies. Unknown keys are accepted silently and
//! have no effect. A line without `:` is ignored with a warning.

use crate::diag::Diagnostic;
use crate::section::{check_value, suggest, ValueKind};
use crate::source::SourceFile;
use crate::span::{FileId, Span, Spanned};
use crate::syntax;
use crate::vzdump_opts::{key_def, parse_boolean, VzdumpOptions, EMPTY_OK, LEGACY_KEYS, VZDUMP_KEYS};
use std::collections::BTreeMap;

/// The parsed vzdump.conf of one node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VzdumpConf {
    pub file: FileId,
    /// The values Proxmox uses (valid ones; for a repeated key, the last line).
    pub opts: VzdumpOptions,
    /// Every data line as written: key and value (`None` when the value is empty).
    pub lines: Vec<(Spanned<String>, Option<Spanned<String>>)>,
    /// Keys that are not in the vzdump schema (and not [`LEGACY_KEYS`]): Proxmox keeps
    /// them silently, without any effect. The last value of each.
    pub unknown: BTreeMap<String, Spanned<String>>,
}

impl VzdumpConf {
    /// The key/value line where `key` was last written (whatever its validity).
    pub fn line_of(&self, key: &str) -> Option<&(Spanned<String>, Option<Spanned<String>>)> {
        self.lines.iter().rev().find(|(k, _)| k.value == key)
    }
}

use crate::text::is_perl_space;

const OBJECT: &str = "file";

/// Parses vzdump.conf. Never fails.
pub fn parse(file: &SourceFile, diags: &mut Vec<Diagnostic>) -> VzdumpConf {
    let mut conf = VzdumpConf { file: file.id, ..VzdumpConf::default() };
    let first_diag = diags.len();
    // key -> every (key span, value) occurrence, in order.
    let mut seen: BTreeMap<String, Vec<(Span, Spanned<String>, Span)>> = BTreeMap::new();
    for (span, line) in file.lines() {
        let lead = line.len() - line.trim_start_matches(is_perl_space).len();
        let t = line.trim_matches(is_perl_space);
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let tspan = span.sub(lead, lead + t.len());
        // `^(\S+?):\s*(.*)$`: the first `:` such that the key before it is non-empty
        // and without whitespace.
        let colon = t
            .char_indices()
            .find(|(i, c)| *c == ':' && *i > 0)
            .map(|(i, _)| i)
            .filter(|i| !t[..*i].contains(is_perl_space));
        let Some(colon) = colon else {
            diags.push(
                syntax::UNPARSABLE_LINE
                    .at(tspan, "Proxmox ignores this line of vzdump.conf (\"ignore config line\"): a setting must be written as `key: value`")
                    .with_object(OBJECT)
                    .with_help("write the setting as `key: value`, or turn the line into a comment with `#`"),
            );
            continue;
        };
        let key = &t[..colon];
        let rest = &t[colon + 1..];
        let vstart = colon + 1 + (rest.len() - rest.trim_start_matches(is_perl_space).len());
        let value = &t[vstart..];
        let kspan = tspan.sub(0, colon);
        let vspan = tspan.sub(vstart, t.len());
        conf.lines.push((
            Spanned::new(key.to_string(), kspan),
            (!value.is_empty()).then(|| Spanned::new(value.to_string(), vspan)),
        ));
        seen.entry(key.to_string()).or_default().push((kspan, Spanned::new(value.to_string(), vspan), tspan));
    }

    for (key, occ) in seen {
        if LEGACY_KEYS.contains(&key.as_str()) {
            if let Some((_, v, _)) = occ.last() {
                conf.opts.legacy.insert(key, v.clone());
            }
            continue;
        }
        let Some(def) = key_def(&key) else {
            let (kspan, v, _) = &occ[occ.len() - 1];
            let mut d = syntax::UNKNOWN_KEY
                .at(
                    *kspan,
                    format!("'{key}' is not a vzdump setting; Proxmox accepts it silently and it has no effect"),
                )
                .with_object(OBJECT)
                .with_key(key.as_str());
            d = match suggest(&key, VZDUMP_KEYS.iter().map(|k| k.name)) {
                Some(s) => d.with_help(format!("did you mean '{s}'?")),
                None => d.with_help("remove the line, or fix the key name"),
            };
            diags.push(d);
            conf.unknown.insert(key, v.clone());
            continue;
        };
        let empty_ok = EMPTY_OK.contains(&key.as_str());
        if def.array {
            for (kspan, v, line) in &occ {
                if v.value.is_empty() && empty_ok {
                    continue;
                }
                if v.value.is_empty() {
                    diags.push(missing(&key, *line, *kspan));
                } else {
                    conf.opts.exclude_paths.push(v.clone());
                }
            }
            continue;
        }
        // Last line wins, before validation.
        let Some((kspan, last, line)) = occ.last() else { continue };
        for (_, earlier, eline) in &occ[..occ.len() - 1] {
            diags.push(
                syntax::DUPLICATE_KEY
                    .at(*eline, format!("'{key}' is set again later in vzdump.conf; Proxmox uses only the last line, so '{}' here is ignored", earlier.value))
                    .with_label(*line, "this line wins")
                    .with_object(OBJECT)
                    .with_key(key.as_str())
                    .with_help("remove one of the lines"),
            );
        }
        if last.value.is_empty() {
            // Valid and without effect for the keys that accept '' (an empty list, no
            // path): nothing to say. Elsewhere Proxmox rejects it and uses the default.
            if !empty_ok {
                diags.push(missing(&key, *line, *kspan));
            }
            continue;
        }
        let normalised = match def.kind {
            ValueKind::Bool => parse_boolean(&last.value)
                .map(|b| if b { "1" } else { "0" }.to_string())
                .unwrap_or_else(|| last.value.clone()),
            _ => last.value.clone(),
        };
        match check_value(def.kind, Some(&normalised)) {
            Ok(v) => {
                conf.opts.values.insert(key, Spanned::new(v, last.span));
            }
            Err(e) => {
                let e = if matches!(def.kind, ValueKind::Bool) {
                    format!("'{}' is not a boolean (1/0, yes/no, on/off, true/false)", last.value)
                } else {
                    e
                };
                let mut msg =
                    format!("invalid value for '{key}': {e}; Proxmox deletes the key and uses its built-in default");
                if occ.len() > 1 {
                    msg.push_str(" (the earlier lines for it are not used either)");
                }
                diags.push(syntax::INVALID_VALUE.at(last.span, msg).with_object(OBJECT).with_key(key.as_str()));
            }
        }
    }
    diags[first_diag..].sort_by_key(|d| d.span.start);
    conf
}

fn missing(key: &str, line: Span, _key_span: Span) -> Diagnostic {
    syntax::MISSING_VALUE
        .at(line, format!("'{key}' has no value; Proxmox treats it as not set"))
        .with_object(OBJECT)
        .with_key(key)
        .with_help("give it a value or remove the line")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vzdump_opts::dump;
    use std::fmt::Write;

    fn load(text: &str) -> (SourceFile, VzdumpConf, Vec<Diagnostic>) {
        let f = SourceFile::new(FileId(3), "nodes/pve-a/vzdump.conf", text.to_string());
        let mut d = Vec::new();
        let c = parse(&f, &mut d);
        (f, c, d)
    }

    fn codes(d: &[Diagnostic]) -> Vec<&'static str> {
        d.iter().map(|d| d.code).collect()
    }

    #[test]
    fn snapshot_incident_fixture() {
        let (f, c, d) = load(include_str!("../../../../testdata/parse/vzdump/incident.conf"));
        let mut out = String::new();
        for (k, v) in &c.lines {
            let _ = writeln!(
                out,
                "line {} @{} = {}",
                k.value,
                dump::span(&f, k.span),
                v.as_ref().map_or("(empty)".to_string(), |v| format!("{:?} @{}", v.value, dump::span(&f, v.span)))
            );
        }
        dump::opts(&mut out, &f, &c.opts, "opt ");
        for (k, v) in &c.unknown {
            let _ = writeln!(out, "unknown {k} = {:?} @{}", v.value, dump::span(&f, v.span));
        }
        dump::diags(&mut out, &f, &d);
        insta::assert_snapshot!("vzdump_conf_incident", out);
    }

    #[test]
    fn tmpdir_with_span() {
        let (f, c, d) = load("# vzdump default settings\n\ntmpdir: /mnt/usb-3tb/tmp\n#dumpdir: DIR\n");
        assert!(d.is_empty());
        let t = c.opts.tmpdir().unwrap();
        assert_eq!(t.value, "/mnt/usb-3tb/tmp");
        assert_eq!(f.slice(t.span), "/mnt/usb-3tb/tmp");
        assert_eq!(f.line_col(t.span.start), (3, 9));
    }

    #[test]
    fn last_line_wins_and_invalid_last_drops_the_key() {
        let (_, c, d) = load("mode: stop\nmode: suspend\n");
        assert_eq!(c.opts.mode().unwrap().value, "suspend");
        assert_eq!(codes(&d), vec!["P006"]);
        let (_, c, d) = load("mode: stop\nmode: fast\n");
        assert!(c.opts.mode().is_none());
        assert_eq!(codes(&d), vec!["P006", "P008"]);
        assert!(d[1].message.contains("not used either"));
    }

    #[test]
    fn booleans_are_lenient() {
        let (_, c, d) = load("stdexcludes: no\nremove: Yes\nprotected: maybe\n");
        assert_eq!(c.opts.get("stdexcludes").unwrap().value, "0");
        assert_eq!(c.opts.get("remove").unwrap().value, "1");
        assert!(c.opts.get("protected").is_none());
        assert_eq!(codes(&d), vec!["P008"]);
    }

    #[test]
    fn unknown_legacy_and_unparsable_lines() {
        let (_, c, d) =
            load("tmp-dir: /x\nmaxfiles: 3\ntmpdir /y\n  # indented comment\nnotes-template: {{node}}: {{vmid}}\n");
        assert_eq!(c.unknown.get("tmp-dir").unwrap().value, "/x");
        assert_eq!(c.opts.legacy.get("maxfiles").unwrap().value, "3");
        assert_eq!(c.opts.get("notes-template").unwrap().value, "{{node}}: {{vmid}}");
        assert_eq!(codes(&d), vec!["P007", "P004"]);
        assert_eq!(d[0].help.as_deref(), Some("did you mean 'tmpdir'?"));
    }

    #[test]
    fn empty_values_and_arrays() {
        let (_, c, d) = load("tmpdir:\nexclude-path: /a\nexclude-path: '/b c'\nstorage:   \n");
        assert!(c.opts.tmpdir().is_none());
        assert_eq!(c.opts.exclude_paths.len(), 2);
        // `tmpdir:` is a valid empty string; `storage:` is not a storage ID.
        assert_eq!(codes(&d), vec!["P009"]);
        assert_eq!(c.lines[0].1, None);
    }

    /// Keys whose format accepts '' (pve-manager's vzdump tests expect `mailto => []`)
    /// are not reported; keys that reject it are.
    #[test]
    fn empty_values_proxmox_accepts() {
        let text = "mailto:\npool:\nvmid:\nexclude:\nprune-backups:\nperformance:\nscript:\ndumpdir:\nnotes-template:\nexclude-path:\nbwlimit:\nmode:\nnode:\nremove:\n";
        let (f, c, d) = load(text);
        let reported: Vec<&str> = d.iter().map(|d| f.slice(d.span).split(':').next().unwrap_or("")).collect();
        assert_eq!(reported, ["bwlimit", "mode", "node", "remove"], "{d:?}");
        assert!(codes(&d).iter().all(|c| *c == "P009"));
        assert!(c.opts.get("mailto").is_none() && c.opts.exclude_paths.is_empty());
    }

    #[test]
    fn crlf_and_odd_text() {
        let (_, c, d) = load("storage: nas\r\nionice: 9\r\n:x\r\né: ü\r\n");
        assert_eq!(c.opts.storage().unwrap().value, "nas");
        assert!(c.opts.get("ionice").is_none());
        assert_eq!(codes(&d), vec!["P008", "P004", "P007"]);
    }
}
