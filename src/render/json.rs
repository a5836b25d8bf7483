//! Machine-readable exports: each returns the bytes of one JSON file.

use guarantee_sim_core::input::scenario::Scenario;
use serde::Serialize;
use serde_json::{Value, json};

/// Pretty JSON with a trailing newline. Serialisation of our plain data
/// types cannot fail; an error here would be a bug, reported, not a panic.
pub fn json_bytes<T: Serialize>(value: &T) -> anyhow::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// `scenario.json`: what a reader of `summary.json` needs to use it alone
/// (names, units, needs, thresholds, critical flags, member names, statuses
/// and commitments, phase and event names), keyed by the same ids. A file
/// of its own: the model contract fixes what `summary.json` holds.
pub fn scenario_json(s: &Scenario) -> anyhow::Result<Vec<u8>> {
    let capabilities: Vec<Value> = s
        .capabilities
        .iter()
        .map(|c| {
            json!({
                "id": c.id, "name": c.name, "unit": c.unit, "need": c.need,
                "threshold": c.threshold, "critical": c.critical, "weight": c.weight,
                "response_need": c.response_need,
            })
        })
        .collect();
    let members: Vec<Value> = s
        .members
        .iter()
        .map(|m| {
            json!({
                "id": m.id, "name": m.name, "status": m.status, "count": m.count,
                "commitment": m.commitment,
            })
        })
        .collect();
    let phases: Vec<Value> = s
        .phases
        .iter()
        .map(|p| json!({ "id": p.id, "name": p.name }))
        .collect();
    let events: Vec<Value> = s
        .events
        .iter()
        .map(|e| {
            json!({
                "id": e.id, "name": e.name, "date": e.date.map(|d| d.to_string()),
                "probability": e.probability,
            })
        })
        .collect();
    json_bytes(&json!({
        "name": s.name,
        "horizon_months": s.horizon_months,
        "start": s.start.map(|d| d.to_string()),
        "sources": s.sources,
        "capabilities": capabilities,
        "members": members,
        "phases": phases,
        "events": events,
    }))
}
