//! `pvelint.yaml` / `.pvelint.yaml`: rule selection, severity overrides, ignores per
//! path and per object, node-local files, the target Proxmox VE version. Read with
//! serde-saphyr; every error points at its place in the YAML file.

use globset::{Glob, GlobMatcher};
use pvelint_parse::{Diagnostic, Severity, Tree};
use pvelint_rules::RuleMeta;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// File names looked for, in this order, in the linted directory and its parents.
pub const FILE_NAMES: &[&str] = &["pvelint.yaml", ".pvelint.yaml"];

/// The file as written (format version 1: minor releases of pvelint only add optional
/// keys; a key is removed or changes meaning only in a major release). Unknown keys are
/// errors.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "pvelint configuration (pvelint.yaml)")]
pub struct RawConfig {
    /// Codes, code prefixes (`G1`) or names of the rules to run; default: all.
    #[schemars(with = "Option<Vec<String>>")]
    pub select: Option<Vec<Spanned<String>>>,
    /// Rules to run in addition to `select`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub extend_select: Vec<Spanned<String>>,
    /// Rules not to run.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub ignore: Vec<Spanned<String>>,
    /// Severity per rule code or name: error, warning, info, or off.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, SeverityOverride>")]
    pub severity: BTreeMap<String, Spanned<SeverityOverride>>,
    /// Findings to ignore in files matching a glob (relative to the tree root).
    #[serde(default)]
    pub per_path_ignores: Vec<PathIgnore>,
    /// Findings to ignore about an object: `storage:NAME`, `guest:VMID`, `job:ID`,
    /// `node:NAME`.
    #[serde(default)]
    pub per_object_ignores: Vec<ObjectIgnore>,
    /// `/etc/vzdump.conf` of each node: NODE → path relative to this file. In a file found
    /// in the tree or its parents the path must stay in this file's directory (no `..`,
    /// not absolute, no symbolic link on the way).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub vzdump_conf: BTreeMap<String, Spanned<String>>,
    /// Node facts files (`pvelint facts -o FILE`), each naming its node: paths relative to
    /// this file, under the same rule as `vzdump-conf`. A repository written by
    /// `pvelint collect` needs none: `hosts/<node>/facts.json` is read by itself.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub facts: Vec<Spanned<String>>,
    /// Where the rule documents are, for the link each finding carries: an `http(s)://`
    /// base (`{code}` stands for the code; without it `<CODE>.md` is appended). Default:
    /// this version's tag of pvelint's repository. `--explain-url` overrides it.
    #[schemars(with = "Option<String>")]
    pub explain_url: Option<Spanned<String>>,
    /// The Proxmox VE major version the cluster runs (8 or 9; default 9), for rules about
    /// removed or deprecated options.
    #[schemars(with = "Option<u8>")]
    pub pve_version: Option<Spanned<u8>>,
    /// Show the tree's paths under this directory in every output (e.g. `clusters/prod`
    /// when the tree is that directory of the repository); `--path-prefix` overrides it.
    pub path_prefix: Option<String>,
    /// The local node, when the tree does not say it (no `local` link, `.members`,
    /// one-node corosync.conf or single `nodes/` directory): the node of the guests in
    /// top-level `lxc/` and `qemu-server/`; `--node` overrides it.
    #[schemars(with = "Option<String>")]
    pub node: Option<Spanned<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SeverityOverride {
    Error,
    Warning,
    Info,
    Off,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathIgnore {
    /// A glob such as `nodes/*/lxc/1*.conf`.
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// Codes, prefixes or names; empty or missing: every rule.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub rules: Vec<Spanned<String>>,
    /// Why (kept for reviewers; shown by --show-config).
    pub reason: Option<String>,
    /// The last day the ignore applies (`YYYY-MM-DD`, UTC); after it, the findings are
    /// reported again and a note says the ignore expired.
    #[schemars(with = "Option<String>")]
    pub expires: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectIgnore {
    #[schemars(with = "String")]
    pub object: Spanned<String>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub rules: Vec<Spanned<String>>,
    /// Why (kept for reviewers; shown by --show-config).
    pub reason: Option<String>,
    /// The last day the ignore applies (`YYYY-MM-DD`, UTC).
    #[schemars(with = "Option<String>")]
    pub expires: Option<Spanned<String>>,
}

/// One per-path or per-object ignore as it applies.
#[derive(Debug)]
pub struct Ignore {
    /// `per-path-ignores` or `per-object-ignores`.
    pub list: &'static str,
    /// The glob or the object, as written.
    pub pattern: String,
    /// The compiled glob of a per-path ignore.
    pub glob: Option<GlobMatcher>,
    pub rules: Vec<String>,
    pub reason: Option<String>,
    pub expires: Option<Date>,
    /// Line of the entry in the file (1-based), for notes.
    pub line: usize,
}

impl Ignore {
    /// `per-path-ignores 'nodes/*' (line 4)`.
    pub fn describe(&self) -> String {
        format!("{} '{}' (line {})", self.list, self.pattern, self.line)
    }

    pub fn expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|e| e < today)
    }
}

/// A calendar day (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Date {
    /// `YYYY-MM-DD`, a real day of the Gregorian calendar.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let (year, month, day) = (s[..4].parse().ok()?, s[5..7].parse().ok()?, s[8..].parse().ok()?);
        let leap = |y: i32| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let days = [31, if leap(year) { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let digits = [&s[..4], &s[5..7], &s[8..]].iter().all(|p| p.bytes().all(|c| c.is_ascii_digit()));
        let valid =
            digits && year >= 1970 && (1..=12).contains(&month) && day >= 1 && day <= days[(month - 1) as usize];
        valid.then_some(Date { year, month, day })
    }

    /// The civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Today (UTC), or `PVELINT_TODAY` (`YYYY-MM-DD`) when set, so that a run can be
    /// repeated as of a given day.
    pub fn today() -> Date {
        if let Some(d) = std::env::var("PVELINT_TODAY").ok().and_then(|v| Date::parse(&v)) {
            return d;
        }
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Date::from_days((secs / 86_400) as i64)
    }
}

/// Which ignores suppressed something in a run (by index in [`Config::ignores`]).
#[derive(Debug, Default)]
pub struct Usage {
    pub used: Vec<bool>,
}

/// The JSON Schema of the file, generated from [`RawConfig`].
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(RawConfig);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

/// Where a configuration file came from, which decides how far it is trusted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Origin {
    /// Found by searching the tree and its parents: written by whoever can push to the
    /// repository, so untrusted. It is read without following a link, and the files it
    /// names must lie in its directory.
    #[default]
    Found,
    /// Named with `--config`: the caller's choice. A link is followed, and the paths it
    /// names may be absolute.
    Given,
}

/// A configuration error, with its place in the YAML file.
#[derive(Debug)]
pub struct ConfigError {
    pub path: PathBuf,
    pub text: String,
    /// Byte range in `text`, when known.
    pub span: Option<(usize, usize)>,
    pub message: String,
}

impl ConfigError {
    /// Renders the error (no colour): the message, and when its place is known, that one
    /// line of the file with the place underlined. No other line of the file is shown.
    pub fn render(&self) -> String {
        let mut out = format!("pvelint: invalid configuration in {}: {}\n", self.path.display(), self.message);
        let Some((a, b)) = self.span else { return out };
        let a = a.min(self.text.len());
        let start = self.text[..a].rfind('\n').map_or(0, |i| i + 1);
        let end = self.text[a..].find('\n').map_or(self.text.len(), |i| a + i);
        let line_no = self.text[..start].matches('\n').count() + 1;
        let line = self.text[start..end].trim_end_matches('\r');
        let col = self.text[start..a].chars().count();
        let width = self.text.get(a..b.min(end).max(a)).map_or(1, |t| t.chars().count().max(1));
        let gutter = line_no.to_string().len();
        out.push_str(&format!("{:gutter$}--> {}:{line_no}:{}\n", "", self.path.display(), col + 1));
        out.push_str(&format!("{line_no} | {line}\n"));
        out.push_str(&format!("{:gutter$} | {}{}\n", "", " ".repeat(col), "^".repeat(width)));
        out
    }
}

/// How a selector matches a rule: code, name, or code prefix.
pub fn selector_matches(meta: &RuleMeta, selector: &str) -> bool {
    let s = selector.trim();
    !s.is_empty() && (meta.name == s || meta.code.len() >= s.len() && meta.code[..s.len()].eq_ignore_ascii_case(s))
}

/// Whether a selector matches any rule.
pub fn selector_known(selector: &str) -> bool {
    pvelint_rules::registry::all_meta().iter().any(|m| selector_matches(m, selector))
}

/// The configuration in effect.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it came from.
    pub path: Option<PathBuf>,
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    pub severity: BTreeMap<String, SeverityOverride>,
    /// Per-path ignores, then per-object ignores, in file order.
    pub ignores: Vec<Ignore>,
    /// The day expiry dates are compared with.
    pub today: Option<Date>,
    /// NODE → path as written in the file (relative to [`Config::dir`]).
    pub vzdump_conf: BTreeMap<String, String>,
    /// Facts files as written in the file (relative to [`Config::dir`]).
    pub facts: Vec<String>,
    /// The base of the rule documents' addresses (`explain-url`), checked.
    pub explain_url: Option<String>,
    /// The directory of the file, which its paths are relative to.
    pub dir: PathBuf,
    pub origin: Origin,
    pub pve_version: u8,
    pub path_prefix: Option<String>,
    pub node: Option<String>,
}

/// Looks for a config file in `start` and its parents.
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let mut dir = if start.is_dir() { Some(start.as_path()) } else { start.parent() };
    while let Some(d) = dir {
        for name in FILE_NAMES {
            // Whatever is there (a link, a directory, a FIFO) is taken, never followed or
            // skipped: `load` refuses what is not a regular file, with exit 2.
            let p = d.join(name);
            if std::fs::symlink_metadata(&p).is_ok() {
                return Some(p);
            }
        }
        dir = d.parent();
    }
    None
}

fn byte_span(text: &str, loc: &serde_saphyr::Location) -> Option<(usize, usize)> {
    let span = loc.span();
    if let (Some(off), Some(len)) = (span.byte_offset(), span.byte_len()) {
        let a = off as usize;
        return Some((a, a + (len as usize).max(1)).min((text.len(), text.len())));
    }
    // Fall back to the line and column (1-based, in characters).
    let line = loc.line() as usize;
    let col = loc.column() as usize;
    if line == 0 {
        return None;
    }
    let start: usize = text.split_inclusive('\n').take(line - 1).map(str::len).sum();
    let rest = text.get(start..)?;
    let off = rest.char_indices().nth(col.saturating_sub(1)).map_or(rest.len(), |(i, _)| i);
    let end = rest[off..].find(['\n', ' ', ',']).map_or(rest.len(), |e| off + e.max(1));
    Some((start + off, start + end))
}

/// The words of the schema, which parser messages may quote ("expected `ignore`"):
/// every key and every enumerated value of [`RawConfig`]'s JSON Schema, collected once,
/// so that a key added to the file format is known here without a second list.
fn schema_words() -> &'static std::collections::BTreeSet<String> {
    static WORDS: std::sync::OnceLock<std::collections::BTreeSet<String>> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        fn walk(v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
            match v {
                serde_json::Value::Object(m) => {
                    if let Some(serde_json::Value::Object(props)) = m.get("properties") {
                        out.extend(props.keys().cloned());
                    }
                    if let Some(serde_json::Value::Array(values)) = m.get("enum") {
                        out.extend(values.iter().filter_map(|e| e.as_str().map(String::from)));
                    }
                    if let Some(serde_json::Value::String(c)) = m.get("const") {
                        out.insert(c.clone());
                    }
                    m.values().for_each(|x| walk(x, out));
                }
                serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                _ => {}
            }
        }
        let mut out = std::collections::BTreeSet::new();
        walk(&serde_json::to_value(schemars::schema_for!(RawConfig)).unwrap_or_default(), &mut out);
        out
    })
}

/// The line of `text` that holds byte `at`.
fn line_at(text: &str, at: usize) -> &str {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    &text[start..end]
}

/// A parser message with every quoted part (`"…"` or `` `…` ``) that is not text of the
/// offending `line` replaced by `…`: a message never shows more of the file than that
/// line (serde quotes whole values, which for a file that is not YAML at all can be the
/// whole file).
fn quote_only(msg: &str, line: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(i) = rest.find(['"', '`']) {
        let q = rest[i..].chars().next().unwrap_or('"');
        out.push_str(&rest[..=i]);
        let after = &rest[i + 1..];
        let Some(j) = after.find(q) else {
            out.push('…');
            return out;
        };
        let quoted = &after[..j];
        let shown = quoted.trim_matches('\\');
        let known = schema_words().contains(shown);
        if known || (!line.is_empty() && line.contains(shown) && !shown.contains('\n')) {
            out.push_str(quoted);
        } else {
            out.push('…');
        }
        out.push(q);
        rest = &after[j + 1..];
    }
    out.push_str(rest);
    out
}

/// Reads and checks a config file: one found in the tree or its parents
/// ([`Origin::Found`]) is never read through a link; either must be a regular file of at
/// most 1 MiB.
pub fn load(path: &Path, origin: Origin) -> Result<Config, ConfigError> {
    let text = crate::discover::read_text(path, origin == Origin::Given).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        text: String::new(),
        span: None,
        message: e,
    })?;
    let err = |span: Option<(usize, usize)>, message: String| ConfigError {
        path: path.to_path_buf(),
        text: text.clone(),
        span,
        message,
    };
    let raw: RawConfig = if text.trim().is_empty() {
        RawConfig::default()
    } else {
        serde_saphyr::from_str(&text).map_err(|e| {
            let span = e.location().and_then(|l| byte_span(&text, &l));
            let msg = e.to_string();
            let first = msg.lines().next().unwrap_or("invalid YAML");
            let line = span.map_or("", |(a, _)| line_at(&text, a));
            err(span, quote_only(first, line))
        })?
    };
    let check = |s: &Spanned<String>| -> Result<String, ConfigError> {
        if selector_known(&s.value) {
            Ok(s.value.clone())
        } else {
            Err(err(
                byte_span(&text, &s.referenced),
                format!("'{}' matches no rule code, prefix or name (`pvelint rule --all` lists them)", s.value),
            ))
        }
    };
    let list = |v: &[Spanned<String>]| v.iter().map(check).collect::<Result<Vec<_>, _>>();
    let mut cfg = Config {
        path: Some(path.to_path_buf()),
        origin,
        select: raw.select.as_deref().map(list).transpose()?,
        extend_select: list(&raw.extend_select)?,
        ignore: list(&raw.ignore)?,
        pve_version: 9,
        ..Config::default()
    };
    for (code, sev) in &raw.severity {
        if pvelint_rules::find(code).is_none() {
            return Err(err(
                byte_span(&text, &sev.referenced),
                format!("severity: '{code}' is not a rule code or name"),
            ));
        }
        cfg.severity.insert(code.clone(), sev.value);
    }
    let line_of =
        |sp: &serde_saphyr::Location| byte_span(&text, sp).map_or(0, |(a, _)| text[..a].matches('\n').count() + 1);
    let expiry = |e: &Option<Spanned<String>>| -> Result<Option<Date>, ConfigError> {
        match e {
            None => Ok(None),
            Some(v) => Date::parse(&v.value).map(Some).ok_or_else(|| {
                err(
                    byte_span(&text, &v.referenced),
                    "expires: write the last day the ignore applies as YYYY-MM-DD".into(),
                )
            }),
        }
    };
    for p in &raw.per_path_ignores {
        let glob = Glob::new(&p.path.value)
            .map_err(|e| err(byte_span(&text, &p.path.referenced), format!("invalid glob: {e}")))?
            .compile_matcher();
        cfg.ignores.push(Ignore {
            list: "per-path-ignores",
            pattern: p.path.value.clone(),
            glob: Some(glob),
            rules: list(&p.rules)?,
            reason: p.reason.clone(),
            expires: expiry(&p.expires)?,
            line: line_of(&p.path.referenced),
        });
    }
    for o in &raw.per_object_ignores {
        let ok = ["storage:", "guest:", "job:", "node:"].iter().any(|k| o.object.value.starts_with(k));
        if !ok {
            return Err(err(
                byte_span(&text, &o.object.referenced),
                format!("'{}' is not an object: use storage:NAME, guest:VMID, job:ID or node:NAME", o.object.value),
            ));
        }
        cfg.ignores.push(Ignore {
            list: "per-object-ignores",
            pattern: o.object.value.clone(),
            glob: None,
            rules: list(&o.rules)?,
            reason: o.reason.clone(),
            expires: expiry(&o.expires)?,
            line: line_of(&o.object.referenced),
        });
    }
    cfg.dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    for (node, file) in &raw.vzdump_conf {
        let at = byte_span(&text, &file.referenced);
        if !pvelint_parse::text::valid_node_name(node) {
            return Err(err(at, format!("vzdump-conf: '{node}' is not a valid node name")));
        }
        if origin == Origin::Found {
            if let Err(why) = crate::discover::check_beneath(&file.value) {
                return Err(err(at, format!("vzdump-conf.{node}: {why}")));
            }
        }
        cfg.vzdump_conf.insert(node.clone(), file.value.clone());
    }
    if let Some(u) = &raw.explain_url {
        if let Err(why) = pvelint_rules::registry::check_doc_base(&u.value) {
            return Err(err(byte_span(&text, &u.referenced), format!("explain-url: {why}")));
        }
        cfg.explain_url = Some(u.value.clone());
    }
    for file in &raw.facts {
        if origin == Origin::Found {
            if let Err(why) = crate::discover::check_beneath(&file.value) {
                return Err(err(byte_span(&text, &file.referenced), format!("facts: {why}")));
            }
        }
        cfg.facts.push(file.value.clone());
    }
    if let Some(v) = &raw.pve_version {
        if !(8..=9).contains(&v.value) {
            return Err(err(
                byte_span(&text, &v.referenced),
                format!("pve-version {} is not supported (8 or 9)", v.value),
            ));
        }
        cfg.pve_version = v.value;
    }
    cfg.path_prefix = raw.path_prefix.clone().filter(|p| !p.trim_end_matches('/').is_empty());
    if let Some(n) = &raw.node {
        if !pvelint_parse::text::valid_node_name(&n.value) {
            return Err(err(byte_span(&text, &n.referenced), format!("node: '{}' is not a valid node name", n.value)));
        }
        cfg.node = Some(n.value.clone());
    }
    Ok(cfg)
}

impl Config {
    /// The defaults, without a file.
    pub fn defaults() -> Config {
        Config { pve_version: 9, ..Config::default() }
    }

    /// Whether a rule runs: `select` (default all) plus `extend-select`, minus `ignore`,
    /// minus rules whose severity is `off`.
    pub fn enabled(&self, m: &RuleMeta) -> bool {
        let selected = self.select.as_ref().is_none_or(|s| s.iter().any(|x| selector_matches(m, x)))
            || self.extend_select.iter().any(|x| selector_matches(m, x));
        let off = self.severity_for(m) == Some(SeverityOverride::Off);
        selected && !self.ignore.iter().any(|x| selector_matches(m, x)) && !off
    }

    fn severity_for(&self, m: &RuleMeta) -> Option<SeverityOverride> {
        self.severity.get(m.code).or_else(|| self.severity.get(m.name)).copied()
    }

    /// Applies severity overrides and ignores to a run's diagnostics.
    pub fn apply(&self, tree: &Tree, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
        self.apply_counting(tree, diags, &mut Usage::default())
    }

    /// [`Config::apply`], recording in `usage` which ignores suppressed a finding.
    /// Expired ignores do not apply.
    pub fn apply_counting(&self, tree: &Tree, diags: Vec<Diagnostic>, usage: &mut Usage) -> Vec<Diagnostic> {
        usage.used.resize(self.ignores.len(), false);
        let today = self.today.unwrap_or_else(Date::today);
        let live: Vec<(usize, &Ignore)> = self.ignores.iter().enumerate().filter(|(_, i)| !i.expired(today)).collect();
        let mut out = Vec::with_capacity(diags.len());
        for mut d in diags {
            let Some(meta) = pvelint_rules::find(d.code) else {
                out.push(d);
                continue;
            };
            let path = &tree.file(d.span.file).path;
            let object = d.object.as_deref().unwrap_or_default();
            let hit = live.iter().find(|(_, ig)| {
                let target = match &ig.glob {
                    Some(g) => g.is_match(path),
                    None => object_matches(&ig.pattern, object),
                };
                target && (ig.rules.is_empty() || ig.rules.iter().any(|r| selector_matches(&meta, r)))
            });
            if let Some((i, _)) = hit {
                usage.used[*i] = true;
                continue;
            }
            match self.severity_for(&meta) {
                Some(SeverityOverride::Off) => continue,
                Some(SeverityOverride::Error) => d.severity = Severity::Error,
                Some(SeverityOverride::Warning) => d.severity = Severity::Warning,
                Some(SeverityOverride::Info) => d.severity = Severity::Info,
                None => {}
            }
            out.push(d);
        }
        out
    }

    /// One note per expired ignore: it no longer applies.
    pub fn expired_notes(&self) -> Vec<String> {
        let today = self.today.unwrap_or_else(Date::today);
        let file = self.path.as_ref().map_or("pvelint.yaml".to_string(), |p| p.display().to_string());
        self.ignores
            .iter()
            .filter(|i| i.expired(today))
            .map(|i| {
                format!(
                    "{file}: {} expired on {}{}: its findings are reported again; renew `expires` or remove it",
                    i.describe(),
                    i.expires.map(|d| d.to_string()).unwrap_or_default(),
                    i.reason.as_ref().map(|r| format!(" (reason: {r})")).unwrap_or_default()
                )
            })
            .collect()
    }

    /// The ignores that are in force and suppressed nothing in a run.
    pub fn unused<'a>(&'a self, usage: &Usage) -> Vec<&'a Ignore> {
        let today = self.today.unwrap_or_else(Date::today);
        self.ignores
            .iter()
            .enumerate()
            .filter(|(i, ig)| !ig.expired(today) && !usage.used.get(*i).copied().unwrap_or(false))
            .map(|(_, ig)| ig)
            .collect()
    }

    /// The effective settings, as YAML.
    pub fn show(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "# configuration file: {}\n",
            self.path.as_ref().map_or("(none, defaults)".to_string(), |p| p.display().to_string())
        ));
        match &self.select {
            Some(sel) => s.push_str(&format!("select: [{}]\n", sel.join(", "))),
            None => s.push_str("select: [all]\n"),
        }
        s.push_str(&format!("extend-select: [{}]\n", self.extend_select.join(", ")));
        s.push_str(&format!("ignore: [{}]\n", self.ignore.join(", ")));
        s.push_str("severity:");
        if self.severity.is_empty() {
            s.push_str(" {}");
        }
        s.push('\n');
        for (k, v) in &self.severity {
            s.push_str(&format!("  {k}: {}\n", format!("{v:?}").to_lowercase()));
        }
        for list in ["per-path-ignores", "per-object-ignores"] {
            let key = if list == "per-path-ignores" { "path" } else { "object" };
            s.push_str(list);
            s.push(':');
            let entries: Vec<&Ignore> = self.ignores.iter().filter(|i| i.list == list).collect();
            if entries.is_empty() {
                s.push_str(" []");
            }
            s.push('\n');
            for i in entries {
                s.push_str(&format!("  - {key}: {}\n    rules: [{}]\n", i.pattern, i.rules.join(", ")));
                if let Some(r) = &i.reason {
                    s.push_str(&format!("    reason: {r}\n"));
                }
                if let Some(e) = i.expires {
                    s.push_str(&format!("    expires: {e}\n"));
                }
            }
        }
        s.push_str("vzdump-conf:");
        if self.vzdump_conf.is_empty() {
            s.push_str(" {}");
        }
        s.push('\n');
        for (n, p) in &self.vzdump_conf {
            s.push_str(&format!("  {n}: {p}\n"));
        }
        if let Some(u) = &self.explain_url {
            s.push_str(&format!("explain-url: {u}\n"));
        }
        s.push_str("facts:");
        if self.facts.is_empty() {
            s.push_str(" []");
        }
        s.push('\n');
        for p in &self.facts {
            s.push_str(&format!("  - {p}\n"));
        }
        s.push_str(&format!("pve-version: {}\n", self.pve_version));
        if let Some(p) = &self.path_prefix {
            s.push_str(&format!("path-prefix: {p}\n"));
        }
        if let Some(n) = &self.node {
            s.push_str(&format!("node: {n}\n"));
        }
        s
    }
}

/// `storage:usb` matches the object `storage:usb` (objects of the rules use the same
/// `kind:name` form).
fn object_matches(pattern: &str, object: &str) -> bool {
    pattern == object
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_and_value_of_the_schema_may_be_quoted() {
        let words = schema_words();
        for w in
            ["select", "per-object-ignores", "vzdump-conf", "facts", "explain-url", "node", "expires", "reason", "off"]
        {
            assert!(words.contains(w), "{w}");
        }
    }

    #[test]
    fn dates_parse_and_count_from_the_epoch() {
        assert_eq!(Date::parse("2024-02-29"), Some(Date { year: 2024, month: 2, day: 29 }));
        for bad in ["2023-02-29", "2026-13-01", "2026-00-10", "26-01-01", "2026-01-1x", "2026/01/01", "1969-12-31"] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(20_792).to_string(), "2026-12-05");
        assert_eq!(Date::from_days(11_016).to_string(), "2000-02-29");
        assert!(Date::parse("2026-12-10").unwrap() < Date::parse("2026-12-11").unwrap());
    }

    fn load_text(text: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pvelint.yaml");
        std::fs::write(&p, text).unwrap();
        load(&p, Origin::Found)
    }

    #[test]
    fn reads_every_key() {
        let c = load_text(
            "select: [G, J101]\nextend-select: [V1]\nignore: [G107]\nseverity:\n  G105: error\n  J109: off\nper-path-ignores:\n  - path: nodes/*/lxc/1*.conf\n    rules: [G106]\n    reason: lab\nper-object-ignores:\n  - object: storage:usb\nvzdump-conf:\n  pve1: vz/pve1.conf\npve-version: 8\n",
        )
        .unwrap();
        assert_eq!(c.select.as_deref(), Some(&["G".to_string(), "J101".to_string()][..]));
        assert_eq!(c.severity.get("J109"), Some(&SeverityOverride::Off));
        assert_eq!(c.pve_version, 8);
        assert_eq!(c.vzdump_conf["pve1"], "vz/pve1.conf");
        let g107 = pvelint_rules::find("G107").unwrap();
        let g101 = pvelint_rules::find("G101").unwrap();
        let v101 = pvelint_rules::find("V101").unwrap();
        let j109 = pvelint_rules::find("J109").unwrap();
        assert!(c.enabled(&g101) && c.enabled(&v101));
        assert!(!c.enabled(&g107) && !c.enabled(&j109));
    }

    #[test]
    fn errors_point_into_the_file() {
        let e = load_text("select: [G1]\nignroe: [G107]\n").unwrap_err();
        assert!(e.message.contains("ignroe"), "{}", e.message);
        let e = load_text("select:\n  - G101\n  - Z999\n").unwrap_err();
        let (a, b) = e.span.expect("span");
        assert_eq!(&e.text[a..b], "Z999", "{}", e.render());
        assert!(e.render().contains("Z999"));
        // Only the offending line is shown.
        assert!(!e.render().contains("G101"), "{}", e.render());
        let e = load_text("severity:\n  G105: loud\n").unwrap_err();
        assert!(e.span.is_some(), "{}", e.message);
        assert!(load_text("pve-version: 7\n").is_err());
        assert!(load_text("per-object-ignores:\n  - object: vm:100\n").is_err());
    }

    #[test]
    fn messages_quote_the_offending_line_only() {
        assert_eq!(
            quote_only("unknown field `ignroe`, expected `ignore`", "ignroe: [x]"),
            "unknown field `ignroe`, expected `ignore`"
        );
        assert_eq!(
            quote_only("invalid type: string \"a\\nb\", expected x", "a"),
            "invalid type: string \"…\", expected x"
        );
        assert_eq!(quote_only("no quotes", ""), "no quotes");
        assert_eq!(quote_only("open \"end", "end"), "open \"…");
    }

    /// A committed pvelint.yaml names files outside its directory: refused with the key.
    #[test]
    fn found_config_paths_stay_in_its_directory() {
        for bad in ["/etc/shadow", "../../etc/shadow", "vz/../../x.conf"] {
            let e = load_text(&format!("vzdump-conf:\n  node1: {bad}\n")).unwrap_err();
            assert!(e.message.starts_with("vzdump-conf.node1: "), "{}", e.message);
            assert!(e.span.is_some(), "{}", e.message);
        }
        assert!(load_text("vzdump-conf:\n  node1: vz/node1.conf\n").is_ok());
    }

    /// A pvelint.yaml found in the tree that is a link is not read; one given with
    /// --config may be a link.
    #[cfg(unix)]
    #[test]
    fn a_found_config_is_never_read_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "select: [G1]\nroot:$6$canary:19000:0:99999:7:::\n").unwrap();
        let link = dir.path().join("pvelint.yaml");
        std::os::unix::fs::symlink(&secret, &link).unwrap();
        assert_eq!(find(dir.path()).as_deref(), Some(link.as_path()));
        let e = load(&link, Origin::Found).unwrap_err();
        assert!(e.message.contains("symbolic link") && e.text.is_empty(), "{e:?}");
        assert!(!e.render().contains("canary"));
        // Given on the command line: followed, and the YAML error shows its line only.
        let e = load(&link, Origin::Given).unwrap_err();
        assert!(e.render().contains("canary"), "{}", e.render());
        assert!(!e.render().contains("[G1]"), "{}", e.render());
    }

    /// A file over the size limit or that is not a regular file is refused.
    #[cfg(unix)]
    #[test]
    fn config_files_are_regular_and_small() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, "#".repeat(pvelint_parse::tree::MAX_FILE_SIZE + 1)).unwrap();
        assert!(load(&big, Origin::Given).unwrap_err().message.contains("over the limit"));
        let sub = dir.path().join("d.yaml");
        std::fs::create_dir(&sub).unwrap();
        assert!(load(&sub, Origin::Given).is_err());
    }
}
