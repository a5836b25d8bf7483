//! Where a result came from: printed in reports and chart footers, never in
//! `summary.json` (which must stay byte-identical across runs).

#[derive(Debug, Clone, PartialEq)]
pub struct Provenance {
    /// `CARGO_PKG_VERSION` of the tool.
    pub tool_version: String,
    /// The scenario file as given, or "(built-in default)".
    pub scenario_file: String,
    /// SHA-256 of the scenario file's bytes, lowercase hex.
    pub scenario_sha256: String,
    pub seed: u64,
    pub trials: u64,
    /// `--set` overrides, as typed.
    pub overrides: Vec<String>,
    /// UTC date and time of the run, RFC 3339.
    pub run_date: String,
}

impl Provenance {
    /// One line for chart footers and report headers.
    pub fn line(&self, scenario_name: &str) -> String {
        format!(
            "{scenario_name} | seed {} | {} trials | guarantee-sim {}",
            self.seed, self.trials, self.tool_version
        )
    }
}
