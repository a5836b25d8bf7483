//! The result of a run, as written to `summary.json` (docs/model.md 4).
//!
//! Field order follows docs/model.md 4.2; fields marked "extension" are the
//! project's additions to the core set. Keyed objects keep the scenario's file
//! order (capabilities, members, phases) so charts and reports read naturally.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// A JSON object that keeps insertion order (ids in scenario file order).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Keyed<T>(pub Vec<(String, T)>);

impl<T> Keyed<T> {
    pub fn get(&self, key: &str) -> Option<&T> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: Serialize> Serialize for Keyed<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub scenario: ScenarioInfo,
    /// The trials run (with `precision`, where the run stopped).
    pub trials: u64,
    pub seed: u64,
    /// Extension: the precision target of the run (the most half-width of
    /// P(met)'s 95% interval), when it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<f64>,
    /// Extension: the `--set KEY=VALUE` overrides applied, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
    pub guarantee: Guarantee,
    pub coverage: Coverage,
    pub committed: Keyed<Committed>,
    pub members: Keyed<MemberStats>,
    pub phases: Keyed<PhaseStats>,
    /// docs/model.md 6.2: only when the scenario has `[[event]]`s.
    #[serde(skip_serializing_if = "Keyed::is_empty")]
    pub events: Keyed<EventStats>,
    /// docs/model.md 7.2: only with `[attack]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseStats>,
    /// docs/model.md 8: only with uncertain inputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<Uncertainty>,
}

/// How the answer varies with the uncertain inputs (docs/model.md 8).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Uncertainty {
    /// K.
    pub outer_samples: u64,
    /// The samples' P(met) (each over its own trials): their mean and
    /// percentiles.
    pub p_met: Spread,
    /// Mean over samples of the binomial variance of a sample's P(met)
    /// (`p (1 - p) / n`), over the variance of P(met) across samples:
    /// the share of that spread that is Monte Carlo noise. Null when the
    /// samples' P(met) do not vary (or K = 1).
    pub mc_noise_share: Option<f64>,
    /// Each uncertain field's Spearman rank correlation with the samples'
    /// P(met), largest in magnitude first (null, last, where undefined).
    pub inputs: Vec<InputRank>,
    /// With `[attack]`: the samples' P(honoured | attack), over the
    /// samples with an attack (null when none has one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_honoured_given_attack: Option<Option<Spread>>,
}

impl Uncertainty {
    /// The rank correlation an input that does not move P(met) still shows
    /// with K samples, at about two standard errors (`2 / sqrt(K - 1)`, 0.20
    /// for K = 100): below it, the sign of a correlation is not to be read.
    pub fn rank_noise(&self) -> f64 {
        2.0 / (self.outer_samples.max(2) as f64 - 1.0).sqrt()
    }
}

/// The mean and percentiles (type 7: linear between order statistics) of
/// a figure across outer samples.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spread {
    pub mean: f64,
    pub p05: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputRank {
    /// The field's `--set` key, e.g. `odds.confirmed`.
    pub field: String,
    pub rank_correlation: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioInfo {
    pub name: String,
    pub horizon_months: u32,
    /// Extension: `scenario.start`, the calendar month of month 0
    /// ("YYYY-MM"), when the file gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Guarantee {
    /// P(met at the horizon).
    pub p_met: f64,
    /// Extension: standard error of `p_met`, sqrt(p(1-p)/n).
    pub p_met_se: f64,
    /// Wilson 95% interval.
    pub p_met_ci95: [f64; 2],
    /// P(met at month t), t = 0..=horizon.
    pub p_met_by_month: Vec<f64>,
    pub time_to_met: TimeToMet,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeToMet {
    /// Median first time met (continuous months) over trials where it is met.
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    /// P(not met at any time within [0, horizon]).
    pub p_never: f64,
    /// Extension: P(first met at or before month t), t = 0..=horizon.
    pub cdf_by_month: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// Overall (weighted) coverage at the horizon.
    pub overall: Distribution,
    pub overall_by_month: ByMonth,
    /// Extension: histogram of overall coverage at the horizon.
    pub overall_histogram: Histogram,
    pub capability: Keyed<CapabilityCoverage>,
}

/// Moments and percentiles of one quantity over trials.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distribution {
    pub mean: f64,
    pub sd: f64,
    /// Standard error of the mean, sd / sqrt(n).
    pub se: f64,
    pub p05: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ByMonth {
    pub mean: Vec<f64>,
    pub p05: Vec<f64>,
    /// Extension (the fan chart's 50% band).
    pub p25: Vec<f64>,
    pub p50: Vec<f64>,
    /// Extension (the fan chart's 50% band).
    pub p75: Vec<f64>,
    pub p95: Vec<f64>,
}

/// Equal-width bins over [0, 1]; the last bin includes 1.0.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Histogram {
    pub bin_width: f64,
    pub counts: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapabilityCoverage {
    /// Mean coverage at the horizon.
    pub mean: f64,
    /// P(coverage >= threshold) at the horizon.
    pub p_met: f64,
    /// docs/model.md 9, critical capabilities only: P(not met at the
    /// horizon and this capability below its threshold there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_shortfall: Option<f64>,
    /// docs/model.md 9, critical capabilities only: P(the only critical
    /// capability below its threshold at the horizon).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_sole_shortfall: Option<f64>,
    /// Extension: percentiles of coverage at the horizon.
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
    /// Extension: mean coverage at month t.
    pub mean_by_month: Vec<f64>,
}

/// Committed amount at the horizon, uncapped, in capability units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Committed {
    pub mean: f64,
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
    /// Extension: standard error of the mean.
    pub se: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberStats {
    /// Per replica when count > 1.
    pub p_joined: f64,
    /// With count > 1: P(any replica pivotal).
    pub p_pivotal: f64,
    /// docs/model.md 9: P(met at the horizon, and not met with the member
    /// forced out: members that require it draw with `join_without`, exits
    /// `with` it never fire, phases recomputed). With count > 1, all its
    /// replicas are forced out.
    pub p_pivotal_total: f64,
    /// docs/model.md 6.2: P(joined and exited by the horizon), per replica;
    /// only when the scenario has exits or events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_exited: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventStats {
    /// P(the event happens and 0 <= its time <= horizon).
    pub p_occurred: f64,
}

/// docs/model.md 7.2: the guarantee under test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseStats {
    /// P(an attack within the horizon).
    pub p_attack: f64,
    /// P(attack time <= t), t = 0..=horizon.
    pub p_attack_by_month: Vec<f64>,
    /// Over trials with an attack (null when no trial has one).
    pub p_honoured_given_attack: Option<f64>,
    /// Wilson 95% interval over the trials with an attack.
    pub p_honoured_given_attack_ci95: [f64; 2],
    /// P(attack within the horizon and not honoured).
    pub p_failed: f64,
    /// Months from the attack to the response, over honoured trials.
    pub time_to_response: TimeToResponse,
    /// Capabilities with a `response_need`, in file order.
    pub capability: Keyed<CapabilityResponse>,
    pub members: Keyed<MemberResponse>,
    /// Extension: trials with an attack (the denominator of the
    /// conditional figures).
    pub attacks: u64,
    /// Extension: standard error of `p_honoured_given_attack`.
    pub p_honoured_given_attack_se: Option<f64>,
    /// Extension: standard error of `p_failed`.
    pub p_failed_se: f64,
    /// Extension: P(the early warning is on | attack), with a `warning`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_warned_given_attack: Option<f64>,
    /// Extension: by month of the attack (entry t: attack in [t, t + 1),
    /// `horizon` entries; the attack at exactly the horizon counts in the
    /// last): trials with an attack then, and P(honoured | attack then)
    /// (null where none).
    pub attacks_by_month: Vec<u64>,
    pub p_honoured_by_attack_month: Vec<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeToResponse {
    pub p50: Option<f64>,
    pub p90: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapabilityResponse {
    /// P(the response reaches the threshold within the window | attack).
    pub p_met_given_attack: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberResponse {
    /// P(present at the attack and honours | attack), per replica.
    pub p_honours_given_attack: Option<f64>,
    /// P(honoured, and not without the member's part | attack); with
    /// count > 1, P(any replica pivotal | attack).
    pub p_pivotal_given_attack: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseStats {
    /// P(starts within the horizon).
    pub p_started: f64,
    /// Median start month over trials where it started.
    pub start_p50: Option<f64>,
}
