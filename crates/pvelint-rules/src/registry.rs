//! The registry: the metadata of every code (syntax codes from the parser's table, rules
//! from the rule table in `rules/mod.rs`), their documents, lookup and the rule index.

use crate::context::Context;
use pvelint_parse::{syntax, Diagnostic, Severity};

/// What `pvelint rule --all` lists about a code.
#[derive(Clone, Copy, Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    /// kebab-case name of the problem.
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// The most a fix of this code may do (`None`: the code offers no fix). A rule that
    /// declares `Safe` may offer an unsafe fix for some findings (its document says
    /// which); one that declares `Unsafe` offers no safe fix. The document's
    /// `## Automatic fix` section starts with the same word (`registry::tests`).
    pub fix: Option<pvelint_parse::Applicability>,
}

impl RuleMeta {
    /// A diagnostic of this rule with its default severity.
    pub fn at(&self, span: pvelint_parse::Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.code, self.name, self.severity, span, message)
    }

    /// The code's document, `rules/<CODE>.md` (empty if it has none; a test forbids that).
    pub fn doc(&self) -> &'static str {
        doc(self.code)
    }

    /// The version that added the code: the `- X.Y.Z: added.` line of the document's
    /// `## History` (empty if there is none; a test forbids that).
    pub fn since(&self) -> &'static str {
        history(self.doc()).into_iter().find_map(|(v, what)| (what == "added.").then_some(v)).unwrap_or("")
    }
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>);
    /// The module that declares the rule (`pvelint_rules::rules::g106_...`).
    fn module(&self) -> &'static str;
}

/// The generated code → document map (`build.rs`): every `rules/<CODE>.md`.
mod docs {
    include!(concat!(env!("OUT_DIR"), "/docs.rs"));
}

/// The document `rules/<CODE>.md` of a code, or `""`.
pub fn doc(code: &str) -> &'static str {
    docs::DOCS.binary_search_by(|(c, _)| (*c).cmp(code)).map_or("", |i| docs::DOCS[i].1)
}

/// The `## History` entries of a document, newest first: (version, what changed).
pub fn history(doc: &str) -> Vec<(&str, &str)> {
    let Some(start) = doc.find("\n## History\n") else { return Vec::new() };
    doc[start + 12..]
        .lines()
        .take_while(|l| !l.starts_with("## "))
        .filter_map(|l| l.strip_prefix("- ")?.split_once(": "))
        .collect()
}

/// Where the documents live by default: this version's tag of the repository, so a link
/// shows the document of the rule as this build applies it.
pub const DEFAULT_DOC_BASE: &str =
    concat!("https://github.com/pvelint/pvelint/blob/v", env!("CARGO_PKG_VERSION"), "/rules/");

/// Checks a documentation base (`explain-url:`, `--explain-url`): an `http(s)://` URL of
/// printable ASCII without spaces, quotes or angle brackets, because it reaches SARIF and
/// terminal hyperlinks. `{code}` stands for the code; without it, `<CODE>.md` is appended.
pub fn check_doc_base(base: &str) -> Result<(), String> {
    let rest = base.strip_prefix("https://").or_else(|| base.strip_prefix("http://"));
    let Some(rest) = rest.filter(|r| !r.is_empty()) else {
        return Err("it must start with https:// or http://".into());
    };
    if base.len() > 512 {
        return Err("it is longer than 512 characters".into());
    }
    if let Some(c) = rest.chars().find(|c| !c.is_ascii_graphic() || matches!(c, '"' | '\'' | '<' | '>' | '`' | '\\')) {
        return Err(format!("it holds {c:?}, which a link may not"));
    }
    Ok(())
}

/// The address of a code's document under `base` (checked with [`check_doc_base`]), or
/// under [`DEFAULT_DOC_BASE`].
pub fn doc_url(base: Option<&str>, code: &str) -> String {
    let base = base.unwrap_or(DEFAULT_DOC_BASE);
    if base.contains("{code}") {
        base.replace("{code}", code)
    } else if base.ends_with('/') {
        format!("{base}{code}.md")
    } else {
        format!("{base}/{code}.md")
    }
}

/// Declares a rule: its type, its metadata and its `Rule` impl, which calls the module's
/// `fn check(ctx: &Context, out: &mut Vec<Diagnostic>)`. Its document is `rules/<CODE>.md`.
///
/// A rule that offers fixes says how far they go with a last argument `fix = Safe` or
/// `fix = Unsafe`; without it the rule offers none.
#[macro_export]
macro_rules! declare_rule {
    ($ty:ident, $code:literal, $name:literal, $sev:ident, $summary:literal) => {
        $crate::declare_rule!(@meta $ty, $code, $name, $sev, $summary, None);
    };
    ($ty:ident, $code:literal, $name:literal, $sev:ident, $summary:literal, fix = $fix:ident) => {
        $crate::declare_rule!(@meta $ty, $code, $name, $sev, $summary, Some($crate::Applicability::$fix));
    };
    (@meta $ty:ident, $code:literal, $name:literal, $sev:ident, $summary:literal, $fix:expr) => {
        pub struct $ty;

        pub static META: $crate::registry::RuleMeta = $crate::registry::RuleMeta {
            code: $code,
            name: $name,
            severity: $crate::Severity::$sev,
            summary: $summary,
            fix: $fix,
        };

        impl $crate::registry::Rule for $ty {
            fn meta(&self) -> &'static $crate::registry::RuleMeta {
                &META
            }
            fn check(&self, ctx: &$crate::context::Context, out: &mut Vec<$crate::Diagnostic>) {
                check(ctx, out)
            }
            fn module(&self) -> &'static str {
                module_path!()
            }
        }
    };
}

/// The rule table (used once, in `rules/mod.rs`): `module::Type,` per rule, in code
/// order. Declares the modules and builds [`RULES`].
#[macro_export]
macro_rules! rule_table {
    ($($module:ident :: $ty:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// Every cross-file rule, in code order (the order of the table).
        pub static RULES: &[&dyn $crate::registry::Rule] = &[$(&$module::$ty),*];
    };
}

pub use crate::rules::RULES;

/// Metadata of every code: syntax codes (the parser's table, `syntax::ALL`) first, then
/// the rules of the rule table.
pub fn all_meta() -> Vec<RuleMeta> {
    metas().to_vec()
}

/// The metadata table, built once.
fn metas() -> &'static [RuleMeta] {
    static METAS: std::sync::OnceLock<Vec<RuleMeta>> = std::sync::OnceLock::new();
    METAS.get_or_init(|| {
        let mut out: Vec<RuleMeta> = syntax::ALL
            .iter()
            .map(|c| RuleMeta {
                code: c.code,
                name: c.name,
                severity: c.severity,
                summary: c.summary,
                fix: crate::fix::syntax_fix(c.code),
            })
            .collect();
        out.extend(RULES.iter().map(|r| *r.meta()));
        out
    })
}

/// Finds a code by code (`P001`, any case) or name. Called once per diagnostic, so it
/// looks codes and names up in an index built once.
pub fn find(code_or_name: &str) -> Option<RuleMeta> {
    static INDEX: std::sync::OnceLock<std::collections::HashMap<String, usize>> = std::sync::OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut m = std::collections::HashMap::new();
        for (i, meta) in metas().iter().enumerate() {
            m.insert(meta.code.to_string(), i);
            m.insert(meta.name.to_string(), i);
        }
        m
    });
    let i = index.get(code_or_name).or_else(|| index.get(&code_or_name.to_ascii_uppercase()))?;
    metas().get(*i).copied()
}

/// Escapes text for a Markdown table cell.
fn md_cell(s: &str) -> String {
    s.replace('\\', "\\\\").replace('|', "\\|").replace('\n', " ")
}

/// `docs/rules.md`: every code with its name, default severity, summary and a link to
/// its document. Generated; `cargo test -p pvelint --test docs` fails when the file is
/// stale and `UPDATE_DOCS=1` rewrites it.
/// The families of codes, by their letter: what they are about.
pub const FAMILIES: &[(char, &str)] = &[
    ('P', "syntax: where a Proxmox parser reads something other than what was written"),
    ('A', "notifications: notifications.cfg matchers and endpoints"),
    ('C', "cluster: corosync.conf, node directories, key material, partial copies"),
    ('D', "SDN: zones, vnets, subnets and what guests plug into"),
    ('F', "firewall: cluster, host and guest rules, IP sets, aliases, groups"),
    ('G', "guests: volumes, mount points, CPU models, snapshots, cloud-init"),
    ('H', "HA: resources, groups, rules and where recovery can go"),
    ('J', "backup jobs: targets, selections, schedules"),
    ('M', "what-if: guests a change moves"),
    ('N', "node facts: the configuration against the machines"),
    ('R', "replication"),
    ('S', "storage definitions"),
    ('U', "users and permissions: user.cfg"),
    ('V', "vzdump.conf of each node"),
    ('X', "resource mappings: PCI, USB and directory mappings"),
];

/// The family of a code (its letter), if the letter has one.
pub fn family(code: &str) -> Option<&'static str> {
    let letter = code.chars().next()?;
    FAMILIES.iter().find(|(l, _)| *l == letter).map(|(_, d)| *d)
}

pub fn rule_index() -> String {
    let mut out = String::new();
    out.push_str("# Rule index\n\n");
    out.push_str(
        "<!-- Generated from the rule table by pvelint_rules::registry::rule_index(); do not edit.\n     \
         Regenerate with: UPDATE_DOCS=1 cargo test -p pvelint --test docs -->\n\n",
    );
    out.push_str(
        "Every code pvelint reports: the syntax codes (`P…`, where Proxmox's parser reads something other than \
         what was written) first, then the cross-file rules. Each links to its document: what it finds, why it \
         matters, an example, how to fix it. `pvelint rule CODE` prints the same document.\n\n",
    );
    out.push_str("Select, ignore or re-grade them in `pvelint.yaml` (see the [user guide](user-guide.md)).\n\n");
    let all = metas();
    let rules = all.iter().filter(|m| !m.code.starts_with('P')).count();
    out.push_str(&format!(
        "{} codes: {} syntax codes and {rules} rules, in these families (the first letter of a code):\n\n",
        all.len(),
        all.len() - rules
    ));
    out.push_str("| Letter | Family | Codes |\n|---|---|---:|\n");
    for (letter, about) in FAMILIES {
        let n = all.iter().filter(|m| m.code.starts_with(*letter)).count();
        out.push_str(&format!("| {letter} | {about} | {n} |\n"));
    }
    out.push('\n');
    out.push_str("| Code | Name | Default severity | Since | Summary |\n|---|---|---|---|---|\n");
    for m in all {
        out.push_str(&format!(
            "| [{code}](../rules/{code}.md) | `{name}` | {sev} | {since} | {summary} |\n",
            code = m.code,
            name = m.name,
            sev = m.severity.as_str(),
            since = m.since(),
            summary = md_cell(m.summary)
        ));
    }
    out
}

/// Runs the rules whose code `enabled` accepts and returns their diagnostics. A rule
/// that needs an input the tree lacks is not run (the partial-tree policy,
/// [`crate::partial`]; C104 reports it).
pub fn run(ctx: &Context, enabled: impl Fn(&RuleMeta) -> bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in RULES {
        if enabled(rule.meta()) && crate::partial::can_run(rule.meta().code, ctx) {
            rule.check(ctx, &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code belongs to a family (its letter), so that the index can count them.
    #[test]
    fn every_code_has_a_family() {
        for m in metas() {
            assert!(family(m.code).is_some(), "{}: add its letter to FAMILIES", m.code);
        }
        let letters: Vec<char> = FAMILIES.iter().map(|(l, _)| *l).collect();
        let mut sorted = letters.clone();
        sorted.dedup();
        assert_eq!(letters.len(), sorted.len(), "a letter twice in FAMILIES");
    }
    use std::collections::BTreeSet;

    /// Every code that has a document, in code order.
    pub fn documented_codes() -> impl Iterator<Item = &'static str> {
        docs::DOCS.iter().map(|(c, _)| *c)
    }

    #[test]
    fn codes_and_names_are_unique() {
        let metas = all_meta();
        let codes: BTreeSet<&str> = metas.iter().map(|m| m.code).collect();
        let names: BTreeSet<&str> = metas.iter().map(|m| m.name).collect();
        assert_eq!(codes.len(), metas.len(), "duplicate code");
        assert_eq!(names.len(), metas.len(), "duplicate name");
    }

    #[test]
    fn every_code_has_its_document() {
        for m in all_meta() {
            let first = m.doc().lines().next().unwrap_or_default();
            assert_eq!(
                first,
                format!("# {} {}", m.code, m.name),
                "rules/{}.md must start with its code and name",
                m.code
            );
            for h in ["## What it finds", "## Why it matters", "## Example", "## How to fix", "## Related"] {
                assert!(m.doc().contains(h), "rules/{}.md lacks '{h}'", m.code);
            }
            assert!(m.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'), "{} is not kebab-case", m.name);
        }
    }

    /// The `## Automatic fix` section (the convention of every rule document): right after
    /// `## How to fix`, its body starts with `Safe:`, `Unsafe:` or `None:` and a reason
    /// (not the `TODO` of the scaffold), and that word is what the code declares
    /// (`declare_rule!(…, fix = Safe)`, [`crate::fix::syntax_fix`]). The rule harness
    /// (`tests/rules.rs`) checks that the fixes a rule offers agree with the declaration.
    #[test]
    fn every_document_says_whether_and_how_its_code_fixes() {
        for m in all_meta() {
            let doc = m.doc();
            let how =
                doc.find("\n## How to fix\n").unwrap_or_else(|| panic!("rules/{}.md lacks '## How to fix'", m.code));
            let next = doc[how + 1..].find("\n## ").map(|i| how + 1 + i);
            assert_eq!(
                next.and_then(|i| doc[i + 1..].lines().next()),
                Some("## Automatic fix"),
                "rules/{}.md: '## Automatic fix' must follow '## How to fix'",
                m.code
            );
            let body = section_body(doc, "Automatic fix").unwrap_or_default();
            let (word, reason) = body.split_once(':').unwrap_or_default();
            let declared = match word {
                "Safe" => Some(pvelint_parse::Applicability::Safe),
                "Unsafe" => Some(pvelint_parse::Applicability::Unsafe),
                "None" => None,
                _ => panic!("rules/{}.md: '## Automatic fix' must start with Safe:, Unsafe: or None:", m.code),
            };
            let reason = reason.trim();
            assert!(
                reason.len() > 10 && !reason.contains("TODO"),
                "rules/{}.md: '## Automatic fix' needs the reason for its decision, not {reason:?}",
                m.code
            );
            assert_eq!(declared, m.fix, "rules/{}.md says {word}: but the code declares {:?}", m.code, m.fix);
        }
        let scaffold = "## How to fix\nx\n\n## Automatic fix\nNone: TODO\n";
        let body = section_body(scaffold, "Automatic fix").unwrap_or_default();
        assert!(body.split_once(':').is_some_and(|(_, r)| r.contains("TODO")), "the scaffold's placeholder is refused");
    }

    /// The trimmed body of `## <heading>`.
    fn section_body<'a>(doc: &'a str, heading: &str) -> Option<&'a str> {
        let marker = format!("## {heading}\n");
        let start = doc.find(&marker)? + marker.len();
        let rest = &doc[start..];
        Some(rest[..rest.find("\n## ").unwrap_or(rest.len())].trim())
    }

    #[test]
    fn every_document_says_when_its_code_came_and_changed() {
        let changelog = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../CHANGELOG.md"));
        let released: Vec<&str> = changelog
            .lines()
            .filter_map(|l| l.strip_prefix("## ["))
            .map(|l| l.split([']', ' ']).next().unwrap_or_default())
            .chain(changelog.lines().filter(|l| l.starts_with("## [Unreleased] (")).map(|l| &l[17..l.len() - 1]))
            .collect();
        for m in all_meta() {
            let h = history(m.doc());
            assert!(!h.is_empty(), "rules/{}.md has no '## History' list", m.code);
            assert_eq!(
                h.last().map(|(_, w)| *w),
                Some("added."),
                "rules/{}.md: the oldest entry says when it was added",
                m.code
            );
            assert!(!m.since().is_empty());
            for (v, _) in &h {
                assert!(released.contains(v), "rules/{}.md names version {v}, which CHANGELOG.md does not", m.code);
            }
        }
    }

    #[test]
    fn document_links_are_pinned_and_bases_are_checked() {
        assert_eq!(
            doc_url(None, "G105"),
            format!("https://github.com/pvelint/pvelint/blob/v{}/rules/G105.md", env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(doc_url(Some("https://git.example.org/docs"), "G105"), "https://git.example.org/docs/G105.md");
        assert_eq!(doc_url(Some("https://x.example/r/{code}.html"), "N102"), "https://x.example/r/N102.html");
        assert!(check_doc_base("https://git.example.org/pvelint/rules/").is_ok());
        for bad in ["ftp://x", "https://", "javascript:alert(1)", "https://a b", "https://a\u{1b}]8;;x", "https://a\"b"]
        {
            assert!(check_doc_base(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn every_document_belongs_to_a_code() {
        let codes: BTreeSet<&str> = all_meta().iter().map(|m| m.code).collect();
        for c in documented_codes() {
            // A removed rule keeps a stub that says what replaced it; its code is not reused.
            let stub = doc(c).contains("\n## Removed\n");
            assert!(
                codes.contains(c) != stub,
                "rules/{c}.md: a document belongs to a code of the tables, or is the stub of a removed code (## Removed), not both"
            );
        }
    }

    #[test]
    fn each_rule_lives_in_the_module_named_by_its_code() {
        // The rule table names modules; a module `g106_...` must declare G106.
        for r in RULES {
            let code = r.meta().code;
            let module = r.module().rsplit("::").next().unwrap_or_default();
            assert!(
                module.starts_with(&format!("{}_", code.to_ascii_lowercase())),
                "{code} is declared in module {module}"
            );
        }
    }

    #[test]
    fn rule_index_lists_every_code() {
        let index = rule_index();
        for m in all_meta() {
            assert!(index.contains(&format!("| [{0}](../rules/{0}.md) | `{1}` |", m.code, m.name)), "{}", m.code);
        }
        assert_eq!(md_cell("a|b\nc"), "a\\|b c");
    }

    #[test]
    fn registry_is_in_code_order() {
        let codes: Vec<&str> = RULES.iter().map(|r| r.meta().code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted);
    }
}
