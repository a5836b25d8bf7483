//! Calendar months for scenarios with `scenario.start`: month t of the run
//! is the calendar month `start + t` (month 0 is the start's own month), so
//! charts and tables can label months as dates.

use guarantee_sim_core::input::scenario::YearMonth;

const NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A calendar month in words: "Jan 2026".
pub fn month_name(ym: YearMonth) -> String {
    let name = NAMES[(ym.month as usize).clamp(1, 12) - 1];
    format!("{name} {}", ym.year)
}

/// A `"YYYY-MM"` month as `summary.json` writes `scenario.start`.
pub fn parse(text: &str) -> Option<YearMonth> {
    let (year, month) = text.split_once('-')?;
    let (year, month) = (year.parse().ok()?, month.parse().ok()?);
    (1..=12)
        .contains(&month)
        .then_some(YearMonth { year, month })
}

/// The calendar month holding time `t` (months from the start; the
/// month's whole part counts, so 7.5 is in the start's month + 7).
pub fn month_at(start: YearMonth, t: f64) -> YearMonth {
    start.plus_months(t.floor() as i64)
}

/// Tick positions and labels for a time axis from 0 to `horizon`: every
/// `step` months, the step the smallest of 1, 2, 3, 6, 12 (then whole
/// multiples of a year) giving at most `max_ticks` ticks, and each tick on
/// a calendar boundary (quarters start in Jan/Apr/Jul/Oct, years in Jan) so
/// the labels read as a calendar, not as offsets.
pub fn ticks(start: YearMonth, horizon: u32, max_ticks: usize) -> Vec<(f64, String)> {
    let steps = [1u32, 2, 3, 6, 12].into_iter().chain((2..).map(|y| y * 12));
    for step in steps {
        let out: Vec<(f64, String)> = (0..=horizon)
            .filter(|&t| {
                let ym = start.plus_months(i64::from(t));
                (ym.year as i64 * 12 + i64::from(ym.month) - 1).rem_euclid(i64::from(step)) == 0
            })
            .map(|t| {
                let label = month_name(start.plus_months(i64::from(t)));
                (f64::from(t), label)
            })
            .collect();
        if out.len() <= max_ticks.max(2) {
            return out;
        }
    }
    unreachable!("a step longer than the horizon leaves at most one tick")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ym(year: i32, month: u32) -> YearMonth {
        YearMonth { year, month }
    }

    #[test]
    fn parses_summary_start() {
        assert_eq!(parse("2026-01"), Some(ym(2026, 1)));
        assert_eq!(parse("2027-12"), Some(ym(2027, 12)));
        assert_eq!(parse("2027-13"), None);
        assert_eq!(parse("2027"), None);
        assert_eq!(parse("x-01"), None);
    }

    #[test]
    fn months_read_as_calendar_months() {
        assert_eq!(month_name(ym(2026, 1)), "Jan 2026");
        assert_eq!(month_at(ym(2026, 11), 2.5), ym(2027, 1));
        assert_eq!(month_at(ym(2026, 1), 0.0), ym(2026, 1));
    }

    #[test]
    fn ticks_fall_on_quarters_and_do_not_crowd() {
        let t = ticks(ym(2026, 1), 24, 9);
        let labels: Vec<&str> = t.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels[..3], ["Jan 2026", "Apr 2026", "Jul 2026"]);
        assert_eq!(t.len(), 9);
        assert_eq!(t.last().unwrap().0, 24.0);
        // A start mid-quarter: the first tick is the next quarter's start.
        let t = ticks(ym(2026, 2), 24, 9);
        assert_eq!(t[0], (2.0, "Apr 2026".to_string()));
        // Long horizons step by years, then by several years.
        assert!(
            ticks(ym(2026, 1), 120, 9)
                .iter()
                .all(|(_, l)| l.starts_with("Jan"))
        );
        assert!(ticks(ym(2026, 1), 600, 9).len() <= 9);
        // A short horizon shows every month.
        assert_eq!(ticks(ym(2026, 1), 6, 9).len(), 7);
    }
}
