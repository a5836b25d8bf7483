//! The briefing report of a run: `report.md` and a self-contained
//! `report.html` (CSS inline, charts inline as SVG, no scripts or links).
//!
//! The content is built once as a small document model ([`Block`]s) and
//! written out by two writers, so the Markdown and HTML never drift apart.

use crate::render::OutputFile;
use crate::render::calendar;
use crate::render::chart::style::{pct, pct0};
use crate::render::chart::{self, ChartFormat, Figure, number};
use crate::render::provenance::Provenance;
use anyhow::Result;
use guarantee_sim_core::input::scenario::{Dist, ExitTrigger, PhaseStart, Scenario, YearMonth};
use guarantee_sim_core::summarise::summary::{ResponseStats, Spread, Summary, Uncertainty};

/// `report.md` and `report.html`, for a run that writes its charts as PNG.
/// The HTML inlines every chart as SVG (rendered here, whatever chart
/// formats the run writes to disk); the Markdown links the chart files.
/// `run` builds it with `report_files` from SVGs drawn once.
pub fn run_report(
    scenario: &Scenario,
    summary: &Summary,
    prov: &Provenance,
) -> Result<Vec<OutputFile>> {
    let figures = chart::run_figures(scenario, summary, prov);
    let svgs = chart::render_svgs(&figures)?;
    Ok(report_files(
        scenario,
        summary,
        prov,
        &figures,
        &svgs,
        &[ChartFormat::Png],
    ))
}

/// The same from the run's figures already drawn as SVG (`run` draws each
/// once, for its chart file and the report).
pub fn report_files(
    scenario: &Scenario,
    summary: &Summary,
    prov: &Provenance,
    figures: &[Figure],
    svgs: &[String],
    written: &[ChartFormat],
) -> Vec<OutputFile> {
    let doc = document(scenario, summary, prov, figures);
    document_files(
        "report",
        &summary.scenario.name,
        &doc,
        figures,
        svgs,
        written,
    )
}

/// `<stem>.md` and a self-contained `<stem>.html` for a document: the HTML
/// inlines every figure as SVG (`svgs`, in figure order); the Markdown links
/// each chart file as written (`written`: the PNG if there is one, else the
/// SVG; with no chart files, it gives each chart's title and caption only).
/// Shared by the run report and the what-if reports (compare).
pub fn document_files(
    stem: &str,
    title: &str,
    doc: &[Block],
    figures: &[Figure],
    svgs: &[String],
    written: &[ChartFormat],
) -> Vec<OutputFile> {
    let linked = [ChartFormat::Png, ChartFormat::Svg]
        .into_iter()
        .find(|f| written.contains(f));
    vec![
        OutputFile::new(format!("{stem}.md"), markdown(doc, figures, linked)),
        OutputFile::new(format!("{stem}.html"), html(doc, figures, svgs, title)),
    ]
}

/// A piece of inline text.
#[derive(Clone, Debug, PartialEq)]
pub enum Span {
    Text(String),
    Strong(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Heading(u8, String),
    Para(Vec<Span>),
    /// A paragraph set apart (the headline box in HTML).
    Callout(Vec<Vec<Span>>),
    List(Vec<String>),
    /// Header and rows; columns listed in `numeric` are right-aligned.
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        numeric: Vec<usize>,
    },
    /// Index into the report's figures.
    Figure(usize),
}

pub fn text(s: impl Into<String>) -> Span {
    Span::Text(s.into())
}

pub fn para(s: impl Into<String>) -> Block {
    Block::Para(vec![text(s)])
}

pub fn table(header: &[&str], rows: Vec<Vec<String>>, numeric: &[usize]) -> Block {
    Block::Table {
        header: header.iter().map(|h| h.to_string()).collect(),
        rows,
        numeric: numeric.to_vec(),
    }
}

/// A month as a number, with its calendar month when the scenario has a
/// start: "6.3 (Jul 2026)".
fn opt_month(v: Option<f64>, start: Option<YearMonth>) -> String {
    match (v, start) {
        (None, _) => "–".into(),
        (Some(m), None) => format!("{m:.1}"),
        (Some(m), Some(start)) => format!(
            "{m:.1} ({})",
            calendar::month_name(calendar::month_at(start, m))
        ),
    }
}

fn opt_pct(v: Option<f64>) -> String {
    v.map_or("–".into(), pct)
}

/// A distribution as an analyst would write it: `triangular(500, 1000, 2000)`.
pub fn dist_text(d: &Dist) -> String {
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match d {
        Dist::Constant(v) => format!("{v}"),
        Dist::Uniform { a, b } => format!("uniform({})", list(&[*a, *b])),
        Dist::Triangular { min, mode, max } => {
            format!("triangular({})", list(&[*min, *mode, *max]))
        }
        Dist::Pert { min, mode, max } => format!("pert({})", list(&[*min, *mode, *max])),
        Dist::Normal { mean, sd } => format!("normal(mean {mean}, sd {sd})"),
        Dist::Range90 { lo, hi } => format!("lognormal, 90% in [{lo}, {hi}]"),
        Dist::Choice(c) => format!(
            "one of {}",
            c.iter()
                .map(|(v, w)| format!("{v} (weight {w})"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn document(sc: &Scenario, s: &Summary, prov: &Provenance, figures: &[Figure]) -> Vec<Block> {
    let h = s.scenario.horizon_months;
    let g = &s.guarantee;
    let overrides = if prov.overrides.is_empty() {
        &s.overrides
    } else {
        &prov.overrides
    };
    let mut doc = vec![
        Block::Heading(1, s.scenario.name.clone()),
        para(format!(
            "Briefing report. guarantee-sim {}, {} trials, seed {}, run {}.",
            prov.tool_version, s.trials, s.seed, prov.run_date
        )),
        Block::Heading(2, "Headline".into()),
    ];

    let mut headline = vec![match &s.uncertainty {
        None => vec![
            Span::Strong(format!(
                "The guarantee is met at month {h} in {} of trials",
                pct(g.p_met)
            )),
            text(format!(
                " (95% interval {}–{}, Monte Carlo error only: it does not include the \
                 uncertainty of the inputs).",
                pct(g.p_met_ci95[0]),
                pct(g.p_met_ci95[1])
            )),
        ],
        // docs/model.md 8: the pooled figure beside its spread across
        // plausible inputs; its interval is clustered.
        Some(u) => vec![
            Span::Strong(format!(
                "The guarantee is met at month {h} in {} of trials (pooled); {}",
                pct(g.p_met),
                chart::spread_text(&u.p_met)
            )),
            text(format!(
                " (95% interval of the pooled figure {}–{}: Monte Carlo error and input \
                 uncertainty, over {} outer samples; see What we do not know).",
                pct(g.p_met_ci95[0]),
                pct(g.p_met_ci95[1]),
                u.outer_samples
            )),
        ],
    }];
    headline.push(vec![text(match (g.time_to_met.p50, g.time_to_met.p90) {
        (Some(p50), Some(p90)) => format!(
            "When it is met, it is first met by month {p50:.1} (median) and by month {p90:.1} \
             in 90% of those trials. In {} of trials it is never met within {h} months.",
            pct(g.time_to_met.p_never)
        ),
        _ => format!("It is never met within {h} months in any trial."),
    })]);
    let o = &s.coverage.overall;
    headline.push(vec![text(format!(
        "Overall coverage of needs at month {h}: mean {} (90% of trials between {} and {}).",
        pct(o.mean),
        pct0(o.p05),
        pct0(o.p95)
    ))]);
    if let Some(r) = &s.response {
        headline.push(vec![text(response_sentence(r, h))]);
    }
    if !overrides.is_empty() {
        headline.push(vec![text(format!(
            "What-if run: {} --set override(s) applied (see Overrides).",
            overrides.len()
        ))]);
    }
    doc.push(Block::Callout(headline));

    let uncertainty_figure = figures.iter().position(|f| f.name == "uncertainty");
    if let Some(u) = &s.uncertainty {
        doc.extend(unknowns(s, u, uncertainty_figure));
    }

    doc.push(Block::Heading(2, "Coverage by capability".into()));
    doc.push(para(format!(
        "At month {h}. Coverage is the committed amount as a share of need, capped at 100%; \
         P(≥ threshold) is the probability that coverage reaches the capability's threshold."
    )));
    let rows = sc
        .capabilities
        .iter()
        .map(|c| {
            let unit = c.unit.clone().unwrap_or_default();
            let cov = s.coverage.capability.get(&c.id);
            let com = s.committed.get(&c.id);
            vec![
                c.name.clone(),
                format!("{} {unit}", number(c.need)).trim_end().to_string(),
                pct0(c.threshold),
                if c.critical { "yes" } else { "no" }.into(),
                cov.map_or("–".into(), |v| pct(v.mean)),
                cov.map_or("–".into(), |v| format!("{}–{}", pct0(v.p05), pct0(v.p95))),
                cov.map_or("–".into(), |v| pct(v.p_met)),
                com.map_or("–".into(), |m| {
                    format!(
                        "{} ({}–{}) {unit}",
                        number(m.p50),
                        number(m.p05),
                        number(m.p95)
                    )
                    .trim_end()
                    .to_string()
                }),
            ]
        })
        .collect();
    doc.push(table(
        &[
            "Capability",
            "Need",
            "Threshold",
            "Critical",
            "Mean coverage",
            "Coverage, 90% of trials",
            "P(≥ threshold)",
            "Committed: median (90% of trials)",
        ],
        rows,
        &[1, 2, 4, 5, 6, 7],
    ));

    doc.extend(why_it_fails(sc, s));

    doc.push(Block::Heading(2, "Pivotal members".into()));
    doc.push(para(
        "A member is pivotal in a trial when the guarantee is met at the horizon and would not \
         be met without that member's own pledges; pivotal with all it brings, when it would \
         not be met with the member out altogether (members that require it then join with \
         their odds without it, and those that would leave with it stay). Sorted by how often each \
         member is pivotal by its own pledges.",
    ));
    let mut members: Vec<_> = sc
        .members
        .iter()
        .filter_map(|m| s.members.get(&m.id).map(|st| (m, st)))
        .collect();
    members.sort_by(|a, b| b.1.p_pivotal.total_cmp(&a.1.p_pivotal));
    // Exits only where the scenario has them.
    let exits = members.iter().any(|(_, st)| st.p_exited.is_some());
    let rows = members
        .iter()
        .map(|(m, st)| {
            let name = if m.count > 1 {
                format!(
                    "{} (× {}; joins per replica, pivotal if any is)",
                    m.name, m.count
                )
            } else {
                m.name.clone()
            };
            let mut row = vec![
                name,
                m.status.clone().unwrap_or_default(),
                pct(st.p_joined),
                pct(st.p_pivotal),
                pct(st.p_pivotal_total),
            ];
            if exits {
                row.push(opt_pct(st.p_exited));
            }
            row
        })
        .collect();
    let mut header = vec![
        "Member",
        "Status",
        "P(joins)",
        "P(pivotal, own pledges)",
        "P(pivotal, all it brings)",
    ];
    if exits {
        header.push("P(exits by the horizon)");
    }
    let numeric: Vec<usize> = (2..header.len()).collect();
    doc.push(table(&header, rows, &numeric));

    let response_figure = figures.iter().position(|f| f.name == "response");
    if let Some(r) = &s.response {
        doc.extend(tested(sc, s, r, response_figure));
    }
    doc.extend(events(sc, s));

    doc.push(Block::Heading(2, "Phases".into()));
    let rows = sc
        .phases
        .iter()
        .map(|p| {
            let st = s.phases.get(&p.id);
            vec![
                p.name.clone(),
                st.map_or("–".into(), |st| pct(st.p_started)),
                st.map_or("–".into(), |st| opt_month(st.start_p50, sc.start)),
            ]
        })
        .collect();
    doc.push(table(
        &["Phase", "P(starts within horizon)", "Median start month"],
        rows,
        &[1, 2],
    ));

    doc.push(Block::Heading(2, "Charts".into()));
    // The response and uncertainty charts are shown in their own sections.
    doc.extend(
        (0..figures.len())
            .filter(|&i| Some(i) != response_figure && Some(i) != uncertainty_figure)
            .map(Block::Figure),
    );

    doc.extend(assumptions(sc));

    doc.push(Block::Heading(2, "Scenario description and sources".into()));
    match &sc.description {
        Some(d) => doc.extend(
            d.split("\n\n")
                .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|p| !p.is_empty())
                .map(para),
        ),
        None => doc.push(para("No description given.")),
    }
    if sc.sources.is_empty() {
        doc.push(para("Sources: none given."));
    } else {
        doc.push(para("Sources:"));
        doc.push(Block::List(sc.sources.clone()));
    }

    doc.push(Block::Heading(2, "Overrides".into()));
    if overrides.is_empty() {
        doc.push(para("None: the scenario file as written."));
    } else {
        doc.push(para(
            "Applied with --set for this run (the scenario file itself is unchanged):",
        ));
        doc.push(Block::List(overrides.clone()));
    }

    doc.push(Block::Heading(2, "Provenance".into()));
    doc.push(Block::List(vec![
        format!("Tool: guarantee-sim {}", prov.tool_version),
        format!("Scenario file: {}", prov.scenario_file),
        format!("Scenario file SHA-256: {}", prov.scenario_sha256),
        format!("Seed: {}", prov.seed),
        format!("Trials: {}", prov.trials),
        format!("Run date (UTC): {}", prov.run_date),
    ]));
    doc
}

/// "What we do not know" (docs/model.md 8), with uncertain inputs: how far
/// the answer moves across outer samples, and which inputs move it.
fn unknowns(s: &Summary, u: &Uncertainty, figure: Option<usize>) -> Vec<Block> {
    let h = s.scenario.horizon_months;
    let mut doc = vec![
        Block::Heading(2, "What we do not know".into()),
        para(format!(
            "Some inputs of this scenario are uncertain: given as a range of plausible values \
             (a distribution) rather than a single number. The run draws {} outer samples; \
             each draws one plausible value for every uncertain input and runs its share of \
             the trials with those values. The other figures of this report pool all trials: \
             they average over what we do not know. The table shows how far the answer moves \
             from one plausible set of inputs to another.",
            u.outer_samples
        )),
    ];
    let spread_row = |what: String, p: &Spread| {
        vec![
            what,
            pct(p.mean),
            pct(p.p05),
            pct(p.p25),
            pct(p.p50),
            pct(p.p75),
            pct(p.p95),
        ]
    };
    let mut rows = vec![spread_row(format!("P(met at month {h})"), &u.p_met)];
    let mut no_attack = false;
    match &u.p_honoured_given_attack {
        Some(Some(a)) => rows.push(spread_row("P(honoured | attack)".into(), a)),
        Some(None) => no_attack = true,
        None => {}
    }
    doc.push(table(
        &[
            "Across outer samples",
            "Mean",
            "5th percentile",
            "25th",
            "Median",
            "75th",
            "95th",
        ],
        rows,
        &[1, 2, 3, 4, 5, 6],
    ));
    if no_attack {
        doc.push(para(
            "No outer sample has an attack: P(honoured | attack) has no spread to show.",
        ));
    }
    doc.push(para(format!(
        "Pooled over all {} trials, P(met at month {h}) is {} (95% interval {}–{}, counting \
         both the Monte Carlo error and the input uncertainty: the samples are treated as \
         clusters). {}",
        number(s.trials as f64),
        pct(s.guarantee.p_met),
        pct(s.guarantee.p_met_ci95[0]),
        pct(s.guarantee.p_met_ci95[1]),
        chart::mc_noise_text(u)
    )));
    doc.push(para(
        "Which uncertain inputs matter: each input's rank correlation (Spearman) between the \
         values its samples drew and the samples' P(met), largest in magnitude first. Near +1, \
         a higher value goes with a higher P(met); near -1, with a lower one; near 0, the \
         input hardly moves the answer. Pinning down the inputs at the top would narrow the \
         spread most.",
    ));
    let noise = u.rank_noise();
    let rows = u
        .inputs
        .iter()
        .map(|i| {
            let (r, reading) = match i.rank_correlation {
                None => ("–".into(), "undefined: its draws do not vary"),
                Some(r) if r.abs() < noise => (
                    format!("{r:+.2}"),
                    "hardly moves P(met) (within the noise of the samples)",
                ),
                Some(r) if r > 0.0 => (format!("{r:+.2}"), "higher value, higher P(met)"),
                Some(r) => (format!("{r:+.2}"), "higher value, lower P(met)"),
            };
            vec![i.field.clone(), r, reading.into()]
        })
        .collect();
    doc.push(table(
        &[
            "Uncertain input (--set key)",
            "Rank correlation with P(met)",
            "Reading",
        ],
        rows,
        &[1],
    ));
    doc.extend(figure.map(Block::Figure));
    doc
}

/// The headline's sentence on the response (with `[attack]`).
fn response_sentence(r: &ResponseStats, h: u32) -> String {
    let attacked = format!(
        "A renewed attack comes within {h} months in {} of trials",
        pct(r.p_attack)
    );
    match r.p_honoured_given_attack {
        Some(p) => format!(
            "{attacked}; the guarantee is then honoured in {} (95% interval {}–{}), and fails \
             under attack in {} of all trials.",
            pct(p),
            pct(r.p_honoured_given_attack_ci95[0]),
            pct(r.p_honoured_given_attack_ci95[1]),
            pct(r.p_failed)
        ),
        None => format!("{attacked}: no trial tests the guarantee."),
    }
}

/// "Why it fails" (docs/model.md 9): each critical capability's shortfall,
/// when the summary has them.
fn why_it_fails(sc: &Scenario, s: &Summary) -> Vec<Block> {
    let short: Vec<_> = sc
        .capabilities
        .iter()
        .filter(|c| c.critical)
        .filter_map(|c| {
            let cov = s.coverage.capability.get(&c.id)?;
            Some((c, cov.p_shortfall?, cov.p_sole_shortfall))
        })
        .collect();
    let Some(&(worst, p, sole)) = short.iter().max_by(|a, b| a.1.total_cmp(&b.1)) else {
        return Vec::new();
    };
    let alone = sole.map_or(String::new(), |q| format!(", and alone in {}", pct0(q)));
    let rows = short
        .iter()
        .map(|(c, p, sole)| vec![c.name.clone(), pct0(c.threshold), pct(*p), opt_pct(*sole)])
        .collect();
    vec![
        Block::Heading(2, "Why it fails".into()),
        para(format!(
            "{} falls short of its threshold in {} of futures where the guarantee is not met at \
             month {}{alone}.",
            worst.name,
            pct0(p),
            s.scenario.horizon_months
        )),
        para(
            "For each critical capability: the probability that the guarantee is not met at the \
             horizon and this capability is below its threshold there, and the probability that \
             it is the only critical capability below its threshold (so reaching it alone would \
             meet the guarantee).",
        ),
        table(
            &[
                "Capability",
                "Threshold",
                "P(short, guarantee not met)",
                "P(the only one short)",
            ],
            rows,
            &[1, 2, 3],
        ),
    ]
}

/// "If the guarantee is tested" (docs/model.md 7), with `[attack]`.
fn tested(sc: &Scenario, s: &Summary, r: &ResponseStats, figure: Option<usize>) -> Vec<Block> {
    let h = s.scenario.horizon_months;
    let mut doc = vec![Block::Heading(2, "If the guarantee is tested".into())];
    let mut lines = vec![vec![
        Span::Strong(format!(
            "A renewed attack comes within {h} months in {} of trials.",
            pct(r.p_attack)
        )),
        text(format!(
            " The guarantee is honoured when every tested capability's response reaches its \
             threshold within {} month(s) of the attack.",
            sc.attack
                .as_ref()
                .map_or("1".into(), |a| chart::style::trim(a.window_months, 2))
        )),
    ]];
    lines.push(vec![text(match r.p_honoured_given_attack {
        Some(p) => format!(
            "Given an attack, it is honoured in {} of trials (95% interval {}–{}, over {} trials \
             with an attack); attacked and not honoured: {} of all trials.",
            pct(p),
            pct(r.p_honoured_given_attack_ci95[0]),
            pct(r.p_honoured_given_attack_ci95[1]),
            r.attacks,
            pct(r.p_failed)
        ),
        None => "No trial has an attack: the response is not tested.".into(),
    })]);
    if let (Some(p50), Some(p90)) = (r.time_to_response.p50, r.time_to_response.p90) {
        lines.push(vec![text(format!(
            "When honoured, help is in place {} month(s) after the attack (median), within {} \
             in 90% of those trials.",
            chart::style::trim(p50, 2),
            chart::style::trim(p90, 2)
        ))]);
    }
    if let Some(w) = r.p_warned_given_attack {
        lines.push(vec![text(format!(
            "The early warning is on at the attack in {} of attacks.",
            pct(w)
        ))]);
    }
    doc.push(Block::Callout(lines));

    let hinge: Vec<_> = {
        let mut v: Vec<_> = sc
            .members
            .iter()
            .filter_map(|m| {
                let p = r.members.get(&m.id)?.p_pivotal_given_attack?;
                (p > 0.0).then_some((m, p))
            })
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1));
        v.truncate(2);
        v
    };
    if !hinge.is_empty() {
        let names: Vec<String> = hinge
            .iter()
            .map(|(m, p)| format!("{} (pivotal in {} of attacks)", m.name, pct0(*p)))
            .collect();
        doc.push(para(format!(
            "The response hinges most on {}: in those attacks the guarantee would not have \
             been honoured without that member's part.",
            names.join(" and ")
        )));
    }

    let rows: Vec<Vec<String>> = sc
        .capabilities
        .iter()
        .filter_map(|c| {
            let need = c.response_need?;
            let unit = c.unit.clone().unwrap_or_default();
            let p = r.capability.get(&c.id).and_then(|x| x.p_met_given_attack);
            Some(vec![
                c.name.clone(),
                format!("{} {unit}", number(need)).trim_end().to_string(),
                pct0(c.threshold),
                opt_pct(p),
            ])
        })
        .collect();
    if !rows.is_empty() {
        doc.push(table(
            &[
                "Capability",
                "Need when attacked",
                "Threshold",
                "P(met | attack)",
            ],
            rows,
            &[1, 2, 3],
        ));
    }
    let rows = sc
        .members
        .iter()
        .filter_map(|m| {
            let mr = r.members.get(&m.id)?;
            Some(vec![
                m.name.clone(),
                m.commitment.clone().unwrap_or_default(),
                pct0(m.honour),
                opt_pct(mr.p_honours_given_attack),
                opt_pct(mr.p_pivotal_given_attack),
            ])
        })
        .collect();
    doc.push(table(
        &[
            "Member",
            "Commitment",
            "Honour probability",
            "P(present and honours | attack)",
            "P(pivotal | attack)",
        ],
        rows,
        &[2, 3, 4],
    ));
    doc.extend(figure.map(Block::Figure));
    doc
}

/// When an event happens, as written: its date, else its month.
fn event_when(e: &guarantee_sim_core::input::scenario::Event) -> String {
    match e.date {
        Some(d) => calendar::month_name(d),
        None => format!("month {}", dist_text(&e.month)),
    }
}

/// "Political events" (docs/model.md 6), when the scenario has events.
fn events(sc: &Scenario, s: &Summary) -> Vec<Block> {
    if sc.events.is_empty() {
        return Vec::new();
    }
    let rows = sc
        .events
        .iter()
        .map(|e| {
            vec![
                e.name.clone(),
                event_when(e),
                pct0(e.probability),
                opt_pct(s.events.get(&e.id).map(|x| x.p_occurred)),
            ]
        })
        .collect();
    vec![
        Block::Heading(2, "Political events".into()),
        para(
            "Events that end members' deployments (see the exits under Assumptions). \
             P(within the horizon) is the probability it happens between month 0 and the \
             horizon.",
        ),
        table(
            &["Event", "When", "Probability", "P(within the horizon)"],
            rows,
            &[2, 3],
        ),
    ]
}

fn assumptions(sc: &Scenario) -> Vec<Block> {
    let mut doc = vec![Block::Heading(2, "Assumptions".into())];
    doc.push(Block::Heading(3, "Capabilities".into()));
    let rows = sc
        .capabilities
        .iter()
        .map(|c| {
            vec![
                c.id.clone(),
                c.name.clone(),
                number(c.need),
                c.unit.clone().unwrap_or_default(),
                pct0(c.threshold),
                if c.critical { "yes" } else { "no" }.into(),
                format!("{}", c.weight),
            ]
        })
        .collect();
    doc.push(table(
        &[
            "Id",
            "Name",
            "Need",
            "Unit",
            "Threshold",
            "Critical",
            "Weight",
        ],
        rows,
        &[2, 4, 6],
    ));

    doc.push(Block::Heading(3, "Members".into()));
    let rows = sc
        .members
        .iter()
        .map(|m| {
            vec![
                m.id.clone(),
                m.name.clone(),
                m.status.clone().unwrap_or_default(),
                pct(m.join),
                m.group
                    .and_then(|g| sc.groups.get(g))
                    .map(|g| g.id.clone())
                    .unwrap_or_default(),
                m.requires
                    .and_then(|r| sc.members.get(r))
                    .map(|r| r.name.clone())
                    .unwrap_or_default(),
                if m.requires.is_some() {
                    pct(m.join_without)
                } else {
                    String::new()
                },
                m.count.to_string(),
            ]
        })
        .collect();
    doc.push(table(
        &[
            "Id",
            "Name",
            "Status",
            "Join probability",
            "Group",
            "Requires",
            "Join without",
            "Count",
        ],
        rows,
        &[3, 6, 7],
    ));
    doc.extend(exits(sc));

    doc.push(Block::Heading(3, "Pledges".into()));
    let cap_name = |i: usize| {
        sc.capabilities
            .get(i)
            .map_or("?".into(), |c| c.name.clone())
    };
    let phase_name = |i: usize| sc.phases.get(i).map_or("?".into(), |p| p.name.clone());
    let rows: Vec<Vec<String>> = sc
        .members
        .iter()
        .flat_map(|m| {
            m.pledges.iter().map(move |p| {
                let unit = sc
                    .capabilities
                    .get(p.capability)
                    .and_then(|c| c.unit.clone())
                    .unwrap_or_default();
                vec![
                    m.name.clone(),
                    cap_name(p.capability),
                    phase_name(p.phase),
                    format!("{} {unit}", dist_text(&p.amount))
                        .trim_end()
                        .to_string(),
                    dist_text(&p.delay),
                    p.duration
                        .as_ref()
                        .map_or("to the horizon".into(), dist_text),
                    pct(p.probability),
                ]
            })
        })
        .collect();
    if rows.is_empty() {
        doc.push(para("No pledges."));
    } else {
        doc.push(para(
            "Amounts are in capability units; delay runs from the phase's start to deployment \
             and duration from deployment, both in months; probability is that of delivery once \
             the member has joined.",
        ));
        doc.push(table(
            &[
                "Member",
                "Capability",
                "Phase",
                "Amount",
                "Delay (months)",
                "Duration (months)",
                "Probability",
            ],
            rows,
            &[6],
        ));
    }

    doc.push(Block::Heading(3, "Phases".into()));
    let rows = sc
        .phases
        .iter()
        .map(|p| match &p.start {
            PhaseStart::At(d) => vec![
                p.id.clone(),
                p.name.clone(),
                format!("month {}", dist_text(d)),
                String::new(),
                String::new(),
                String::new(),
            ],
            PhaseStart::After { phase, lag, gate } => vec![
                p.id.clone(),
                p.name.clone(),
                "after another phase".into(),
                phase_name(*phase),
                dist_text(lag),
                gate.as_ref().map_or(String::new(), |g| {
                    format!("{} coverage ≥ {}", cap_name(g.capability), pct0(g.coverage))
                }),
            ],
        })
        .collect();
    doc.push(table(
        &["Id", "Name", "Start", "After", "Lag (months)", "Gate"],
        rows,
        &[],
    ));

    if !sc.groups.is_empty() {
        doc.push(Block::Heading(3, "Correlated groups".into()));
        let rows = sc
            .groups
            .iter()
            .map(|g| {
                let members: Vec<String> = sc
                    .members
                    .iter()
                    .filter(|m| m.group.and_then(|i| sc.groups.get(i)) == Some(g))
                    .map(|m| m.name.clone())
                    .collect();
                vec![
                    g.id.clone(),
                    format!("{}", g.correlation),
                    members.join(", "),
                ]
            })
            .collect();
        doc.push(table(&["Group", "Correlation", "Members"], rows, &[1]));
    }
    if !sc.odds.is_empty() {
        doc.push(Block::Heading(3, "Default join odds by status".into()));
        let rows = sc
            .odds
            .iter()
            .map(|(k, v)| vec![k.clone(), pct(*v)])
            .collect();
        doc.push(table(&["Status", "Join probability"], rows, &[1]));
    }
    doc
}

/// The members' exit rules, when any member has one.
fn exits(sc: &Scenario) -> Vec<Block> {
    let rows: Vec<Vec<String>> = sc
        .members
        .iter()
        .flat_map(|m| {
            m.exits.iter().map(move |x| {
                let trigger = match x.trigger {
                    ExitTrigger::Event(i) => sc.events.get(i).map_or("?".into(), |e| {
                        format!("event {} ({})", e.id, event_when(e))
                    }),
                    ExitTrigger::With(i) => sc
                        .members
                        .get(i)
                        .map_or("?".into(), |o| format!("with {}", o.name)),
                    ExitTrigger::RatePerYear(r) => {
                        format!("at a rate of {} a year", chart::style::trim(r, 4))
                    }
                };
                vec![
                    m.name.clone(),
                    trigger,
                    pct(x.probability),
                    dist_text(&x.lag),
                ]
            })
        })
        .collect();
    if rows.is_empty() {
        return Vec::new();
    }
    vec![
        Block::Heading(3, "Exits".into()),
        para(
            "From its exit, none of a member's pledges is deployed. Probability: that the member \
             leaves given the trigger; lag: from the trigger to the pledges' end, in months.",
        ),
        table(
            &["Member", "Leaves", "Probability", "Lag (months)"],
            rows,
            &[2],
        ),
    ]
}

// ---------------------------------------------------------------- Markdown

/// Escapes Markdown syntax in scenario text.
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(ch),
        }
    }
    out
}

fn md_spans(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s {
            Span::Text(t) => md_escape(t),
            Span::Strong(t) => format!("**{}**", md_escape(t)),
        })
        .collect()
}

fn markdown(doc: &[Block], figures: &[Figure], linked: Option<ChartFormat>) -> String {
    let mut out = String::new();
    for b in doc {
        match b {
            Block::Heading(level, t) => out.push_str(&format!(
                "{} {}\n\n",
                "#".repeat(*level as usize),
                md_escape(t)
            )),
            Block::Para(spans) => out.push_str(&format!("{}\n\n", md_spans(spans))),
            Block::Callout(paras) => {
                for p in paras {
                    out.push_str(&format!("> {}\n>\n", md_spans(p)));
                }
                out.truncate(out.len() - 2);
                out.push('\n');
            }
            Block::List(items) => {
                for i in items {
                    out.push_str(&format!("- {}\n", md_escape(i)));
                }
                out.push('\n');
            }
            Block::Table {
                header,
                rows,
                numeric,
            } => {
                let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
                out.push_str(&line(header.iter().map(|h| md_escape(h)).collect()));
                out.push_str(&line(
                    (0..header.len())
                        .map(|i| if numeric.contains(&i) { "---:" } else { "---" }.into())
                        .collect(),
                ));
                for r in rows {
                    out.push_str(&line(r.iter().map(|c| md_escape(c)).collect()));
                }
                out.push('\n');
            }
            Block::Figure(i) => {
                let f = &figures[*i];
                let title = md_escape(&f.title);
                out.push_str(&format!("### {title}\n\n"));
                if let Some(format) = linked {
                    out.push_str(&format!("![{title}]({})\n\n", f.path(format)));
                }
                out.push_str(&format!("*{}*\n\n", md_escape(&f.caption)));
            }
        }
    }
    out
}

// -------------------------------------------------------------------- HTML

/// Element content: escaped, and isolated in `<bdi>` when it holds
/// bidirectional controls, so a name cannot reorder the text around it.
fn html_text(s: &str) -> String {
    match s.chars().any(crate::render::is_bidi_control) {
        true => format!("<bdi>{}</bdi>", html_escape(s)),
        false => html_escape(s),
    }
}

/// Escapes text for HTML element content and attribute values (and
/// replaces characters XML does not allow, as in the inlined SVGs).
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ if !crate::render::chart::figure::xml_allows(ch) => out.push('\u{fffd}'),
            _ => out.push(ch),
        }
    }
    out
}

fn html_spans(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s {
            Span::Text(t) => html_text(t),
            Span::Strong(t) => format!("<strong>{}</strong>", html_text(t)),
        })
        .collect()
}

const CSS: &str = r#"
:root { --ink: #1a1a1a; --muted: #5a5a5a; --rule: #d9d9d9; --accent: #0072B2; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Verdana, Arial, sans-serif; color: var(--ink);
  line-height: 1.45; max-width: 1120px; margin: 2em auto; padding: 0 1.2em; }
h1 { font-size: 1.9em; margin: 0 0 .2em; }
h2 { font-size: 1.4em; margin: 1.8em 0 .5em; padding-bottom: .2em; border-bottom: 2px solid var(--rule); }
h3 { font-size: 1.1em; margin: 1.4em 0 .4em; }
p.meta { color: var(--muted); margin-top: 0; }
.callout { background: #eef5fb; border-left: 6px solid var(--accent); padding: .7em 1.2em; margin: 1em 0 1.5em; }
.callout p { margin: .45em 0; }
.callout p:first-child { font-size: 1.3em; }
table { border-collapse: collapse; margin: .6em 0 1.4em; font-size: .92em; width: 100%; }
th, td { border-bottom: 1px solid var(--rule); padding: .35em .6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; border-bottom: 2px solid #bbb; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: .6em 0 1.8em; }
figure svg { display: block; width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: .9em; margin-top: .4em; }
code { font-family: "DejaVu Sans Mono", monospace; }
@media print {
  @page { size: auto; margin: 14mm 12mm; }
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h2 { break-before: auto; }
  h2, h3, p:has(+ table) { break-after: avoid; page-break-after: avoid; }
  figure, table, .callout, tr { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  figure svg { border: none; max-height: 235mm; }
  .callout { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

/// The SVG as an inline element: no XML prolog, sized by CSS from its viewBox.
fn inline_svg(svg: &str, label: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    let svg = &svg[start..];
    let end = svg.find('>').unwrap_or(0);
    let (open, rest) = svg.split_at(end);
    let view_box = open
        .split("viewBox=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .unwrap_or("0 0 1400 800");
    format!(
        "<svg viewBox=\"{view_box}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" \
         aria-label=\"{}\"{rest}",
        html_escape(label)
    )
}

fn html(doc: &[Block], figures: &[Figure], svgs: &[String], title: &str) -> String {
    let mut body = String::new();
    let mut first_para = true;
    for b in doc {
        match b {
            Block::Heading(level, t) => {
                body.push_str(&format!("<h{level}>{}</h{level}>\n", html_text(t)))
            }
            Block::Para(spans) => {
                let class = if std::mem::take(&mut first_para) {
                    " class=\"meta\""
                } else {
                    ""
                };
                body.push_str(&format!("<p{class}>{}</p>\n", html_spans(spans)));
            }
            Block::Callout(paras) => {
                body.push_str("<div class=\"callout\">\n");
                for p in paras {
                    body.push_str(&format!("<p>{}</p>\n", html_spans(p)));
                }
                body.push_str("</div>\n");
            }
            Block::List(items) => {
                body.push_str("<ul>\n");
                for i in items {
                    body.push_str(&format!("<li>{}</li>\n", html_text(i)));
                }
                body.push_str("</ul>\n");
            }
            Block::Table {
                header,
                rows,
                numeric,
            } => {
                let cell = |tag: &str, i: usize, c: &str| {
                    let class = if numeric.contains(&i) {
                        " class=\"num\""
                    } else {
                        ""
                    };
                    format!("<{tag}{class}>{}</{tag}>", html_text(c))
                };
                body.push_str("<table>\n<thead><tr>");
                for (i, h) in header.iter().enumerate() {
                    body.push_str(&cell("th", i, h));
                }
                body.push_str("</tr></thead>\n<tbody>\n");
                for r in rows {
                    body.push_str("<tr>");
                    for (i, c) in r.iter().enumerate() {
                        body.push_str(&cell("td", i, c));
                    }
                    body.push_str("</tr>\n");
                }
                body.push_str("</tbody>\n</table>\n");
            }
            Block::Figure(i) => {
                let f = &figures[*i];
                body.push_str(&format!(
                    "<figure id=\"chart-{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
                    html_escape(&f.name),
                    inline_svg(&svgs[*i], &f.title),
                    html_text(&f.caption)
                ));
            }
        }
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        html_escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distributions_read_like_the_file() {
        let t = Dist::Triangular {
            min: 500.0,
            mode: 1000.0,
            max: 2000.0,
        };
        assert_eq!(dist_text(&t), "triangular(500, 1000, 2000)");
        assert_eq!(dist_text(&Dist::Constant(0.5)), "0.5");
        assert_eq!(
            dist_text(&Dist::Uniform { a: 1.0, b: 4.0 }),
            "uniform(1, 4)"
        );
        assert_eq!(
            dist_text(&Dist::Choice(vec![(4.0, 1.0), (8.0, 2.0)])),
            "one of 4 (weight 1), 8 (weight 2)"
        );
    }

    #[test]
    fn bidirectional_controls_are_isolated_in_html() {
        let evil = "uk\u{202E}evil";
        assert_eq!(html_text(evil), format!("<bdi>{evil}</bdi>"));
        assert_eq!(html_text("plain <b>"), "plain &lt;b&gt;");
        let html = html(&[para(evil)], &[], &[], "t");
        assert!(html.contains(&format!("<bdi>{evil}</bdi>")), "{html}");
    }

    #[test]
    fn escapes() {
        assert_eq!(
            html_escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(md_escape("a|b*c\nd"), "a\\|b\\*c d");
    }
}
