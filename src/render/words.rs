//! A `--set` key in words, for chart titles: "What if this changes: United
//! Kingdom, pledge 2 (reassurance force), amount" reads better in a briefing
//! than `member.uk.pledge.1.amount`. The key itself stays on the axis, so
//! the chart can be reproduced.

use guarantee_sim_core::input::scenario::Scenario;

/// The key in words, with the scenario's names for ids; the key itself
/// when its form is not known.
pub fn key_in_words(scenario: &Scenario, key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    let field = |f: &str| field_words(f).to_string();
    let member = |id: &str| {
        scenario
            .members
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.name.clone())
    };
    let capability = |i: usize| scenario.capabilities.get(i).map(|c| c.name.clone());
    let words = match parts.as_slice() {
        ["member", id, "pledge", n, rest @ ..] => {
            let m = scenario.members.iter().find(|m| m.id == *id);
            let n: Option<usize> = n.parse().ok();
            m.zip(n).and_then(|(m, n)| {
                let cap = capability(m.pledges.get(n)?.capability)?;
                Some(format!(
                    "{}, pledge {} ({cap}), {}",
                    m.name,
                    n + 1,
                    field(&rest.join("."))
                ))
            })
        }
        ["member", id, kind @ ("exit" | "response"), n, rest @ ..] => {
            let n: Option<usize> = n.parse().ok();
            member(id).zip(n).map(|(name, n)| {
                format!("{name}, {kind} rule {}, {}", n + 1, field(&rest.join(".")))
            })
        }
        ["member", id, rest @ ..] => {
            member(id).map(|name| format!("{name}, {}", field(&rest.join("."))))
        }
        ["capability", id, rest @ ..] => scenario
            .capabilities
            .iter()
            .find(|c| c.id == *id)
            .map(|c| format!("{}, {}", c.name, field(&rest.join(".")))),
        ["phase", id, rest @ ..] => scenario
            .phases
            .iter()
            .find(|p| p.id == *id)
            .map(|p| format!("{}, {}", p.name, field(&rest.join(".")))),
        ["event", id, rest @ ..] => scenario
            .events
            .iter()
            .find(|e| e.id == *id)
            .map(|e| format!("{}, {}", e.name, field(&rest.join(".")))),
        ["group", id, rest @ ..] => Some(format!("group {id}, {}", field(&rest.join(".")))),
        ["odds", status] => Some(format!("the join odds of status \"{status}\"")),
        ["honour", word] => Some(format!("the honour odds of commitment \"{word}\"")),
        ["attack", rest @ ..] => Some(format!("the renewed attack, {}", field(&rest.join(".")))),
        ["scenario", rest @ ..] => Some(field(&rest.join("."))),
        _ => None,
    };
    words.unwrap_or_else(|| key.to_string())
}

fn field_words(field: &str) -> &str {
    match field {
        "join" => "probability of joining",
        "join_without" => "probability of joining without its backstop",
        "amount" => "amount",
        "delay_months" => "delay in months",
        "duration_months" => "duration in months",
        "lag_months" => "lag in months",
        "start_month" => "start month",
        "probability" => "probability",
        "rate_per_year" => "rate per year",
        "rate_per_year_when_met" => "rate per year while the guarantee is met",
        "window_months" => "window for help in months",
        "warning.lead_months" => "warning lead in months",
        "need" => "need",
        "threshold" => "threshold",
        "response_need" => "need when attacked",
        "weight" => "weight",
        "gate.coverage" => "coverage that opens its gate",
        "correlation" => "correlation",
        "count" => "number of states",
        "honour" => "probability of honouring",
        "horizon_months" => "horizon in months",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::key_in_words;

    #[test]
    fn keys_read_as_words_with_the_scenarios_names() {
        let loaded = guarantee_sim_core::load_str(
            crate::DEFAULT_SCENARIO_ORIGIN,
            crate::DEFAULT_SCENARIO,
            &[],
        )
        .expect("default scenario");
        let s = &loaded.scenario;
        let words = |k| key_in_words(s, k);
        assert_eq!(
            words("member.uk.pledge.1.amount"),
            "United Kingdom, pledge 2 (European reassurance force (UK/France-led, in the rear)), amount"
        );
        assert_eq!(
            words("member.us.join"),
            "United States, probability of joining"
        );
        assert_eq!(
            words("phase.us_support.gate.coverage"),
            "Phase two: US enablers (monitoring, air defence, airlift), coverage that opens its gate"
        );
        assert_eq!(
            words("odds.confirmed"),
            "the join odds of status \"confirmed\""
        );
        assert_eq!(
            words("attack.window_months"),
            "the renewed attack, window for help in months"
        );
        // Unknown ids and forms stay as keys.
        assert_eq!(words("member.nobody.join"), "member.nobody.join");
        assert_eq!(
            words("member.uk.pledge.99.amount"),
            "member.uk.pledge.99.amount"
        );
    }
}
