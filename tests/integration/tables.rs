//! The CSV tables and the console summary of a run, for a v1 scenario and
//! for the v2 fixture (start, events, exits, attack, shortfalls).

use crate::common;

use guarantee_sim_app::render::OutputFile;
use guarantee_sim_app::render::console::run_table;
use guarantee_sim_app::render::tables::run_tables;

/// A CSV file's path, header and rows.
type Table = (String, Vec<String>, Vec<Vec<String>>);

/// Each file of `run_tables`, parsed.
fn tables(v2: bool) -> Vec<Table> {
    let files: Vec<OutputFile> = match v2 {
        false => run_tables(&common::scenario(), &common::summary()),
        true => run_tables(&common::scenario_v2(), &common::summary_v2()),
    }
    .unwrap();
    files
        .into_iter()
        .map(|f| {
            let text = String::from_utf8(f.bytes).unwrap();
            let mut rows = csv::Reader::from_reader(text.as_bytes());
            let header = rows.headers().unwrap().iter().map(String::from).collect();
            let rows = rows
                .records()
                .map(|r| r.unwrap().iter().map(String::from).collect())
                .collect();
            (f.path, header, rows)
        })
        .collect()
}

fn table<'a>(all: &'a [Table], name: &str) -> (&'a [String], &'a [Vec<String>]) {
    let (_, h, r) = all.iter().find(|t| t.0 == name).expect(name);
    (h, r)
}

fn cell<'a>(header: &[String], row: &'a [String], col: &str) -> &'a str {
    &row[header.iter().position(|h| h == col).expect(col)]
}

#[test]
fn v1_tables_gain_only_the_member_columns() {
    let all = tables(false);
    assert_eq!(all.len(), 3, "no response_by_month.csv without an attack");
    let (h, rows) = table(&all, "by_month.csv");
    assert_eq!(h[..3], ["month", "p_met", "p_first_met_by_month"]);
    assert!(!h.iter().any(|c| c == "date" || c == "p_attack_by"));
    assert_eq!(rows.len(), 25);
    let (h, _) = table(&all, "capabilities.csv");
    assert!(!h.iter().any(|c| c.contains("shortfall")));
    let (h, rows) = table(&all, "members.csv");
    assert_eq!(
        h,
        [
            "id",
            "name",
            "status",
            "count",
            "p_joined",
            "p_pivotal",
            "p_pivotal_total",
            "p_exited"
        ]
    );
    assert_eq!(cell(h, &rows[5], "p_pivotal_total"), "0.55");
    assert_eq!(cell(h, &rows[5], "p_exited"), "");
}

#[test]
fn v2_tables_have_dates_the_response_shortfalls_and_exits() {
    let all = tables(true);
    let (h, rows) = table(&all, "by_month.csv");
    assert_eq!(h[..3], ["month", "date", "p_met"]);
    assert_eq!(h.last().unwrap(), "p_attack_by");
    assert_eq!(cell(h, &rows[0], "date"), "2026-01");
    assert_eq!(cell(h, &rows[15], "date"), "2027-04");
    assert_eq!(cell(h, &rows[24], "date"), "2028-01");
    assert_eq!(cell(h, &rows[0], "p_attack_by"), "0");
    let p: f64 = cell(h, &rows[24], "p_attack_by").parse().unwrap();
    assert!((p - 0.3508).abs() < 1e-3, "{p}");
    assert!(rows.iter().all(|r| r.len() == h.len()));

    let (h, rows) = table(&all, "capabilities.csv");
    assert_eq!(h[h.len() - 2..], ["p_shortfall", "p_sole_shortfall"]);
    assert_eq!(cell(h, &rows[1], "p_shortfall"), "0.48");
    assert_eq!(cell(h, &rows[1], "p_sole_shortfall"), "0.2");
    // Monitoring is not critical: no shortfall.
    assert_eq!(cell(h, &rows[2], "p_shortfall"), "");

    let (h, rows) = table(&all, "members.csv");
    let us = rows.iter().find(|r| r[0] == "us").unwrap();
    assert_eq!(cell(h, us, "p_pivotal"), "0.55");
    assert_eq!(cell(h, us, "p_pivotal_total"), "0.63");
    assert_eq!(cell(h, us, "p_exited"), "0.21");

    let (h, rows) = table(&all, "response_by_month.csv");
    assert_eq!(h, ["month", "date", "attacks", "p_honoured_given_attack"]);
    assert_eq!(rows.len(), 24, "one row a month of attack");
    let s = common::summary_v2();
    let r = s.response.as_ref().unwrap();
    let total: u64 = rows.iter().map(|r| r[2].parse::<u64>().unwrap()).sum();
    assert_eq!(total, r.attacks);
}

#[test]
fn console_shows_the_response_and_the_main_failure_reason_only_when_there_are_some() {
    let v1 = run_table(&common::scenario(), &common::summary());
    assert!(!v1.contains("If tested") && !v1.contains("Most often short"));
    let v2 = run_table(&common::scenario_v2(), &common::summary_v2());
    assert!(
        v2.contains(
            "  If tested: P(attack within the horizon) 35.1%; P(honoured | attack) 55.0% (95% CI \
             54.5% to 55.5%); P(attacked and not honoured) 15.8%\n"
        ),
        "{v2}"
    );
    assert!(
        v2.contains(
            "  Most often short: air_defence (below its threshold in 48.0% of trials; the only \
             capability short in 20.0%)\n"
        ),
        "{v2}"
    );
}
