//! Charts render in memory, as PNG and SVG, with real content.
//! Set GUARANTEE_SIM_CHARTS_DIR=<dir> to also write them there for viewing.

use crate::bitmap::Bitmap;
use crate::common;

use guarantee_sim_app::render::OutputFile;
use guarantee_sim_app::render::chart::{self, ChartFormat, Figure};
use std::collections::HashSet;

const BOTH: [ChartFormat; 2] = [ChartFormat::Png, ChartFormat::Svg];

fn run_files() -> Vec<OutputFile> {
    chart::run_charts(
        &common::scenario(),
        &common::summary(),
        &common::provenance(),
        &BOTH,
    )
    .unwrap()
}

/// Writes to GUARANTEE_SIM_CHARTS_DIR if set (each path from one test only:
/// tests run in parallel).
fn save(files: &[OutputFile]) {
    if let Ok(dir) = std::env::var("GUARANTEE_SIM_CHARTS_DIR") {
        common::write_files(&dir, files);
    }
}

fn file<'a>(files: &'a [OutputFile], path: &str) -> &'a [u8] {
    &files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path} missing"))
        .bytes
}

fn svg(files: &[OutputFile], name: &str) -> String {
    String::from_utf8(file(files, &format!("charts/{name}.svg")).to_vec()).unwrap()
}

/// Asserts the PNG decodes, is at least 1200x700, is not blank, and has dark
/// title text near the top left. Returns the image.
fn check_png(bytes: &[u8]) -> Bitmap {
    let img = Bitmap::from_png(bytes);
    assert!(
        img.width >= 1200 && img.height >= 700,
        "{:?}",
        img.dimensions()
    );
    let colours: HashSet<[u8; 3]> = img.pixels().collect();
    assert!(colours.len() > 40, "only {} colours", colours.len());
    let dark_title = (10..70)
        .flat_map(|y| (20..700).map(move |x| (x, y)))
        .filter(|&(x, y)| img.pixel(x, y).iter().all(|&c| c < 90))
        .count();
    assert!(dark_title > 500, "title area has {dark_title} dark pixels");
    img
}

/// Pixels within a small distance of `rgb`.
fn count_colour(img: &Bitmap, rgb: [u8; 3]) -> usize {
    img.pixels()
        .filter(|p| p.iter().zip(rgb).all(|(&a, b)| a.abs_diff(b) <= 8))
        .count()
}

const NAMES: [&str; 7] = [
    "coverage_hist",
    "coverage_fan",
    "capabilities",
    "p_met_by_month",
    "members",
    "committed",
    "capabilities_by_month",
];

#[test]
fn run_charts_writes_every_chart_in_both_formats() {
    let files = run_files();
    save(&files);
    for name in NAMES {
        for ext in ["png", "svg"] {
            file(&files, &format!("charts/{name}.{ext}"));
        }
    }
    assert_eq!(files.len(), NAMES.len() * 2);
    let only_svg = chart::run_charts(
        &common::scenario(),
        &common::summary(),
        &common::provenance(),
        &[ChartFormat::Svg],
    )
    .unwrap();
    assert!(only_svg.iter().all(|f| f.path.ends_with(".svg")));
    let none = chart::run_charts(
        &common::scenario(),
        &common::summary(),
        &common::provenance(),
        &[],
    )
    .unwrap();
    assert!(none.is_empty());
}

#[test]
fn every_png_is_readable_and_not_blank() {
    let files = run_files();
    for name in NAMES {
        let img = check_png(file(&files, &format!("charts/{name}.png")));
        // The provenance footer is drawn near the bottom.
        let h = img.height;
        let footer_ink = (h - 40..h - 5)
            .flat_map(|y| (20..400).map(move |x| (x, y)))
            .filter(|&(x, y)| img.pixel(x, y).iter().all(|&c| c < 160))
            .count();
        assert!(
            footer_ink > 50,
            "{name}: footer has {footer_ink} ink pixels"
        );
    }
}

#[test]
fn every_svg_has_title_axes_footer_and_series() {
    let files = run_files();
    let prov_line = "Coalition of the willing, test | edition | seed 20250819 | 100000 trials";
    for name in NAMES {
        let s = svg(&files, name);
        assert!(s.starts_with("<svg"), "{name}");
        assert!(s.contains("<text"), "{name}: no text elements");
        assert!(s.contains(prov_line), "{name}: no provenance line");
        assert!(
            s.contains("DejaVu Sans"),
            "{name}: not in the embedded family"
        );
        assert!(s.contains("<rect") || s.contains("<polyline"), "{name}");
    }
    let fan = svg(&files, "coverage_fan");
    for t in [
        "Overall coverage over time",
        "Month since the framework",
        "Overall coverage (% of need)",
        "Median",
        "50% of trials",
        "90% of trials",
    ] {
        assert!(fan.contains(t), "coverage_fan lacks {t:?}");
    }
    assert!(fan.matches("<polygon").count() >= 2, "fan bands");
    assert!(fan.contains("<polyline"), "fan median line");

    let hist = svg(&files, "coverage_hist");
    for t in [
        "Distribution of overall coverage",
        "Share of trials",
        "Mean 74.0%",
    ] {
        assert!(hist.contains(t), "coverage_hist lacks {t:?}");
    }
    // Thresholds belong to each capability's own coverage, not to the
    // overall figure: none is drawn on this histogram.
    assert!(
        !hist.contains("threshold"),
        "no threshold on overall coverage"
    );
    assert!(hist.matches("<rect").count() > 40, "histogram bars");

    let caps = svg(&files, "capabilities");
    for t in [
        "Training and regeneration",
        "Air defence",
        "Threshold (critical)",
        "Mean coverage",
    ] {
        assert!(caps.contains(t), "capabilities lacks {t:?}");
    }

    let p_met = svg(&files, "p_met_by_month");
    for t in [
        "Guarantee met at month t",
        "first met by month t",
        "41.2%",
        "Probability",
    ] {
        assert!(p_met.contains(t), "p_met_by_month lacks {t:?}");
    }
    assert!(p_met.matches("<polyline").count() >= 2);

    let members = svg(&files, "members");
    for t in ["United Kingdom", "United States", "Joins", "Pivotal", "55%"] {
        assert!(members.contains(t), "members lacks {t:?}");
    }
    // Members are sorted by P(pivotal): the US (55%) comes before France (27%).
    assert!(members.find("United States") < members.find("France"));
    // Scenario text is escaped in SVG.
    assert!(members.contains("Germany &lt;Bundeswehr&gt;"));

    let committed = svg(&files, "committed");
    for t in ["Need (100%)", "need 5,000 troops", "Median committed"] {
        assert!(committed.contains(t), "committed lacks {t:?}");
    }
}

#[test]
fn charts_use_the_palette() {
    let files = run_files();
    let blue = [0, 114, 178];
    let orange = [230, 159, 0];
    let members = check_png(file(&files, "charts/members.png"));
    assert!(count_colour(&members, blue) > 2000);
    assert!(count_colour(&members, orange) > 1000);
    let p_met = check_png(file(&files, "charts/p_met_by_month.png"));
    assert!(count_colour(&p_met, blue) > 1000);
}

fn check_figure_files(files: &[OutputFile], names: &[&str], texts: &[&str]) {
    save(files);
    for name in names {
        check_png(file(files, &format!("charts/{name}.png")));
    }
    let svgs: Vec<String> = names.iter().map(|n| svg(files, n)).collect();
    for t in texts {
        assert!(svgs.iter().any(|s| s.contains(t)), "no chart shows {t:?}");
    }
}

#[test]
fn tornado_chart_sorts_by_swing() {
    let bars = vec![
        ("France".to_string(), 0.30, 0.45),
        ("United States".to_string(), 0.05, 0.62),
        ("Poland".to_string(), 0.38, 0.43),
    ];
    let files =
        chart::tornado_chart("Sensitivity: who matters", 0.41, &bars, "prov", &BOTH).unwrap();
    check_figure_files(
        &files,
        &["tornado"],
        &["Sensitivity: who matters", "Baseline 41%"],
    );
    let s = svg(&files, "tornado");
    let pos = |t| s.find(t).unwrap();
    assert!(pos("United States") < pos("France") && pos("France") < pos("Poland"));
    assert!(s.contains("Low setting") && s.contains("High setting"));
}

/// Bars of every kind in one tornado, largest |swing| first, at most
/// `MAX_ROWS` of them and a caption saying how many were left out.
#[test]
fn tornado_chart_caps_the_bars_and_says_how_many_are_left_out() {
    let mut bars: Vec<(String, f64, f64)> = (0..50)
        .map(|i| {
            (
                format!("amounts of m{i}: x0.8 / x1.2"),
                0.5,
                0.5 + 0.001 * f64::from(i),
            )
        })
        .collect();
    bars.push(("need c: -20% / +20%".to_string(), 0.9, 0.1));
    let files = chart::tornado_chart("t", 0.5, &bars, "p", &BOTH).unwrap();
    let s = svg(&files, "tornado");
    assert!(s.find("need c: -20% / +20%").unwrap() < s.find("amounts of m49").unwrap());
    assert!(
        !s.contains("amounts of m0:"),
        "the smallest swing is left out"
    );
    let caption = chart::tornado_figure("t", 0.5, &bars, "p").caption;
    assert!(
        caption.contains(" 11 of 51 bars with the smallest swings are left out"),
        "caption says how many are left out: {caption}"
    );
}

#[test]
fn sweep_chart_has_two_panels() {
    let points: Vec<_> = (0..=10)
        .map(|i| {
            let v = i as f64 / 10.0;
            let p = 0.2 + 0.5 * v;
            (v, p, [p - 0.01, p + 0.01], 0.6 + 0.3 * v)
        })
        .collect();
    let files = chart::sweep_chart(
        "member.us.join",
        "United States, probability of joining",
        &points,
        "prov",
        &BOTH,
    )
    .unwrap();
    check_figure_files(&files, &["sweep"], &["member.us.join", "95% interval"]);
    let s = svg(&files, "sweep");
    assert!(s.contains("Mean overall coverage"));
    // The title in words, the key on the axis.
    assert!(s.contains("What if this changes: United States, probability of joining"));
    assert!(
        s.matches("<circle").count() >= 22,
        "point markers on both panels"
    );
}

/// A sweep over labelled values (distributions): one slot per value with a
/// dot and its interval, the labels in full under the axis (a long one
/// wrapped between words, a long word widening the canvas), and with too
/// many values for the widest canvas every k-th labelled, as the caption
/// says.
#[test]
fn sweep_category_chart_shows_every_label_in_full() {
    let labels = [
        "pert 50-70-90",
        "uniform 1-4",
        "choice 40 (14.3%), 60 (42.9%), 80 (28.6%), 100 (14.3%)",
        "germany_and_the_nordics_together_with_the_baltic_states",
    ];
    let points: Vec<chart::CategoryPoint> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| chart::CategoryPoint {
            label: l.to_string(),
            p_met: 0.3 + 0.1 * i as f64,
            p_met_ci95: [0.28 + 0.1 * i as f64, 0.32 + 0.1 * i as f64],
            coverage_mean: 0.6 + 0.05 * i as f64,
        })
        .collect();
    let files = chart::sweep_category_chart(
        "member.us.pledge.0.amount",
        "member.us.pledge.0.amount",
        &points,
        "prov",
        &BOTH,
    )
    .unwrap();
    check_figure_files(
        &files,
        &["sweep"],
        &["member.us.pledge.0.amount", "95% interval", "pert 50-70-90"],
    );
    let s = svg(&files, "sweep");
    // The texts drawn, in order: a wrapped label's lines follow each other.
    let texts: Vec<&str> = s
        .split("</text>")
        .filter_map(|t| Some(t.rsplit_once('>')?.1.trim()))
        .collect();
    let drawn = texts.join(" ");
    for label in labels {
        assert!(drawn.contains(label), "{label} drawn in full: {texts:?}");
    }
    assert!(
        texts.contains(&"pert 50-70-90"),
        "a short label on one line"
    );
    // Dots (both panels), not lines joining values.
    assert!(
        s.matches("<circle").count() >= 8,
        "a dot per value and panel"
    );
    let joined = |colour: &str| {
        s.contains(&format!(
            "<polyline fill=\"none\" opacity=\"1\" stroke=\"{colour}\""
        ))
    };
    assert!(
        !joined("#0072B2") && !joined("#009E73"),
        "values are not joined by lines"
    );
    // The long word fits its slot: a wider canvas, within the limit.
    let png = Bitmap::from_png(file(&files, "charts/sweep.png"));
    assert!(
        png.width > 1400 && png.width <= chart::MAX_CATEGORY_WIDTH,
        "{:?}",
        png.dimensions()
    );

    let many: Vec<chart::CategoryPoint> = (0..300)
        .map(|i| chart::CategoryPoint {
            label: format!("uniform {i}-{}", i + 10),
            ..points[0].clone()
        })
        .collect();
    let fig = chart::sweep_category_figure("x", "x", &many, "prov");
    assert_eq!(fig.size.0, chart::MAX_CATEGORY_WIDTH);
    assert!(fig.caption.contains("every"), "{}", fig.caption);
    let few = chart::sweep_category_figure("x", "x", &points[..2], "prov");
    assert!(!few.caption.contains("every"), "{}", few.caption);
    assert_eq!(few.size.0, 1400, "short labels keep the default width");
}

#[test]
fn compare_charts_overlay_scenarios() {
    let a = common::summary();
    let mut b = common::summary();
    b.guarantee.p_met = 0.6;
    b.guarantee
        .p_met_by_month
        .iter_mut()
        .for_each(|p| *p = (*p * 1.4).min(1.0));
    b.coverage.overall_histogram.counts.rotate_right(100);
    let names = vec!["Baseline".to_string(), "With US backstop".to_string()];
    let files = chart::compare_charts(&names, &[a, b], &comparison(0.188), "prov", &BOTH).unwrap();
    assert_eq!(files.len(), 6);
    check_figure_files(
        &files,
        &[
            "compare_p_met_by_month",
            "compare_coverage",
            "compare_differences",
        ],
        &[],
    );
    let s = svg(&files, "compare_p_met_by_month");
    assert!(s.contains("Baseline: 41%") && s.contains("With US backstop: 60%"));
    assert!(svg(&files, "compare_coverage").matches("<polyline").count() >= 2);
    let d = svg(&files, "compare_differences");
    assert!(
        d.contains("+18.8 pts") && d.contains("With US backstop"),
        "{d}"
    );
}

/// A comparison of two plans whose P(met) differs by `diff`.
fn comparison(diff: f64) -> guarantee_sim_core::analysis::compare::Comparison {
    use guarantee_sim_core::analysis::compare::{Comparison, Difference, Paired, SharedIds};
    let d = |estimate: f64, se: f64| Difference {
        estimate,
        se,
        ci95: [estimate - 1.96 * se, estimate + 1.96 * se],
        se_independent: 3.0 * se,
    };
    Comparison {
        trials: 100_000,
        seed: 1,
        scenarios: Vec::new(),
        paired: vec![Paired {
            baseline: 0,
            other: 1,
            p_met_diff: d(diff, 0.002),
            coverage_mean_diff: d(0.05, 0.001),
            p_honoured_given_attack_diff: None,
            p_failed_diff: None,
            p_met_diff_across_samples: None,
            shared_ids: SharedIds {
                share: 1.0,
                only_in_baseline: Vec::new(),
                only_in_other: Vec::new(),
            },
        }],
    }
}

#[test]
fn degenerate_inputs_still_render() {
    let mut s = common::summary();
    s.coverage
        .overall_histogram
        .counts
        .iter_mut()
        .for_each(|c| *c = 0);
    s.guarantee.time_to_met.p50 = None;
    s.guarantee.p_met_by_month.iter_mut().for_each(|p| *p = 0.0);
    s.members = guarantee_sim_core::summarise::summary::Keyed(Vec::new());
    let mut sc = common::scenario();
    sc.members.clear();
    let files = chart::run_charts(&sc, &s, &common::provenance(), &BOTH).unwrap();
    assert_eq!(files.len(), NAMES.len() * 2);
    let empty: Vec<(String, f64, f64)> = Vec::new();
    chart::tornado_chart("t", 0.5, &empty, "p", &BOTH).unwrap();
    chart::sweep_chart("x", "x", &[(1.0, 0.5, [0.4, 0.6], 0.7)], "p", &BOTH).unwrap();
    let none = guarantee_sim_core::analysis::compare::Comparison {
        trials: 1,
        seed: 1,
        scenarios: Vec::new(),
        paired: Vec::new(),
    };
    chart::compare_charts(&[], &[], &none, "p", &BOTH).unwrap();
}

/// Dozens of long series names: the legend keeps to a third of the canvas
/// and says how many it leaves out, so the plot keeps its room.
#[test]
fn a_legend_too_long_for_the_canvas_is_cut_and_says_so() {
    let mut panel = chart::XyPanel::new("x", "y");
    for i in 0..60 {
        panel.lines.push(chart::Line::new(
            format!("A capability with a long descriptive name, number {i}"),
            chart::figure::series_color(i),
            vec![(0.0, 0.1), (1.0, 0.2)],
        ));
    }
    let fig = Figure::new("many", "Many series", "prov").panel(chart::Panel::Xy(panel));
    let svg = String::from_utf8(fig.render(ChartFormat::Svg).unwrap()).unwrap();
    // "number 1" followed by something other than a digit (not "number 12").
    let listed = |i: usize| {
        let key = format!("number {i}");
        svg.match_indices(&key)
            .any(|(at, _)| !svg[at + key.len()..].starts_with(|c: char| c.is_ascii_digit()))
    };
    let shown = (0..60).filter(|&i| listed(i)).count();
    assert!((1..60).contains(&shown), "{shown} legend entries");
    assert!(svg.contains(&format!("and {} more, not listed here", 60 - shown)));
    check_png(&fig.render(ChartFormat::Png).unwrap());
}

#[test]
fn figures_name_their_files() {
    let figs: Vec<Figure> = chart::run_figures(
        &common::scenario(),
        &common::summary(),
        &common::provenance(),
    );
    for f in &figs {
        assert_eq!(f.path(ChartFormat::Png), format!("charts/{}.png", f.name));
        assert!(!f.caption.is_empty(), "{} has no caption", f.name);
    }
}

/// Prints the time to render every chart (PNG + SVG) and the report; run
/// with `cargo test --release --test charts render_time -- --nocapture`.
#[test]
fn render_time() {
    let (sc, s, prov) = (common::scenario(), common::summary(), common::provenance());
    let _ = chart::run_charts(&sc, &s, &prov, &[ChartFormat::Svg]).unwrap(); // warm-up (font)
    let start = std::time::Instant::now();
    let charts = chart::run_charts(&sc, &s, &prov, &BOTH).unwrap();
    let mid = start.elapsed();
    let report = guarantee_sim_app::render::report::run_report(&sc, &s, &prov).unwrap();
    let total = start.elapsed();
    eprintln!(
        "render_time: {} chart files in {:?}, report in {:?}, total {:?}",
        charts.len(),
        mid,
        total - mid,
        total
    );
    assert_eq!(report.len(), 2);
    assert!(total.as_secs() < 60);
}

fn v2_files() -> Vec<OutputFile> {
    chart::run_charts(
        &common::scenario_v2(),
        &common::summary_v2(),
        &common::provenance(),
        &BOTH,
    )
    .unwrap()
}

/// Writes the v2 charts to GUARANTEE_SIM_CHARTS_DIR/v2 if set.
fn save_v2(files: &[OutputFile]) {
    if let Ok(dir) = std::env::var("GUARANTEE_SIM_CHARTS_DIR") {
        common::write_files(std::path::Path::new(&dir).join("v2"), files);
    }
}

#[test]
fn the_response_chart_comes_only_with_an_attack() {
    assert!(!run_files().iter().any(|f| f.path.contains("response")));
    let files = v2_files();
    save_v2(&files);
    assert_eq!(files.len(), (NAMES.len() + 1) * 2);
    check_png(file(&files, "charts/response.png"));
    let s = svg(&files, "response");
    for t in [
        "If the guarantee is tested",
        "P(attack within 24 months) = 35.1%",
        "P(honoured | attack) = 55.0% (95% CI 54.5%–55.5%)",
        "Renewed attack by month t",
        "Honoured, by month of the attack",
        "95% interval (Wilson)",
        "All attacks: 55.0%",
        "P(attacked by then)",
        "P(honoured | attack)",
    ] {
        assert!(s.contains(t), "response lacks {t:?}");
    }
    // Both panels, and the honoured curve with a point per month.
    assert!(s.matches("<circle").count() >= 24);
    let fig = chart::run_figures(
        &common::scenario_v2(),
        &common::summary_v2(),
        &common::provenance(),
    )
    .pop()
    .unwrap();
    assert_eq!(fig.name, "response");
    assert!(fig.caption.contains("P(attacked and not honoured) = 15.8%"));
    assert!(!fig.caption.contains("not shown"), "{}", fig.caption);
}

#[test]
fn months_with_few_attacks_are_left_out_and_the_caption_says_so() {
    let mut s = common::summary_v2();
    let r = s.response.as_mut().unwrap();
    for t in [0, 1, 2, 10] {
        r.attacks_by_month[t] = 12;
    }
    r.attacks_by_month[23] = 0;
    r.p_honoured_by_attack_month[23] = None;
    let figs = chart::run_figures(&common::scenario_v2(), &s, &common::provenance());
    let fig = figs.last().unwrap();
    assert!(
        fig.caption
            .contains("4 month(s) with fewer than 30 attacks are not shown"),
        "{}",
        fig.caption
    );
    let svg = String::from_utf8(fig.render(ChartFormat::Svg).unwrap()).unwrap();
    // 24 months less 5: 19 points, in two runs (3-9 and 11-22).
    assert_eq!(svg.matches("<circle").count(), 19);
}

#[test]
fn a_start_labels_months_as_dates_and_events_are_marked() {
    let v1 = run_files();
    assert!(!svg(&v1, "p_met_by_month").contains("Jan 2026"));
    let files = v2_files();
    // Small multiples: dated ticks, one heading per capability, event
    // markers without labels (named on the other charts).
    let s = svg(&files, "capabilities_by_month");
    for t in [
        "Jan 2026",
        "Political event (named on the chart of P(met) by month)",
        "5th–95th percentile month",
    ] {
        assert!(s.contains(t), "capabilities_by_month lacks {t:?}");
    }
    assert!(
        !s.contains("\nfr-2027\n"),
        "no event labels in small multiples"
    );
    for c in &common::scenario_v2().capabilities {
        let first_word = c.name.split(' ').next().unwrap();
        assert!(s.contains(first_word), "no heading for {}", c.name);
    }
    for name in ["p_met_by_month", "coverage_fan", "response"] {
        let s = svg(&files, name);
        for t in [
            "Jan 2026",
            "Apr 2026",
            "Jan 2028",
            "month 0 of the framework = Jan 2026",
            // The French event's name is long: its id stands in.
            "\nfr-2027\n",
            "\nUS midterms\n",
            "Political event (labelled at the top)",
            "5th–95th percentile month",
        ] {
            assert!(s.contains(t), "{name} lacks {t:?}");
        }
    }
    let figs = chart::run_figures(
        &common::scenario_v2(),
        &common::summary_v2(),
        &common::provenance(),
    );
    let p_met = figs.iter().find(|f| f.name == "p_met_by_month").unwrap();
    assert!(p_met.caption.contains("at the median month"));
    // The uncertain event at its median (14 - sqrt(12) = 10.54 for triangular(8, 10, 14)),
    // over its 5th-95th percentile; the fixed one at month 15.
    let marks = chart::event_marks(&common::scenario_v2(), 24);
    assert_eq!(marks[0].at, 15.0);
    assert!(marks[0].range.is_none());
    let (lo, hi) = marks[1].range.unwrap();
    assert!(
        (marks[1].at - (14.0 - 12f64.sqrt())).abs() < 1e-6,
        "{}",
        marks[1].at
    );
    assert!(lo > 8.0 && lo < 9.0 && hi > 12.5 && hi < 14.0, "{lo} {hi}");
}

#[test]
fn members_chart_shows_both_pivotal_measures_and_exits() {
    let v1 = svg(&run_files(), "members");
    assert!(v1.contains("Pivotal (own pledges)"));
    assert!(v1.contains("Pivotal (all it brings"));
    assert!(!v1.contains("Exits by the horizon"));
    let files = v2_files();
    let s = svg(&files, "members");
    for t in [
        "Joins",
        "Pivotal (own pledges)",
        "Pivotal (all it brings, incl. through members that require it)",
        "Exits by the horizon",
        "63%",
        "26%",
    ] {
        assert!(s.contains(t), "members lacks {t:?}");
    }
    let img = check_png(file(&files, "charts/members.png"));
    assert!(count_colour(&img, [213, 94, 0]) > 1000, "vermillion bars");
}

#[test]
fn the_uncertainty_chart_comes_only_with_uncertain_inputs() {
    assert!(!run_files().iter().any(|f| f.path.contains("uncertainty")));
    assert!(!v2_files().iter().any(|f| f.path.contains("uncertainty")));
    let files = chart::run_charts(
        &common::scenario(),
        &common::summary_uncertain(),
        &common::provenance(),
        &BOTH,
    )
    .unwrap();
    if let Ok(dir) = std::env::var("GUARANTEE_SIM_CHARTS_DIR") {
        common::write_files(std::path::Path::new(&dir).join("uncertain"), &files);
    }
    assert_eq!(files.len(), (NAMES.len() + 1) * 2);
    let img = check_png(file(&files, "charts/uncertainty.png"));
    // Positive correlations blue, negative vermillion.
    assert!(count_colour(&img, [0, 114, 178]) > 2000);
    assert!(count_colour(&img, [213, 94, 0]) > 2000);
    let s = svg(&files, "uncertainty");
    for t in [
        "How much the answer depends on what we do not know",
        "P(met at month 24) 41% pooled; 22% to 61% across plausible inputs (90%)",
        "across 100 outer samples",
        "90%: 22% to 61%",
        "41.2% (95% CI 40.9%–41.5%)",
        "odds.confirmed",
        "capability.training.need",
        "member.us.join",
        "undefined (its draws do not vary)",
        "+0.91",
        "-0.42",
        "Rank correlation with P(met)",
        "Higher value, higher P(met)",
        "Higher value, lower P(met)",
    ] {
        assert!(s.contains(t), "uncertainty lacks {t:?}");
    }
    let fig = chart::run_figures(
        &common::scenario(),
        &common::summary_uncertain(),
        &common::provenance(),
    )
    .pop()
    .unwrap();
    assert_eq!(fig.name, "uncertainty");
    for t in ["outer sample", "across plausible inputs", "accounts for 3%"] {
        assert!(fig.caption.contains(t), "caption lacks {t:?}");
    }
    // With an attack: a row for P(honoured | attack) across samples.
    let files = chart::run_charts(
        &common::scenario_v2(),
        &common::summary_v2_uncertain(),
        &common::provenance(),
        &[ChartFormat::Svg],
    )
    .unwrap();
    let s = svg(&files, "uncertainty");
    assert!(s.contains("across the samples with an attack"));
    assert!(s.contains("90%: 31% to 77%"));
}
