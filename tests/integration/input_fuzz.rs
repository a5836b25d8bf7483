//! No input may panic, hang or exhaust memory: arbitrary text, mutated valid
//! scenarios and arbitrary `--set` flags all come back as Ok or Err.

use guarantee_sim_core::input::load::load_str;
use proptest::prelude::*;

const VALID: &str = r#"[scenario]
name = "fuzz"
horizon_months = 24
trials = 100
seed = 1
start = "2026-01"

[odds]
confirmed = 0.9

[honour]
legal = 0.75

[attack]
rate_per_year = 0.25
rate_per_year_when_met = 0.1
warning = { capability = "training", lead_months = 0.5 }

[[event]]
id = "vote"
date = "2027-04"
probability = 0.4

[[capability]]
id = "training"
need = 5000
threshold = 0.8

[[capability]]
id = "air"
need = 4
weight = 0.5
response_need = 2

[[group]]
id = "west"
correlation = 0.3

[[phase]]
id = "p0"
start_month = { uniform = [0, 2] }

[[phase]]
id = "p1"
after = "p0"
lag_months = { triangular = [1, 2, 4] }
gate = { capability = "training", coverage = 0.5 }

[[member]]
id = "uk"
status = "confirmed"
group = "west"
commitment = "legal"

[[member.pledge]]
capability = "training"
phase = "p0"
amount = { pert = [500, 1000, 2000] }
delay_months = { normal = [1, 0.5] }
duration_months = { range90 = [6, 18] }

[[member]]
id = "us"
join = 0.5
requires = "uk"
count = 1

[[member.pledge]]
capability = "air"
phase = "p1"
amount = { choice = [[1, 1], [2, 3]] }
probability = 0.7

[[member.exit]]
event = "vote"
lag_months = { uniform = [1, 6] }

[[member.exit]]
with = "uk"

[[member.response]]
capability = "air"
amount = { pert = [1, 2, 4] }
delay_months = 1
"#;

/// Fragments that tend to reach deep into the validator when spliced in.
const TOKENS: &[&str] = &[
    "=",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    ",",
    "\"",
    "'",
    "\n",
    ".",
    "#",
    "0",
    "-1",
    "1e400",
    "nan",
    "inf",
    "-inf",
    "1.5",
    "true",
    "2025-01-01",
    "\"uk\"",
    "\"p0\"",
    "id",
    "join",
    "requires",
    "after",
    "count = 10000",
    "{ uniform = [2, 1] }",
    "{ choice = [] }",
    "[[member]]\nid = \"uk\"\n",
    "[[phase]]\nid = \"p1\"\nafter = \"p1\"\n",
    "[[member.pledge]]\n",
    "\u{e9}",
    "\u{1F600}",
    "\r\n",
    "\t",
    "\\u0000",
];

#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, usize),
    Replace(usize, char),
    DuplicateLine(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0usize..20).prop_map(|(a, n)| Edit::Delete(a, n)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(a, t)| Edit::Insert(a, t)),
        (any::<usize>(), any::<char>()).prop_map(|(a, c)| Edit::Replace(a, c)),
        any::<usize>().prop_map(Edit::DuplicateLine),
    ]
}

fn mutate(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let len = chars.len().max(1);
        match *e {
            Edit::Delete(at, n) => {
                let at = at % len;
                let end = (at + n).min(chars.len());
                if at < end {
                    chars.drain(at..end);
                }
            }
            Edit::Insert(at, t) => {
                let at = at % (chars.len() + 1);
                chars.splice(at..at, TOKENS[t].chars());
            }
            Edit::Replace(at, c) => {
                if !chars.is_empty() {
                    let i = at % chars.len();
                    chars[i] = c;
                }
            }
            Edit::DuplicateLine(at) => {
                let s: String = chars.iter().collect();
                let lines: Vec<&str> = s.lines().collect();
                if !lines.is_empty() {
                    let i = at % lines.len();
                    let mut out: Vec<&str> = lines.clone();
                    out.insert(i, lines[i]);
                    chars = out.join("\n").chars().collect();
                }
            }
        }
    }
    chars.into_iter().collect()
}

fn flag() -> impl Strategy<Value = String> {
    let keys = prop_oneof![
        Just("member.uk.join".to_string()),
        Just("member.us.requires".to_string()),
        Just("member.uk.pledge.0.amount".to_string()),
        Just("phase.p1.gate.coverage".to_string()),
        Just("capability.air.need".to_string()),
        Just("group.west.correlation".to_string()),
        Just("odds.confirmed".to_string()),
        Just("scenario.horizon_months".to_string()),
        Just("scenario.start".to_string()),
        Just("event.vote.date".to_string()),
        Just("member.us.exit.1.with".to_string()),
        Just("member.us.response.0.amount".to_string()),
        Just("attack.warning.lead_months".to_string()),
        Just("honour.legal".to_string()),
        "[a-z.]{0,24}",
    ];
    let values = prop_oneof![
        Just("0.5".to_string()),
        Just("{ uniform = [1, 3] }".to_string()),
        Just("\"uk\"".to_string()),
        Just("us".to_string()),
        Just("[".to_string()),
        Just("1e999".to_string()),
        ".{0,16}",
    ];
    (keys, values, any::<bool>()).prop_map(|(k, v, eq)| if eq { format!("{k}={v}") } else { k })
}

#[test]
fn the_fuzz_base_is_valid() {
    assert!(load_str("v", VALID, &[]).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = load_str("fuzz.toml", &text, &[]);
    }

    #[test]
    fn tomlish_text_never_panics(text in "[\\[\\]{}=,.\"'a-z0-9_ \n#-]{0,200}") {
        let _ = load_str("fuzz.toml", &text, &[]);
    }

    #[test]
    fn mutated_scenarios_never_panic(edits in prop::collection::vec(edit(), 1..6)) {
        let text = mutate(VALID, &edits);
        if let Err(e) = load_str("fuzz.toml", &text, &[]) {
            // Every file error names the file (or a flag) and a position.
            prop_assert!(e.to_string().starts_with("error: "), "{}", e.to_string());
            prop_assert!(e.to_string().contains("fuzz.toml:"), "{}", e.to_string());
        }
    }

    #[test]
    fn arbitrary_flags_never_panic(flags in prop::collection::vec(flag(), 0..4)) {
        if let Err(e) = load_str("fuzz.toml", VALID, &flags) {
            prop_assert!(e.to_string().starts_with("error: "), "{}", e.to_string());
        }
    }
}
