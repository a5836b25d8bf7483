//! `sweep FILE --param KEY --values ...` (docs/model.md 4): the scenario rerun
//! for each value of one `--set` key, on common random numbers, so the curve
//! is smooth and its end points are exact where the model makes them so.

use crate::analysis::estimate::{RunConfig, estimate};
use crate::error::Error;
use crate::input::diagnostic::Diags;
use crate::input::load::load_point;
use crate::input::parse::{Node, Value};
use crate::summarise::summary::Spread;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sweep {
    /// The swept key (with two, the first).
    pub param: String,
    /// A two-way grid's two keys; absent for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<[String; 2]>,
    /// Extension.
    pub trials: u64,
    /// Extension.
    pub seed: u64,
    pub points: Vec<Point>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    /// The swept key's value (in a grid, the first key's): a number, or
    /// the TOML text of any other value.
    pub value: SweepValue,
    /// Extension: the value's readable label (`pert 50-70-90`), when the
    /// key's values are not all numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// In a two-way grid: the values of both keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<[SweepValue; 2]>,
    /// Extension, in a two-way grid where either key's values are not all
    /// numbers: both values' labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<[String; 2]>,
    pub p_met: f64,
    pub p_met_ci95: [f64; 2],
    pub coverage_mean: f64,
    /// Extension: median first time met (months), over trials where met.
    pub time_to_met_p50: Option<f64>,
    /// With `[attack]` (docs/model.md 7): P(honoured | attack) (null
    /// without attacks), its Wilson interval, and P(failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_honoured_given_attack: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_honoured_given_attack_ci95: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_failed: Option<f64>,
    /// Extension, when the point has uncertain inputs (docs/model.md 8):
    /// its outer samples and the spread of P(met) across them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<PointUncertainty>,
}

/// A point's uncertain inputs (docs/model.md 8), as `summary.json` has them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointUncertainty {
    pub outer_samples: u64,
    /// The outer samples' P(met): mean and percentiles.
    pub p_met: Spread,
    /// The share of that spread that is Monte Carlo noise.
    pub mc_noise_share: Option<f64>,
}

/// One value of a swept key: the TOML text `--set` is given, whether it
/// is a number, and a readable label.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepValue {
    /// The value as TOML, as `--set KEY=VALUE` takes it.
    pub text: String,
    /// The value when it is a (finite) number.
    pub number: Option<f64>,
    /// A short readable name: the number (`0.5`), or e.g. `pert 50-70-90`,
    /// `uniform 1-4`, `choice 1 (25%), 3 (75%)` (see `label`).
    pub label: String,
}

impl SweepValue {
    /// A number (the numeric forms of `--values`).
    pub fn number(v: f64) -> SweepValue {
        SweepValue {
            text: toml_number(v),
            number: Some(v),
            label: toml_number(v),
        }
    }

    /// Any TOML value, as `--set` reads it (a bare word is a string). Text
    /// that is not TOML is kept as typed; loading the point reports it.
    pub fn toml(text: &str) -> SweepValue {
        let text = text.trim();
        let node = parse_flag_value(text);
        let number = node.as_ref().and_then(|n| match n.value {
            Value::Int(i) => Some(i as f64),
            Value::Float(x) => Some(x),
            _ => None,
        });
        SweepValue {
            text: text.to_string(),
            number: number.filter(|x| x.is_finite()),
            label: node.as_ref().map_or_else(|| text.to_string(), node_label),
        }
    }

    /// The `--set` flag that puts this value into `param`.
    pub fn flag(&self, param: &str) -> String {
        format!("{param}={}", self.text)
    }
}

/// In JSON, a number as a number and any other value as its TOML text.
impl Serialize for SweepValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.number {
            Some(v) => s.serialize_f64(v),
            None => s.serialize_str(&self.text),
        }
    }
}

/// Whether a key's values are labelled (not all numbers): then the sweep
/// shows them by their labels, on a categorical axis.
pub fn categorical(values: &[SweepValue]) -> bool {
    values.iter().any(|v| v.number.is_none())
}

/// A TOML value as `--set` parses it, or `None` when it is not TOML.
fn parse_flag_value(text: &str) -> Option<Node> {
    let mut scratch = Diags::default();
    crate::input::overrides::flag_value(0, 0, text, &mut scratch).filter(|_| scratch.is_empty())
}

/// A readable label for a TOML value (the `--set` VALUE syntax): numbers
/// as numbers; distributions by form and parameters (`uniform 1-4`,
/// `pert 50-70-90`, `triangular -2 to 4, mode 0` where a parameter is
/// negative, `normal 50 sd 10`, `range90 5-20`, `choice 1 (25%), 3 (75%)`
/// with the weights as shares, or `choice 1, 3` when they are equal);
/// strings without quotes; arrays as `[a, b]`; other tables as
/// `key value, key value`. Text that is not TOML is returned trimmed.
pub fn label(text: &str) -> String {
    match parse_flag_value(text.trim()) {
        Some(node) => node_label(&node),
        None => text.trim().to_string(),
    }
}

fn node_label(n: &Node) -> String {
    match &n.value {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(x) => toml_number(*x),
        Value::Bool(b) => b.to_string(),
        Value::Datetime(d) => d.clone(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(node_label).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Table(t) => {
            if let [entry] = t.entries.as_slice()
                && let Some(label) = dist_label(&entry.key, &entry.value)
            {
                return label;
            }
            if t.entries.is_empty() {
                return "{}".into();
            }
            let parts: Vec<String> = t
                .entries
                .iter()
                .map(|e| format!("{} {}", e.key, node_label(&e.value)))
                .collect();
            parts.join(", ")
        }
    }
}

fn number_of(n: &Node) -> Option<f64> {
    match n.value {
        Value::Int(i) => Some(i as f64),
        Value::Float(x) => Some(x),
        _ => None,
    }
}

/// The numbers of an array, all of them, or `None`.
fn numbers_of(n: &Node) -> Option<Vec<f64>> {
    match &n.value {
        Value::Array(items) => items.iter().map(number_of).collect(),
        _ => None,
    }
}

/// A distribution's label, when `form = value` is one of docs/model.md 2's
/// forms with the right number of numbers.
fn dist_label(form: &str, value: &Node) -> Option<String> {
    let t = toml_number;
    if form == "choice" {
        let Value::Array(pairs) = &value.value else {
            return None;
        };
        let pairs: Vec<[f64; 2]> = pairs
            .iter()
            .map(|p| match numbers_of(p)?.as_slice() {
                &[v, w] => Some([v, w]),
                _ => None,
            })
            .collect::<Option<_>>()?;
        let total: f64 = pairs.iter().map(|p| p[1]).sum();
        let equal = pairs.windows(2).all(|w| w[0][1] == w[1][1]);
        let items: Vec<String> = pairs
            .iter()
            .map(
                |&[v, w]| match equal || !(total > 0.0 && total.is_finite()) {
                    true => t(v),
                    false => format!("{} ({}%)", t(v), share(100.0 * w / total)),
                },
            )
            .collect();
        return Some(format!("choice {}", items.join(", ")));
    }
    let p = numbers_of(value)?;
    let negative = p.iter().any(|&x| x < 0.0);
    let range = |lo: f64, hi: f64| match negative {
        false => format!("{}-{}", t(lo), t(hi)),
        true => format!("{} to {}", t(lo), t(hi)),
    };
    Some(match (form, p.as_slice()) {
        ("uniform" | "range90", &[a, b]) => format!("{form} {}", range(a, b)),
        ("normal", &[m, sd]) => format!("normal {} sd {}", t(m), t(sd)),
        ("triangular" | "pert", &[lo, mode, hi]) => match negative {
            false => format!("{form} {}-{}-{}", t(lo), t(mode), t(hi)),
            true => format!("{form} {}, mode {}", range(lo, hi), t(mode)),
        },
        _ => return None,
    })
}

/// A percentage share with at most one decimal (`25`, `33.3`).
fn share(pct: f64) -> String {
    let s = format!("{pct:.1}");
    s.strip_suffix(".0").unwrap_or(&s).to_string()
}

/// The value as TOML for `--set`: integers without a decimal point so that
/// integer fields (e.g. `count`, `horizon_months`) accept them, and very
/// large or small values with an exponent (not hundreds of digits).
pub fn toml_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else if v.abs() >= 1e15 || v.abs() < 1e-5 {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// The `--set` flag that puts `value` into `param`.
pub fn point_flag(param: &str, value: f64) -> String {
    format!("{param}={}", toml_number(value))
}

/// Reruns the scenario `text` (named `origin`, with `overrides`) once for
/// each value of `param`, on common random numbers. Every point is
/// validated before any runs, and only one point's scenario is held at a
/// time. Seed and trials come from `config`, else from the first point.
pub fn sweep(
    origin: &str,
    text: &str,
    overrides: &[String],
    param: &str,
    values: &[f64],
    config: &RunConfig,
    progress: &dyn Fn(u64),
) -> Result<Sweep, Error> {
    let axes = [(
        param.to_string(),
        values.iter().map(|&v| SweepValue::number(v)).collect(),
    )];
    sweep_grid(origin, text, overrides, &axes, config, progress)
}

/// `sweep` over one key or a two-way grid of two (`axes`: each key with
/// its values, numbers or any TOML values): every combination, the first
/// key's values outermost. Each point's values are applied like `--set`
/// flags after `overrides` (`load_point`), so a value is checked exactly
/// as `--set` would check it.
pub fn sweep_grid(
    origin: &str,
    text: &str,
    overrides: &[String],
    axes: &[(String, Vec<SweepValue>)],
    config: &RunConfig,
    progress: &dyn Fn(u64),
) -> Result<Sweep, Error> {
    let combinations: Vec<Vec<&SweepValue>> = match axes {
        [(_, a)] => a.iter().map(|x| vec![x]).collect(),
        [(_, a), (_, b)] => a
            .iter()
            .flat_map(|x| b.iter().map(move |y| vec![x, y]))
            .collect(),
        _ => Vec::new(),
    };
    let load = |point: &[&SweepValue]| {
        let flags: Vec<String> = axes
            .iter()
            .zip(point)
            .map(|((k, _), v)| v.flag(k))
            .collect();
        load_point(origin, text, overrides, &flags)
    };
    let param = axes.first().map_or(String::new(), |(k, _)| k.clone());
    let params = match axes {
        [(a, _), (b, _)] => Some([a.clone(), b.clone()]),
        _ => None,
    };
    let labelled: Vec<bool> = axes.iter().map(|(_, v)| categorical(v)).collect();
    let mut run = None;
    for point in &combinations {
        let loaded = load(point)?;
        run.get_or_insert_with(|| config.resolve(&loaded.scenario));
    }
    let Some(run) = run else {
        return Ok(Sweep {
            param,
            params,
            trials: config.trials.unwrap_or(0),
            seed: config.seed.unwrap_or(0),
            points: Vec::new(),
        });
    };
    let mut sweep = Sweep {
        param,
        params,
        trials: run.trials,
        seed: run.seed,
        points: Vec::with_capacity(combinations.len()),
    };
    for (k, point) in combinations.iter().enumerate() {
        let loaded = load(point)?;
        let done = k as u64 * run.trials;
        let s = estimate(&loaded, &run, &|d| progress(done + d))?;
        let pair = match point[..] {
            [a, b] => Some([a, b]),
            _ => None,
        };
        sweep.points.push(Point {
            value: point[0].clone(),
            label: labelled[0].then(|| point[0].label.clone()),
            values: pair.map(|p| p.map(SweepValue::clone)),
            labels: pair
                .filter(|_| labelled.contains(&true))
                .map(|p| p.map(|v| v.label.clone())),
            p_met: s.guarantee.p_met,
            p_met_ci95: s.guarantee.p_met_ci95,
            coverage_mean: s.coverage.overall.mean,
            time_to_met_p50: s.guarantee.time_to_met.p50,
            p_honoured_given_attack: s.response.as_ref().map(|r| r.p_honoured_given_attack),
            p_honoured_given_attack_ci95: s
                .response
                .as_ref()
                .map(|r| r.p_honoured_given_attack_ci95),
            p_failed: s.response.as_ref().map(|r| r.p_failed),
            uncertainty: s.uncertainty.as_ref().map(|u| PointUncertainty {
                outer_samples: u.outer_samples,
                p_met: u.p_met.clone(),
                mc_noise_share: u.mc_noise_share,
            }),
        });
    }
    Ok(sweep)
}

#[cfg(test)]
mod tests {
    use super::{SweepValue, categorical, label};

    #[test]
    fn distributions_are_labelled_by_form_and_parameters() {
        assert_eq!(label("{ pert = [50, 70, 90] }"), "pert 50-70-90");
        assert_eq!(label("{ uniform = [1, 4] }"), "uniform 1-4");
        assert_eq!(label("{uniform=[0.25,0.5]}"), "uniform 0.25-0.5");
        assert_eq!(
            label("{ triangular = [500, 1000, 2000] }"),
            "triangular 500-1000-2000"
        );
        assert_eq!(label("{ range90 = [5, 20] }"), "range90 5-20");
        assert_eq!(label("{ normal = [50, 10] }"), "normal 50 sd 10");
        assert_eq!(label("{ normal = [-1.5, 2] }"), "normal -1.5 sd 2");
        // A negative parameter: `to` instead of a dash, the mode apart.
        assert_eq!(label("{ uniform = [-2, 4] }"), "uniform -2 to 4");
        assert_eq!(label("{ pert = [-2, 0, 4] }"), "pert -2 to 4, mode 0");
        // Floats that are whole numbers print without a decimal point.
        assert_eq!(label("{ uniform = [1.0, 4.0] }"), "uniform 1-4");
    }

    #[test]
    fn choices_show_weights_as_shares() {
        assert_eq!(
            label("{ choice = [[50, 1], [90, 3]] }"),
            "choice 50 (25%), 90 (75%)"
        );
        assert_eq!(
            label("{ choice = [[0, 1], [1, 1], [2, 1]] }"),
            "choice 0, 1, 2"
        );
        assert_eq!(
            label("{ choice = [[1, 1], [2, 2]] }"),
            "choice 1 (33.3%), 2 (66.7%)"
        );
        // Weights that cannot be shares (validation rejects them) are left out.
        assert_eq!(label("{ choice = [[1, 0], [2, 0]] }"), "choice 1, 2");
    }

    #[test]
    fn other_values_are_labelled_plainly() {
        assert_eq!(label("0.5"), "0.5");
        assert_eq!(label(" 7 "), "7");
        assert_eq!(label("1_000"), "1000");
        assert_eq!(label("\"us\""), "us");
        // A bare word is a string, as for `--set`.
        assert_eq!(label("us"), "us");
        assert_eq!(label("2026-03"), "2026-03");
        assert_eq!(label("true"), "true");
        assert_eq!(label("[1, 2]"), "[1, 2]");
        assert_eq!(
            label("{ capability = \"training\", coverage = 0.5 }"),
            "capability training, coverage 0.5"
        );
        assert_eq!(
            label("{ capability = \"t\", coverage = { uniform = [0.4, 0.6] } }"),
            "capability t, coverage uniform 0.4-0.6"
        );
        // Not a distribution: an unknown form, or the wrong count.
        assert_eq!(label("{ beta = [1, 2] }"), "beta [1, 2]");
        assert_eq!(label("{ uniform = [1, 2, 3] }"), "uniform [1, 2, 3]");
        assert_eq!(label("{}"), "{}");
        // Not TOML: as typed.
        assert_eq!(label(" { pert = [1, 2 "), "{ pert = [1, 2");
    }

    #[test]
    fn values_keep_their_text_and_know_numbers() {
        let v = SweepValue::toml(" { pert = [50, 70, 90] } ");
        assert_eq!(v.text, "{ pert = [50, 70, 90] }");
        assert_eq!(v.number, None);
        assert_eq!(
            v.flag("member.a.join"),
            "member.a.join={ pert = [50, 70, 90] }"
        );
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#""{ pert = [50, 70, 90] }""#
        );
        let n = SweepValue::toml("0.25");
        assert_eq!((n.number, n.label.as_str()), (Some(0.25), "0.25"));
        assert_eq!(serde_json::to_string(&n).unwrap(), "0.25");
        assert_eq!(SweepValue::toml("1e3").number, Some(1000.0));
        assert_eq!(SweepValue::toml("inf").number, None);
        let x = SweepValue::number(2.0);
        assert_eq!((x.text.as_str(), x.label.as_str()), ("2", "2"));
        assert_eq!(serde_json::to_string(&x).unwrap(), "2.0");
        assert!(!categorical(&[x.clone(), n.clone()]));
        assert!(categorical(&[x, v]));
    }
}
