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

/// The current UTC time as RFC 3339 (`2026-11-23T01:02:03Z`), without a
/// date-time dependency: days since the epoch to a civil date (H. Hinnant).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(1_795_395_723), "2026-11-23T01:02:03Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
