//! Step 1 of loading: TOML text -> an owned raw tree in which every key and
//! value remembers where it came from (which source, which bytes).
//!
//! We convert `toml`'s borrowed `DeTable` into our own tree because `--set`
//! overrides splice values parsed from *other* texts (the flags) into the
//! file's tree; each span therefore carries a source id so that a diagnostic
//! can point at the file or at the flag, whichever the value came from.

use crate::input::diagnostic::{Diagnostic, Diags, Span};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A raw TOML value; integers are kept apart from floats so that fields that
/// need an integer (horizon, trials, seed, count) can insist on one.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Int(i128),
    Float(f64),
    Bool(bool),
    Datetime(String),
    Array(Vec<Node>),
    Table(Table),
}

impl Value {
    pub fn is_table(&self) -> bool {
        matches!(self, Value::Table(_))
    }

    /// The TOML type name, for "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Bool(_) => "a boolean",
            Value::Datetime(_) => "a datetime",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

/// A table's entries (sorted by key as `toml` hands them over; entries added
/// by `--set` are appended).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub entries: Vec<Entry>,
}

impl Table {
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Entry> {
        self.entries.iter_mut().find(|e| e.key == key)
    }

    /// Replaces the value of `key` (keeping the original key's span) or adds it.
    pub fn set(&mut self, key: &str, key_span: Span, value: Node) {
        match self.get_mut(key) {
            Some(entry) => entry.value = value,
            None => self.entries.push(Entry {
                key: key.to_string(),
                key_span,
                value,
            }),
        }
    }
}

/// Parses a whole document. A TOML syntax error yields `None`, reported
/// alone like cargo does: the parser's recovery guesses produce follow-on
/// errors that only confuse.
pub fn parse_document(src: usize, text: &str, diags: &mut Diags) -> Option<Node> {
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            diags.push(syntax_error(src, 0, text.len(), &e));
            return None;
        }
    };
    let before = diags.len();
    let span = doc.span();
    let table = convert_table(src, 0, doc.into_inner(), diags);
    let node = Node {
        value: Value::Table(table),
        span: Span::new(src, span.start, span.end),
    };
    (diags.len() == before).then_some(node)
}

/// Parses a single TOML value (the VALUE of `--set KEY=VALUE`); `offset` is
/// where the value starts inside source `src`, so spans point into the flag.
pub fn parse_value(src: usize, offset: usize, text: &str, diags: &mut Diags) -> Option<Node> {
    // The value parser rejects surrounding blanks; `--set k= 1` is harmless.
    let offset = offset + (text.len() - text.trim_start().len());
    let text = text.trim();
    match DeValue::parse(text) {
        Ok(v) => {
            let before = diags.len();
            let node = convert(src, offset, v, diags);
            (diags.len() == before).then_some(node)
        }
        Err(e) => {
            diags.push(syntax_error(src, offset, text.len(), &e));
            None
        }
    }
}

fn syntax_error(src: usize, offset: usize, len: usize, e: &toml::de::Error) -> Diagnostic {
    let range = e.span().unwrap_or(len..len);
    let message = e.message().trim().replace('\n', "; ");
    Diagnostic::new(
        Span::new(src, offset + range.start, offset + range.end),
        format!("invalid TOML: {message}"),
    )
    .label("TOML syntax error here")
}

fn convert_table(src: usize, offset: usize, table: DeTable<'_>, diags: &mut Diags) -> Table {
    let entries = table
        .into_iter()
        .map(|(k, v)| {
            let ks = k.span();
            Entry {
                key: k.into_inner().into_owned(),
                key_span: Span::new(src, offset + ks.start, offset + ks.end),
                value: convert(src, offset, v, diags),
            }
        })
        .collect();
    Table { entries }
}

fn convert(src: usize, offset: usize, v: Spanned<DeValue<'_>>, diags: &mut Diags) -> Node {
    let r = v.span();
    let span = Span::new(src, offset + r.start, offset + r.end);
    let value = match v.into_inner() {
        DeValue::String(s) => Value::Str(s.into_owned()),
        DeValue::Integer(i) => match i128::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Value::Int(n),
            Err(_) => {
                diags.push(Diagnostic::new(span, "integer is too large").label("here"));
                Value::Int(0)
            }
        },
        // `toml` hands over the float's text with underscores removed; Rust's
        // float syntax also covers TOML's `inf` / `nan` spellings.
        DeValue::Float(f) => match f.as_str().parse::<f64>() {
            Ok(x) => Value::Float(x),
            Err(_) => {
                diags.push(Diagnostic::new(span, "invalid float").label("here"));
                Value::Float(0.0)
            }
        },
        DeValue::Boolean(b) => Value::Bool(b),
        DeValue::Datetime(d) => Value::Datetime(d.to_string()),
        DeValue::Array(a) => Value::Array(
            a.into_iter()
                .map(|item| convert(src, offset, item, diags))
                .collect(),
        ),
        DeValue::Table(t) => Value::Table(convert_table(src, offset, t, diags)),
    };
    Node { value, span }
}
