//! Entry point of the input pipeline: text -> raw TOML with spans (`parse`)
//! -> `--set` overrides (`overrides`) -> validated `Scenario` (`validate`).
//! Errors come back rendered by `diagnostic`, naming file, line and column.

use crate::input::diagnostic::{Diags, FILE_SRC, Source};
use crate::input::error::InputError;
use crate::input::scenario::Scenario;
use crate::input::{overrides, parse, validate};
use sha2::{Digest, Sha256};
use std::path::Path;

/// A scenario loaded from a file (or the built-in default) with what the
/// reports need to say where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub scenario: Scenario,
    /// The file name as given, or "(built-in default)".
    pub origin: String,
    /// The file's text.
    pub source: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// The `--set` overrides applied, as typed.
    pub overrides: Vec<String>,
}

impl Loaded {
    /// A scenario built in code (not from text): no file, no overrides.
    pub fn from_scenario(scenario: Scenario) -> Loaded {
        Loaded {
            scenario,
            origin: "(built in code)".to_string(),
            source: String::new(),
            sha256: String::new(),
            overrides: Vec::new(),
        }
    }
}

/// Scenario files larger than this are refused, unread: parsing keeps a
/// span for every value, some 40 bytes of memory a byte of text, and a
/// stream such as `/dev/zero` never ends. (Scenarios at the validation
/// limits need far less: `count` writes a million pledges in a line.)
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// Reads and validates a scenario file, applying `--set KEY=VALUE` overrides.
pub fn load_file(path: &Path, overrides: &[String]) -> Result<Loaded, InputError> {
    let text = read_file(path)?;
    load_str(&path.display().to_string(), &text, overrides)
}

/// A scenario file's text, if it is readable, at most `MAX_FILE_BYTES`
/// long and UTF-8.
pub fn read_file(path: &Path) -> Result<String, InputError> {
    use std::io::Read;
    let origin = path.display().to_string();
    // A FIFO or a device would block `open` or never end: only regular
    // files (or links to them) are read.
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            return Err(InputError::Unreadable {
                path: origin,
                reason: match m.is_dir() {
                    true => "it is a directory".into(),
                    false => "it is not a regular file".into(),
                },
            });
        }
        _ => {}
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| InputError::Unreadable {
            path: origin.clone(),
            reason: e.to_string(),
        })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(InputError::TooLarge {
            path: origin,
            limit_mb: MAX_FILE_BYTES >> 20,
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        // Characters before it on its line (the bytes there are valid).
        let column = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count()
            + 1;
        InputError::NotUtf8 {
            path: origin,
            line,
            column,
        }
    })
}

/// Validates scenario text; `origin` names it in messages.
pub fn load_str(origin: &str, text: &str, overrides: &[String]) -> Result<Loaded, InputError> {
    load_point(origin, text, overrides, &[])
}

/// `load_str` for one point of a sweep: the point's `KEY=VALUE` flags
/// (`point`) are applied after `overrides` exactly like `--set` flags (the
/// same parser, the same validation), and messages about them name them as
/// `--values`, the flag the value came from. `Loaded::overrides` lists both.
pub fn load_point(
    origin: &str,
    text: &str,
    overrides: &[String],
    point: &[String],
) -> Result<Loaded, InputError> {
    let mut sources = vec![Source {
        origin: origin.to_string(),
        text: text.to_string(),
        flag: None,
    }];
    sources.extend(overrides.iter().map(|f| overrides::flag_source(f)));
    sources.extend(point.iter().map(|f| Source {
        origin: "--values".into(),
        ..overrides::flag_source(f)
    }));
    let overrides: Vec<String> = overrides.iter().chain(point).cloned().collect();
    let overrides = &overrides[..];
    let mut diags = Diags::default();
    let scenario = parse::parse_document(FILE_SRC, text, &mut diags)
        .filter(|_| diags.is_empty())
        .and_then(|mut root| {
            // Validating after a failed override would report the file as it
            // was, not as asked; stop at the flag's error instead.
            overrides::apply(&mut root, overrides, FILE_SRC + 1, &mut diags)
                .then(|| validate::validate(&root, &mut diags))
                .flatten()
        });
    match scenario {
        Some(scenario) if diags.is_empty() => Ok(Loaded {
            scenario,
            origin: origin.to_string(),
            source: text.to_string(),
            sha256: sha256_hex(text.as_bytes()),
            overrides: overrides.to_vec(),
        }),
        _ => Err(InputError::Invalid(Box::new(diags.into_report(sources)))),
    }
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
