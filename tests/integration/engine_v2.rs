//! Contract v2 against exact answers: events and exits (docs/model.md 6), a
//! renewed attack and the response (7), attribution (9). Each case is
//! small enough that its figures follow by enumeration or in closed form;
//! estimates must lie within 4.5 standard errors of them.

use guarantee_sim_core::{Resolved, Summary, estimate, load_str};

const TRIALS: u64 = 100_000;

fn run(text: &str) -> Summary {
    let loaded = load_str("test", text, &[]).unwrap_or_else(|e| panic!("{e:?}"));
    let run = Resolved {
        seed: 11,
        trials: TRIALS,
        threads: 2,
        precision: None,
        outer: None,
    };
    estimate(&loaded, &run, &|_| {}).expect("simulate")
}

/// |estimate - exact| within 4.5 standard errors of a proportion over `n`.
fn assert_close(what: &str, estimate: f64, exact: f64, n: f64) {
    let se = (exact * (1.0 - exact) / n).sqrt().max(1e-12);
    assert!(
        (estimate - exact).abs() <= 4.5 * se,
        "{what}: estimate {estimate} vs exact {exact} (se {se})"
    );
}

fn assert_prob(what: &str, estimate: f64, exact: f64) {
    assert_close(what, estimate, exact, TRIALS as f64);
}

const HEAD: &str = r#"
[scenario]
name = "v2"
horizon_months = 12
start = "2026-01"

[[capability]]
id = "cap"
need = 1

[[phase]]
id = "p"
"#;

/// An exit on a dated event: the pledge ends at the event (plus lag)
/// when the event happens and the exit rule fires.
#[test]
fn exit_by_event() {
    let (p_event, p_exit, join) = (0.4, 0.5, 0.9);
    let s = run(&format!(
        r#"{HEAD}
[[event]]
id = "vote"
date = "2026-07"
probability = {p_event}

[[member]]
id = "a"
join = {join}
[[member.pledge]]
capability = "cap"
phase = "p"
amount = 1
[[member.exit]]
event = "vote"
probability = {p_exit}
lag_months = 2
"#
    ));
    let gone = p_event * p_exit;
    assert_prob(
        "p_occurred",
        s.events.get("vote").unwrap().p_occurred,
        p_event,
    );
    assert_prob(
        "p_exited",
        s.members.get("a").unwrap().p_exited.unwrap(),
        join * gone,
    );
    // Deployed on [0, 6 + 2): met at months 0..=7 when joined, then only
    // without the exit.
    let by_month = &s.guarantee.p_met_by_month;
    assert_prob("met at 7", by_month[7], join);
    assert_prob("met at 8", by_month[8], join * (1.0 - gone));
    assert_prob("p_met", s.guarantee.p_met, join * (1.0 - gone));
}

/// An exit at a constant hazard, with a uniform lag: P(exit by the
/// horizon H) = E_lag[1 - exp(-r (H - lag) / 12)], in closed form.
#[test]
fn exit_by_rate_with_uniform_lag() {
    let (rate, lag) = (0.8f64, 4.0f64);
    let s = run(&format!(
        r#"{HEAD}
[[member]]
id = "a"
join = 1
[[member.pledge]]
capability = "cap"
phase = "p"
amount = 1
[[member.exit]]
rate_per_year = {rate}
lag_months = {{ uniform = [0, {lag}] }}
"#
    ));
    let h = 12.0;
    let k = rate / 12.0;
    let exited = 1.0 - ((-k * (h - lag)).exp() - (-k * h).exp()) / (k * lag);
    assert_prob(
        "p_exited",
        s.members.get("a").unwrap().p_exited.unwrap(),
        exited,
    );
    assert_prob("p_met", s.guarantee.p_met, 1.0 - exited);
    // By month 2 (< lag) only exits at a time below 2 count.
    let by_2 = |t: f64| {
        // P(T + L <= t), L ~ U[0, lag], t < lag.
        (t - (1.0 - (-k * t).exp()) / k) / lag
    };
    assert_prob("met at 2", s.guarantee.p_met_by_month[2], 1.0 - by_2(2.0));
}

/// `with`: b leaves when a leaves, after its own lag and with its own
/// probability; a replicated member is drawn per replica.
#[test]
fn exit_with_another_member() {
    let (p_a, p_b, join_a) = (0.6, 0.5, 0.8);
    let s = run(&format!(
        r#"{HEAD}
[[event]]
id = "e"
month = 3
probability = {p_a}

[[member]]
id = "a"
join = {join_a}
[[member.exit]]
event = "e"

[[member]]
id = "b"
join = 1
[[member.pledge]]
capability = "cap"
phase = "p"
amount = 1
[[member.exit]]
with = "a"
probability = {p_b}
lag_months = 5
"#
    ));
    let gone = join_a * p_a * p_b;
    let m = |id: &str| s.members.get(id).unwrap().clone();
    assert_prob("a exited", m("a").p_exited.unwrap(), join_a * p_a);
    assert_prob("b exited", m("b").p_exited.unwrap(), gone);
    assert_prob("met at 7", s.guarantee.p_met_by_month[7], 1.0);
    assert_prob("met at 8", s.guarantee.p_met_by_month[8], 1.0 - gone);
    // a pledges nothing: never pivotal, in either sense (forcing it out
    // only keeps b).
    assert_eq!(m("a").p_pivotal, 0.0);
    assert_eq!(m("a").p_pivotal_total, 0.0);
}

/// `requires`: a financing member with no pledges of its own, on which b's
/// join depends, is pivotal only in total: P(a joined and b would not
/// join without it) = join_a * (1 - join_without).
#[test]
fn pivotal_total_through_requires() {
    let (join_a, join_b, without) = (0.7, 0.9, 0.3);
    let s = run(&format!(
        r#"{HEAD}
[[member]]
id = "a"
join = {join_a}

[[member]]
id = "b"
join = {join_b}
requires = "a"
join_without = {without}
[[member.pledge]]
capability = "cap"
phase = "p"
amount = 1
"#
    ));
    let m = |id: &str| s.members.get(id).unwrap().clone();
    // b joins on one uniform U: U < 0.9 with a, U < 0.3 without.
    let met = join_a * join_b + (1.0 - join_a) * without;
    assert_prob("p_met", s.guarantee.p_met, met);
    assert_eq!(m("a").p_pivotal, 0.0);
    assert_prob(
        "a total",
        m("a").p_pivotal_total,
        join_a * (join_b - without),
    );
    assert_prob("b pivotal", m("b").p_pivotal, met);
    assert_prob("b total", m("b").p_pivotal_total, met);
    // No events or exits: no p_exited, no events block.
    assert!(m("a").p_exited.is_none() && s.events.is_empty());
}

/// A replicated member forced out loses all its replicas: with two
/// replicas of 1 each and a need of 1, no single replica is pivotal when
/// both join, but the member is.
#[test]
fn pivotal_total_of_a_replicated_member() {
    let q = 0.6;
    let s = run(&format!(
        r#"{HEAD}
[[member]]
id = "a"
join = {q}
count = 2
[[member.pledge]]
capability = "cap"
phase = "p"
amount = 1
"#
    ));
    let a = s.members.get("a").unwrap();
    assert_prob("pivotal (one replica)", a.p_pivotal, 2.0 * q * (1.0 - q));
    assert_prob("total", a.p_pivotal_total, 1.0 - (1.0 - q) * (1.0 - q));
}

/// Shortfall by capability: two independent critical capabilities.
#[test]
fn shortfall_alone_and_with_others() {
    let (qa, qb) = (0.7, 0.4);
    let s = run(&format!(
        r#"{HEAD}
[[capability]]
id = "other"
need = 1
[[capability]]
id = "extra"
need = 1
critical = false

[[member]]
id = "a"
join = {qa}
[[member.pledge]]
capability = "cap"
phase = "p"
amount = 1
[[member]]
id = "b"
join = {qb}
[[member.pledge]]
capability = "other"
phase = "p"
amount = 1
"#
    ));
    let c = |id: &str| s.coverage.capability.get(id).unwrap().clone();
    assert_prob("cap short", c("cap").p_shortfall.unwrap(), 1.0 - qa);
    assert_prob(
        "cap alone",
        c("cap").p_sole_shortfall.unwrap(),
        (1.0 - qa) * qb,
    );
    assert_prob(
        "other alone",
        c("other").p_sole_shortfall.unwrap(),
        qa * (1.0 - qb),
    );
    assert!(
        c("extra").p_shortfall.is_none(),
        "not critical: no shortfall"
    );
}

/// The attack hazard with a deterministic met path: met from month 6 on,
/// so P(A <= t) = 1 - exp(-r t / 12) up to 6 and
/// 1 - exp(-(6 r + (t - 6) r_met) / 12) after.
#[test]
fn attack_hazard_follows_the_met_path() {
    let (rate, when_met) = (1.2f64, 0.3f64);
    let s = run(&format!(
        r#"{HEAD}
[attack]
rate_per_year = {rate}
rate_per_year_when_met = {when_met}

[[member]]
id = "a"
join = 1
[[member.pledge]]
capability = "cap"
phase = "p"
amount = 1
delay_months = 6
"#
    ));
    let r = s.response.as_ref().expect("response block");
    let cdf = |t: f64| {
        let hazard = if t <= 6.0 {
            rate * t
        } else {
            rate * 6.0 + when_met * (t - 6.0)
        };
        1.0 - (-hazard / 12.0).exp()
    };
    for t in [1usize, 6, 9, 12] {
        assert_prob(
            &format!("attack by {t}"),
            r.p_attack_by_month[t],
            cdf(t as f64),
        );
    }
    assert_prob("p_attack", r.p_attack, cdf(12.0));
    // No capability has a response_need: every attack is answered.
    assert_eq!(r.p_honoured_given_attack, Some(1.0));
    assert_eq!(r.p_failed, 0.0);
}

/// Honour by commitment word: the response meets the need when either
/// member honours. P(honoured | attack) = 1 - (1 - h1)(1 - h2); a member
/// is pivotal when it honours and the other does not.
#[test]
fn honour_by_commitment_word() {
    let (legal, political) = (0.75, 0.4);
    let s = run(&format!(
        r#"{HEAD}
[attack]
rate_per_year = 2

[honour]
legal = {legal}
political = {political}

[[capability]]
id = "air"
need = 10
response_need = 2

[[member]]
id = "a"
join = 1
commitment = "legal"
[[member.response]]
capability = "air"
amount = 2

[[member]]
id = "b"
join = 1
commitment = "political"
[[member.response]]
capability = "air"
amount = {{ uniform = [2, 3] }}
delay_months = 0.5
"#
    ));
    let r = s.response.as_ref().expect("response block");
    let attacks = r.attacks as f64;
    assert_prob("p_attack", r.p_attack, 1.0 - (-2.0f64).exp());
    let honoured = 1.0 - (1.0 - legal) * (1.0 - political);
    let p = r.p_honoured_given_attack.unwrap();
    assert_close("honoured | attack", p, honoured, attacks);
    assert_prob(
        "p_failed",
        r.p_failed,
        (1.0 - (-2.0f64).exp()) * (1.0 - honoured),
    );
    let m = |id: &str| r.members.get(id).unwrap().clone();
    let given = |x: Option<f64>| x.unwrap();
    assert_close(
        "a honours",
        given(m("a").p_honours_given_attack),
        legal,
        attacks,
    );
    assert_close(
        "b honours",
        given(m("b").p_honours_given_attack),
        political,
        attacks,
    );
    let a_pivotal = legal * (1.0 - political);
    assert_close(
        "a pivotal",
        given(m("a").p_pivotal_given_attack),
        a_pivotal,
        attacks,
    );
    let b_pivotal = political * (1.0 - legal);
    assert_close(
        "b pivotal",
        given(m("b").p_pivotal_given_attack),
        b_pivotal,
        attacks,
    );
    // a answers at once when it honours; b after half a month otherwise.
    let median = if legal >= 0.5 { 0.0 } else { 0.5 };
    assert_eq!(r.time_to_response.p50, Some(median));
    let air = r.capability.get("air").unwrap().p_met_given_attack.unwrap();
    assert_eq!(
        air, p,
        "one tested capability: its P(met) is the whole answer"
    );
}

/// Early warning: responses with a uniform delay on [0, 2] must arrive
/// within a window of 1; a warning (when monitoring is covered at the
/// attack, here iff its member joined) brings them 0.5 sooner.
/// P(honoured | attack) = q P(D <= 1.5) + (1 - q) P(D <= 1).
#[test]
fn warning_brings_responses_sooner() {
    for warned in [true, false] {
        let q = 0.6;
        let warning = match warned {
            true => "warning = { capability = \"monitoring\", lead_months = 0.5 }",
            false => "",
        };
        let s = run(&format!(
            r#"{HEAD}
[attack]
rate_per_year = 3
window_months = 1
{warning}

[[capability]]
id = "monitoring"
need = 1
critical = false

[[capability]]
id = "air"
need = 1
response_need = 1

[[member]]
id = "watch"
join = {q}
[[member.pledge]]
capability = "monitoring"
phase = "p"
amount = 1

[[member]]
id = "a"
join = 1
[[member.response]]
capability = "air"
amount = 1
delay_months = {{ uniform = [0, 2] }}
"#
        ));
        let r = s.response.as_ref().expect("response block");
        let exact = match warned {
            true => q * 0.75 + (1.0 - q) * 0.5,
            false => 0.5,
        };
        let p = r.p_honoured_given_attack.unwrap();
        assert_close("honoured | attack", p, exact, r.attacks as f64);
        match warned {
            true => assert_close(
                "warned",
                r.p_warned_given_attack.unwrap(),
                q,
                r.attacks as f64,
            ),
            false => assert!(r.p_warned_given_attack.is_none()),
        }
    }
}

/// Forces in place count for members that honour and are still there: a
/// member that exits at month 6 is absent from attacks after it.
#[test]
fn forces_in_place_leave_with_their_member() {
    let rate = 1.0f64;
    let s = run(&format!(
        r#"{HEAD}
[attack]
rate_per_year = {rate}

[[event]]
id = "vote"
month = 6

[[capability]]
id = "air"
need = 1
response_need = 1

[[member]]
id = "a"
join = 1
honour = 0.5
[[member.pledge]]
capability = "air"
phase = "p"
amount = 1
[[member.exit]]
event = "vote"
"#
    ));
    let r = s.response.as_ref().expect("response block");
    // Attack before 6: honoured with probability 0.5; after: never.
    let k = rate / 12.0;
    let (before, total) = (1.0 - (-k * 6.0).exp(), 1.0 - (-k * 12.0).exp());
    let exact = 0.5 * before / total;
    let p = r.p_honoured_given_attack.unwrap();
    assert_close("honoured | attack", p, exact, r.attacks as f64);
    let a = r.members.get("a").unwrap().p_honours_given_attack.unwrap();
    assert_close("a honours", a, exact, r.attacks as f64);
}

/// Forced out, a member can bring in another: b joins only without a
/// (join 0, join_without 1) and delivers half the time. a is pivotal in
/// total when it joined and b, brought in, fails to deliver: a * 0.5, a
/// draw the trial itself never made.
#[test]
fn pivotal_total_with_a_member_that_joins_only_without() {
    let a = 0.6;
    let s = run(&format!(
        r#"{HEAD}
[[member]]
id = "a"
join = {a}
[[member.pledge]]
capability = "cap"
phase = "p"
amount = 1

[[member]]
id = "b"
join = 0
join_without = 1
requires = "a"
[[member.pledge]]
capability = "cap"
phase = "p"
amount = 1
probability = 0.5
"#
    ));
    assert_prob("p_met", s.guarantee.p_met, a + (1.0 - a) * 0.5);
    let m = s.members.get("a").unwrap();
    assert_prob("a pivotal", m.p_pivotal, a);
    assert_prob("a total", m.p_pivotal_total, a * 0.5);
}

/// The paired difference of P(honoured | attack) between two plans that
/// differ in one member's honour: its estimate is the difference of the
/// plans' own figures, and its delta-method standard error matches the
/// spread of the estimate over 40 independent seeds (within the ±30% the
/// spread of 40 values allows for), far below the independent-runs one.
#[test]
fn paired_honoured_difference_has_the_right_standard_error() {
    let plan = |honour_b: f64| {
        format!(
            r#"{HEAD}
[attack]
rate_per_year = 6
[[capability]]
id = "air"
need = 1
response_need = 1
[[member]]
id = "a"
join = 0.8
honour = 0.5
[[member.response]]
capability = "air"
amount = 1
[[member]]
id = "b"
join = 0.8
honour = {honour_b}
[[member.response]]
capability = "air"
amount = 1
"#
        )
    };
    let texts = [plan(0.3), plan(0.6)];
    let load = |k: usize| load_str(&format!("plan{k}"), &texts[k], &[]);
    let (mut estimates, mut ses) = (Vec::new(), Vec::new());
    for seed in 0..40 {
        let run = Resolved {
            seed,
            trials: 4000,
            threads: 1,
            precision: None,
            outer: None,
        };
        let (c, summaries) = guarantee_sim_core::compare(2, &load, &run, &|_| {}).expect("compare");
        let d = c.paired[0]
            .p_honoured_given_attack_diff
            .clone()
            .flatten()
            .expect("both plans attacked");
        let own = |k: usize| {
            summaries[k]
                .response
                .as_ref()
                .and_then(|r| r.p_honoured_given_attack)
                .expect("attacks")
        };
        assert!((d.estimate - (own(1) - own(0))).abs() < 1e-12);
        assert!(
            d.se < 0.8 * d.se_independent,
            "{} {}",
            d.se,
            d.se_independent
        );
        estimates.push(d.estimate);
        ses.push(d.se);
    }
    let n = estimates.len() as f64;
    let mean = estimates.iter().sum::<f64>() / n;
    let spread = (estimates.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let se = ses.iter().sum::<f64>() / n;
    assert!(
        (spread / se - 1.0).abs() < 0.3,
        "spread {spread} vs se {se}"
    );
    // Exact: P(honoured | attack) = 1 - P(neither joined-and-honours).
    let exact = |hb: f64| 1.0 - (1.0 - 0.8 * 0.5) * (1.0 - 0.8 * hb);
    assert!((mean - (exact(0.6) - exact(0.3))).abs() < 4.5 * se / n.sqrt());
}
