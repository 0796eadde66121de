//! systemd-style calendar events (`mon..fri 02:00`, `*/15`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use pvelint_parse::calendar;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(ev) = calendar::parse(&text) {
        let _ = (ev.describe(), ev.times_of_day(100_000), ev.min_daily_gap(), ev.bare_minute());
        let _ = (ev.on_weekday(3), ev.matches_time(2, 0, 0), ev.has_date_restriction());
    }
    let _ = calendar::validate(&text);
});
