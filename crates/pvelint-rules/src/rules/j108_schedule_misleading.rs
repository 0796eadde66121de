//! J108: a backup schedule that parses but runs at other times than it seems to say: a
//! bare minute (`30` = hourly at :30) or several `h:m` times joined by commas
//! (`2:30,22:30` = 02:22:30 and 02:30:30; proxmox-time `calendar_event.rs` → `parse_time_spec`).

use pvelint_parse::text::join_and;
use crate::context::Context;
use pvelint_parse::calendar::CalendarEvent;
use pvelint_parse::{Diagnostic, Edit, Fix, Spanned};

/// The schedule written as it seems to be meant; the API sets a job's schedule by its ID.
fn rewrite(id: &str, sched: &Spanned<String>, meant: &str) -> Option<Fix> {
    if sched.span.len() != sched.value.len() {
        return None;
    }
    let fix = Fix::unsafe_(
        format!("write the schedule as it seems to be meant: '{meant}'"),
        vec![Edit::replace(sched.span, meant)],
    );
    let path = format!("/cluster/backup/{id}");
    Some(match crate::fix::command(&["pvesh", "set", &path, "--schedule", meant]) {
        Some(c) => fix.with_command(c),
        None => fix,
    })
}

crate::declare_rule!(
    ScheduleMisleading,
    "J108",
    "schedule-misleading",
    Warning,
    "A backup job's schedule is valid but means other times than it seems to (`30` is hourly, `2:30,22:30` is 02:22:30 and 02:30:30).",
    fix = Unsafe
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(jobs) = &ctx.tree.jobs else { return };
    for job in jobs.vzdump_jobs() {
        let (Some(sched), Some(Ok(ev))) = (&job.schedule, &job.calendar) else { continue };
        let text = ev.text.as_str();
        let real = ev.describe();
        let mut fix = None;
        let (message, help) = if let Some(times) = written_times(text) {
            let seen: Vec<String> = times.iter().map(|(h, m)| format!("{h:02}:{m:02}")).collect();
            let help = match suggestion(text, &times) {
                Some(s) => {
                    fix = rewrite(&job.id.value, sched, &s);
                    format!("to run at {}, write 'schedule {s}' (one hour list, one minute)", join_and(&seen))
                }
                None => "a schedule has one hour list and one minute list: use times that share the minute (e.g. '2,22:30'), or one job per time".to_string(),
            };
            (
                format!(
                    "schedule '{text}' of backup job '{}' reads like {}, but Proxmox parses the comma list as minutes and the last ':' part as seconds: the job runs {real}{}",
                    job.id.value,
                    join_and(&seen),
                    runs_note(ev)
                ),
                help,
            )
        } else if ev.bare_minute() && !time_part(text).contains(['*', '/']) && !time_part(text).contains("..") {
            let hour_note = if time_part(text).contains(':') {
                " (an hour of 24 or more is not an hour: Proxmox reads the number as the minute)"
            } else {
                " (a single number is the minute, not the hour)"
            };
            (
                format!(
                    "schedule '{text}' of backup job '{}' runs {real}{hour_note}: 24 backup runs a day instead of one",
                    job.id.value
                ),
                "write the hour and the minute, e.g. '02:30' for once a day at 02:30".to_string(),
            )
        } else {
            continue;
        };
        let d = META.at(sched.span, message).with_help(help).with_object(job.object()).with_key("schedule");
        out.push(match fix {
            Some(f) => d.with_fix(f),
            None => d,
        });
    }
}

/// The time spec: the last whitespace-separated word (weekday and date specs come first).
fn time_part(text: &str) -> &str {
    let t = text.trim();
    let t = t.strip_suffix("UTC").map_or(t, str::trim_end);
    t.rsplit(char::is_whitespace).next().unwrap_or(t)
}

/// `H:MM` parts of a comma list when more than one comma-separated part holds a `:`
/// (as the admin wrote them: `2:30,22:30` → [(2,30), (22,30)]).
fn written_times(text: &str) -> Option<Vec<(u32, u32)>> {
    let parts: Vec<&str> = text.split(',').collect();
    if parts.iter().filter(|p| p.contains(':')).count() < 2 {
        return None;
    }
    let mut out = Vec::new();
    for p in &parts {
        let word = p.split_whitespace().last().unwrap_or("");
        let (h, m) = word.split_once(':')?;
        let m = m.split(':').next().unwrap_or(m);
        out.push((h.parse().ok()?, m.parse().ok()?));
    }
    Some(out)
}

/// `2,22:30` when every time shares the minute (the weekday/date prefix kept).
fn suggestion(text: &str, times: &[(u32, u32)]) -> Option<String> {
    let minute = times.first()?.1;
    if times.iter().any(|(_, m)| *m != minute) {
        return None;
    }
    let first = text.split(',').next()?;
    let prefix = match first.rfind(char::is_whitespace) {
        Some(i) => &first[..=i],
        None => "",
    };
    let hours: Vec<String> = times.iter().map(|(h, _)| h.to_string()).collect();
    Some(format!("{prefix}{}:{minute:02}", hours.join(",")))
}

fn runs_note(ev: &CalendarEvent) -> String {
    match ev.min_daily_gap() {
        Some(g) if g < 3600 => format!(", only {} minutes apart", g / 60),
        _ => String::new(),
    }
}

