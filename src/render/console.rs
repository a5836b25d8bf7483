//! The compact summary a `run` prints to stdout, and the printing itself.

use guarantee_sim_core::input::scenario::Scenario;
use guarantee_sim_core::summarise::summary::Summary;
use std::fmt::Write;

/// Prints `text` to stdout, ignoring failure: a closed pipe (`| head`) or a
/// full disk (`> /dev/full`) must not turn a finished command into a panic,
/// as `print!` would; its files and exit status say what happened. Control
/// characters are shown as `\u{..}` escapes, so a scenario's names cannot
/// send escape sequences to the terminal.
pub fn say(text: &str) {
    emit(std::io::stdout().lock(), text);
}

/// A command's table, then where it wrote its files (the last lines of
/// every command that writes).
pub fn say_done(table: &str, written: usize, dir: &std::path::Path) {
    say(&format!(
        "{table}\nWrote {written} files to {}\n",
        dir.display()
    ));
}

/// `say` for stderr.
pub fn say_err(text: &str) {
    emit(std::io::stderr().lock(), text);
}

fn emit(mut out: impl std::io::Write, text: &str) {
    let _ = out.write_all(printable(text).as_bytes());
}

/// `text` with control characters other than newline and tab escaped, and
/// the invisible controls of bidirectional text too (a name holding U+202E
/// would otherwise reverse what the terminal shows after it).
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let control =
        |c: char| (c.is_control() && c != '\n' && c != '\t') || crate::render::is_bidi_control(c);
    match text.contains(control) {
        false => std::borrow::Cow::Borrowed(text),
        true => text
            .chars()
            .map(|c| match control(c) {
                true => c.escape_unicode().to_string(),
                false => c.to_string(),
            })
            .collect(),
    }
}

/// How many pivotal members the table lists.
const TOP_PIVOTAL: usize = 5;

pub fn run_table(scenario: &Scenario, summary: &Summary) -> String {
    let g = &summary.guarantee;
    let mut s = String::new();
    let _ = writeln!(s, "{}", scenario.name);
    let _ = writeln!(
        s,
        "  {} trials, seed {}, horizon {} months",
        summary.trials, summary.seed, summary.scenario.horizon_months
    );
    if !summary.overrides.is_empty() {
        let _ = writeln!(s, "  what-if: --set {}", summary.overrides.join(", --set "));
    }
    let _ = writeln!(s);
    match &summary.uncertainty {
        None => {
            let _ = writeln!(
                s,
                "  P(guarantee met at month {}): {:.1}%  (95% CI {:.1}% to {:.1}%, Monte Carlo error only)",
                summary.scenario.horizon_months,
                100.0 * g.p_met,
                100.0 * g.p_met_ci95[0],
                100.0 * g.p_met_ci95[1]
            );
        }
        Some(u) => {
            // docs/model.md 8: the pooled figure, and how far it moves
            // across plausible inputs.
            let _ = writeln!(
                s,
                "  P(guarantee met at month {}): {:.0}% pooled; {:.0}% to {:.0}% across plausible inputs (90%)",
                summary.scenario.horizon_months,
                100.0 * g.p_met,
                100.0 * u.p_met.p05,
                100.0 * u.p_met.p95
            );
            let _ = writeln!(
                s,
                "    95% CI of the pooled figure {:.1}% to {:.1}% (Monte Carlo error and input uncertainty, {} outer samples)",
                100.0 * g.p_met_ci95[0],
                100.0 * g.p_met_ci95[1],
                u.outer_samples
            );
            if u.mc_noise_share.is_some_and(|share| share > 0.5) {
                let _ = writeln!(
                    s,
                    "    (that spread is mostly Monte Carlo noise: {:.0}% of it; run more trials per outer sample)",
                    100.0 * u.mc_noise_share.unwrap_or(0.0).min(1.0)
                );
            }
            // Only inputs whose correlation stands out of the samples' noise.
            let ranked: Vec<String> = u
                .inputs
                .iter()
                .filter_map(|i| Some((i, i.rank_correlation?)))
                .filter(|(_, r)| r.abs() >= u.rank_noise())
                .take(3)
                .map(|(i, r)| format!("{} ({r:+.2})", i.field))
                .collect();
            match ranked.is_empty() {
                false => {
                    let _ = writeln!(
                        s,
                        "    driven most by: {} (rank correlation with P(met))",
                        ranked.join(", ")
                    );
                }
                true if !u.inputs.is_empty() => {
                    let _ = writeln!(
                        s,
                        "    no single input stands out of the samples' noise (|rank correlation| < {:.2})",
                        u.rank_noise()
                    );
                }
                true => {}
            }
        }
    }
    let t = &g.time_to_met;
    match (t.p50, t.p90) {
        (Some(p50), Some(p90)) => {
            let _ = writeln!(
                s,
                "  First met: median month {p50:.1}, 90% by month {p90:.1}; never within the horizon: {:.1}%",
                100.0 * t.p_never
            );
        }
        _ => {
            let _ = writeln!(s, "  Never met within the horizon in any trial.");
        }
    }
    let o = &summary.coverage.overall;
    let _ = writeln!(
        s,
        "  Overall coverage at the horizon: mean {:.3} (90% of trials {:.3} to {:.3})",
        o.mean, o.p05, o.p95
    );
    if let Some(r) = &summary.response {
        let honoured = match r.p_honoured_given_attack {
            Some(p) => format!(
                "P(honoured | attack) {:.1}% (95% CI {:.1}% to {:.1}%)",
                100.0 * p,
                100.0 * r.p_honoured_given_attack_ci95[0],
                100.0 * r.p_honoured_given_attack_ci95[1]
            ),
            None => "no trial has an attack".into(),
        };
        let _ = writeln!(
            s,
            "  If tested: P(attack within the horizon) {:.1}%; {honoured}; P(attacked and not honoured) {:.1}%",
            100.0 * r.p_attack,
            100.0 * r.p_failed
        );
    }
    // The main failure reason: the critical capability most often short
    // when the guarantee is not met (docs/model.md 9).
    let worst = scenario
        .capabilities
        .iter()
        .filter_map(|c| {
            let cov = summary.coverage.capability.get(&c.id)?;
            Some((c, cov.p_shortfall?, cov.p_sole_shortfall))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((c, p, sole)) = worst {
        let alone = sole.map_or(String::new(), |q| {
            format!("; the only capability short in {:.1}%", 100.0 * q)
        });
        let _ = writeln!(
            s,
            "  Most often short: {} (below its threshold in {:.1}% of trials{alone})",
            c.id,
            100.0 * p
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "  {:<28} {:>10} {:>10} {:>9} {:>11}",
        "capability", "need", "committed", "coverage", "P(>= thr)"
    );
    for cap in &scenario.capabilities {
        let (Some(cov), Some(com)) = (
            summary.coverage.capability.get(&cap.id),
            summary.committed.get(&cap.id),
        ) else {
            continue;
        };
        let marker = if cap.critical { "" } else { " (not critical)" };
        let _ = writeln!(
            s,
            "  {:<28} {:>10} {:>10} {:>9.3} {:>10.1}%{marker}",
            truncate(&cap.id, 28),
            compact(cap.need),
            compact(com.mean),
            cov.mean,
            100.0 * cov.p_met
        );
    }
    let mut pivotal: Vec<_> = summary.members.iter().collect();
    pivotal.sort_by(|a, b| b.1.p_pivotal.total_cmp(&a.1.p_pivotal));
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "  {:<28} {:>9} {:>10}",
        "member (top pivotal)", "P(join)", "P(pivotal)"
    );
    for (id, m) in pivotal.into_iter().take(TOP_PIVOTAL) {
        let _ = writeln!(
            s,
            "  {:<28} {:>8.1}% {:>9.1}%",
            truncate(id, 28),
            100.0 * m.p_joined,
            100.0 * m.p_pivotal
        );
    }
    s
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(std::iter::once('~')).collect()
    }
}

/// A number short enough for a table column.
fn compact(x: f64) -> String {
    if x.abs() >= 1e6 {
        format!("{:.2e}", x)
    } else if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn control_and_bidirectional_characters_are_escaped() {
        assert_eq!(printable("a\tb\n"), "a\tb\n");
        assert_eq!(printable("uk\u{1b}[31m"), "uk\\u{1b}[31m");
        assert_eq!(printable("uk\u{202E}fr"), "uk\\u{202e}fr");
    }
}
