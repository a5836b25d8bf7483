//! Uncertain inputs (docs/model.md 8) against exact answers: pooled
//! figures, clustered errors, the spread of P(met) across outer samples,
//! and the ranking of the inputs.

use guarantee_sim_core::{Resolved, Summary, estimate, load_str};

fn run(text: &str, trials: u64, outer: Option<u64>, threads: usize) -> Summary {
    let loaded = load_str("test", text, &[]).unwrap_or_else(|e| panic!("{e}"));
    let run = Resolved {
        seed: 5,
        trials,
        threads,
        precision: None,
        outer,
    };
    estimate(&loaded, &run, &|_| {}).expect("simulate")
}

/// |estimate - exact| within 4.5 clustered standard errors.
fn assert_within(what: &str, s: &Summary, exact: f64) {
    let (p, se) = (s.guarantee.p_met, s.guarantee.p_met_se);
    assert!(se > 0.0, "{what}: no standard error");
    assert!(
        (p - exact).abs() <= 4.5 * se,
        "{what}: pooled {p} vs exact {exact} (clustered se {se})"
    );
    let [lo, hi] = s.guarantee.p_met_ci95;
    assert!(lo < p && p < hi, "{what}: {p} outside [{lo}, {hi}]");
}

const HEAD: &str = r#"
[scenario]
name = "uncertain"
horizon_months = 6

[[phase]]
id = "p"
"#;

fn member(id: &str, join: &str, amount: &str) -> String {
    member_with(id, join, "", amount)
}

/// A member with more keys (`extra`, lines) before its pledge.
fn member_with(id: &str, join: &str, extra: &str, amount: &str) -> String {
    format!(
        "[[member]]\nid = \"{id}\"\njoin = {join}\n{extra}[[member.pledge]]\ncapability = \"c\"\nphase = \"p\"\namount = {amount}\n"
    )
}

/// Met iff both members join: P(met | inputs) = p1 p2, multilinear in
/// independent join probabilities, so the pooled P(met) is its value at
/// the means.
#[test]
fn multilinear_p_met_pools_to_its_value_at_the_means() {
    let text = format!(
        "{HEAD}[[capability]]\nid = \"c\"\nneed = 2\n{}{}",
        member("a", "{ uniform = [0.2, 0.8] }", "1"),
        member("b", "{ triangular = [0.3, 0.5, 0.9] }", "1"),
    );
    let s = run(&text, 200_000, None, 2);
    let u = s.uncertainty.as_ref().expect("uncertainty block");
    assert_eq!(u.outer_samples, 100);
    assert_within("p1 p2", &s, 0.5 * (1.7 / 3.0));
    // The clustered interval is wider than the binomial one would be.
    let binomial = (s.guarantee.p_met * (1.0 - s.guarantee.p_met) / 200_000.0).sqrt();
    assert!(s.guarantee.p_met_se > 2.0 * binomial);
    assert_eq!(u.inputs.len(), 2);
}

/// A need drawn from a choice: the pooled P(met) is the choice-weighted
/// average of the exact P(met | need) = 0.6 P(amount >= need).
#[test]
fn a_need_drawn_from_a_choice_pools_to_the_weighted_average() {
    let text = format!(
        "{HEAD}[[capability]]\nid = \"c\"\nneed = {{ choice = [[4, 1], [8, 3]] }}\n{}",
        member("a", "0.6", "{ uniform = [0, 10] }"),
    );
    let s = run(&text, 200_000, Some(400), 2);
    let exact = 0.25 * 0.6 * 0.6 + 0.75 * 0.6 * 0.2;
    assert_within("choice need", &s, exact);
    let u = s.uncertainty.as_ref().expect("uncertainty block");
    assert_eq!(u.outer_samples, 400);
    // P(met | need) is 0.36 or 0.12: the quartiles fall near them.
    assert!((u.p_met.p05 - 0.12).abs() < 0.06, "{:?}", u.p_met);
    assert!((u.p_met.p95 - 0.36).abs() < 0.06, "{:?}", u.p_met);
    let rank = u.inputs[0].rank_correlation.expect("defined");
    assert!(rank < -0.5, "a larger need lowers P(met): {rank}");
}

/// P(met | inputs) = p for `join = uniform [0.2, 0.8]`: the samples'
/// P(met) have the uniform's quantiles, the join ranks first, ahead of an
/// input that does not matter, and with 2,000 trials a sample Monte Carlo
/// noise is a small share of the spread.
#[test]
fn across_sample_percentiles_follow_the_input() {
    let text = format!(
        "{HEAD}[[capability]]\nid = \"c\"\nneed = 1\n\
         [[capability]]\nid = \"extra\"\ncritical = false\nneed = {{ uniform = [1, 2] }}\n{}",
        member("a", "{ uniform = [0.2, 0.8] }", "1"),
    );
    let s = run(&text, 400_000, Some(200), 2);
    let u = s.uncertainty.as_ref().expect("uncertainty block");
    let q = |p: f64| 0.2 + 0.6 * p;
    for (got, p) in [
        (u.p_met.p05, 0.05),
        (u.p_met.p25, 0.25),
        (u.p_met.p50, 0.5),
        (u.p_met.p75, 0.75),
        (u.p_met.p95, 0.95),
    ] {
        assert!((got - q(p)).abs() < 0.1, "p{p}: {got} vs {}", q(p));
    }
    assert!((u.p_met.mean - 0.5).abs() < 0.06, "{}", u.p_met.mean);
    assert_eq!(u.inputs[0].field, "member.a.join");
    assert!(u.inputs[0].rank_correlation.expect("defined") > 0.95);
    assert_eq!(u.inputs[1].field, "capability.extra.need");
    assert!(u.inputs[1].rank_correlation.expect("defined").abs() < 0.3);
    let share = u.mc_noise_share.expect("defined");
    assert!(share < 0.05, "mc noise share {share}");
}

/// The result does not depend on the threads, and a file without
/// uncertain fields has no uncertainty block (with `--outer` too).
#[test]
fn uncertain_runs_do_not_depend_on_threads() {
    let text = format!(
        "{HEAD}[[capability]]\nid = \"c\"\nneed = {{ pert = [1, 1.5, 3] }}\nthreshold = {{ uniform = [0.5, 1] }}\n\
         [[group]]\nid = \"g\"\ncorrelation = {{ uniform = [0, 0.8] }}\n{}{}",
        member_with(
            "a",
            "{ uniform = [0.2, 0.8] }",
            "group = \"g\"\n",
            "{ uniform = [0.5, 2] }"
        ),
        member_with("b", "0.5", "group = \"g\"\n", "1"),
    );
    let one = run(&text, 30_000, Some(700), 1);
    let two = run(&text, 30_000, Some(700), 2);
    assert_eq!(
        serde_json::to_string(&one).expect("json"),
        serde_json::to_string(&two).expect("json")
    );
    let plain = format!(
        "{HEAD}[[capability]]\nid = \"c\"\nneed = 1\n{}",
        member("a", "0.5", "1")
    );
    assert!(run(&plain, 10_000, Some(50), 2).uncertainty.is_none());
}

/// An uncertain honour that is 0 or 1 (so no draw would be needed at the
/// compiled value): P(honoured | attack) pools to the choice's mean, and
/// its spread across samples runs from 0 to 1.
#[test]
fn an_uncertain_honour_under_attack() {
    let text = format!(
        "{HEAD}[attack]\nrate_per_year = 2\n\
         [[capability]]\nid = \"c\"\nneed = 1\nresponse_need = 1\n{}",
        member_with("a", "1", "honour = { choice = [[0, 1], [1, 1]] }\n", "1"),
    );
    let s = run(&text, 100_000, Some(100), 2);
    let r = s.response.as_ref().expect("response");
    let (p, se) = (
        r.p_honoured_given_attack.expect("attacks"),
        r.p_honoured_given_attack_se.expect("se"),
    );
    assert!((p - 0.5).abs() <= 4.5 * se, "{p} (se {se})");
    let u = s.uncertainty.as_ref().expect("uncertainty block");
    let spread = u.p_honoured_given_attack.clone().flatten().expect("spread");
    assert_eq!((spread.p05, spread.p95), (0.0, 1.0));
}

/// `sensitivity` of `text` on 20,000 trials (seed 5, 100 outer samples
/// when it has uncertain inputs).
fn sensitivity(text: &str) -> guarantee_sim_core::analysis::sensitivity::Sensitivity {
    let loaded = load_str("test", text, &[]).unwrap_or_else(|e| panic!("{e}"));
    let run = Resolved {
        seed: 5,
        trials: 20_000,
        threads: 2,
        precision: None,
        outer: None,
    };
    guarantee_sim_core::sensitivity(&loaded.scenario, &run, &|_| {}).expect("sensitivity")
}

/// |estimate - exact| within 4.5 binomial standard errors of 20,000
/// independent trials (a fixed input leaves every trial independent).
fn assert_binomial(what: &str, p: f64, exact: f64) {
    let se = (exact * (1.0 - exact) / 20_000.0).sqrt().max(1e-12);
    assert!(
        (p - exact).abs() <= 4.5 * se,
        "{what}: {p} vs exact {exact} (se {se})"
    );
}

/// One member whose join is uniform on [0.2, 0.8] pledges the whole need:
/// P(met | join p) = p, so the join fixed at its 10th and 90th percentile
/// (0.26, 0.74) gives P(met) 0.26 and 0.74; the other kinds are exact too.
#[test]
fn sensitivity_fixes_an_uncertain_input_at_its_percentiles() {
    let text = format!(
        "{HEAD}[[capability]]\nid = \"c\"\nneed = 1\n{}",
        member("a", "{ uniform = [0.2, 0.8] }", "1"),
    );
    let s = sensitivity(&text);
    assert_eq!(s.inputs.len(), 1, "one uncertain input");
    let i = &s.inputs[0];
    assert_eq!(i.field, "member.a.join");
    assert!((i.low_value - 0.26).abs() < 1e-12, "p10 {}", i.low_value);
    assert!((i.high_value - 0.74).abs() < 1e-12, "p90 {}", i.high_value);
    assert_binomial("join at p10", i.p_met_low, 0.26);
    assert_binomial("join at p90", i.p_met_high, 0.74);
    assert!((i.swing - (i.p_met_high - i.p_met_low)).abs() < 1e-12);
    assert!(i.swing_se > 0.0);
    // Forced out and in: exactly 0 and 1.
    let m = &s.members[0];
    assert_eq!((m.p_met_out, m.p_met_in), (0.0, 1.0));
    // Amount 1 x0.8 never meets need 1; x1.2 meets whenever `a` joins.
    assert_eq!(s.amounts.len(), 1);
    let a = &s.amounts[0];
    assert_eq!(a.id, "a");
    assert_eq!(a.p_met_low, 0.0);
    assert_eq!(
        a.p_met_high, s.baseline.p_met,
        "x1.2: met iff a joins, as at baseline"
    );
    // Need -20%: met iff a joins; +20%: never.
    let c = &s.capabilities[0];
    assert_eq!(c.p_met_need_low, s.baseline.p_met);
    assert_eq!(c.p_met_need_high, 0.0);
}

/// A pledge amount uniform on [50, 150] against need 100, always joined:
/// x0.8 meets iff 0.8 U >= 100, P = (150 - 125) / 100 = 1/4; x1.2 iff
/// 1.2 U >= 100, P = (150 - 250/3) / 100 = 2/3.
#[test]
fn sensitivity_scales_a_members_amounts() {
    let text = format!(
        "{HEAD}[[capability]]\nid = \"c\"\nneed = 100\n{}{}",
        member("a", "1", "{ uniform = [50, 150] }"),
        // Pledges nothing where it counts: its amounts are left out.
        "[[member]]\nid = \"idle\"\njoin = 0.5\n",
    );
    let s = sensitivity(&text);
    assert!(s.inputs.is_empty());
    assert_eq!(
        s.amounts.len(),
        1,
        "only members with pledges: {:?}",
        s.amounts
    );
    let a = &s.amounts[0];
    assert_eq!(a.id, "a");
    assert_binomial("amounts x0.8", a.p_met_low, 0.25);
    assert_binomial("amounts x1.2", a.p_met_high, 2.0 / 3.0);
    assert_binomial("baseline", s.baseline.p_met, 0.5);
    assert!((a.swing - (a.p_met_high - a.p_met_low)).abs() < 1e-12);
}

/// Inputs and amounts are sorted by |swing|, largest first, and the
/// members' and needs' figures do not depend on them being there.
#[test]
fn sensitivity_sorts_inputs_and_amounts_by_swing() {
    let text = format!(
        "{HEAD}[[capability]]\nid = \"c\"\nneed = 2\n{}{}{}",
        member("a", "{ uniform = [0.1, 0.9] }", "{ uniform = [0.5, 1.5] }"),
        member("b", "{ uniform = [0.45, 0.55] }", "1"),
        member("c", "{ uniform = [0.3, 0.7] }", "{ uniform = [0.9, 1.1] }"),
    );
    let s = sensitivity(&text);
    assert_eq!(s.inputs.len(), 3);
    assert_eq!(s.amounts.len(), 3);
    for w in s.inputs.windows(2) {
        assert!(w[0].swing.abs() >= w[1].swing.abs(), "{:?}", s.inputs);
    }
    for w in s.amounts.windows(2) {
        assert!(w[0].swing.abs() >= w[1].swing.abs(), "{:?}", s.amounts);
    }
    assert_eq!(s.inputs[0].field, "member.a.join");
    assert_eq!(s.inputs[2].field, "member.b.join");
}

/// Two plans on the same uncertain input: the per-sample difference in
/// P(met) is the other plan's extra member's contribution, sample by
/// sample: plan b adds a member with `join = 0.5` pledging the full need,
/// so P(met | p) = p for plan a and p + (1 - p) 0.5 for b: the difference
/// (1 - p) / 2 spreads like the uniform join across samples.
#[test]
fn compare_gives_the_difference_across_samples() {
    let plan = |extra: &str| {
        format!(
            r#"
[scenario]
name = "plan"
horizon_months = 3
outer_samples = 50
[[capability]]
id = "cap"
need = 1
[[phase]]
id = "p"
[[member]]
id = "a"
join = {{ uniform = [0.2, 0.8] }}
[[member.pledge]]
capability = "cap"
phase = "p"
amount = 1
{extra}
"#
        )
    };
    let texts = [
        plan(""),
        plan(
            "[[member]]\nid = \"b\"\njoin = 0.5\n[[member.pledge]]\ncapability = \"cap\"\nphase = \"p\"\namount = 1\n",
        ),
    ];
    let load = |k: usize| guarantee_sim_core::load_str(&format!("plan{k}"), &texts[k], &[]);
    let run = guarantee_sim_core::Resolved {
        seed: 3,
        trials: 100_000,
        threads: 2,
        precision: None,
        outer: None,
    };
    let (c, summaries) = guarantee_sim_core::compare(2, &load, &run, &|_| {}).expect("compare");
    let spread = c.paired[0]
        .p_met_diff_across_samples
        .clone()
        .expect("both plans uncertain on the same samples");
    let a = summaries[0]
        .uncertainty
        .as_ref()
        .expect("plan a is uncertain")
        .p_met
        .clone();
    // Per sample the difference is the trials where a did not join and b
    // did: (1 - p_k) / 2 given plan a's own P(met) p_k in the sample, up to
    // binomial noise of about sqrt(0.25 / 2000) = 0.011 per sample, 0.0016
    // on the mean of 50.
    assert!(
        (spread.mean - (1.0 - a.mean) / 2.0).abs() < 4.5 * 0.0016,
        "{spread:?} {a:?}"
    );
    // The spread mirrors plan a's: its 5th percentile is (1 - a's 95th) / 2.
    assert!(
        (spread.p05 - (1.0 - a.p95) / 2.0).abs() < 0.03,
        "{spread:?} {a:?}"
    );
    assert!(
        (spread.p95 - (1.0 - a.p05) / 2.0).abs() < 0.03,
        "{spread:?} {a:?}"
    );
    // Plans with the inputs known give no such spread.
    assert!(spread.p95 - spread.p05 > 0.15, "{spread:?}");
}

/// With uncertain inputs, the paired difference's interval treats outer
/// samples as clusters: over 30 seeds, the spread of the P(met) difference
/// between the two plans above matches its reported standard error (within
/// the ±35% the spread of 30 values allows), which the per-trial paired
/// one would understate several times over.
#[test]
fn paired_difference_standard_error_is_clustered() {
    let plan = |extra: &str| {
        format!(
            "[scenario]\nname = \"plan\"\nhorizon_months = 3\nouter_samples = 20\n\
             [[capability]]\nid = \"cap\"\nneed = 1\n[[phase]]\nid = \"p\"\n\
             [[member]]\nid = \"a\"\njoin = {{ uniform = [0.2, 0.8] }}\n\
             [[member.pledge]]\ncapability = \"cap\"\nphase = \"p\"\namount = 1\n{extra}"
        )
    };
    let texts = [
        plan(""),
        plan(
            "[[member]]\nid = \"b\"\njoin = 0.5\n[[member.pledge]]\ncapability = \"cap\"\nphase = \"p\"\namount = 1\n",
        ),
    ];
    let load = |k: usize| guarantee_sim_core::load_str(&format!("plan{k}"), &texts[k], &[]);
    let (mut estimates, mut ses) = (Vec::new(), Vec::new());
    for seed in 0..30 {
        let run = guarantee_sim_core::Resolved {
            seed,
            trials: 20_000,
            threads: 1,
            precision: None,
            outer: None,
        };
        let (c, _) = guarantee_sim_core::compare(2, &load, &run, &|_| {}).expect("compare");
        estimates.push(c.paired[0].p_met_diff.estimate);
        ses.push(c.paired[0].p_met_diff.se);
    }
    let n = estimates.len() as f64;
    let mean = estimates.iter().sum::<f64>() / n;
    let spread = (estimates.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let se = ses.iter().sum::<f64>() / n;
    assert!(
        (spread / se - 1.0).abs() < 0.35,
        "spread {spread} vs se {se}"
    );
    // The exact average difference: E[(1 - p) / 2] = 0.25.
    assert!((mean - 0.25).abs() < 4.5 * se / n.sqrt(), "{mean}");
}
