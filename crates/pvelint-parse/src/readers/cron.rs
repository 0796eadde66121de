//! The legacy `/etc/pve/vzdump.cron` (pve-guest-common `src/PVE/VZDump/Common.pm` → `parse_vzdump_cron_config`).
//!
//! A crontab (`/etc/cron.d/vzdump` links to it, so cron runs it on every node). Proxmox
//! (`PVE::VZDump::Common::parse_vzdump_cron_config`) reads a line as a backup job only
//! when it matches `<min> <hour> * * <dow> root [/path/][#]vzdump [args]` with plain
//! numbers for minute and hour; `#` before `vzdump` disables it. Other lines of seven or
//! more fields are kept verbatim ("ejobs", not listed as jobs); shorter ones are dropped.
//! Job IDs are `<sha1 of the file>:<n>`, counting valid jobs from 1.

use crate::diag::{Diagnostic, Severity};
use crate::section::{check_value, ValueKind};
use crate::source::SourceFile;
use crate::span::{FileId, Span, Spanned};
use crate::syntax;
use crate::vzdump_opts::{key_def, parse_boolean, VzdumpOptions, LEGACY_KEYS};

/// One backup job of vzdump.cron.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CronEntry {
    /// The whole line.
    pub line: Span,
    /// The schedule as Proxmox converts it for jobs.cfg (`02:30`, `mon,sat 02:30`); the
    /// span covers the five time fields.
    pub schedule: Spanned<String>,
    /// The options (`vmid` holds the guest IDs given as arguments).
    pub opts: VzdumpOptions,
    /// `false` for a `#vzdump` line.
    pub enabled: bool,
    /// The `<n>` of the job ID `<sha1>:<n>`.
    pub index: u32,
    /// Day-of-week bits (bit 0 = Monday).
    pub weekdays: u8,
    pub hour: u32,
    pub minute: u32,
}

/// The parsed vzdump.cron.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VzdumpCron {
    pub file: FileId,
    pub entries: Vec<CronEntry>,
    /// Lines Proxmox keeps verbatim without reading them as jobs (cron still runs them).
    pub ejobs: Vec<Span>,
}

const OBJECT: &str = "file";
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

use crate::text::is_perl_space;

/// Splits on Perl whitespace, returning byte ranges.
fn fields(s: &str) -> Vec<(usize, usize)> {
    crate::text::runs(s, is_perl_space)
}

/// `parse_dow`: `*`, or a list (split_list) of `mon`…`sun`, `0`–`7`, or name ranges
/// `mon-fri`. Returns the weekday bits, `None` when Proxmox cannot read it.
pub fn parse_dow(s: &str) -> Option<u8> {
    if s == "*" {
        return Some(0x7f);
    }
    let day = |d: &str| DAYS.iter().position(|n| n.eq_ignore_ascii_case(d));
    let mut mask = 0u8;
    for (a, b) in crate::vzdump_opts::split_list(s) {
        let part = &s[a..b];
        if let Some((x, y)) = part.split_once('-') {
            let (x, y) = (day(x)?, day(y)?);
            for d in x..=y {
                mask |= 1 << d;
            }
        } else if let Some(d) = day(part) {
            mask |= 1 << d;
        } else if part.len() == 1 && part.as_bytes()[0].is_ascii_digit() && part.as_bytes()[0] <= b'7' {
            let n = (part.as_bytes()[0] - b'0') as u32;
            mask |= 1 << if n == 0 { 6 } else { n - 1 };
        } else {
            return None;
        }
    }
    Some(mask)
}

/// A shell word with its raw byte range.
struct Word {
    text: String,
    start: usize,
    end: usize,
}

/// `Text::ParseWords::shellwords`-like splitting; `None` on an unbalanced quote.
fn shell_words(s: &str) -> Option<Vec<Word>> {
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    loop {
        while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
            chars.next();
        }
        let Some(&(start, _)) = chars.peek() else { break };
        let mut text = String::new();
        let mut end = start;
        while let Some(&(i, c)) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            end = i + c.len_utf8();
            match c {
                '\'' => loop {
                    let (j, c) = chars.next()?;
                    end = j + c.len_utf8();
                    if c == '\'' {
                        break;
                    }
                    text.push(c);
                },
                '"' => loop {
                    let (j, c) = chars.next()?;
                    end = j + c.len_utf8();
                    match c {
                        '"' => break,
                        '\\' => {
                            // The closing quote always follows, so `end` is set there.
                            let (_, c) = chars.next()?;
                            text.push(c);
                        }
                        _ => text.push(c),
                    }
                },
                '\\' => {
                    if let Some((k, c)) = chars.next() {
                        end = k + c.len_utf8();
                        text.push(c);
                    }
                }
                _ => text.push(c),
            }
        }
        out.push(Word { text, start, end });
    }
    Some(out)
}

/// Matches the job pattern; returns (minute, hour, dow, enabled, args) as ranges of `line`.
#[allow(clippy::type_complexity)]
fn match_job(line: &str) -> Option<((usize, usize), (usize, usize), (usize, usize), bool, Option<(usize, usize)>)> {
    let f = fields(line);
    if f.len() < 6 || f[0].0 != 0 {
        return None;
    }
    let digits = |r: (usize, usize)| line[r.0..r.1].bytes().all(|b| b.is_ascii_digit());
    if !digits(f[0]) || !digits(f[1]) || &line[f[2].0..f[2].1] != "*" || &line[f[3].0..f[3].1] != "*" {
        return None;
    }
    if &line[f[5].0..f[5].1] != "root" {
        return None;
    }
    // `(/\S+/)?(#)?vzdump(\s+(.*))?$`
    let cmd = &line[f[6..].first()?.0..];
    let cmd_start = f[6].0;
    let word_end = cmd.find(is_perl_space).unwrap_or(cmd.len());
    let word = &cmd[..word_end];
    // Drop an optional `/path/` prefix.
    let rest = match word.rfind('/') {
        Some(i) if word.starts_with('/') && i > 0 => &word[i + 1..],
        _ => word,
    };
    let (enabled, name) = match rest.strip_prefix('#') {
        Some(n) => (false, n),
        None => (true, rest),
    };
    if name != "vzdump" {
        return None;
    }
    let after = &cmd[word_end..];
    let lead = after.len() - after.trim_start_matches(is_perl_space).len();
    let args = (lead < after.len()).then_some((cmd_start + word_end + lead, line.len()));
    Some((f[0], f[1], f[4], enabled, args))
}

/// Parses vzdump.cron. Never fails.
pub fn parse(file: &SourceFile, diags: &mut Vec<Diagnostic>) -> VzdumpCron {
    let mut cron = VzdumpCron { file: file.id, ..VzdumpCron::default() };
    let mut index = 1u32;
    for (span, line) in file.lines() {
        if line.starts_with('#') || line.trim_matches(is_perl_space).is_empty() {
            continue;
        }
        if line.strip_prefix("PATH").is_some_and(|r| r.trim_start_matches(is_perl_space).starts_with('=')) {
            continue;
        }
        let Some((mi, ho, dow, enabled, args)) = match_job(line) else {
            other_line(&mut cron, span, line, diags);
            continue;
        };
        let dow_text = &line[dow.0..dow.1];
        let Some(weekdays) = parse_dow(dow_text) else {
            cron.ejobs.push(span);
            diags.push(
                syntax::INVALID_VALUE
                    .at(span.sub(dow.0, dow.1), format!("Proxmox cannot read the day-of-week field '{dow_text}', so it does not list this backup job (cron still runs it)"))
                    .with_severity(Severity::Warning)
                    .with_object(OBJECT)
                    .with_help("use `*`, day names (`mon,sat`), name ranges (`mon-fri`) or digits 0-7; better, move the job to jobs.cfg"),
            );
            continue;
        };
        let args_text = args.map_or("", |(a, b)| &line[a..b]);
        let args_off = args.map_or(0, |(a, _)| a);
        let Some(words) = shell_words(args_text) else {
            cron.ejobs.push(span);
            diags.push(
                syntax::UNPARSABLE_LINE
                    .at(span, "the vzdump arguments have an unbalanced quote; Proxmox does not list this job, and the backup fails when cron runs it")
                    .with_object(OBJECT),
            );
            continue;
        };
        match read_options(&words, args_text, span.sub(args_off, args_off)) {
            Ok(opts) => {
                let minute: u32 = line[mi.0..mi.1].parse().unwrap_or(u32::MAX);
                let hour: u32 = line[ho.0..ho.1].parse().unwrap_or(u32::MAX);
                let start = format!("{:02}:{:02}", hour.min(99), minute.min(99));
                let value = if weekdays == 0x7f {
                    start
                } else {
                    let days: Vec<&str> = (0..7).filter(|d| weekdays & (1 << d) != 0).map(|d| DAYS[d]).collect();
                    format!("{} {start}", days.join(","))
                };
                cron.entries.push(CronEntry {
                    line: span,
                    schedule: Spanned::new(value, span.sub(0, dow.1)),
                    opts,
                    enabled,
                    index,
                    weekdays,
                    hour,
                    minute,
                });
                index += 1;
            }
            Err(d) => {
                cron.ejobs.push(span);
                diags.push((*d).with_object(OBJECT));
            }
        }
    }
    cron
}

fn other_line(cron: &mut VzdumpCron, span: Span, line: &str, diags: &mut Vec<Diagnostic>) {
    let f = fields(line);
    // An environment assignment (`MAILTO=root`) is fine for cron.
    let t = line.trim_start_matches(is_perl_space);
    let is_env = t.split_once('=').is_some_and(|(n, _)| {
        !n.trim_end().is_empty() && n.trim_end().chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    let mentions_vzdump = line.contains("vzdump");
    if f.len() >= 7 && line.len() > f[0].1 {
        cron.ejobs.push(span);
        if mentions_vzdump {
            diags.push(
                syntax::UNPARSABLE_LINE
                    .at(span, "Proxmox does not read this line as a backup job (it needs `<minute> <hour> * * <dow> root vzdump …` with plain numbers); it is not listed as a job, but cron still runs it")
                    .with_severity(Severity::Warning)
                    .with_object(OBJECT)
                    .with_help("create the job in jobs.cfg (Datacenter → Backup) and remove this line"),
            );
        }
    } else if !is_env {
        diags.push(
            syntax::UNPARSABLE_LINE
                .at(span, "this line is neither a cron job nor a variable assignment; Proxmox drops it (\"ignoring malformed line\") and cron rejects it as a syntax error")
                .with_object(OBJECT)
                .with_help("remove the line or turn it into a comment with `#`"),
        );
    }
}

/// `PVE::JSONSchema::get_options` over the vzdump schema, with `vmid` as the
/// positional argument. An error is a diagnostic (without object).
fn read_options(words: &[Word], args_text: &str, at: Span) -> Result<VzdumpOptions, Box<Diagnostic>> {
    let span_of = |w: &Word| at.sub(w.start, w.end);
    let mut opts = VzdumpOptions::default();
    let mut positional: Vec<&Word> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        i += 1;
        let Some(name) = w.text.strip_prefix("--").or_else(|| w.text.strip_prefix('-')).filter(|n| !n.is_empty())
        else {
            positional.push(w);
            continue;
        };
        let (name, inline) = match name.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (name, None),
        };
        if LEGACY_KEYS.contains(&name) {
            let v = inline.or_else(|| words.get(i).map(|n| n.text.clone())).unwrap_or_default();
            let vspan = words.get(i).map_or(span_of(w), span_of);
            i += 1;
            opts.legacy.insert(name.to_string(), Spanned::new(v, vspan));
            continue;
        }
        // Getopt::Long accepts a unique abbreviation of an option.
        let full = key_def(name).map(|d| d.name).or_else(|| {
            let mut m = crate::vzdump_opts::VZDUMP_KEYS.iter().filter(|k| k.name.starts_with(name));
            match (m.next(), m.next()) {
                (Some(k), None) => Some(k.name),
                _ => None,
            }
        });
        let Some(def) = full.and_then(key_def) else {
            return Err(Box::new(syntax::UNKNOWN_KEY
                .at(span_of(w), format!("vzdump has no option '--{name}': Proxmox does not list this job, and the backup fails every time cron runs it"))
                .with_severity(Severity::Error)
                .with_key(name)));
        };
        let is_bool = matches!(def.kind, ValueKind::Bool);
        let (raw, vspan) = match inline {
            Some(v) => (v, span_of(w)),
            None => match words.get(i) {
                Some(n) if !(is_bool && n.text.starts_with('-')) => {
                    i += 1;
                    (n.text.clone(), span_of(n))
                }
                _ if is_bool => ("1".to_string(), span_of(w)),
                _ => {
                    return Err(Box::new(syntax::MISSING_VALUE
                        .at(span_of(w), format!("option '--{name}' has no value: Proxmox does not list this job, and the backup fails every time cron runs it"))
                        .with_key(name)))
                }
            },
        };
        let norm = if is_bool {
            parse_boolean(&raw).map_or(raw.clone(), |b| if b { "1" } else { "0" }.into())
        } else {
            raw.clone()
        };
        match check_value(def.kind, Some(&norm)) {
            Ok(v) if def.array => opts.exclude_paths.push(Spanned::new(v, vspan)),
            Ok(v) => {
                opts.values.insert(def.name.to_string(), Spanned::new(v, vspan));
            }
            Err(e) => {
                return Err(Box::new(syntax::INVALID_VALUE
                    .at(vspan, format!("invalid value for '--{name}': {e}; Proxmox does not list this job, and the backup fails every time cron runs it"))
                    .with_key(name)))
            }
        }
    }
    if let (Some(first), Some(last)) = (positional.first(), positional.last()) {
        let s = at.sub(first.start, last.end);
        let verbatim = positional.iter().all(|w| w.end - w.start == w.text.len());
        // As written (IDs separated by spaces) when no word was quoted, so that each ID
        // keeps its own span; otherwise the IDs joined with commas.
        let kept = if verbatim {
            args_text.get(first.start..last.end).unwrap_or_default().to_string()
        } else {
            positional.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(",")
        };
        if let Some(Err(e)) = key_def("vmid").map(|d| check_value(d.kind, Some(&kept))) {
            return Err(Box::new(syntax::INVALID_VALUE
                .at(s, format!("invalid guest IDs: {e}; Proxmox does not list this job, and the backup fails every time cron runs it"))
                .with_key("vmid")));
        }
        opts.values.insert("vmid".into(), Spanned::new(kept, s));
    }
    Ok(opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vzdump_opts::dump;
    use std::fmt::Write;

    fn load(text: &str) -> (SourceFile, VzdumpCron, Vec<Diagnostic>) {
        let f = SourceFile::new(FileId(1), "vzdump.cron", text.to_string());
        let mut d = Vec::new();
        let c = parse(&f, &mut d);
        (f, c, d)
    }

    fn codes(d: &[Diagnostic]) -> Vec<&'static str> {
        d.iter().map(|d| d.code).collect()
    }

    #[test]
    fn snapshot_fixture() {
        let (f, c, d) = load(include_str!("../../../../testdata/parse/cron/vzdump.cron"));
        let mut out = String::new();
        for e in &c.entries {
            let _ = writeln!(
                out,
                "entry #{} @{} enabled={} schedule {:?} @{}",
                e.index,
                dump::span(&f, e.line),
                e.enabled,
                e.schedule.value,
                dump::span(&f, e.schedule.span)
            );
            dump::opts(&mut out, &f, &e.opts, "  opt ");
        }
        for s in &c.ejobs {
            let _ = writeln!(out, "ejob @{} {:?}", dump::span(&f, *s), f.slice(*s));
        }
        dump::diags(&mut out, &f, &d);
        insta::assert_snapshot!("cron_fixture", out);
    }

    #[test]
    fn generated_header_only() {
        let text = "# cluster wide vzdump cron schedule\n# Atomatically generated file - do not edit\n\nPATH=\"/usr/sbin:/usr/bin:/sbin:/bin\"\n\n";
        let (_, c, d) = load(text);
        assert!(c.entries.is_empty() && c.ejobs.is_empty());
        assert!(d.is_empty());
    }

    #[test]
    fn job_line_values_and_spans() {
        let (f, c, d) = load("0 2 * * mon-fri   root vzdump 106 113 --mode snapshot --quiet 1 --storage usb-3tb --exclude-path '/tmp/a b'\n");
        assert!(d.is_empty(), "{d:?}");
        let e = &c.entries[0];
        assert_eq!(e.schedule.value, "mon,tue,wed,thu,fri 02:00");
        assert_eq!(f.slice(e.schedule.span), "0 2 * * mon-fri");
        let ids = e.opts.vmids();
        assert_eq!(ids.iter().map(|i| i.value).collect::<Vec<_>>(), vec![106, 113]);
        assert_eq!(f.slice(ids[1].span), "113");
        assert_eq!(f.slice(e.opts.storage().unwrap().span), "usb-3tb");
        assert_eq!(e.opts.exclude_paths[0].value, "/tmp/a b");
        assert_eq!(e.opts.get("quiet").unwrap().value, "1");
        assert!(e.enabled);
        assert_eq!(e.index, 1);
    }

    #[test]
    fn disabled_and_path_prefix() {
        let (_, c, d) =
            load("30 1 * * * root /usr/bin/#vzdump --all 1 --mode stop --maxfiles 2\n15 3 * * 0,6 root vzdump --all --compr zstd\n");
        assert!(d.is_empty(), "{d:?}");
        assert!(!c.entries[0].enabled);
        assert_eq!(c.entries[0].schedule.value, "01:30");
        assert_eq!(c.entries[0].opts.legacy.get("maxfiles").unwrap().value, "2");
        assert!(c.entries[1].opts.all());
        assert_eq!(c.entries[1].schedule.value, "sat,sun 03:15");
        assert_eq!(c.entries[1].opts.get("compress").unwrap().value, "zstd");
        assert_eq!(c.entries[1].opts.get("compress").unwrap().value, "zstd");
        assert_eq!(c.entries[1].index, 2);
    }

    #[test]
    fn bad_lines() {
        let text = "0 2 * * 1-5 root vzdump 100\n*/30 * * * * root vzdump 101\n0 2 * * * root vzdump 102 --mode fast\n0 2 * * * root vzdump 103 --compresion zstd\nMAILTO=root\ngarbage\n0 4 * * * root /usr/local/bin/other\n";
        let (_, c, d) = load(text);
        assert!(c.entries.is_empty());
        assert_eq!(c.ejobs.len(), 5);
        assert_eq!(codes(&d), vec!["P008", "P004", "P008", "P007", "P004"]);
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!(d[3].severity, Severity::Error);
    }

    #[test]
    fn dow_parsing() {
        assert_eq!(parse_dow("*"), Some(0x7f));
        assert_eq!(parse_dow("mon,sun"), Some(0b1000001));
        assert_eq!(parse_dow("0"), Some(1 << 6));
        assert_eq!(parse_dow("7"), Some(1 << 6));
        assert_eq!(parse_dow("Sat-Sun"), Some(0b1100000));
        assert_eq!(parse_dow("1-5"), None);
        assert_eq!(parse_dow("8"), None);
    }

    #[test]
    fn odd_input_never_panics() {
        for t in [
            "0 2 * * * root vzdump \"unterminated\n",
            "0 2 * * * root vzdump é --storage ü\n",
            "0 2 * * * root vzdump\n",
            "99999999999 2 * * * root vzdump 100\r\n",
        ] {
            let _ = load(t);
        }
    }
}
