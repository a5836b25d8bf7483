//! Machine-readable exports: each returns the bytes of one JSON file.

use serde::Serialize;

/// Pretty JSON with a trailing newline. Serialisation of our plain data
/// types cannot fail; an error here would be a bug, reported, not a panic.
pub fn json_bytes<T: Serialize>(value: &T) -> anyhow::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}
