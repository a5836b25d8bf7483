//! Tables for notebooks and spreadsheets: CSV files (UTF-8, RFC 4180, a
//! header row, plain numbers; an empty cell where a value is undefined)
//! beside each JSON file.

use crate::render::OutputFile;
use guarantee_sim_core::analysis::compare::Comparison;
use guarantee_sim_core::analysis::per_trial::PerTrial;
use guarantee_sim_core::analysis::sensitivity::Sensitivity;
use guarantee_sim_core::analysis::sweep::{Sweep, SweepValue};
use guarantee_sim_core::input::scenario::Scenario;
use guarantee_sim_core::summarise::summary::Summary;

/// A CSV file from a header and rows of cells.
fn csv_file(path: &str, header: &[String], rows: Vec<Vec<String>>) -> anyhow::Result<OutputFile> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for row in rows {
        w.write_record(&row)?;
    }
    Ok(OutputFile::new(path, w.into_inner()?))
}

/// A number as a cell: shortest round-trip form, never `NaN` or `inf`.
fn num(x: f64) -> String {
    match x.is_finite() {
        true => format!("{x}"),
        false => String::new(),
    }
}

fn opt(x: Option<f64>) -> String {
    x.map(num).unwrap_or_default()
}

fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

/// `by_month.csv`, `capabilities.csv`, `members.csv` of a run, and
/// `response_by_month.csv` with `[attack]`. Columns a v1 scenario has no
/// data for (dates, the response, shortfalls) appear only where it has.
pub fn run_tables(scenario: &Scenario, s: &Summary) -> anyhow::Result<Vec<OutputFile>> {
    let g = &s.guarantee;
    let by = &s.coverage.overall_by_month;
    let caps: Vec<_> = s.coverage.capability.iter().collect();
    // The calendar month of month t ("2026-03"), when the scenario has a start.
    let date = |t: usize| {
        scenario
            .start
            .map(|start| start.plus_months(t as i64).to_string())
    };
    let response = s.response.as_ref();
    let mut header = strings(&["month"]);
    if scenario.start.is_some() {
        header.push("date".into());
    }
    header.extend(strings(&[
        "p_met",
        "p_first_met_by_month",
        "coverage_mean",
        "coverage_p05",
        "coverage_p50",
        "coverage_p95",
    ]));
    header.extend(caps.iter().map(|(id, _)| format!("coverage_mean_{id}")));
    if response.is_some() {
        header.push("p_attack_by".into());
    }
    let by_month = (0..g.p_met_by_month.len())
        .map(|t| {
            let mut row = vec![t.to_string()];
            row.extend(date(t));
            row.extend([
                num(g.p_met_by_month[t]),
                num(g.time_to_met.cdf_by_month[t]),
                num(by.mean[t]),
                num(by.p05[t]),
                num(by.p50[t]),
                num(by.p95[t]),
            ]);
            row.extend(caps.iter().map(|(_, c)| num(c.mean_by_month[t])));
            row.extend(response.map(|r| opt(r.p_attack_by_month.get(t).copied())));
            row
        })
        .collect();
    // docs/model.md 9: only once the run has computed shortfalls.
    let shortfalls = caps.iter().any(|(_, c)| c.p_shortfall.is_some());
    let capabilities = scenario
        .capabilities
        .iter()
        .map(|c| {
            let cov = s.coverage.capability.get(&c.id);
            let com = s.committed.get(&c.id);
            let mut row = vec![
                c.id.clone(),
                c.name.clone(),
                c.unit.clone().unwrap_or_default(),
                num(c.need),
                num(c.threshold),
                c.critical.to_string(),
                num(c.weight),
                opt(cov.map(|v| v.mean)),
                opt(cov.map(|v| v.p_met)),
                opt(cov.map(|v| v.p05)),
                opt(cov.map(|v| v.p50)),
                opt(cov.map(|v| v.p95)),
                opt(com.map(|v| v.mean)),
                opt(com.map(|v| v.p05)),
                opt(com.map(|v| v.p50)),
                opt(com.map(|v| v.p95)),
            ];
            if shortfalls {
                row.push(opt(cov.and_then(|v| v.p_shortfall)));
                row.push(opt(cov.and_then(|v| v.p_sole_shortfall)));
            }
            row
        })
        .collect();
    let members = scenario
        .members
        .iter()
        .map(|m| {
            let st = s.members.get(&m.id);
            vec![
                m.id.clone(),
                m.name.clone(),
                m.status.clone().unwrap_or_default(),
                m.count.to_string(),
                opt(st.map(|v| v.p_joined)),
                opt(st.map(|v| v.p_pivotal)),
                opt(st.map(|v| v.p_pivotal_total)),
                opt(st.and_then(|v| v.p_exited)),
            ]
        })
        .collect();
    let mut cap_header = strings(&[
        "id",
        "name",
        "unit",
        "need",
        "threshold",
        "critical",
        "weight",
        "coverage_mean",
        "p_met",
        "coverage_p05",
        "coverage_p50",
        "coverage_p95",
        "committed_mean",
        "committed_p05",
        "committed_p50",
        "committed_p95",
    ]);
    if shortfalls {
        cap_header.extend(strings(&["p_shortfall", "p_sole_shortfall"]));
    }
    let mut files = vec![
        csv_file("by_month.csv", &header, by_month)?,
        csv_file("capabilities.csv", &cap_header, capabilities)?,
        csv_file(
            "members.csv",
            &strings(&[
                "id",
                "name",
                "status",
                "count",
                "p_joined",
                "p_pivotal",
                "p_pivotal_total",
                "p_exited",
            ]),
            members,
        )?,
    ];
    if let Some(r) = response {
        // One row a month of attack: entry t is an attack in [t, t + 1).
        let mut header = strings(&["month"]);
        if scenario.start.is_some() {
            header.push("date".into());
        }
        header.extend(strings(&["attacks", "p_honoured_given_attack"]));
        let rows = r
            .attacks_by_month
            .iter()
            .zip(&r.p_honoured_by_attack_month)
            .enumerate()
            .map(|(t, (n, p))| {
                let mut row = vec![t.to_string()];
                row.extend(date(t));
                row.extend([n.to_string(), opt(*p)]);
                row
            })
            .collect();
        files.push(csv_file("response_by_month.csv", &header, rows)?);
    }
    Ok(files)
}

/// `comparison.csv`: one row a plan, with its paired difference to plan 0.
pub fn comparison_table(c: &Comparison) -> anyhow::Result<OutputFile> {
    // Columns of the response (docs/model.md 7) when a plan is tested.
    let tested = c.scenarios.iter().any(|h| h.p_failed.is_some());
    let rows = c
        .scenarios
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let paired = c.paired.iter().find(|p| p.other == i);
            let d = paired.map(|p| &p.p_met_diff);
            let mut row = vec![
                i.to_string(),
                h.name.clone(),
                h.file.clone(),
                num(h.p_met),
                num(h.p_met_ci95[0]),
                num(h.p_met_ci95[1]),
                num(h.coverage_mean),
                opt(h.time_to_met_p50),
                opt(d.map(|d| d.estimate)),
                opt(d.map(|d| d.ci95[0])),
                opt(d.map(|d| d.ci95[1])),
                opt(d.map(|d| d.se)),
                opt(paired.map(|p| p.coverage_mean_diff.estimate)),
                opt(paired.map(|p| p.shared_ids.share)),
            ];
            if tested {
                let honoured =
                    paired.and_then(|p| p.p_honoured_given_attack_diff.clone().flatten());
                let failed = paired.and_then(|p| p.p_failed_diff.as_ref());
                row.extend([
                    opt(h.p_honoured_given_attack.flatten()),
                    opt(h.p_failed),
                    opt(honoured.as_ref().map(|d| d.estimate)),
                    opt(honoured.as_ref().map(|d| d.ci95[0])),
                    opt(honoured.as_ref().map(|d| d.ci95[1])),
                    opt(failed.map(|d| d.estimate)),
                    opt(failed.map(|d| d.ci95[0])),
                    opt(failed.map(|d| d.ci95[1])),
                ]);
            }
            row
        })
        .collect();
    let mut header = strings(&[
        "plan",
        "name",
        "file",
        "p_met",
        "p_met_ci95_lo",
        "p_met_ci95_hi",
        "coverage_mean",
        "time_to_met_p50",
        "p_met_diff",
        "p_met_diff_ci95_lo",
        "p_met_diff_ci95_hi",
        "p_met_diff_se",
        "coverage_mean_diff",
        "shared_ids",
    ]);
    if tested {
        header.extend(strings(&[
            "p_honoured_given_attack",
            "p_failed",
            "p_honoured_given_attack_diff",
            "p_honoured_given_attack_diff_ci95_lo",
            "p_honoured_given_attack_diff_ci95_hi",
            "p_failed_diff",
            "p_failed_diff_ci95_lo",
            "p_failed_diff_ci95_hi",
        ]));
    }
    csv_file("comparison.csv", &header, rows)
}

/// `sweep.csv`: one row a point.
pub fn sweep_table(s: &Sweep) -> anyhow::Result<OutputFile> {
    // Columns of the response (docs/model.md 7) when the scenario is tested.
    let tested = s.points.iter().any(|p| p.p_failed.is_some());
    let keys: Vec<&String> = match &s.params {
        Some([a, b]) => vec![a, b],
        None => vec![&s.param],
    };
    // Per key: whether its values are labelled (not all numbers).
    let labelled: Vec<bool> = (0..keys.len())
        .map(|k| {
            s.points.iter().any(|p| {
                let v = p.values.as_ref().map_or(&p.value, |v| &v[k]);
                v.number.is_none()
            })
        })
        .collect();
    let rows = s
        .points
        .iter()
        .map(|p| {
            let values = match &p.values {
                Some(pair) => pair.iter().collect(),
                None => vec![&p.value],
            };
            // Each key's value (a number, or its TOML text), then the
            // labels of the keys whose values are not all numbers.
            let mut row: Vec<String> = values.iter().map(|v| value_cell(v)).collect();
            row.extend(
                values
                    .iter()
                    .zip(&labelled)
                    .filter(|(_, l)| **l)
                    .map(|(v, _)| v.label.clone()),
            );
            row.extend([
                num(p.p_met),
                num(p.p_met_ci95[0]),
                num(p.p_met_ci95[1]),
                num(p.coverage_mean),
                opt(p.time_to_met_p50),
            ]);
            if tested {
                let ci = p.p_honoured_given_attack_ci95;
                row.extend([
                    opt(p.p_honoured_given_attack.flatten()),
                    opt(ci.map(|c| c[0])),
                    opt(ci.map(|c| c[1])),
                    opt(p.p_failed),
                ]);
            }
            row
        })
        .collect();
    // A grid's two keys head its first two columns; then `<key>_label`
    // for each key swept over values that are not all numbers.
    let mut header: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    header.extend(
        keys.iter()
            .zip(&labelled)
            .filter(|(_, l)| **l)
            .map(|(k, _)| format!("{k}_label")),
    );
    header.extend(strings(&[
        "p_met",
        "p_met_ci95_lo",
        "p_met_ci95_hi",
        "coverage_mean",
        "time_to_met_p50",
    ]));
    if tested {
        header.extend(strings(&[
            "p_honoured_given_attack",
            "p_honoured_given_attack_ci95_lo",
            "p_honoured_given_attack_ci95_hi",
            "p_failed",
        ]));
    }
    csv_file("sweep.csv", &header, rows)
}

/// A swept value as a cell: a number, or its TOML text.
fn value_cell(v: &SweepValue) -> String {
    match v.number {
        Some(x) => num(x),
        None => v.text.clone(),
    }
}

/// `sensitivity.csv`: one row a variant pair, members, needs, uncertain
/// inputs, then members' amounts.
pub fn sensitivity_table(s: &Sensitivity) -> anyhow::Result<OutputFile> {
    // Columns of P(failed) (docs/model.md 7) when the scenario is tested.
    let tested = s.baseline.p_failed.is_some();
    let members = s.members.iter().map(|m| {
        let mut row = vec![
            "member".to_string(),
            m.id.clone(),
            num(m.p_met_out),
            num(m.p_met_in),
            num(m.swing),
            num(m.swing_se),
        ];
        if tested {
            let f = m.failed.as_ref();
            row.extend([
                opt(f.map(|f| f.p_failed_out)),
                opt(f.map(|f| f.p_failed_in)),
                opt(f.map(|f| f.failed_swing)),
                opt(f.map(|f| f.failed_swing_se)),
            ]);
        }
        row
    });
    let needs = s.capabilities.iter().map(|c| {
        let mut row = vec![
            "need".to_string(),
            c.id.clone(),
            num(c.p_met_need_low),
            num(c.p_met_need_high),
            num(c.swing),
            String::new(),
        ];
        if tested {
            row.extend(vec![String::new(); 4]);
        }
        row
    });
    // Uncertain inputs at p10 / p90 (id: the field's key), members'
    // amounts x0.8 / x1.2.
    let blank = if tested { 4 } else { 0 };
    let inputs = s.inputs.iter().map(|i| {
        let mut row = vec![
            "input".to_string(),
            i.field.clone(),
            num(i.p_met_low),
            num(i.p_met_high),
            num(i.swing),
            num(i.swing_se),
        ];
        row.extend(vec![String::new(); blank]);
        row
    });
    let amounts = s.amounts.iter().map(|a| {
        let mut row = vec![
            "amount".to_string(),
            a.id.clone(),
            num(a.p_met_low),
            num(a.p_met_high),
            num(a.swing),
            num(a.swing_se),
        ];
        row.extend(vec![String::new(); blank]);
        row
    });
    let mut header = strings(&["kind", "id", "p_met_low", "p_met_high", "swing", "swing_se"]);
    if tested {
        header.extend(strings(&[
            "p_failed_out",
            "p_failed_in",
            "failed_swing",
            "failed_swing_se",
        ]));
    }
    let rows = members.chain(needs).chain(inputs).chain(amounts).collect();
    csv_file("sensitivity.csv", &header, rows)
}

/// `--per-trial FILE.csv`: one row per trial: its index (and outer sample
/// with uncertain inputs), met at the horizon (0/1), first time met,
/// coverage per capability at the horizon, replicas joined (and exited)
/// per member, and the attack's time and whether it was honoured.
pub fn per_trial_csv(p: &PerTrial) -> anyhow::Result<Vec<u8>> {
    let mut header = vec!["trial".to_string()];
    if p.uncertain {
        header.push("outer_sample".into());
    }
    header.extend(["met".to_string(), "first_met".to_string()]);
    header.extend(p.capabilities.iter().map(|c| format!("coverage_{c}")));
    header.extend(p.members.iter().map(|m| format!("joined_{m}")));
    if p.has_exits {
        header.extend(p.members.iter().map(|m| format!("exited_{m}")));
    }
    if p.has_attack {
        header.extend(["attack_time".to_string(), "honoured".to_string()]);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header)?;
    for r in &p.rows {
        let mut row = vec![r.trial.to_string()];
        if p.uncertain {
            row.push(r.sample.to_string());
        }
        row.push(u8::from(r.met).to_string());
        row.push(opt(r.first_met));
        row.extend(r.coverage.iter().map(|&c| num(c)));
        row.extend(r.joined.iter().map(u32::to_string));
        if p.has_exits {
            row.extend(r.exited.iter().map(u32::to_string));
        }
        if p.has_attack {
            row.push(opt(r.attack.map(|a| a.0)));
            row.push(
                r.attack
                    .map_or(String::new(), |a| u8::from(a.1).to_string()),
            );
        }
        w.write_record(&row)?;
    }
    Ok(w.into_inner()?)
}
