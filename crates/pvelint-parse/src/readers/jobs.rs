//! `/etc/pve/jobs.cfg` (pve-common `src/PVE/Job/Registry.pm` → `parse_config`, `src/PVE/SectionConfig.pm` → `parse_config`; pve-manager `PVE/Jobs.pm` → `run_jobs`).
//!
//! A section config with the default header rule (any non-blank ID). Registered types
//! are `vzdump` and `realm-sync`; other types are skipped by Proxmox (kept here as
//! [`JobKind::Other`] with `usable == false`). `schedule` is required and must be a valid
//! calendar event: a job without one stays in the config as an empty entry, which makes
//! every API write of jobs.cfg fail and stops pvescheduler at that job, so every job
//! whose ID sorts after it never runs either.

use crate::calendar::{self, CalendarEvent};
use crate::diag::Diagnostic;
use crate::section::{self, HeaderVerdict, KeyDef, Schema, Section, ValueKind};
use crate::source::SourceFile;
use crate::span::{FileId, Span, Spanned};
use crate::syntax;
use crate::vzdump_opts::{VzdumpOptions, LEGACY_KEYS, VZDUMP_KEYS};
use std::collections::BTreeSet;

/// The type of a job section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobKind {
    Vzdump,
    RealmSync,
    /// A type Proxmox does not know: it skips the whole section.
    Other(String),
}

impl JobKind {
    pub fn from_name(name: &str) -> Self {
        match name {
            "vzdump" => JobKind::Vzdump,
            "realm-sync" => JobKind::RealmSync,
            other => JobKind::Other(other.to_string()),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            JobKind::Vzdump => "vzdump",
            JobKind::RealmSync => "realm-sync",
            JobKind::Other(s) => s,
        }
    }
}

/// One job section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub id: Spanned<String>,
    pub kind: JobKind,
    /// The header line.
    pub header: Span,
    /// `false` when Proxmox cannot use the job: a required key (`schedule`, for
    /// realm-sync also `realm`/`scope`) is missing or invalid, or the type is unknown.
    pub usable: bool,
    /// The schedule as written: the kept value, or — when every `schedule` line was
    /// invalid — the first one written (then `calendar` holds the error).
    pub schedule: Option<Spanned<String>>,
    pub calendar: Option<Result<CalendarEvent, String>>,
    /// `enabled` (default 1).
    pub enabled: bool,
    /// The vzdump options kept (empty for other job types).
    pub opts: VzdumpOptions,
    pub section: Section,
}

impl Job {
    /// The `node` the job is restricted to, if any.
    pub fn node(&self) -> Option<&Spanned<String>> {
        self.opts.node()
    }

    /// A kept value of the section (any key, e.g. `comment`, `repeat-missed`, `realm`).
    pub fn get(&self, key: &str) -> Option<&Spanned<String>> {
        self.section.get(key)
    }

    /// `comment`, URL-decoded as Proxmox reads it.
    pub fn comment(&self) -> Option<String> {
        self.section.get("comment").map(|c| decode_text(&c.value))
    }

    /// The diagnostic object name, `job:<id>`.
    pub fn object(&self) -> String {
        object(&self.id.value)
    }
}

/// The parsed jobs.cfg.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobsConfig {
    pub file: FileId,
    /// Jobs in file order. After duplicate IDs only the surviving section is here;
    /// sections of unknown types follow the known ones.
    pub jobs: Vec<Job>,
}

impl JobsConfig {
    /// The backup jobs.
    pub fn vzdump_jobs(&self) -> impl Iterator<Item = &Job> {
        self.jobs.iter().filter(|j| j.kind == JobKind::Vzdump)
    }

    pub fn get(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id.value == id && !matches!(j.kind, JobKind::Other(_)))
    }

    /// The job at which pvescheduler stops every minute (pve-manager `PVE/Jobs.pm` → `run_jobs`): the unusable
    /// job (no valid schedule or other required key) whose ID sorts first. Sections of
    /// unknown types do not count (Proxmox never stores them).
    pub fn scheduler_blocker(&self) -> Option<&Job> {
        self.jobs
            .iter()
            .filter(|j| !j.usable && !matches!(j.kind, JobKind::Other(_)))
            .min_by(|a, b| a.id.value.cmp(&b.id.value))
    }
}

fn object(id: &str) -> String {
    format!("job:{id}")
}

pub use crate::text::decode_text;

fn check_comment(v: &str) -> Result<(), String> {
    if v.chars().count() > 512 {
        Err("a job comment may be at most 512 characters (as written, URL-encoded)".into())
    } else {
        Ok(())
    }
}

const SCOPES: &[&str] = &["users", "groups", "both"];

fn common_keys() -> Vec<KeyDef> {
    vec![
        KeyDef::req("schedule", ValueKind::Custom(calendar::validate)),
        KeyDef::opt("enabled", ValueKind::Bool),
        KeyDef::opt("comment", ValueKind::Custom(check_comment)),
    ]
}

/// Keys of a `vzdump` job.
pub fn vzdump_keys() -> Vec<KeyDef> {
    let mut keys = common_keys();
    keys.push(KeyDef::opt("repeat-missed", ValueKind::Bool));
    keys.extend(VZDUMP_KEYS.iter().copied());
    keys
}

/// Keys of a `realm-sync` job.
pub fn realm_sync_keys() -> Vec<KeyDef> {
    let mut keys = common_keys();
    keys.extend([
        KeyDef::req("realm", ValueKind::Text),
        KeyDef::req("scope", ValueKind::Enum(SCOPES)),
        KeyDef::opt("remove-vanished", ValueKind::Text),
        KeyDef::opt("enable-new", ValueKind::Bool),
    ]);
    keys
}

/// Parses jobs.cfg. Never fails.
pub fn parse(file: &SourceFile, diags: &mut Vec<Diagnostic>) -> JobsConfig {
    let mut skipped_headers: BTreeSet<u32> = BTreeSet::new();
    let raws = section::parse_sections(file, diags, |kind, id| match JobKind::from_name(&kind.value) {
        JobKind::Other(name) => {
            skipped_headers.insert(kind.span.start);
            HeaderVerdict::Skip(
                syntax::UNKNOWN_SECTION_TYPE
                    .at(kind.span, format!("job type '{name}' is unknown (only 'vzdump' and 'realm-sync' exist); Proxmox skips job '{}' entirely, so it never runs", id.value))
                    .with_object(object(&id.value))
                    .with_severity(crate::Severity::Error)
                    .with_help(if name.eq_ignore_ascii_case("vzdump") {
                        "section types are case-sensitive: write 'vzdump'".to_string()
                    } else {
                        "use 'vzdump' for a backup job, or remove the section".to_string()
                    }),
            )
        }
        _ => HeaderVerdict::Accept,
    });

    let vz_keys = vzdump_keys();
    let rs_keys = realm_sync_keys();
    let all: BTreeSet<&str> = vz_keys.iter().chain(rs_keys.iter()).map(|k| k.name).collect();
    let all: Vec<&str> = all.into_iter().collect();

    let mut sections = Vec::new();
    let mut legacy = std::collections::BTreeMap::new();
    for mut raw in raws {
        let kind = JobKind::from_name(&raw.kind.value);
        let keys = if kind == JobKind::RealmSync { &rs_keys } else { &vz_keys };
        let mut leg = VzdumpOptions::default().legacy;
        if kind == JobKind::Vzdump {
            raw.props.retain(|p| {
                if LEGACY_KEYS.contains(&p.key.value.as_str()) {
                    let v = p.value.clone().unwrap_or_else(|| Spanned::new(String::new(), p.key.span));
                    leg.entry(p.key.value.clone()).or_insert(v);
                    false
                } else {
                    true
                }
            });
        }
        let id = raw.id.value.clone();
        let schema = Schema { file: "jobs.cfg", keys, all_keys: &all, object: object(&id) };
        let written_schedule: Option<Spanned<String>> =
            raw.props.iter().find(|p| p.key.value == "schedule").and_then(|p| p.value.clone());
        let start = diags.len();
        let sec = section::apply_schema(raw, &schema, diags);
        refine_schedule_diags(&sec, &mut diags[start..]);
        if !sec.values.contains_key("schedule") {
            // Drop the generic missing-key finding when an invalid schedule was reported.
            let had_invalid = diags[start..]
                .iter()
                .any(|d| d.code == syntax::INVALID_VALUE.code && d.key.as_deref() == Some("schedule"));
            if had_invalid {
                let mut i = start;
                while i < diags.len() {
                    if diags[i].code == syntax::MISSING_REQUIRED_KEY.code && diags[i].key.as_deref() == Some("schedule")
                    {
                        diags.remove(i);
                    } else {
                        i += 1;
                    }
                }
            }
        }
        legacy.insert(sec.raw.header.start, leg);
        sections.push((sec, written_schedule));
    }

    // Duplicate IDs: the later section replaces the earlier one (pve-common `SectionConfig.pm` → `parse_config`).
    let written: std::collections::BTreeMap<u32, Option<Spanned<String>>> =
        sections.iter().map(|(s, w)| (s.raw.header.start, w.clone())).collect();
    let only: Vec<Section> = sections.into_iter().map(|(s, _)| s).collect();
    let kept = section::dedup_ids(only, "jobs.cfg", diags, object);

    let mut jobs: Vec<Job> = kept
        .into_iter()
        .map(|sec| {
            let w = written.get(&sec.raw.header.start).cloned().flatten();
            let leg = legacy.remove(&sec.raw.header.start).unwrap_or_default();
            build(sec, w, leg)
        })
        .collect();

    // Sections of unknown types: Proxmox skips them; keep them for the rules.
    if !skipped_headers.is_empty() {
        let mut scratch = Vec::new();
        for raw in section::parse_sections(file, &mut scratch, |_, _| HeaderVerdict::Accept) {
            if skipped_headers.contains(&raw.kind.span.start) {
                let kind = JobKind::from_name(&raw.kind.value);
                let sec = Section { raw, values: Default::default(), arrays: Default::default(), usable: false };
                jobs.push(Job {
                    id: sec.raw.id.clone(),
                    kind,
                    header: sec.raw.header,
                    usable: false,
                    schedule: None,
                    calendar: None,
                    enabled: false,
                    opts: VzdumpOptions::default(),
                    section: sec,
                });
            }
        }
    }
    JobsConfig { file: file.id, jobs }
}

/// Rewrites the generic schedule findings of one section so that they state what
/// Proxmox does with a job without a valid schedule.
fn refine_schedule_diags(sec: &Section, diags: &mut [Diagnostic]) {
    let id = sec.id();
    let effect = format!(
        "Proxmox cannot use job '{id}': it never runs, every write of jobs.cfg through the API or GUI fails, \
         and pvescheduler stops at this job every minute, so every job whose ID sorts after '{id}' never runs on any node either"
    );
    let has_valid = sec.values.contains_key("schedule");
    for d in diags.iter_mut() {
        if d.key.as_deref() != Some("schedule") {
            continue;
        }
        if d.code == syntax::INVALID_VALUE.code {
            let why = d
                .message
                .strip_prefix("invalid value for 'schedule': ")
                .and_then(|m| m.strip_suffix("; Proxmox drops the key"))
                .unwrap_or(&d.message)
                .to_string();
            if has_valid {
                d.message =
                    format!("invalid schedule: {why}; Proxmox drops this line and uses the later valid schedule");
            } else {
                d.message = format!("invalid schedule: {why}. {effect}");
                d.help =
                    Some("write a calendar event such as '02:00', 'sat 03:30' or '2,14:00' (02:00 and 14:00)".into());
            }
        } else if d.code == syntax::MISSING_REQUIRED_KEY.code {
            d.message = format!("job '{id}' has no schedule. {effect}");
            d.help = Some("add a line such as '\tschedule 02:00'".into());
        }
    }
}

fn build(
    sec: Section,
    written_schedule: Option<Spanned<String>>,
    legacy: std::collections::BTreeMap<String, Spanned<String>>,
) -> Job {
    let kind = JobKind::from_name(&sec.raw.kind.value);
    let (schedule, calendar) = match sec.get("schedule") {
        Some(s) => (Some(s.clone()), Some(calendar::parse(&s.value))),
        None => match written_schedule {
            Some(w) => {
                let err = calendar::validate(&w.value).err().unwrap_or_else(|| "invalid schedule".into());
                (Some(w), Some(Err(err)))
            }
            None => (None, None),
        },
    };
    let enabled = !matches!(sec.get("enabled"), Some(v) if v.value == "0");
    let mut opts = if kind == JobKind::Vzdump { VzdumpOptions::from_section(&sec) } else { VzdumpOptions::default() };
    opts.legacy = legacy;
    Job {
        id: sec.raw.id.clone(),
        kind,
        header: sec.raw.header,
        usable: sec.usable,
        schedule,
        calendar,
        enabled,
        opts,
        section: sec,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vzdump_opts::dump;
    use std::fmt::Write;

    fn load(text: &str) -> (SourceFile, JobsConfig, Vec<Diagnostic>) {
        let f = SourceFile::new(FileId(0), "jobs.cfg", text.to_string());
        let mut d = Vec::new();
        let cfg = parse(&f, &mut d);
        (f, cfg, d)
    }

    fn codes(d: &[Diagnostic]) -> Vec<&'static str> {
        d.iter().map(|d| d.code).collect()
    }

    fn dump_all(f: &SourceFile, cfg: &JobsConfig, d: &[Diagnostic]) -> String {
        let mut out = String::new();
        for j in &cfg.jobs {
            let _ = writeln!(
                out,
                "job {} ({}) @{} header @{} usable={} enabled={}",
                j.id.value,
                j.kind.name(),
                dump::span(f, j.id.span),
                dump::span(f, j.header),
                j.usable,
                j.enabled
            );
            if let Some(s) = &j.schedule {
                let cal = match &j.calendar {
                    Some(Ok(c)) => format!("{}{}", c.describe(), if c.bare_minute() { " [bare minute]" } else { "" }),
                    Some(Err(e)) => format!("ERROR {e}"),
                    None => "-".into(),
                };
                let _ = writeln!(out, "  schedule {:?} @{} -> {cal}", s.value, dump::span(f, s.span));
            }
            if let Some(c) = j.comment() {
                let _ = writeln!(out, "  comment (decoded) {c:?}");
            }
            for (k, v) in &j.section.values {
                if j.opts.values.contains_key(k) || k == "schedule" {
                    continue;
                }
                let _ = writeln!(out, "  {k} = {:?} @{}", v.value, dump::span(f, v.span));
            }
            dump::opts(&mut out, f, &j.opts, "  opt ");
        }
        dump::diags(&mut out, f, d);
        out
    }

    #[test]
    fn snapshot_incident_fixture() {
        let text = include_str!("../../../../testdata/parse/jobs/incident.cfg");
        let (f, cfg, d) = load(text);
        insta::assert_snapshot!("jobs_incident", dump_all(&f, &cfg, &d));
    }

    #[test]
    fn incident_job_values_and_spans() {
        let text = include_str!("../../../../testdata/parse/jobs/incident.cfg");
        let (f, cfg, _) = load(text);
        let j = cfg.get("backup-ff3d789f-f52b").unwrap();
        assert_eq!(j.kind, JobKind::Vzdump);
        assert!(j.usable && j.enabled);
        assert_eq!(f.slice(j.schedule.as_ref().unwrap().span), "*-*-* 02,14:00");
        let ids = j.opts.vmids();
        assert_eq!(ids.iter().map(|i| i.value).collect::<Vec<_>>(), vec![106, 113]);
        assert_eq!(f.slice(ids[1].span), "113");
        assert_eq!(f.slice(j.opts.storage().unwrap().span), "usb-3tb");
        assert_eq!(j.comment().as_deref(), Some("Twice a day: all CTs on the USB pool"));
        assert_eq!(cfg.vzdump_jobs().count(), 4);
        let j = cfg.get("backup-0b12dd8f-1938").unwrap();
        assert!(j.opts.all());
        assert_eq!(j.opts.tmpdir().unwrap().value, "/mnt/usb-3tb/tmp");
        assert_eq!(j.opts.exclude_paths.len(), 2);
        assert_eq!(j.opts.legacy.get("maxfiles").unwrap().value, "3");
        assert_eq!(j.opts.fleecing_storage().unwrap().value, "local-lvm");
        let cal = j.calendar.as_ref().unwrap().as_ref().unwrap();
        assert_eq!(cal.times_of_day(10).unwrap(), vec![(2, 22, 30), (2, 30, 30)]);
        let j = cfg.get("hourly-typo").unwrap();
        assert!(!j.enabled);
        assert!(j.calendar.as_ref().unwrap().as_ref().unwrap().bare_minute());
        assert_eq!(j.opts.get("compress").unwrap().value, "zstd");
        let j = cfg.get("broken-sched").unwrap();
        assert!(!j.usable);
        assert!(j.calendar.as_ref().unwrap().is_err());
        let other = cfg.jobs.iter().find(|j| j.id.value == "mystery").unwrap();
        assert_eq!(other.kind, JobKind::Other("sync".into()));
        assert!(!other.usable);
        assert!(cfg.get("mystery").is_none());
    }

    #[test]
    fn scheduler_blocker_and_later_jobs() {
        let text = "vzdump: b-broken\n\tvmid 100\n\nvzdump: a-ok\n\tschedule 01:00\n\nvzdump: c-ok\n\tschedule 02:00\n\nvzdump: d-bad\n\tschedule 2:99\n";
        let (_, cfg, _) = load(text);
        assert_eq!(cfg.scheduler_blocker().map(|j| j.id.value.as_str()), Some("b-broken"));
        let (_, cfg, _) = load("vzdump: a\n\tschedule 01:00\n");
        assert!(cfg.scheduler_blocker().is_none());
    }

    #[test]
    fn first_valid_schedule_wins() {
        let (_, cfg, d) = load("vzdump: a\n\tschedule 2:61\n\tschedule 03:00\n\tvmid 100\n");
        let j = &cfg.jobs[0];
        assert!(j.usable);
        assert_eq!(j.schedule.as_ref().unwrap().value, "03:00");
        assert_eq!(codes(&d), vec!["P008"]);
        assert!(d[0].message.contains("uses the later valid schedule"), "{}", d[0].message);
    }

    #[test]
    fn missing_schedule_explains_scheduler_stop() {
        let (_, cfg, d) = load("vzdump: a\n\tvmid 100\n");
        assert!(!cfg.jobs[0].usable);
        assert_eq!(cfg.jobs[0].schedule, None);
        assert_eq!(codes(&d), vec!["P012"]);
        assert!(d[0].message.contains("sorts after 'a'"), "{}", d[0].message);
        assert_eq!(d[0].object.as_deref(), Some("job:a"));
    }

    #[test]
    fn invalid_schedule_is_one_finding() {
        let (_, cfg, d) = load("vzdump: a\n\tschedule Daily\n\tvmid 100\n");
        assert!(!cfg.jobs[0].usable);
        assert_eq!(codes(&d), vec!["P008"]);
        assert!(d[0].message.contains("case-sensitive"), "{}", d[0].message);
        assert!(d[0].message.contains("never runs"), "{}", d[0].message);
    }

    #[test]
    fn duplicate_ids_and_bad_values() {
        let text = "vzdump: a\n\tschedule 01:00\n\tvmid 100\n\nvzdump: a\n\tschedule 02:00\n\tvmid 101,99\n\tenabled yes\n\tstorage local\n";
        let (_, cfg, d) = load(text);
        assert_eq!(cfg.jobs.len(), 1);
        assert_eq!(cfg.jobs[0].schedule.as_ref().unwrap().value, "02:00");
        assert!(cfg.jobs[0].opts.vmids().is_empty());
        assert!(cfg.jobs[0].enabled);
        assert_eq!(codes(&d), vec!["P008", "P008", "P013"]);
    }

    #[test]
    fn realm_sync_requires_scope_and_rejects_vzdump_keys() {
        let (_, cfg, d) = load("realm-sync: r\n\tschedule daily\n\trealm ldap\n\tstorage local\n");
        assert_eq!(cfg.jobs[0].kind, JobKind::RealmSync);
        assert!(!cfg.jobs[0].usable);
        assert!(cfg.jobs[0].opts.values.is_empty());
        assert_eq!(codes(&d), vec!["P007", "P012"]);
        assert!(d[0].message.contains("not allowed"), "{}", d[0].message);
    }

    #[test]
    fn unknown_type_swallows_next_section() {
        let (_, cfg, d) =
            load("Vzdump: x\n\tschedule 01:00\nvzdump: y\n\tschedule 02:00\n\nvzdump: z\n\tschedule 03:00\n");
        let ids: Vec<_> = cfg.jobs.iter().map(|j| (j.id.value.as_str(), j.usable)).collect();
        assert_eq!(ids, vec![("z", true), ("x", false)]);
        assert_eq!(codes(&d), vec!["P010", "P014"]);
        assert!(d[0].help.as_deref().unwrap_or("").contains("case-sensitive"));
    }

    #[test]
    fn cron_converted_ids_with_colon() {
        let (_, cfg, d) = load("vzdump: 3f1b0c9e2a:1\n\tschedule mon,tue 02:00\n\tall 1\n");
        assert_eq!(cfg.jobs[0].id.value, "3f1b0c9e2a:1");
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn decode_text_handles_odd_input() {
        assert_eq!(decode_text("a%3Ab"), "a:b");
        assert_eq!(decode_text("%"), "%");
        assert_eq!(decode_text("%4"), "%4");
        assert_eq!(decode_text("%C3%A9t%C3%A9"), "été");
        assert_eq!(decode_text("%FF"), "\u{FFFD}");
        assert_eq!(decode_text("é%zz"), "é%zz");
    }
}
