//! The shipped scenario files as documents: the plans differ from the default
//! scenario only where they say, and every number says where it comes from.

use std::path::Path;
use toml::{Table, Value};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).expect("scenario file")
}

/// The file as a TOML table without `[scenario] name` and `description`,
/// which every plan changes.
fn without_titles(path: &str) -> Table {
    let mut table: Table = toml::from_str(&read(path)).expect("valid TOML");
    let scenario = table
        .get_mut("scenario")
        .and_then(Value::as_table_mut)
        .expect("[scenario]");
    scenario.remove("name").expect("name");
    scenario.remove("description").expect("description");
    table
}

fn array_entry<'a>(table: &'a mut Table, array: &str, id: &str) -> &'a mut Table {
    table
        .get_mut(array)
        .and_then(Value::as_array_mut)
        .expect("array of tables")
        .iter_mut()
        .filter_map(Value::as_table_mut)
        .find(|t| t.get("id").and_then(Value::as_str) == Some(id))
        .expect("entry with that id")
}

/// Keys that differ between two tables, by path, for a readable failure.
fn differences(a: &Value, b: &Value, path: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Table(x), Value::Table(y)) => {
            for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let next = format!("{path}.{key}");
                match (x.get(key), y.get(key)) {
                    (Some(u), Some(v)) => differences(u, v, &next, out),
                    _ => out.push(next),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                differences(u, v, &format!("{path}[{i}]"), out);
            }
        }
        _ if a != b => out.push(path.to_string()),
        _ => {}
    }
}

fn assert_same(expected: Table, plan: &str) {
    let actual = without_titles(plan);
    let mut diff = Vec::new();
    differences(
        &Value::Table(expected),
        &Value::Table(actual),
        "",
        &mut diff,
    );
    assert!(
        diff.is_empty(),
        "{plan} differs from the default scenario beyond what distinguishes the plan: {diff:?}"
    );
}

#[test]
fn plans_differ_from_the_default_only_in_what_distinguishes_them() {
    let default = || without_titles("scenarios/coalition-aug-2025.toml");

    // Plan A is the default under a plan's name.
    assert_same(default(), "scenarios/plans/sequential.toml");

    // Plan B: the US phase starts at the ceasefire, without lag or gate.
    let mut parallel = default();
    let phase = array_entry(&mut parallel, "phase", "us_support");
    for key in ["after", "lag_months", "gate"] {
        phase.remove(key).expect("the default's US phase has it");
    }
    phase.insert("start_month".into(), Value::Integer(0));
    phase.insert(
        "name".into(),
        Value::String("US enablers from the ceasefire (monitoring, air defence, airlift)".into()),
    );
    assert_same(parallel, "scenarios/plans/parallel.toml");

    // Plan C: the United States never joins.
    let mut europe_only = default();
    array_entry(&mut europe_only, "member", "us").insert("join".into(), Value::Integer(0));
    assert_same(europe_only, "scenarios/plans/europe-only.toml");
}

/// Every number in a shipped scenario carries a comment on its line (a source
/// or "assumption: ..."), or sits under a comment block that explains it.
#[test]
fn every_number_in_a_shipped_scenario_is_explained() {
    let mut files = Vec::new();
    for dir in ["scenarios", "scenarios/plans"] {
        for entry in std::fs::read_dir(root().join(dir)).expect("directory") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 7, "every shipped scenario");
    let mut unexplained = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("file");
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let code = line.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = code.split_once('=') else {
                continue;
            };
            let (key, value) = (key.trim(), value.trim());
            let numeric = value.starts_with(|c: char| c.is_ascii_digit() || c == '-')
                || (value.starts_with('{') && value.contains(|c: char| c.is_ascii_digit()));
            // Dates and quoted text are not numbers; the template is a form to fill in.
            if !numeric || key.contains('"') || path.ends_with("template.toml") {
                continue;
            }
            let commented =
                line.contains('#') || (i > 0 && lines[i - 1].trim_start().starts_with('#'));
            if !commented {
                unexplained.push(format!("{}:{}: {line}", path.display(), i + 1));
            }
        }
    }
    assert!(
        unexplained.is_empty(),
        "numbers without a source or an assumption comment:\n{}",
        unexplained.join("\n")
    );
}
