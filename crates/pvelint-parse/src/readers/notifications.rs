//! `/etc/pve/notifications.cfg`: notification endpoints and matchers, read by
//! proxmox-notify (pve-cluster `src/PVE/Notify.pm` → `read_config` →
//! `Proxmox::RS::Notify->parse_config`; proxmox-rs `proxmox-notify/src/config.rs`) with
//! the strict Rust section-config parser (proxmox-rs `proxmox-section-config`
//! `SectionConfig::parse`), not Perl's:
//!
//! * lines are split by `str::lines` (a CR before the LF is dropped); a line that is
//!   empty after trimming ends a section, and empty lines between sections are skipped;
//! * a header starts with a letter, is split at the first `:`, and type and ID are
//!   trimmed; the ID must be a safe ID of 3 to 32 characters;
//! * a property line starts with whitespace and holds a key and a value (a key alone is
//!   an error); a key that is not an array may appear once;
//! * there are no comments: a `#` line is "expected header" or "expected section
//!   properties";
//! * the first error fails the whole file ("parsing 'notifications.cfg' failed: line N -
//!   …"): nothing of it is used, no notification is sent.
//!
//! Every error gets a P017 here (Proxmox stops at the first, fixing it shows the next).
//! Unknown keys are not reported: which keys each proxmox-notify version accepts is not
//! certain enough to call the whole file broken.
//! `filter:` and `group:` sections (PVE 8.0's) are kept as [`Kind::LegacyFilter`] /
//! [`Kind::LegacyGroup`] for the rule that knows which PVE drops them (A102).

use crate::diag::Diagnostic;
use crate::source::SourceFile;
use crate::span::{FileId, Span, Spanned};
use crate::syntax;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sendmail,
    Smtp,
    Gotify,
    Webhook,
    Matcher,
    LegacyFilter,
    LegacyGroup,
}

impl Kind {
    fn from_type(t: &str) -> Option<Kind> {
        Some(match t {
            "sendmail" => Kind::Sendmail,
            "smtp" => Kind::Smtp,
            "gotify" => Kind::Gotify,
            "webhook" => Kind::Webhook,
            "matcher" => Kind::Matcher,
            "filter" => Kind::LegacyFilter,
            "group" => Kind::LegacyGroup,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Sendmail => "sendmail",
            Kind::Smtp => "smtp",
            Kind::Gotify => "gotify",
            Kind::Webhook => "webhook",
            Kind::Matcher => "matcher",
            Kind::LegacyFilter => "filter",
            Kind::LegacyGroup => "group",
        }
    }

    /// An endpoint (a target a matcher can name).
    pub fn is_endpoint(self) -> bool {
        matches!(self, Kind::Sendmail | Kind::Smtp | Kind::Gotify | Kind::Webhook)
    }

    /// Keys that may repeat (arrays in proxmox-notify's schemas).
    fn repeats(key: &str) -> bool {
        matches!(
            key,
            "mailto"
                | "mailto-user"
                | "target"
                | "match-field"
                | "match-severity"
                | "match-calendar"
                | "header"
                | "secret"
                | "endpoint"
        )
    }

    /// Keys without which proxmox-notify rejects the section.
    fn required(self) -> &'static [&'static str] {
        match self {
            Kind::Smtp => &["server", "from-address"],
            Kind::Gotify => &["server"],
            Kind::Webhook => &["method", "url"],
            _ => &[],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub kind: Kind,
    pub name: Spanned<String>,
    /// The header line.
    pub header: Span,
    /// `key value` lines in file order (repeated keys kept).
    pub entries: Vec<(Spanned<String>, Spanned<String>)>,
}

impl Section {
    pub fn get(&self, key: &str) -> Option<&Spanned<String>> {
        self.entries.iter().find(|(k, _)| k.value == key).map(|(_, v)| v)
    }

    /// Every value of a repeatable key, split at commas (`target a,b` and two `target`
    /// lines mean the same).
    pub fn list(&self, key: &str) -> Vec<Spanned<String>> {
        let mut out = Vec::new();
        for (_, v) in self.entries.iter().filter(|(k, _)| k.value == key) {
            let mut start = 0;
            for part in v.value.split(',') {
                let trimmed = part.trim();
                if !trimmed.is_empty() {
                    let lead = part.len() - part.trim_start().len();
                    let a = start + lead;
                    out.push(Spanned::new(trimmed.to_string(), v.span.sub(a, a + trimmed.len())));
                }
                start += part.len() + 1;
            }
        }
        out
    }

    /// `disable` set to a true value.
    pub fn disabled(&self) -> bool {
        self.get("disable")
            .is_some_and(|v| matches!(v.value.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on"))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notifications {
    pub file: FileId,
    /// The sections proxmox-notify would build, in file order (a later section with the
    /// same ID replaces the earlier one, as in its map).
    pub sections: Vec<Section>,
    /// The first line that makes proxmox-notify reject the file (`None`: it loads).
    pub rejected: Option<Span>,
    /// Section ID → position in `sections`.
    pub by_id: std::collections::BTreeMap<String, usize>,
}

impl Notifications {
    /// The section with this ID.
    pub fn get(&self, id: &str) -> Option<&Section> {
        self.by_id.get(id).map(|&i| &self.sections[i])
    }

    pub fn matchers(&self) -> impl Iterator<Item = &Section> {
        self.sections.iter().filter(|s| s.kind == Kind::Matcher)
    }
}

/// `SAFE_ID` of 3 to 32 characters (proxmox-notify `BACKEND_NAME_SCHEMA`).
pub fn valid_id(id: &str) -> bool {
    let b = id.as_bytes();
    (3..=32).contains(&b.len())
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

const WHOLE_FILE: &str = "proxmox-notify rejects the whole notifications.cfg (\"parsing 'notifications.cfg' failed\"), so no notification is sent at all, backup failure mails included";

struct Parser<'a> {
    file: &'a SourceFile,
    diags: &'a mut Vec<Diagnostic>,
    out: Notifications,
    /// The section being read.
    current: Option<Section>,
    /// Inside a run of rejected lines (one finding per run).
    in_bad_run: bool,
    /// Section ID → position in `out.sections`.
    by_id: HashMap<String, usize>,
}

impl Parser<'_> {
    /// Records a line that fails the file. Consecutive comment lines (`comment`) are
    /// one finding.
    fn reject(&mut self, at: Span, what: String, help: &str, comment: bool) {
        self.out.rejected.get_or_insert(at);
        if comment && self.in_bad_run {
            return;
        }
        self.in_bad_run = comment;
        self.diags.push(
            syntax::STRICT_FILE_REJECTED
                .at(at, format!("{what}; {WHOLE_FILE}"))
                .with_help(help.to_string())
                .with_object("file"),
        );
    }

    fn finish(&mut self) {
        let Some(section) = self.current.take() else { return };
        for key in section.kind.required() {
            if section.get(key).is_none() {
                self.out.rejected.get_or_insert(section.name.span);
                self.diags.push(
                    syntax::MISSING_REQUIRED_KEY
                        .at(
                            section.name.span,
                            format!("{} '{}' has no `{key}`; {WHOLE_FILE}", section.kind.name(), section.name.value),
                        )
                        .with_help(format!("add `{key}` to the section"))
                        .with_object(format!("notification:{}", section.name.value))
                        .with_key(*key),
                );
            }
        }
        if let Some(&earlier) = self.by_id.get(&section.name.value) {
            let first = &self.out.sections[earlier];
            self.diags.push(
                syntax::DUPLICATE_SECTION_ID
                    .at(section.name.span, format!("'{}' is defined twice (endpoints and matchers share one namespace); proxmox-notify keeps only this later section", section.name.value))
                    .with_label(first.name.span, "earlier section, ignored")
                    .with_help("rename one of them, and the matcher targets that name it")
                    .with_object(format!("notification:{}", section.name.value)),
            );
            self.out.sections[earlier] = section;
        } else {
            self.by_id.insert(section.name.value.clone(), self.out.sections.len());
            self.out.sections.push(section);
        }
    }

    fn header(&mut self, span: Span, line: &str) {
        let colon = line.find(':');
        let starts_alpha = line.chars().next().is_some_and(char::is_alphabetic);
        let Some(colon) = colon.filter(|_| starts_alpha) else {
            let what = if line.starts_with('#') {
                "proxmox-notify's parser has no comments: this line is read as a section header and fails (\"syntax error (expected header)\")".to_string()
            } else {
                "this line is not a section header (`type: name`) (\"syntax error (expected header)\")".to_string()
            };
            let comment = line.starts_with('#');
            self.reject(
                span,
                what,
                "remove the line (notifications.cfg cannot hold comments; use the `comment` key of a section)",
                comment,
            );
            return;
        };
        let t = line[..colon].trim();
        let id_raw = &line[colon + 1..];
        let id = id_raw.trim();
        let lead = id_raw.len() - id_raw.trim_start().len();
        let type_start = line.len() - line.trim_start().len();
        let type_span = span.sub(type_start, type_start + t.len());
        let id_span = span.sub(colon + 1 + lead, colon + 1 + lead + id.len());
        let Some(kind) = Kind::from_type(t) else {
            self.reject(
                type_span,
                format!("section type '{t}' is unknown to proxmox-notify (\"unknown section type\")"),
                "the types are sendmail, smtp, gotify, webhook and matcher",
                false,
            );
            return;
        };
        if !valid_id(id) {
            self.reject(
                if id.is_empty() { span } else { id_span },
                format!("'{id}' is not a valid name (3 to 32 letters, digits, '_', '.' or '-', starting with a letter, digit or '_') (\"syntax error in section identifier\")"),
                "rename the section (and the matcher targets that name it)",
                false,
            );
            return;
        }
        self.in_bad_run = false;
        self.current =
            Some(Section { kind, name: Spanned::new(id.to_string(), id_span), header: span, entries: Vec::new() });
    }

    fn property(&mut self, span: Span, line: &str) {
        if !line.starts_with(char::is_whitespace) {
            let what = if line.starts_with('#') {
                "proxmox-notify's parser has no comments: this line ends nothing and is not a property (\"syntax error (expected section properties)\")".to_string()
            } else {
                "this line follows a section without an empty line and is not an indented property (\"syntax error (expected section properties)\")".to_string()
            };
            let comment = line.starts_with('#');
            self.reject(
                span,
                what,
                "separate sections with an empty line; notifications.cfg cannot hold comments",
                comment,
            );
            if !comment && line.contains(':') {
                // Read on as the header it looks like, so that its keys are not blamed
                // on the section before (the file is rejected either way).
                self.finish();
                self.header(span, line);
                self.in_bad_run = false;
            }
            return;
        }
        let body = line.trim_start();
        let lead = line.len() - body.len();
        let key_len = body.find(char::is_whitespace).unwrap_or(body.len());
        let key = &body[..key_len];
        let key_span = span.sub(lead, lead + key_len);
        let rest = &body[key_len..];
        let value = rest.trim();
        if value.is_empty() {
            self.reject(
                key_span,
                format!("`{key}` has no value, and proxmox-notify's parser accepts no key without one"),
                "write `key value` (a flag as `disable 1`)",
                false,
            );
            return;
        }
        if key.starts_with('#') {
            self.reject(
                key_span,
                "an indented `#` line is read as a property called '#', which no section has (\"unknown property\")"
                    .to_string(),
                "remove the line (notifications.cfg cannot hold comments)",
                true,
            );
            return;
        }
        let value_start = lead + key_len + (rest.len() - rest.trim_start().len());
        let entry = (
            Spanned::new(key.to_string(), key_span),
            Spanned::new(value.to_string(), span.sub(value_start, value_start + value.len())),
        );
        let Some(section) = self.current.as_ref() else { return };
        if !Kind::repeats(key) {
            if let Some((first, _)) = section.entries.iter().find(|(k, _)| k.value == key) {
                let (earlier, name) = (first.span, section.name.value.clone());
                self.reject(
                    key_span,
                    format!("`{key}` is set twice in '{name}' (\"duplicate property\")"),
                    "keep one of the lines",
                    false,
                );
                if let Some(d) = self.diags.last_mut().filter(|d| d.span == key_span) {
                    d.labels.push(crate::diag::Label { span: earlier, message: "first set here".into() });
                }
                return;
            }
        }
        self.in_bad_run = false;
        if let Some(section) = self.current.as_mut() {
            section.entries.push(entry);
        }
    }
}

pub fn parse(file: &SourceFile, diags: &mut Vec<Diagnostic>) -> Notifications {
    let mut p = Parser {
        file,
        diags,
        out: Notifications { file: file.id, ..Notifications::default() },
        current: None,
        in_bad_run: false,
        by_id: HashMap::new(),
    };
    // A bad header makes the lines up to the next empty line part of its run.
    let mut skipping = false;
    for (span, raw) in p.file.lines() {
        // `str::lines` drops the CR of a CRLF.
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let span = span.sub(0, line.len());
        if line.trim().is_empty() {
            p.finish();
            p.in_bad_run = false;
            skipping = false;
            continue;
        }
        if skipping {
            continue;
        }
        if p.current.is_some() {
            p.property(span, line);
        } else {
            p.header(span, line);
            skipping = p.current.is_none() && !line.starts_with('#');
            if line.starts_with('#') {
                // A comment run: later `#` lines belong to the same finding.
                continue;
            }
        }
    }
    p.finish();
    let mut out = p.out;
    out.by_id = p.by_id.into_iter().collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> (Notifications, Vec<Diagnostic>) {
        let file = SourceFile::new(FileId(0), "notifications.cfg", text.to_string());
        let mut d = Vec::new();
        (parse(&file, &mut d), d)
    }

    #[test]
    fn a_stock_file_loads() {
        let (n, d) = parse_text(
            "sendmail: mail-to-root\n\tcomment Send mails to root@pam's email address\n\tmailto-user root@pam\n\nmatcher: default-matcher\n\tmode all\n\ttarget mail-to-root\n\ttarget ntfy\n\ngotify: ntfy\r\n\tserver https://ntfy.example\r\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(n.rejected, None);
        assert_eq!(n.sections.len(), 3);
        let targets: Vec<String> =
            n.get("default-matcher").unwrap().list("target").into_iter().map(|t| t.value).collect();
        assert_eq!(targets, ["mail-to-root", "ntfy"]);
    }

    #[test]
    fn comments_bare_keys_and_duplicates_reject_the_file() {
        let (n, d) = parse_text("# copy of /etc/pve\n# second line\nmatcher: m-one\n\tdisable\n\tmode all\n\tmode any\n\nsmtp: mail\n\tfrom-address a@b\n");
        let codes: Vec<&str> = d.iter().map(|d| d.code).collect();
        // One finding for the comment run, the bare key, the duplicate, the missing server.
        assert_eq!(codes, ["P017", "P017", "P017", "P012"], "{d:?}");
        assert!(n.rejected.is_some());
        assert_eq!(n.sections.len(), 2);
    }

    #[test]
    fn names_and_types_are_checked() {
        let (n, d) = parse_text("matcher: ab\n\tmode all\n\nteams: x1y\n\turl u\n\nfilter: old-filter\n\tmode and\n");
        assert_eq!(d.iter().filter(|d| d.code == "P017").count(), 2, "{d:?}");
        assert_eq!(n.sections.iter().map(|s| s.kind).collect::<Vec<_>>(), [Kind::LegacyFilter]);
        assert!(valid_id("mail-to-root") && !valid_id("-x1") && !valid_id("ab"));
    }
}

#[cfg(test)]
mod snapshot_tests {
    use super::*;

    fn dump(text: &str) -> String {
        let f = SourceFile::new(FileId(0), "notifications.cfg", text.to_string());
        let mut d = Vec::new();
        let n = parse(&f, &mut d);
        let loc = |s: Span| crate::testutil::range(&f, s);
        let mut out = format!("rejected {}\n", n.rejected.map_or("no".to_string(), |s| format!("at {}", loc(s))));
        for s in &n.sections {
            out += &format!("{} {} @{} disabled={}\n", s.kind.name(), s.name.value, loc(s.name.span), s.disabled());
            for (k, v) in &s.entries {
                out += &format!("  {} {} @{}\n", k.value, v.value, loc(v.span));
            }
        }
        out += &crate::testutil::diag_lines(&f, &d);
        out
    }

    #[test]
    fn snapshots() {
        insta::glob!("../../../../testdata/parse/notifications", "*.cfg", |path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            insta::assert_snapshot!(dump(&text));
        });
    }
}
