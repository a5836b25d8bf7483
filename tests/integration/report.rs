//! The briefing report: every section in report.md and report.html, charts
//! inlined as SVG in the HTML, nothing fetched from outside, text escaped.
//! Set GUARANTEE_SIM_CHARTS_DIR=<dir> to also write the report there.

use crate::common;

use guarantee_sim_app::render::OutputFile;
use guarantee_sim_app::render::chart::{self, ChartFormat};
use guarantee_sim_app::render::report::run_report;

fn report() -> (String, String) {
    report_saved(false)
}

/// The report; with `save`, also written to GUARANTEE_SIM_CHARTS_DIR if set
/// (from one test only: tests run in parallel).
fn report_saved(save: bool) -> (String, String) {
    let files = run_report(
        &common::scenario(),
        &common::summary(),
        &common::provenance(),
    )
    .unwrap();
    if let (true, Ok(dir)) = (save, std::env::var("GUARANTEE_SIM_CHARTS_DIR")) {
        common::write_files(&dir, &files);
    }
    let get = |p: &str| -> String {
        let f: &OutputFile = files.iter().find(|f| f.path == p).expect(p);
        String::from_utf8(f.bytes.clone()).unwrap()
    };
    assert_eq!(files.len(), 2);
    (get("report.md"), get("report.html"))
}

const SECTIONS: [&str; 9] = [
    "Headline",
    "Coverage by capability",
    "Pivotal members",
    "Phases",
    "Charts",
    "Assumptions",
    "Scenario description and sources",
    "Overrides",
    "Provenance",
];

#[test]
fn markdown_has_every_section_in_order() {
    let (md, _) = report_saved(true);
    assert!(md.starts_with("# Coalition of the willing, test \\| edition\n"));
    let mut last = 0;
    for s in SECTIONS {
        let at = md
            .find(&format!("\n## {s}\n"))
            .unwrap_or_else(|| panic!("no section {s}"));
        assert!(at > last, "section {s} out of order");
        last = at;
    }
    for s in [
        "Capabilities",
        "Members",
        "Pledges",
        "Phases",
        "Correlated groups",
    ] {
        assert!(
            md.contains(&format!("\n### {s}\n")),
            "no assumptions table {s}"
        );
    }
}

#[test]
fn markdown_headline_and_tables() {
    let (md, _) = report();
    // Headline first: P(met) with its interval, then when it is met.
    let head = &md[md.find("## Headline").unwrap()..md.find("## Coverage by").unwrap()];
    assert!(head.contains("**The guarantee is met at month 24 in 41.2% of trials**"));
    assert!(head.contains("(95% interval 40.9%–41.5%, Monte Carlo error only"));
    assert!(head.contains("month 7.5 (median)") && head.contains("month 14.0"));
    assert!(head.contains("32.0% of trials it is never met"));
    // Capability table.
    assert!(md.contains("| Training and regeneration | 5,000 troops | 80% | yes | 86.0% |"));
    // Pivotal members sorted by P(pivotal): US 55% first, Nordic 2% last.
    let piv = &md[md.find("## Pivotal members").unwrap()..md.find("## Phases").unwrap()];
    let us = piv.find("United States").unwrap();
    let fr = piv.find("France").unwrap();
    let nordic = piv.find("Nordic battalion").unwrap();
    assert!(us < fr && fr < nordic);
    assert!(piv.contains("| 55.0% |"));
    // Pledges written readably, with units.
    assert!(md.contains("triangular(500, 1000, 2000) troops"));
    assert!(md.contains("uniform(1, 4)"));
    assert!(md.contains("lognormal, 90% in \\[6, 30\\]"));
    assert!(md.contains("one of 4 (weight 1), 8 (weight 2) systems"));
    assert!(md.contains("to the horizon"));
    // Phases with after / lag / gate.
    assert!(md.contains("| us\\_support | US support | after another phase | European training contingent | uniform(2, 6) | Training and regeneration coverage ≥ 50% |"));
    // Members with requires and join_without.
    assert!(md.contains("| United States | 20.0% | 1 |"));
    // Overrides and provenance.
    assert!(md.contains("- member.us.join=0.5"));
    for p in [
        "guarantee-sim 0.1.0",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "Seed: 20250819",
        "Trials: 100000",
        "2025-08-20T10:00:00Z",
        "scenarios/test.toml",
    ] {
        assert!(md.contains(p), "provenance lacks {p}");
    }
    // Sources and description (escaped for Markdown).
    assert!(md.contains("- Bloomberg via G.Business, 19 Aug 2025"));
    assert!(md.contains("\\<script\\>"));
}

#[test]
fn markdown_links_every_png_chart() {
    let (md, _) = report();
    let figs = chart::run_figures(
        &common::scenario(),
        &common::summary(),
        &common::provenance(),
    );
    assert!(figs.len() >= 5);
    for f in &figs {
        let link = format!("](charts/{}.png)", f.name);
        assert!(md.contains(&link), "no link {link}");
    }
    for name in [
        "coverage_hist",
        "coverage_fan",
        "capabilities",
        "p_met_by_month",
        "members",
    ] {
        assert!(md.contains(&format!("(charts/{name}.png)")));
    }
}

#[test]
fn html_is_self_contained_and_inlines_every_chart() {
    let (_, html) = report();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<style>") && html.contains("@media print"));
    assert!(html.contains("page-break-inside: avoid"));
    let lower = html.to_lowercase();
    for bad in ["<script", "<link", "<img", "@import", "url("] {
        assert!(!lower.contains(bad), "html contains {bad}");
    }
    for attr in ["src=", "href="] {
        for quote in ["\"", "'", ""] {
            for scheme in ["http://", "https://", "//"] {
                let needle = format!("{attr}{quote}{scheme}");
                assert!(!lower.contains(&needle), "html has {needle}");
            }
        }
    }
    let figs = chart::run_figures(
        &common::scenario(),
        &common::summary(),
        &common::provenance(),
    );
    assert_eq!(html.matches("<svg ").count(), figs.len());
    assert_eq!(html.matches("</svg>").count(), figs.len());
    for f in &figs {
        assert!(html.contains(&format!("<figure id=\"chart-{}\">", f.name)));
        let svg = String::from_utf8(f.render(ChartFormat::Svg).unwrap()).unwrap();
        // The chart's body (after the opening tag) is inlined verbatim.
        let body = &svg[svg.find('>').unwrap()..];
        assert!(html.contains(body), "{} not inlined", f.name);
    }
    assert!(!html.contains("<?xml"));
}

#[test]
fn html_has_every_section_and_escapes_scenario_text() {
    let (_, html) = report();
    let mut last = 0;
    for s in SECTIONS {
        let at = html
            .find(&format!("<h2>{s}</h2>"))
            .unwrap_or_else(|| panic!("no section {s}"));
        assert!(at > last, "section {s} out of order");
        last = at;
    }
    assert!(html.contains("<title>Coalition of the willing, test | edition</title>"));
    assert!(html.contains("<strong>The guarantee is met at month 24 in 41.2% of trials</strong>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<script>"));
    assert!(html.contains("Germany &lt;Bundeswehr&gt; &amp; &quot;partners&quot;"));
    // Sources are text, never links.
    assert!(html.contains("<li>https://example.org/report</li>"));
    assert!(html.contains("<td class=\"num\">55.0%</td>"));
}

#[test]
fn report_without_overrides_or_time_to_met() {
    let mut s = common::summary();
    s.overrides.clear();
    s.guarantee.time_to_met.p50 = None;
    s.guarantee.time_to_met.p90 = None;
    let mut prov = common::provenance();
    prov.overrides.clear();
    let mut sc = common::scenario();
    sc.description = None;
    sc.sources.clear();
    let files = run_report(&sc, &s, &prov).unwrap();
    let md = String::from_utf8(files[0].bytes.clone()).unwrap();
    assert!(md.contains("It is never met within 24 months in any trial."));
    assert!(md.contains("None: the scenario file as written."));
    assert!(md.contains("No description given."));
    assert!(md.contains("Sources: none given."));
}

/// The v2 report (start, events, exits, attack, shortfalls); with `save`,
/// also written to GUARANTEE_SIM_CHARTS_DIR/v2 if set.
fn report_v2(save: bool) -> (String, String) {
    let files = run_report(
        &common::scenario_v2(),
        &common::summary_v2(),
        &common::provenance(),
    )
    .unwrap();
    if let (true, Ok(dir)) = (save, std::env::var("GUARANTEE_SIM_CHARTS_DIR")) {
        common::write_files(std::path::Path::new(&dir).join("v2"), &files);
    }
    let text = |i: usize| String::from_utf8(files[i].bytes.clone()).unwrap();
    (text(0), text(1))
}

/// The Markdown between `## from` and the next `## ` heading.
fn section<'a>(md: &'a str, from: &str) -> &'a str {
    let start = md
        .find(&format!("\n## {from}\n"))
        .unwrap_or_else(|| panic!("no section {from}"));
    let rest = &md[start + 4..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

#[test]
fn v2_sections_come_only_when_the_scenario_has_what_they_show() {
    let (md, html) = report();
    for s in [
        "If the guarantee is tested",
        "Why it fails",
        "Political events",
    ] {
        assert!(!md.contains(&format!("## {s}")), "v1 report has {s}");
    }
    assert!(!md.contains("### Exits") && !html.contains("chart-response"));
    assert!(!md.contains("P(exits by the horizon)"));
    let (md, html) = report_v2(true);
    let order = [
        "Headline",
        "Coverage by capability",
        "Why it fails",
        "Pivotal members",
        "If the guarantee is tested",
        "Political events",
        "Phases",
        "Charts",
        "Assumptions",
    ];
    let mut last = 0;
    for s in order {
        let at = md.find(&format!("\n## {s}\n")).expect(s);
        assert!(at > last, "section {s} out of order");
        last = at;
        assert!(html.contains(&format!("<h2>{s}</h2>")), "html lacks {s}");
    }
    // The response chart is in its section, once, not again under Charts.
    let tested = section(&md, "If the guarantee is tested");
    assert!(tested.contains("(charts/response.png)"));
    assert_eq!(md.matches("(charts/response.png)").count(), 1);
    assert_eq!(html.matches("<figure id=\"chart-response\">").count(), 1);
}

#[test]
fn v2_report_reads_the_response_shortfalls_events_and_exits() {
    let (md, html) = report_v2(false);
    let head = section(&md, "Headline");
    assert!(head.contains("A renewed attack comes within 24 months in 35.1% of trials"));
    assert!(head.contains("honoured in 55.0% (95% interval 54.5%–55.5%)"));

    let tested = section(&md, "If the guarantee is tested");
    for t in [
        "**A renewed attack comes within 24 months in 35.1% of trials.**",
        "honoured in 55.0% of trials (95% interval 54.5%–55.5%",
        "attacked and not honoured: 15.8% of all trials",
        "0.4 month(s) after the attack (median), within 0.9",
        "early warning is on at the attack in 42.0% of attacks",
        // Hinges on the largest P(pivotal | attack): US 31%, then France 20%.
        "hinges most on United States (pivotal in 31% of attacks) and France (pivotal in 20%",
        "| Air defence | 10 systems | 75% | 60.0% |",
        "| Training and regeneration | 3,000 troops | 80% | 80.0% |",
        "| United Kingdom | legal | 75% | 70.0% | 12.0% |",
    ] {
        assert!(tested.contains(t), "tested section lacks {t:?}:\n{tested}");
    }

    let fails = section(&md, "Why it fails");
    assert!(fails.contains(
        "Air defence falls short of its threshold in 48% of futures where the guarantee is not \
         met at month 24, and alone in 20%."
    ));
    assert!(fails.contains("| Training and regeneration | 80% | 31.0% | 7.0% |"));
    assert!(!fails.contains("Ceasefire monitoring"), "not critical");

    let piv = section(&md, "Pivotal members");
    assert!(piv.contains("P(pivotal, all it brings) | P(exits by the horizon) |"));
    assert!(piv.contains("| United States | reported | 50.0% | 55.0% | 63.0% | 21.0% |"));

    let events = section(&md, "Political events");
    assert!(events.contains(
        "| French presidential election returns a government opposed to the deployment | Apr \
         2027 | 40% | 40.0% |"
    ));
    assert!(events.contains("| US midterms | month triangular(8, 10, 14) | 50% | 50.0% |"));
    // Phases' median start with its calendar month.
    assert!(section(&md, "Phases").contains("| 6.3 (Jul 2026) |"));

    let assumptions = section(&md, "Assumptions");
    for t in [
        "### Exits",
        "| France | event fr-2027 (Apr 2027) | 80.0% | uniform(1, 6) |",
        "| Germany \\<Bundeswehr\\> & \"partners\" | with United States | 100.0% | 0 |",
        "| United States | at a rate of 0.05 a year | 100.0% | 0 |",
    ] {
        assert!(assumptions.contains(t), "assumptions lack {t:?}");
    }
    // HTML: escaped as everywhere else.
    assert!(html.contains("<td>Germany &lt;Bundeswehr&gt; &amp; &quot;partners&quot;</td>"));
    assert!(html.contains("<h2>If the guarantee is tested</h2>"));
}

fn report_of(summary: &guarantee_sim_core::summarise::summary::Summary) -> (String, String) {
    let files = run_report(&common::scenario(), summary, &common::provenance()).unwrap();
    let text = |i: usize| String::from_utf8(files[i].bytes.clone()).unwrap();
    (text(0), text(1))
}

#[test]
fn uncertain_inputs_give_the_spread_and_a_section_on_what_we_do_not_know() {
    let (md, html) = report();
    assert!(!md.contains("What we do not know") && !html.contains("What we do not know"));
    assert!(!md.contains("uncertainty.png") && !html.contains("chart-uncertainty"));

    let (md, html) = report_of(&common::summary_uncertain());
    if let Ok(dir) = std::env::var("GUARANTEE_SIM_CHARTS_DIR") {
        let dir = std::path::Path::new(&dir).join("uncertain");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("report.md"), &md).unwrap();
        std::fs::write(dir.join("report.html"), &html).unwrap();
    }
    let head = section(&md, "Headline");
    assert!(head.contains(
        "**The guarantee is met at month 24 in 41.2% of trials (pooled); 22% to 61% across \
         plausible inputs (90%)**"
    ));
    assert!(head.contains("Monte Carlo error and input uncertainty, over 100 outer samples"));
    assert!(!head.contains("Monte Carlo error only"));
    // Right after the headline.
    let at = md.find("\n## What we do not know\n").expect("section");
    assert!(md.find("\n## Headline\n").unwrap() < at);
    assert!(at < md.find("\n## Coverage by capability\n").unwrap());
    assert!(html.contains("<h2>What we do not know</h2>"));
    let unknown = section(&md, "What we do not know");
    for t in [
        "100 outer samples",
        "| P(met at month 24) | 41.2% | 22.1% | 33.4% | 40.5% | 48.9% | 61.3% |",
        "accounts for 3% of the spread",
        "| odds.confirmed | +0.91 | higher value, higher P(met) |",
        "| capability.training.need | -0.42 | higher value, lower P(met) |",
        "| member.us.join | – | undefined: its draws do not vary |",
        "(charts/uncertainty.png)",
    ] {
        assert!(unknown.contains(t), "section lacks {t:?}:\n{unknown}");
    }
    // The chart is in its section, once, not again under Charts.
    assert_eq!(md.matches("(charts/uncertainty.png)").count(), 1);
    assert_eq!(html.matches("<figure id=\"chart-uncertainty\">").count(), 1);
}

#[test]
fn without_uncertain_inputs_the_report_is_unchanged() {
    // The same summary with an uncertainty block, less its section and
    // headline, is the report without one: nothing else moves.
    let (plain, _) = report();
    let (md, _) = report_of(&common::summary_uncertain());
    assert_ne!(plain, md);
    assert!(plain.contains("Monte Carlo error only: it does not include the uncertainty"));
    let strip = |s: &str| {
        let a = s.find("\n## What we do not know\n").unwrap_or(s.len());
        let b = s[a..].find("\n## Coverage by").map_or(s.len(), |i| a + i);
        let s = format!("{}{}", &s[..a], &s[b..]);
        s.lines()
            .filter(|l| !l.contains("The guarantee is met at month"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&plain), strip(&md));
}
