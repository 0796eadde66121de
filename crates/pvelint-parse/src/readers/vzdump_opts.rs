//! The shared vzdump option schema, used by `/etc/vzdump.conf`,
//! jobs.cfg `vzdump` sections and the legacy vzdump.cron, and [`VzdumpOptions`], the
//! values Proxmox keeps.
//!
//! Source: pve-guest-common `PVE/VZDump/Common.pm → $confdesc` (PVE 9: `maxfiles`,
//! `notification-policy` and `notification-target` are gone).

use crate::section::{KeyDef, Section, ValueKind};
use crate::span::{Span, Spanned};
use std::collections::BTreeMap;

const COMPRESS: &[&str] = &["0", "1", "gzip", "lzo", "zstd"];
const MODES: &[&str] = &["snapshot", "suspend", "stop"];
const MAILNOTIFICATION: &[&str] = &["always", "failure"];
const NOTIFICATION_MODE: &[&str] = &["auto", "legacy-sendmail", "notification-system"];
const PBS_CDM: &[&str] = &["legacy", "data", "metadata"];
const U: i64 = i64::MAX;

/// Every key of the shared vzdump schema with its value check. `exclude-path` is the
/// only array key (it may repeat and accumulates).
pub static VZDUMP_KEYS: &[KeyDef] = &[
    KeyDef::opt("all", ValueKind::Bool),
    KeyDef::opt("bwlimit", ValueKind::Int(0, U)),
    KeyDef::opt("compress", ValueKind::Enum(COMPRESS)),
    KeyDef::opt("dumpdir", ValueKind::Text),
    KeyDef::opt("exclude", ValueKind::Custom(check_vmid_list)),
    KeyDef::array("exclude-path", ValueKind::Text),
    KeyDef::opt("fleecing", ValueKind::Custom(check_fleecing)),
    KeyDef::opt("ionice", ValueKind::Int(0, 8)),
    KeyDef::opt("lockwait", ValueKind::Int(0, U)),
    KeyDef::opt("mailnotification", ValueKind::Enum(MAILNOTIFICATION)),
    KeyDef::opt("mailto", ValueKind::Text),
    KeyDef::opt("mode", ValueKind::Enum(MODES)),
    KeyDef::opt("node", ValueKind::Custom(check_node)),
    KeyDef::opt("notes-template", ValueKind::Custom(check_notes_template)),
    KeyDef::opt("notification-mode", ValueKind::Enum(NOTIFICATION_MODE)),
    KeyDef::opt("pbs-change-detection-mode", ValueKind::Enum(PBS_CDM)),
    KeyDef::opt("performance", ValueKind::Custom(check_performance)),
    KeyDef::opt("pigz", ValueKind::Int(i64::MIN, U)),
    KeyDef::opt("pool", ValueKind::Text),
    KeyDef::opt("protected", ValueKind::Bool),
    KeyDef::opt("prune-backups", ValueKind::Custom(validate_prune_backups)),
    KeyDef::opt("quiet", ValueKind::Bool),
    KeyDef::opt("remove", ValueKind::Bool),
    KeyDef::opt("script", ValueKind::Text),
    KeyDef::opt("stdexcludes", ValueKind::Bool),
    KeyDef::opt("stop", ValueKind::Bool),
    KeyDef::opt("stopwait", ValueKind::Int(0, U)),
    KeyDef::opt("storage", ValueKind::Custom(check_storage_id)),
    KeyDef::opt("tmpdir", ValueKind::Text),
    KeyDef::opt("vmid", ValueKind::Custom(check_vmid_list)),
    KeyDef::opt("zstd", ValueKind::Int(i64::MIN, U)),
];

/// Keys that older Proxmox versions knew and PVE 9 no longer does: PVE 9 drops them
/// (jobs.cfg) or ignores them (vzdump.conf), and pve8to9 fails on them. They are not
/// reported by the parser; rules decide with the tree's version in mind.
pub const LEGACY_KEYS: &[&str] = &["maxfiles", "notification-policy", "notification-target"];

/// Keys whose schema accepts the empty string, as `PVE::JSONSchema::check_prop` /
/// `check_format` (pve-common `src/PVE/JSONSchema.pm`) read the `$confdesc` of
/// pve-guest-common `src/PVE/VZDump/Common.pm`: plain strings without a format (`dumpdir`,
/// `tmpdir`, `script`, `pool`, `notes-template`), `-list` formats, which allow empty
/// lists (`vmid`, `exclude`: `pve-vmid-list`; `mailto`: `email-or-username-list`, kept as
/// `mailto => []` by pve-manager's vzdump tests), hash formats, which
/// `parse_property_string` reads as no option at all (`performance`, `prune-backups`,
/// `fleecing`), and the string items of the `exclude-path` array. In vzdump.conf an empty
/// value there is valid and changes nothing (vzdump tests these options for truth), so it
/// is not reported. Booleans, integers, enums and `storage` / `node` formats reject it.
///
/// jobs.cfg has no such case: `PVE::SectionConfig::check_value` (pve-common
/// `src/PVE/SectionConfig.pm`) dies with "missing value" for a key written without a
/// value (booleans excepted, which mean 1), whatever its format.
pub const EMPTY_OK: &[&str] = &[
    "dumpdir",
    "exclude",
    "exclude-path",
    "fleecing",
    "mailto",
    "notes-template",
    "performance",
    "pool",
    "prune-backups",
    "script",
    "tmpdir",
    "vmid",
];

/// The [`KeyDef`] of a shared key.
pub fn key_def(name: &str) -> Option<&'static KeyDef> {
    VZDUMP_KEYS.iter().find(|k| k.name == name)
}

/// Whether `c` is one of the separators of Proxmox's `split_list`.
pub use crate::text::split_list;

/// `^[1-9][0-9]{2,8}$`
pub fn is_vmid(s: &str) -> bool {
    let b = s.as_bytes();
    (3..=9).contains(&b.len()) && b[0] != b'0' && b.iter().all(u8::is_ascii_digit)
}

/// `^[a-z][a-z0-9._-]*[a-z0-9]$`, case-insensitive.
pub fn is_storage_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2
        && b[0].is_ascii_alphabetic()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

/// `^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$`
pub fn is_node_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

/// `PVE::JSONSchema::parse_boolean`: `1|on|yes|true` and `0|off|no|false`, any case.
pub fn parse_boolean(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "1" | "on" | "yes" | "true" => Some(true),
        "0" | "off" | "no" | "false" => Some(false),
        _ => None,
    }
}

fn check_vmid_list(v: &str) -> Result<(), String> {
    for (a, b) in split_list(v) {
        let id = &v[a..b];
        if !is_vmid(id) {
            return Err(format!(
                "'{id}' is not a guest ID (100 to 999999999), and one bad entry rejects the whole list"
            ));
        }
    }
    Ok(())
}

fn check_storage_id(v: &str) -> Result<(), String> {
    if is_storage_id(v) {
        Ok(())
    } else {
        Err(format!("'{v}' is not a valid storage ID"))
    }
}

fn check_node(v: &str) -> Result<(), String> {
    if is_node_name(v) {
        Ok(())
    } else {
        Err(format!("'{v}' is not a valid node name"))
    }
}

fn check_notes_template(v: &str) -> Result<(), String> {
    if v.chars().count() > 1024 {
        Err("the notes template is longer than 1024 characters".into())
    } else {
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Sub {
    Bool,
    Int(i64, i64),
    StorageId,
}

/// Parsed property-string keys: normalised value and byte range of the value.
type Props = BTreeMap<String, (String, (usize, usize))>;

/// A minimal `parse_property_string` for the three vzdump formats: returns each key with
/// its (normalised) value and its byte range in `v`.
fn parse_props(v: &str, default_key: Option<&str>, keys: &[(&str, Sub)]) -> Result<Props, String> {
    let mut res: Props = BTreeMap::new();
    let mut pos = 0;
    for part in v.split(',') {
        let start = pos;
        pos += part.len() + 1;
        if part.trim().is_empty() {
            continue;
        }
        let (key, val, vstart) = match part.find('=') {
            Some(eq) if eq > 0 && eq + 1 < part.len() => (&part[..eq], &part[eq + 1..], start + eq + 1),
            Some(_) => return Err(format!("'{part}' has an empty key or value")),
            None => match default_key {
                Some(k) => (k, part, start),
                None => return Err(format!("'{part}' has no key")),
            },
        };
        let Some((_, kind)) = keys.iter().find(|(k, _)| *k == key) else {
            let known: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
            return Err(format!("'{key}' is not a valid key here (valid: {})", known.join(", ")));
        };
        if res.contains_key(key) {
            return Err(format!("'{key}' is given twice"));
        }
        let norm = match kind {
            Sub::Bool => match parse_boolean(val) {
                Some(b) => if b { "1" } else { "0" }.to_string(),
                None => return Err(format!("'{val}' is not a boolean for '{key}'")),
            },
            Sub::Int(min, max) => match val.parse::<i64>() {
                Ok(n) if n >= *min && n <= *max => val.to_string(),
                _ => return Err(format!("'{val}' is not an integer in {min}..={max} for '{key}'")),
            },
            Sub::StorageId => {
                if !is_storage_id(val) {
                    return Err(format!("'{val}' is not a valid storage ID for '{key}'"));
                }
                val.to_string()
            }
        };
        res.insert(key.to_string(), (norm, (vstart, vstart + val.len())));
    }
    Ok(res)
}

const PRUNE: &[(&str, Sub)] = &[
    ("keep-all", Sub::Bool),
    ("keep-last", Sub::Int(0, U)),
    ("keep-hourly", Sub::Int(0, U)),
    ("keep-daily", Sub::Int(0, U)),
    ("keep-weekly", Sub::Int(0, U)),
    ("keep-monthly", Sub::Int(0, U)),
    ("keep-yearly", Sub::Int(0, U)),
];
const PERFORMANCE: &[(&str, Sub)] = &[("max-workers", Sub::Int(1, 256)), ("pbs-entries-max", Sub::Int(1, U))];
const FLEECING: &[(&str, Sub)] = &[("enabled", Sub::Bool), ("storage", Sub::StorageId)];

/// The `prune-backups` property string, as pve-storage reads it for storage.cfg, jobs.cfg,
/// vzdump.conf and vzdump.cron alike: `PVE::JSONSchema::parse_property_string` with the
/// `prune-backups` format (keep-all a boolean, the others integers >= 0, so `yes` and
/// `+3` pass) and then `validate_prune_backups` (pve-storage `src/PVE/Storage/Plugin.pm`):
/// keep-all conflicts only with another option greater than 0.
pub fn validate_prune_backups(v: &str) -> Result<(), String> {
    let p = parse_props(v, None, PRUNE)?;
    let keep_all = p.get("keep-all").is_some_and(|(v, _)| v == "1");
    let others = p.iter().any(|(k, (v, _))| k != "keep-all" && v.parse::<i64>().is_ok_and(|n| n > 0));
    if keep_all && others {
        return Err("keep-all cannot be set together with other options".into());
    }
    Ok(())
}

fn check_performance(v: &str) -> Result<(), String> {
    parse_props(v, None, PERFORMANCE).map(|_| ())
}

fn check_fleecing(v: &str) -> Result<(), String> {
    parse_props(v, Some("enabled"), FLEECING).map(|_| ())
}

/// The vzdump options Proxmox keeps from one source (a jobs.cfg section, vzdump.conf, a
/// vzdump.cron line): only valid values, each with the span it was read from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VzdumpOptions {
    /// Single-valued keys. Booleans are normalised to `0`/`1`.
    pub values: BTreeMap<String, Spanned<String>>,
    /// `exclude-path` entries in order.
    pub exclude_paths: Vec<Spanned<String>>,
    /// [`LEGACY_KEYS`] as written (PVE 9 ignores them; rules decide what to say).
    pub legacy: BTreeMap<String, Spanned<String>>,
}

/// A span for `value[a..b]` when `value` is written verbatim at `span`, else the whole span.
fn sub_span(value: &Spanned<String>, a: usize, b: usize) -> Span {
    if value.span.len() == value.value.len() {
        value.span.sub(a, b)
    } else {
        value.span
    }
}

impl VzdumpOptions {
    /// The options of a jobs.cfg section after its schema was applied.
    pub fn from_section(section: &Section) -> Self {
        let mut o = VzdumpOptions::default();
        for (k, v) in &section.values {
            if key_def(k).is_some() {
                o.values.insert(k.clone(), v.clone());
            }
        }
        if let Some(paths) = section.arrays.get("exclude-path") {
            o.exclude_paths = paths.clone();
        }
        o
    }

    pub fn get(&self, key: &str) -> Option<&Spanned<String>> {
        self.values.get(key)
    }
    pub fn storage(&self) -> Option<&Spanned<String>> {
        self.get("storage")
    }
    pub fn tmpdir(&self) -> Option<&Spanned<String>> {
        self.get("tmpdir")
    }
    pub fn dumpdir(&self) -> Option<&Spanned<String>> {
        self.get("dumpdir")
    }
    pub fn script(&self) -> Option<&Spanned<String>> {
        self.get("script")
    }
    pub fn node(&self) -> Option<&Spanned<String>> {
        self.get("node")
    }
    pub fn pool(&self) -> Option<&Spanned<String>> {
        self.get("pool")
    }
    pub fn mode(&self) -> Option<&Spanned<String>> {
        self.get("mode")
    }

    fn flag(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| v.value == "1")
    }

    /// `all 1`.
    pub fn all(&self) -> bool {
        self.flag("all")
    }

    fn id_list(&self, key: &str) -> Vec<Spanned<u32>> {
        let Some(v) = self.get(key) else { return Vec::new() };
        split_list(&v.value)
            .into_iter()
            .filter_map(|(a, b)| v.value[a..b].parse::<u32>().ok().map(|n| Spanned::new(n, sub_span(v, a, b))))
            .collect()
    }

    /// The `vmid` list, each ID with its own span.
    pub fn vmids(&self) -> Vec<Spanned<u32>> {
        self.id_list("vmid")
    }

    /// The `exclude` list, each ID with its own span.
    pub fn excludes(&self) -> Vec<Spanned<u32>> {
        self.id_list("exclude")
    }

    fn fleecing(&self) -> Option<(&Spanned<String>, Props)> {
        let v = self.get("fleecing")?;
        let p = parse_props(&v.value, Some("enabled"), FLEECING).ok()?;
        Some((v, p))
    }

    /// Fleecing is enabled (`fleecing 1` or `enabled=1`).
    pub fn fleecing_enabled(&self) -> bool {
        self.fleecing().is_some_and(|(_, p)| p.get("enabled").is_some_and(|(e, _)| e == "1"))
    }

    /// The fleecing storage, when fleecing is enabled and names one.
    pub fn fleecing_storage(&self) -> Option<Spanned<String>> {
        let (v, p) = self.fleecing()?;
        match p.get("enabled") {
            Some((e, _)) if e == "1" => {}
            _ => return None,
        }
        let (s, (a, b)) = p.get("storage")?;
        Some(Spanned::new(s.clone(), sub_span(v, *a, *b)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    fn opts(pairs: &[(&str, &str)]) -> VzdumpOptions {
        let mut o = VzdumpOptions::default();
        let mut pos = 0;
        for (k, v) in pairs {
            o.values.insert(k.to_string(), Spanned::new(v.to_string(), Span::new(FileId(0), pos, pos + v.len())));
            pos += v.len() + 1;
        }
        o
    }

    #[test]
    fn split_list_follows_proxmox() {
        let t = " 106, 113;;200\t300 ";
        let parts: Vec<&str> = split_list(t).into_iter().map(|(a, b)| &t[a..b]).collect();
        assert_eq!(parts, vec!["106", "113", "200", "300"]);
        assert!(split_list(",;").is_empty());
        let t = "a b\0c";
        let parts: Vec<&str> = split_list(t).into_iter().map(|(a, b)| &t[a..b]).collect();
        assert_eq!(parts, vec!["a b", "c"]);
    }

    #[test]
    fn vmids_have_their_own_spans() {
        let o = opts(&[("vmid", "106,113")]);
        let ids = o.vmids();
        assert_eq!(ids.iter().map(|s| s.value).collect::<Vec<_>>(), vec![106, 113]);
        assert_eq!((ids[1].span.start, ids[1].span.end), (4, 7));
        assert!(o.excludes().is_empty());
    }

    #[test]
    fn value_checks() {
        assert!(check_vmid_list("106,113").is_ok());
        assert!(check_vmid_list("").is_ok());
        assert!(check_vmid_list("106,99").is_err());
        assert!(check_vmid_list("0106").is_err());
        assert!(check_storage_id("Backups-SMB").is_ok());
        assert!(check_storage_id("a").is_err());
        assert!(check_storage_id("nas_").is_err());
        assert!(check_node("pve-1").is_ok());
        assert!(check_node("pve.lan").is_err());
        assert!(validate_prune_backups("keep-last=4").is_ok());
        assert!(validate_prune_backups("keep-all=1,keep-last=3").is_err());
        assert!(validate_prune_backups("keep-all=1,keep-last=0").is_ok());
        assert!(validate_prune_backups("keep-lst=3").is_err());
        assert!(validate_prune_backups("keep-last=").is_err());
        // Accepted by pve-storage's validate_prune_backups (storage.cfg used to reject them).
        for ok in ["keep-all=1,keep-last=0", "keep-all=yes", "keep-last=+3", "keep-all=0,keep-daily=7", ""] {
            assert!(validate_prune_backups(ok).is_ok(), "{ok}");
        }
        for bad in
            ["keep-all=1,keep-last=2", "keep-last=-1", "keep-last=3 ", "keep-all=maybe", "keep-last=1,keep-last=2"]
        {
            assert!(validate_prune_backups(bad).is_err(), "{bad}");
        }
        assert!(check_performance("max-workers=16").is_ok());
        assert!(check_performance("max-workers=0").is_err());
        assert!(check_fleecing("0").is_ok());
        assert!(check_fleecing("enabled=1,storage=local-lvm").is_ok());
        assert!(check_fleecing("1,enabled=0").is_err());
        assert!(check_fleecing("storage=a").is_err());
        assert!(check_notes_template("{{guestname}}").is_ok());
    }

    #[test]
    fn fleecing_storage_only_when_enabled() {
        let o = opts(&[("fleecing", "enabled=1,storage=fast")]);
        let s = o.fleecing_storage().unwrap();
        assert_eq!(s.value, "fast");
        assert_eq!((s.span.start, s.span.end), (18, 22));
        assert!(o.fleecing_enabled());
        let o = opts(&[("fleecing", "storage=fast")]);
        assert_eq!(o.fleecing_storage(), None);
        let o = opts(&[("fleecing", "yes,storage=fast")]);
        assert_eq!(o.fleecing_storage().unwrap().value, "fast");
        let o = opts(&[("fleecing", "0")]);
        assert!(!o.fleecing_enabled());
    }

    #[test]
    fn accessors() {
        let o = opts(&[("all", "1"), ("storage", "pbs"), ("prune-backups", "keep-last=4")]);
        assert!(o.all());
        assert_eq!(o.storage().unwrap().value, "pbs");
        assert!(o.tmpdir().is_none());
    }
}

/// Compact text dumps of the models of jobs.cfg, vzdump.conf and vzdump.cron for
/// snapshot tests: one line per value, with `line:col-line:col`.
#[cfg(test)]
pub(crate) mod dump {
    use super::VzdumpOptions;
    use crate::diag::Diagnostic;
    use crate::source::SourceFile;
    use crate::span::Span;
    use std::fmt::Write;

    pub fn span(f: &SourceFile, s: Span) -> String {
        let (l1, c1) = f.line_col(s.start);
        let (l2, c2) = f.line_col(s.end);
        format!("{l1}:{c1}-{l2}:{c2}")
    }

    pub fn opts(out: &mut String, f: &SourceFile, o: &VzdumpOptions, indent: &str) {
        for (k, v) in &o.values {
            let _ = writeln!(out, "{indent}{k} = {:?} @{}", v.value, span(f, v.span));
        }
        for p in &o.exclude_paths {
            let _ = writeln!(out, "{indent}exclude-path[] = {:?} @{}", p.value, span(f, p.span));
        }
        for (k, v) in &o.legacy {
            let _ = writeln!(out, "{indent}legacy {k} = {:?} @{}", v.value, span(f, v.span));
        }
        for id in o.vmids() {
            let _ = writeln!(out, "{indent}vmids[] {} @{}", id.value, span(f, id.span));
        }
        for id in o.excludes() {
            let _ = writeln!(out, "{indent}excludes[] {} @{}", id.value, span(f, id.span));
        }
        if let Some(s) = o.fleecing_storage() {
            let _ = writeln!(out, "{indent}fleecing-storage {:?} @{}", s.value, span(f, s.span));
        }
    }

    pub fn diags(out: &mut String, f: &SourceFile, d: &[Diagnostic]) {
        for d in d {
            let _ = writeln!(
                out,
                "{} {} @{} [{}/{}] {}",
                d.code,
                d.severity.as_str(),
                span(f, d.span),
                d.object.as_deref().unwrap_or("-"),
                d.key.as_deref().unwrap_or("-"),
                d.message
            );
            if let Some(h) = &d.help {
                let _ = writeln!(out, "    help: {h}");
            }
        }
    }
}

/// Runs the jobs.cfg, vzdump.conf and vzdump.cron parsers over the real-world corpus and
/// fails on any finding: `cargo test -p pvelint-parse corpus_backup_files -- --ignored`.
#[cfg(test)]
mod corpus {
    use crate::source::SourceFile;
    use crate::span::FileId;
    use std::path::{Path, PathBuf};

    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }

    #[test]
    #[ignore]
    fn corpus_backup_files() {
        let mut files = Vec::new();
        walk(Path::new("/work/shared/corpus/real"), &mut files);
        let mut findings = Vec::new();
        let mut n = 0;
        for p in files {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let Ok(bytes) = std::fs::read(&p) else { continue };
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let f = SourceFile::new(FileId(0), p.display().to_string(), text);
            let mut d = Vec::new();
            if name == "jobs.cfg" {
                let cfg = crate::jobs::parse(&f, &mut d);
                assert!(cfg.jobs.iter().all(|j| j.usable), "{}", f.path);
            } else if name.ends_with("vzdump.conf") {
                crate::vzdump_conf::parse(&f, &mut d);
            } else if name == "vzdump.cron" {
                crate::cron::parse(&f, &mut d);
            } else {
                continue;
            }
            n += 1;
            for d in d {
                let (l, c) = f.line_col(d.span.start);
                findings.push(format!("{}:{l}:{c} {} {}", f.path, d.code, d.message));
            }
        }
        eprintln!("{n} backup config files checked");
        assert!(n > 0);
        assert!(findings.is_empty(), "{}", findings.join("\n"));
    }
}
