//! Everything a command shows or writes, as bytes or text: JSON exports,
//! console tables, charts, reports. Nothing here touches the disk
//! (`crate::publish` does).

pub mod calendar;
pub mod chart;
pub mod console;
pub mod figures;
pub mod json;
pub mod provenance;
pub mod report;
pub mod tables;
pub mod words;

/// One file of a command's output, relative to the output directory
/// (e.g. `summary.json`, `charts/coverage_fan.svg`).
#[derive(Debug, Clone, PartialEq)]
pub struct OutputFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

impl OutputFile {
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

/// The invisible controls of bidirectional text (embeddings, overrides,
/// isolates, marks): in a name they can reorder what follows on screen.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}
