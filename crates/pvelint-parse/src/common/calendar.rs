//! Calendar events (`schedule` of jobs.cfg), as proxmox-time parses them.
//!
//! Grammar (proxmox-rs `proxmox-time/src/calendar_event.rs` → `parse_calendar_event`, `parse_time_spec`):
//! `[weekdays] [date] [time] [UTC]`, at least one of the three specs. The time spec is
//! `[H:]M[:S]`: a single component is the *minute* (`30` runs every hour at :30), and the
//! comma belongs to whichever list is being read, so `2:30,22:30` means hour 2, minutes
//! 22 and 30, second 30. An hour list that fails (`25:00`) is re-read as the minute list.
//! Keywords (`daily`, `hourly`, …) are whole, case-sensitive strings; weekday names are
//! case-insensitive.

use crate::text::join_and;
use nom::bytes::complete::tag;
use nom::character::complete::{alpha1, digit1, space0};
use nom::combinator::{all_consuming, opt};
use nom::error::{Error as NomError, ErrorKind};
use nom::multi::separated_list1;
use nom::sequence::{preceded, terminated, tuple};
use nom::IResult;

/// One element of a component list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    /// `N`
    Single(u32),
    /// `A..B` (inclusive)
    Range(u32, u32),
    /// `A/S` (`end: None`, up to the component's maximum), `A..B/S`, or `*/S` (start 0
    /// for times, 1 for months and days).
    Repeat { start: u32, step: u32, end: Option<u32> },
}

impl Value {
    /// Whether the value selects `v`, with proxmox-time's semantics (a step of 0 selects
    /// only the start).
    #[allow(clippy::manual_is_multiple_of)] // keeps the crate's declared MSRV (1.80)
    pub fn contains(self, v: u32) -> bool {
        match self {
            Value::Single(x) => x == v,
            Value::Range(a, b) => a <= v && v <= b,
            Value::Repeat { start, step, end } => {
                if v < start || end.is_some_and(|e| v > e) {
                    false
                } else if step == 0 {
                    v == start
                } else {
                    (v - start) % step == 0
                }
            }
        }
    }

    fn render(self) -> String {
        match self {
            Value::Single(x) => x.to_string(),
            Value::Range(a, b) => format!("{a}..{b}"),
            Value::Repeat { start, step, end: None } => format!("{start}/{step}"),
            Value::Repeat { start, step, end: Some(e) } => format!("{start}..{e}/{step}"),
        }
    }
}

/// Weekday bits: bit 0 is Monday … bit 6 is Sunday.
pub const WEEKDAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// A parsed calendar event. An empty component list means "every value".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CalendarEvent {
    /// The text as parsed (trimmed).
    pub text: String,
    pub utc: bool,
    /// The keyword when the event was written as one (`daily`, `hourly`, …).
    pub keyword: Option<&'static str>,
    /// Bitmask of weekdays (bit 0 = Monday); 0 means every day.
    pub weekdays: u8,
    pub years: Vec<Value>,
    pub months: Vec<Value>,
    pub days: Vec<Value>,
    pub hours: Vec<Value>,
    pub minutes: Vec<Value>,
    pub seconds: Vec<Value>,
    /// A time spec was written (otherwise the time is 00:00:00, or the keyword's).
    pub has_time: bool,
    /// The time spec has an hour component (`2:30`), as opposed to a bare minute
    /// component (`30`, `*/15`, or `25:00` whose hour part failed).
    pub hour_given: bool,
}

type In<'a> = &'a str;

fn fail(i: In) -> nom::Err<NomError<In>> {
    nom::Err::Error(NomError::new(i, ErrorKind::Verify))
}

/// `digit1` as a u32 below `max`.
fn comp(max: u32) -> impl Fn(In) -> IResult<In, u32> {
    move |i: In| {
        let (rest, digits) = digit1(i)?;
        match digits.parse::<u32>() {
            Ok(v) if v < max => Ok((rest, v)),
            _ => Err(fail(rest)),
        }
    }
}

fn comp_value(max: u32) -> impl Fn(In) -> IResult<In, Value> {
    move |i: In| {
        let (i, value) = comp(max)(i)?;
        if let (i, Some(end)) = opt(preceded(tag(".."), comp(max)))(i)? {
            if value > end {
                return Err(fail(i));
            }
            if let Some(r) = i.strip_prefix('/') {
                let (r, step) = comp(max)(r)?;
                return Ok((r, Value::Repeat { start: value, step, end: Some(end) }));
            }
            return Ok((i, Value::Range(value, end)));
        }
        if let Some(r) = i.strip_prefix('/') {
            let (r, step) = comp(max)(r)?;
            Ok((r, Value::Repeat { start: value, step, end: None }))
        } else {
            Ok((i, Value::Single(value)))
        }
    }
}

fn comp_list(start: u32, max: u32) -> impl Fn(In) -> IResult<In, Vec<Value>> {
    move |i: In| {
        if let Some(rest) = i.strip_prefix('*') {
            if let Some(r) = rest.strip_prefix('/') {
                let (n, step) = comp(max)(r)?;
                if step > 0 {
                    return Ok((n, vec![Value::Repeat { start, step, end: None }]));
                }
            }
            return Ok((rest, Vec::new()));
        }
        separated_list1(tag(","), comp_value(max))(i)
    }
}

type TimeSpec = (Option<Vec<Value>>, Vec<Value>, Option<Vec<Value>>);

fn time_spec(i: In) -> IResult<In, TimeSpec> {
    tuple((opt(terminated(comp_list(0, 24), tag(":"))), comp_list(0, 60), opt(preceded(tag(":"), comp_list(0, 60)))))(i)
}

type DateSpec = (Vec<Value>, Vec<Value>, Vec<Value>);

fn date_spec(i: In) -> IResult<In, DateSpec> {
    if let Ok((r, (y, m, d))) =
        tuple((comp_list(0, 2200), preceded(tag("-"), comp_list(1, 13)), preceded(tag("-"), comp_list(1, 32))))(i)
    {
        return Ok((r, (y, m, d)));
    }
    let (r, (m, d)) = tuple((comp_list(1, 13), preceded(tag("-"), comp_list(1, 32))))(i)?;
    Ok((r, (Vec::new(), m, d)))
}

fn weekday(i: In) -> IResult<In, u8> {
    let (r, word) = alpha1(i)?;
    let bit = match word.to_ascii_lowercase().as_str() {
        "monday" | "mon" => 0,
        "tuesday" | "tue" => 1,
        "wednesday" | "wed" => 2,
        "thursday" | "thu" => 3,
        "friday" | "fri" => 4,
        "saturday" | "sat" => 5,
        "sunday" | "sun" => 6,
        _ => return Err(fail(i)),
    };
    Ok((r, bit))
}

fn weekday_range(i: In) -> IResult<In, u8> {
    let (i, a) = weekday(i)?;
    if let (i, Some(b)) = opt(preceded(tag(".."), weekday))(i)? {
        let mut mask = 0u8;
        if a <= b {
            for d in a..=b {
                mask |= 1 << d;
            }
        } else {
            // Wrap-around: `fri..mon`.
            for d in (a..7).chain(0..=b) {
                mask |= 1 << d;
            }
        }
        return Ok((i, mask));
    }
    Ok((i, 1 << a))
}

const KEYWORDS: &[&str] = &[
    "minutely",
    "hourly",
    "daily",
    "weekly",
    "monthly",
    "yearly",
    "annually",
    "quarterly",
    "semiannually",
    "semi-annually",
];

fn keyword_event(kw: &'static str, ev: &mut CalendarEvent) {
    let s = |v| vec![Value::Single(v)];
    ev.keyword = Some(kw);
    ev.seconds = s(0);
    if kw == "minutely" {
        return;
    }
    ev.minutes = s(0);
    if kw == "hourly" {
        return;
    }
    ev.hours = s(0);
    match kw {
        "weekly" => ev.weekdays = 1,
        "monthly" => ev.days = s(1),
        "yearly" | "annually" => {
            ev.days = s(1);
            ev.months = s(1);
        }
        "quarterly" => {
            ev.days = s(1);
            ev.months = [1, 4, 7, 10].into_iter().map(Value::Single).collect();
        }
        "semiannually" | "semi-annually" => {
            ev.days = s(1);
            ev.months = vec![Value::Single(1), Value::Single(7)];
        }
        _ => {}
    }
}

fn event(mut i: In) -> IResult<In, CalendarEvent> {
    let mut ev = CalendarEvent::default();
    if let Some(n) = i.strip_suffix("UTC") {
        ev.utc = true;
        i = n.trim_end_matches(' ');
    }
    let mut has_days = false;
    if i.starts_with(|c: char| c.is_ascii_alphabetic()) {
        if let Some(kw) = KEYWORDS.iter().find(|k| **k == i) {
            keyword_event(kw, &mut ev);
            return Ok(("", ev));
        }
        let (n, masks) = separated_list1(tag(","), weekday_range)(i)?;
        ev.weekdays = masks.into_iter().fold(0, |a, m| a | m);
        has_days = true;
        i = space0(n)?.0;
    }
    let mut has_date = false;
    if let (n, Some((y, m, d))) = opt(date_spec)(i)? {
        ev.years = y;
        ev.months = m;
        ev.days = d;
        has_date = true;
        i = space0(n)?.0;
    }
    if let (n, Some((h, m, s))) = opt(time_spec)(i)? {
        ev.hour_given = h.is_some();
        ev.hours = h.unwrap_or_default();
        ev.minutes = m;
        ev.seconds = s.unwrap_or_else(|| vec![Value::Single(0)]);
        ev.has_time = true;
        i = n;
    } else {
        ev.hours = vec![Value::Single(0)];
        ev.minutes = vec![Value::Single(0)];
        ev.seconds = vec![Value::Single(0)];
    }
    if !(has_days || has_date || ev.has_time) {
        return Err(fail(i));
    }
    Ok((i, ev))
}

/// Parses a calendar event as Proxmox does (the text is trimmed first). The error is a
/// message for a diagnostic.
pub fn parse(s: &str) -> Result<CalendarEvent, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("the calendar event is empty".into());
    }
    match all_consuming(event)(t) {
        Ok((_, mut ev)) => {
            ev.text = t.to_string();
            Ok(ev)
        }
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(error_message(t, e.input)),
        Err(nom::Err::Incomplete(_)) => Err(error_message(t, "")),
    }
}

fn error_message(text: &str, rest: &str) -> String {
    let mut msg = if rest.is_empty() || rest == text {
        format!("'{text}' is not a calendar event")
    } else {
        format!("'{text}' is not a calendar event (cannot parse from '{rest}')")
    };
    let first = text.split_whitespace().next().unwrap_or("");
    if KEYWORDS.contains(&first) && text != first {
        msg.push_str(&format!("; the keyword '{first}' must stand alone (use e.g. '02:00' for every day at 02:00)"));
    } else if KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(first)) && !KEYWORDS.contains(&first) {
        msg.push_str(&format!("; keywords are case-sensitive: write '{}'", first.to_ascii_lowercase()));
    } else if text.contains(':') {
        msg.push_str("; hours must be 0-23, minutes and seconds 0-59");
    }
    msg
}

/// Checks a schedule, for [`crate::section::ValueKind::Custom`].
pub fn validate(s: &str) -> Result<(), String> {
    if s.chars().count() > 128 {
        return Err("a schedule may be at most 128 characters".into());
    }
    parse(s).map(|_| ())
}

fn list_contains(list: &[Value], v: u32) -> bool {
    list.is_empty() || list.iter().any(|x| x.contains(v))
}

fn expand(list: &[Value], max: u32) -> Vec<u32> {
    (0..max).filter(|v| list_contains(list, *v)).collect()
}

impl CalendarEvent {
    /// The event was written without an hour (`30`, `*/10`, `25:00`): it fires every hour.
    pub fn bare_minute(&self) -> bool {
        self.has_time && !self.hour_given
    }

    /// Whether the event fires on a weekday (0 = Monday).
    pub fn on_weekday(&self, day: u32) -> bool {
        self.weekdays == 0 || (day < 7 && self.weekdays & (1 << day) != 0)
    }

    /// Whether the time of day `h:m:s` is selected (date and weekday aside).
    pub fn matches_time(&self, h: u32, m: u32, s: u32) -> bool {
        list_contains(&self.hours, h) && list_contains(&self.minutes, m) && list_contains(&self.seconds, s)
    }

    /// The times of day (`(hour, minute, second)`, sorted) at which the event fires on a
    /// day it fires at all; `None` when there are more than `limit`.
    pub fn times_of_day(&self, limit: usize) -> Option<Vec<(u32, u32, u32)>> {
        let hours = expand(&self.hours, 24);
        let minutes = expand(&self.minutes, 60);
        let seconds = expand(&self.seconds, 60);
        if hours.len().saturating_mul(minutes.len()).saturating_mul(seconds.len()) > limit {
            return None;
        }
        let mut out = Vec::new();
        for h in &hours {
            for m in &minutes {
                for s in &seconds {
                    out.push((*h, *m, *s));
                }
            }
        }
        Some(out)
    }

    /// Whether a date component restricts the days (`*-*-01`, `monthly`, …).
    pub fn has_date_restriction(&self) -> bool {
        !(self.years.is_empty() && self.months.is_empty() && self.days.is_empty())
    }

    /// The shortest gap in seconds between two runs on one day it fires on (counting the
    /// wrap to the next day when it fires every day); `None` when it fires at most once
    /// a day or too often to enumerate.
    pub fn min_daily_gap(&self) -> Option<u32> {
        let times = self.times_of_day(86_400)?;
        if times.len() < 2 {
            return None;
        }
        let secs: Vec<u32> = times.iter().map(|(h, m, s)| h * 3600 + m * 60 + s).collect();
        let mut gap = secs.windows(2).map(|w| w[1] - w[0]).min()?;
        if self.weekdays == 0 && !self.has_date_restriction() {
            gap = gap.min(86_400 - secs[secs.len() - 1] + secs[0]);
        }
        Some(gap)
    }

    /// Plain-English description: "every hour at minute 30", "daily at 02:22:30 and 02:30:30".
    pub fn describe(&self) -> String {
        let mut out = String::new();
        if self.weekdays != 0 && self.weekdays != 0x7f {
            let days: Vec<String> =
                (0..7).filter(|d| self.weekdays & (1 << d) != 0).map(|d| WEEKDAY_NAMES[d].to_string()).collect();
            out.push_str(&format!("on {}", join_and(&days)));
        }
        if self.has_date_restriction() {
            let part = |l: &[Value]| {
                if l.is_empty() {
                    "*".to_string()
                } else {
                    l.iter().map(|v| v.render()).collect::<Vec<_>>().join(",")
                }
            };
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&format!("on dates {}-{}-{}", part(&self.years), part(&self.months), part(&self.days)));
        }
        let every_second = self.seconds.is_empty();
        let hourly = self.hours.is_empty();
        let time = if hourly {
            let minutes = expand(&self.minutes, 60);
            let secs = expand(&self.seconds, 60);
            if self.minutes.is_empty() && every_second {
                "every second".to_string()
            } else if self.minutes.is_empty() && secs == [0] {
                "every minute".to_string()
            } else if self.minutes.is_empty() {
                format!("every minute at second {}", join_and(&secs.iter().map(|s| s.to_string()).collect::<Vec<_>>()))
            } else {
                let word = if minutes.len() == 1 { "minute" } else { "minutes" };
                let mut t = format!(
                    "every hour at {word} {}",
                    join_and(&minutes.iter().map(|m| m.to_string()).collect::<Vec<_>>())
                );
                if secs != [0] {
                    t.push_str(&format!(
                        " (second {})",
                        join_and(&secs.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                    ));
                }
                t
            }
        } else {
            match self.times_of_day(12) {
                Some(times) => {
                    let with_secs = times.iter().any(|t| t.2 != 0);
                    let fmt: Vec<String> = times
                        .iter()
                        .map(
                            |(h, m, s)| {
                                if with_secs {
                                    format!("{h:02}:{m:02}:{s:02}")
                                } else {
                                    format!("{h:02}:{m:02}")
                                }
                            },
                        )
                        .collect();
                    let lead = if out.is_empty() { "daily at" } else { "at" };
                    format!("{lead} {}", join_and(&fmt))
                }
                None => {
                    let r = |l: &[Value]| {
                        if l.is_empty() {
                            "*".to_string()
                        } else {
                            l.iter().map(|v| v.render()).collect::<Vec<_>>().join(",")
                        }
                    };
                    format!("at hours {}, minutes {}, seconds {}", r(&self.hours), r(&self.minutes), r(&self.seconds))
                }
            }
        };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&time);
        if self.utc {
            out.push_str(" (UTC)");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(s: &str) -> Vec<(u32, u32, u32)> {
        parse(s).unwrap().times_of_day(100_000).unwrap()
    }

    #[test]
    fn bare_number_is_the_minute() {
        let ev = parse("30").unwrap();
        assert!(ev.bare_minute());
        assert!(ev.hours.is_empty());
        assert_eq!(ev.minutes, vec![Value::Single(30)]);
        assert_eq!(times("30").len(), 24);
        assert_eq!(ev.describe(), "every hour at minute 30");
    }

    #[test]
    fn misleading_time_specs() {
        assert_eq!(times("2:30"), vec![(2, 30, 0)]);
        // The comma belongs to the minute list; the last `:30` is the seconds.
        assert_eq!(times("2:30,22:30"), vec![(2, 22, 30), (2, 30, 30)]);
        assert_eq!(parse("2:30,22:30").unwrap().describe(), "daily at 02:22:30 and 02:30:30");
        assert_eq!(times("2,22:30"), vec![(2, 30, 0), (22, 30, 0)]);
        for s in ["0/12:00", "*/12:00", "0,12:00", "00,12:00"] {
            assert_eq!(times(s), vec![(0, 0, 0), (12, 0, 0)], "{s}");
        }
        // Hour >= 24 fails the hour part; the number is re-read as the minute.
        for (s, m) in [("25:00", 25), ("24:00", 24)] {
            let ev = parse(s).unwrap();
            assert!(ev.bare_minute(), "{s}");
            assert_eq!(ev.minutes, vec![Value::Single(m)]);
            assert_eq!(ev.seconds, vec![Value::Single(0)]);
        }
        for s in ["2:61", "daily 02:00", "Daily", "", "   ", "02:00 mon", "*/0:00", "mon,foo 02:00", "5..3"] {
            assert!(parse(s).is_err(), "{s} should fail");
        }
        let ev = parse("Mon..Fri 02:30").unwrap();
        assert_eq!(ev.weekdays, 0b0011111);
        let ev = parse("fri..mon 1:00").unwrap();
        assert_eq!(ev.weekdays, 0b1110001);
        assert_eq!(ev.describe(), "on Mon, Fri, Sat and Sun at 01:00");
    }

    #[test]
    fn hour_list_stops_at_a_failing_element() {
        // `12,30:00`: the hour list reads `12`, fails on `30`, so the whole thing is the
        // minute list 12,30 with second 0 — every hour.
        let ev = parse("12,30:00").unwrap();
        assert!(ev.bare_minute());
        assert_eq!(ev.minutes, vec![Value::Single(12), Value::Single(30)]);
        assert_eq!(ev.describe(), "every hour at minutes 12 and 30");
    }

    #[test]
    fn keywords_and_specs() {
        let ev = parse("daily").unwrap();
        assert_eq!(ev.keyword, Some("daily"));
        assert_eq!(times("daily"), vec![(0, 0, 0)]);
        assert!(!ev.bare_minute());
        assert_eq!(parse("hourly").unwrap().describe(), "every hour at minute 0");
        assert_eq!(parse("weekly").unwrap().weekdays, 1);
        assert_eq!(parse("monthly").unwrap().days, vec![Value::Single(1)]);
        assert!(parse("daily UTC").unwrap().utc);
        assert!(parse("semi-annually").is_ok());
        let ev = parse("*-*-* 02,14:00").unwrap();
        assert_eq!(times("*-*-* 02,14:00"), vec![(2, 0, 0), (14, 0, 0)]);
        assert!(!ev.has_date_restriction());
        assert_eq!(ev.describe(), "daily at 02:00 and 14:00");
        assert_eq!(ev.min_daily_gap(), Some(12 * 3600));
        let ev = parse("sat 03:30").unwrap();
        assert_eq!(ev.weekdays, 1 << 5);
        assert_eq!(ev.describe(), "on Sat at 03:30");
        // No time spec means midnight.
        assert_eq!(times("mon"), vec![(0, 0, 0)]);
        let ev = parse("2024-01-01").unwrap();
        assert_eq!(ev.years, vec![Value::Single(2024)]);
        assert!(parse("12-24 18:00").unwrap().has_date_restriction());
        assert_eq!(parse("*/15").unwrap().describe(), "every hour at minutes 0, 15, 30 and 45");
        assert_eq!(parse("mon,wed..fri 8..17:00").unwrap().weekdays, 0b0011101);
        assert_eq!(times("8..10/1:00").len(), 3);
        assert_eq!(parse("  02:00 ").unwrap().text, "02:00");
        assert!(parse("02:00UTC").unwrap().utc);
    }

    #[test]
    fn error_messages_help() {
        let e = parse("daily 02:00").unwrap_err();
        assert!(e.contains("must stand alone"), "{e}");
        let e = parse("Daily").unwrap_err();
        assert!(e.contains("case-sensitive"), "{e}");
        let e = parse("2:61").unwrap_err();
        assert!(e.contains("0-59"), "{e}");
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in
            ["é", "2:3é", "*", "*/", "1..", "..", "mon..", "99999999999999999999", "0-0-0", "UTC", "1/0", ",", "1,"]
        {
            let _ = parse(s);
        }
        assert!(parse("UTC").is_err());
        // `*` alone is a valid minute list: every minute of every hour.
        assert!(parse("*").is_ok());
    }
}
