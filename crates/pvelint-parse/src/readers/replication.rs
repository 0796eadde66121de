//! `/etc/pve/replication.cfg`: storage replication jobs (section config).
//!
//! Behaviour mirrored from pve-guest-common `PVE/ReplicationConfig.pm`:
//! * the header must be `<type>: <digits>-<digits>`; the type is lowercased and only
//!   `local` exists; the ID is normalised through integers (`0100-01` is job `100-1`);
//!   a guest below 100 skips the section;
//! * `target` (a node name) is required;
//! * after parsing, a second job for the same guest and target is deleted (jobs are
//!   visited in string order of their IDs, the first one stays).

use crate::diag::Diagnostic;
use crate::section::{self, HeaderVerdict, KeyDef, Schema, Section, ValueKind};
use crate::source::SourceFile;
use crate::span::{FileId, Spanned};
use crate::syntax;
use std::collections::BTreeMap;

/// One replication job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicationJob {
    /// The normalised ID `<vmid>-<n>`; the span is the ID as written.
    pub id: Spanned<String>,
    /// The guest of the job, from the ID.
    pub guest: Option<u32>,
    /// The job number, from the ID.
    pub jobnum: Option<u64>,
    pub target: Option<Spanned<String>>,
    /// `disable` is set (bare or `1`).
    pub disabled: bool,
    pub section: Section,
}

impl ReplicationJob {
    /// The effective schedule: the written one, or Proxmox's default `*/15`.
    pub fn schedule(&self) -> &str {
        self.section.get("schedule").map_or("*/15", |s| s.as_str())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplicationConfig {
    pub file: FileId,
    /// Jobs Proxmox keeps, in file order.
    pub jobs: Vec<ReplicationJob>,
}

impl ReplicationConfig {
    pub fn job(&self, id: &str) -> Option<&ReplicationJob> {
        self.jobs.iter().find(|j| j.id.value == id)
    }
}

/// `pve-node`: one DNS label.
pub(crate) fn check_node_name(v: &str) -> Result<(), String> {
    if is_node_name(v) {
        Ok(())
    } else {
        Err(format!("'{v}' is not a valid node name (letters, digits and inner hyphens only)"))
    }
}

pub(crate) fn is_node_name(v: &str) -> bool {
    let b = v.as_bytes();
    !b.is_empty() && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-') && b[0] != b'-' && b[b.len() - 1] != b'-'
}

fn check_rate(v: &str) -> Result<(), String> {
    // JSONSchema `number`: an optional sign, digits, an optional fraction; minimum 1.
    let body = v.strip_prefix(['-', '+']).unwrap_or(v);
    let (int, frac) = body.split_once('.').unwrap_or((body, "0"));
    let numeric = !int.is_empty()
        && int.bytes().all(|c| c.is_ascii_digit())
        && !frac.is_empty()
        && frac.bytes().all(|c| c.is_ascii_digit());
    match v.parse::<f64>() {
        Ok(n) if numeric && n >= 1.0 => Ok(()),
        Ok(_) if numeric => Err(format!("{v} is below the minimum of 1 (MB/s)")),
        _ => Err(format!("'{v}' is not a number")),
    }
}

fn check_comment(v: &str) -> Result<(), String> {
    if v.len() > 4096 {
        Err("the comment is longer than 4096 characters".into())
    } else {
        Ok(())
    }
}

fn check_schedule(v: &str) -> Result<(), String> {
    let r = if v.len() > 128 {
        Err("the schedule is longer than 128 characters".to_string())
    } else {
        crate::calendar::validate(v)
    };
    r.map_err(|e| format!("{e} (without a valid schedule the job runs on the default `*/15`)"))
}

const KEYS: &[KeyDef] = &[
    KeyDef::req("target", ValueKind::Custom(check_node_name)),
    KeyDef::opt("disable", ValueKind::Bool),
    KeyDef::opt("comment", ValueKind::Custom(check_comment)),
    KeyDef::opt("rate", ValueKind::Custom(check_rate)),
    KeyDef::opt("schedule", ValueKind::Custom(check_schedule)),
    KeyDef::opt("remove_job", ValueKind::Enum(&["local", "full"])),
    KeyDef::opt("source", ValueKind::Custom(check_node_name)),
];
const ALL_KEYS: &[&str] = &["target", "disable", "comment", "rate", "schedule", "remove_job", "source"];

/// Splits `<digits>-<digits>` and normalises it through integers.
fn parse_job_id(id: &str) -> Option<(u64, u64, String)> {
    let (g, n) = id.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if !digits(g) || !digits(n) {
        return None;
    }
    let g: u64 = g.trim_start_matches('0').parse().unwrap_or(0);
    let n: u64 = n.trim_start_matches('0').parse().unwrap_or(0);
    Some((g, n, format!("{g}-{n}")))
}

pub fn parse(file: &SourceFile, diags: &mut Vec<Diagnostic>) -> ReplicationConfig {
    let raws = section::parse_sections(file, diags, |kind, id| {
        let Some((guest, _, norm)) = parse_job_id(&id.value) else {
            return HeaderVerdict::Skip(
                syntax::INVALID_SECTION_ID
                    .at(
                        id.span,
                        format!(
                            "'{}' is not a replication job ID (<vmid>-<number>); Proxmox does not read this section",
                            id.value
                        ),
                    )
                    .with_help("replication job IDs look like `100-0`: the guest's VMID, a hyphen and the job number")
                    .with_object(format!("replication:{}", id.value)),
            );
        };
        if guest < 100 {
            return HeaderVerdict::Skip(
                syntax::INVALID_SECTION_ID
                    .at(id.span, format!("replication job '{norm}' names guest {guest}; guest IDs below 100 are reserved, so Proxmox skips the section"))
                    .with_object(format!("replication:{norm}")),
            );
        }
        if !kind.value.eq_ignore_ascii_case("local") {
            return HeaderVerdict::Skip(
                syntax::UNKNOWN_SECTION_TYPE
                    .at(
                        kind.span,
                        format!(
                            "unknown replication job type '{}'; Proxmox skips the section (the only type is `local`)",
                            kind.value
                        ),
                    )
                    .with_help("write the header as `local: <vmid>-<number>`")
                    .with_object(format!("replication:{norm}")),
            );
        }
        HeaderVerdict::Accept
    });
    let mut sections = Vec::new();
    for mut raw in raws {
        if let Some((_, _, norm)) = parse_job_id(&raw.id.value) {
            raw.id.value = norm;
        }
        let schema = Schema {
            file: "replication.cfg",
            keys: KEYS,
            all_keys: ALL_KEYS,
            object: format!("replication:{}", raw.id.value),
        };
        let before = diags.len();
        let s = section::apply_schema(raw, &schema, diags);
        if !s.usable {
            // ReplicationConfig::parse_config looks up the plugin of every ID; the entry of a
            // section that failed check_config is undef, so the lookup dies and the whole
            // file cannot be read.
            for d in diags[before..].iter_mut().filter(|d| d.code == syntax::MISSING_REQUIRED_KEY.code) {
                d.message = format!(
                    "replication job '{}' has no valid 'target'; Proxmox's reader of replication.cfg dies on such a job, so no replication job runs and the replication API fails until it is fixed",
                    s.id()
                );
            }
        }
        sections.push(s);
    }
    let sections = section::dedup_ids(sections, "replication.cfg", diags, |id| format!("replication:{id}"));

    // One job per guest and target: visit in string order of the IDs, as Perl does.
    let mut order: Vec<usize> = (0..sections.len()).collect();
    order.sort_by(|a, b| sections[*a].id().cmp(sections[*b].id()));
    let mut seen: BTreeMap<(u64, String), usize> = BTreeMap::new();
    let mut deleted = vec![false; sections.len()];
    for i in order {
        let s = &sections[i];
        let Some((guest, _, _)) = parse_job_id(s.id()) else { continue };
        // A section without a valid target is unusable: Perl keys it by an empty target.
        let target = s.get("target").map(|t| t.value.clone()).unwrap_or_default();
        if let Some(&first) = seen.get(&(guest, target.clone())) {
            deleted[i] = true;
            let f = &sections[first];
            diags.push(
                syntax::DUPLICATE_SECTION_ID
                    .at(s.raw.id.span, format!("job '{}' replicates guest {guest} to '{target}' like job '{}'; Proxmox deletes job '{}' when it reads the file", s.id(), f.id(), s.id()))
                    .with_label(f.raw.header, "this job is kept")
                    .with_object(format!("replication:{}", s.id()))
                    .with_help("keep one replication job per guest and target node"),
            );
        } else {
            seen.insert((guest, target), i);
        }
    }
    let jobs = sections
        .into_iter()
        .zip(deleted)
        .filter(|(_, d)| !d)
        .map(|(section, _)| {
            let parsed = parse_job_id(section.id());
            ReplicationJob {
                id: Spanned::new(section.id().to_string(), section.raw.id.span),
                guest: parsed.as_ref().and_then(|p| u32::try_from(p.0).ok()),
                jobnum: parsed.as_ref().map(|p| p.1),
                target: section.get("target").cloned(),
                disabled: section.get("disable").is_some_and(|d| d.value == "1"),
                section,
            }
        })
        .collect();
    ReplicationConfig { file: file.id, jobs }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (ReplicationConfig, Vec<Diagnostic>) {
        let f = SourceFile::new(FileId(3), "replication.cfg", text.to_string());
        let mut d = Vec::new();
        (parse(&f, &mut d), d)
    }

    fn codes(d: &[Diagnostic]) -> Vec<&str> {
        d.iter().map(|d| d.code).collect()
    }

    #[test]
    fn parses_jobs_with_spans() {
        let text =
            "local: 100-0\n\ttarget pve2\n\tschedule */30\n\trate 12.5\n\nlocal: 101-1\n\tdisable\n\ttarget pve3\n";
        let (c, d) = run(text);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.jobs.len(), 2);
        let j = &c.jobs[0];
        assert_eq!(j.id.value, "100-0");
        assert_eq!(&text[j.id.span.range()], "100-0");
        assert_eq!(j.guest, Some(100));
        assert_eq!(j.jobnum, Some(0));
        let t = j.target.as_ref().unwrap();
        assert_eq!(t.value, "pve2");
        assert_eq!(&text[t.span.range()], "pve2");
        assert_eq!(j.schedule(), "*/30");
        assert!(!j.disabled);
        assert!(c.jobs[1].disabled);
        assert_eq!(c.jobs[1].schedule(), "*/15");
        assert!(c.job("101-1").is_some());
    }

    #[test]
    fn normalises_ids_and_rejects_bad_headers() {
        let (c, d) = run("LOCAL: 0100-01\n\ttarget a\n\nlocal: 99-0\n\ttarget a\n\nlocal: abc\n\ttarget a\n\nremote: 102-0\n\ttarget a\n");
        assert_eq!(c.jobs.len(), 1);
        assert_eq!(c.jobs[0].id.value, "100-1");
        assert_eq!(codes(&d), vec!["P011", "P011", "P010"]);
    }

    #[test]
    fn missing_target_and_bad_values() {
        let (c, d) = run("local: 100-0\n\trate 0.5\n\tremove_job yes\n\ttarget bad_node\n");
        assert_eq!(codes(&d), vec!["P008", "P008", "P008", "P012"]);
        assert_eq!(c.jobs.len(), 1);
        assert!(!c.jobs[0].section.usable);
        assert!(c.jobs[0].target.is_none());
    }

    #[test]
    fn second_job_to_same_target_is_deleted() {
        let (c, d) = run("local: 100-1\n\ttarget b\n\nlocal: 100-0\n\ttarget b\n\nlocal: 100-2\n\ttarget c\n");
        let ids: Vec<_> = c.jobs.iter().map(|j| j.id.value.as_str()).collect();
        assert_eq!(ids, vec!["100-0", "100-2"]);
        assert_eq!(codes(&d), vec!["P013"]);
    }

    #[test]
    fn invalid_schedule_falls_back_to_default() {
        let (c, d) = run("local: 100-0\n\ttarget b\n\tschedule daily 02:00\n");
        assert_eq!(codes(&d), vec!["P008"]);
        assert!(d[0].message.contains("*/15"), "{}", d[0].message);
        assert_eq!(c.jobs[0].schedule(), "*/15");
    }

    #[test]
    fn rate_check() {
        assert!(check_rate("1").is_ok());
        assert!(check_rate("10.25").is_ok());
        assert!(check_rate("0.9").is_err());
        assert!(check_rate("1e3").is_err());
        assert!(check_rate("fast").is_err());
    }

    fn dump(text: &str) -> String {
        let f = SourceFile::new(FileId(0), "replication.cfg", text.to_string());
        let mut d = Vec::new();
        let c = parse(&f, &mut d);
        let loc = |s: crate::Span| crate::testutil::range(&f, s);
        let mut out = String::new();
        for j in &c.jobs {
            out += &format!(
                "job {} guest={:?} disabled={} usable={} @{}\n",
                j.id.value,
                j.guest,
                j.disabled,
                j.section.usable,
                loc(j.id.span)
            );
            for (k, v) in &j.section.values {
                out += &format!("  {k} = {:?} @{}\n", v.value, loc(v.span));
            }
        }
        out += &crate::testutil::diag_lines(&f, &d);
        out
    }

    #[test]
    fn snapshots() {
        insta::glob!("../../../../testdata/parse/replication", "*.cfg", |path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            insta::assert_snapshot!(dump(&text));
        });
    }

    /// Runs over the real configurations of the shared corpus: no findings expected.
    #[test]
    #[ignore]
    fn corpus_real_files() {
        crate::testutil::assert_corpus_clean(&crate::testutil::named("replication.cfg"), &|_, f, d| {
            parse(f, d);
        });
    }
}
