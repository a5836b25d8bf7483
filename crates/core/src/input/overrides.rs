//! Step 2 of loading: `--set KEY=VALUE` overrides (docs/model.md 5).
//!
//! Overrides are spliced into the raw tree *before* validation, so an
//! overridden scenario is checked exactly like a file: `--set` gives the same
//! answer as editing the file. The VALUE is parsed as TOML into a source of
//! its own (the flag's text), so errors about it point at the flag.
//!
//! KEY forms: `scenario.<field>`, `attack.<field>`, `odds.<status>`,
//! `honour.<commitment>`, and `<kind>.<id>.<field>` for kind in member,
//! capability, phase, group, event. Deeper paths walk into tables and (by
//! 0-based index) arrays, e.g. `member.uk.pledge.0.amount`,
//! `member.uk.exit.1.lag_months`, `phase.us.gate.coverage` or
//! `attack.warning.lead_months`. A missing field is added; unknown field
//! names are then reported by validation.

use crate::input::diagnostic::{Diagnostic, Diags, Source, Span, did_you_mean, known_list};
use crate::input::parse::{Node, Table, Value, parse_value};

const SECTIONS: &[&str] = &[
    "member",
    "capability",
    "phase",
    "group",
    "event",
    "odds",
    "honour",
    "scenario",
    "attack",
];

/// The source of one flag, for rendering diagnostics that point into it.
pub fn flag_source(flag: &str) -> Source {
    Source {
        origin: "--set".into(),
        text: flag.into(),
        flag: Some(flag.into()),
    }
}

/// Applies `flags` in order (later ones win); flag `i` is source `first_src + i`.
/// Returns false when any flag was reported as an error.
pub fn apply(root: &mut Node, flags: &[String], first_src: usize, d: &mut Diags) -> bool {
    let before = d.len();
    if let Value::Table(table) = &mut root.value {
        for (i, flag) in flags.iter().enumerate() {
            apply_one(table, first_src + i, flag, d);
        }
    }
    d.len() == before
}

/// The most dot-separated parts a KEY may have: the deepest fields are
/// `member.<id>.pledge.<n>.<field>` (and `exit`, `response`: five), and a
/// distribution's form one more; deeper keys only build tables validation rejects, and each part
/// costs a level of recursion and a longer name in messages.
pub const MAX_KEY_PARTS: usize = 8;

/// One dot-separated part of KEY, with its place in the flag.
#[derive(Clone, Copy)]
struct Seg<'a> {
    text: &'a str,
    span: Span,
}

fn apply_one(root: &mut Table, src: usize, flag: &str, d: &mut Diags) -> Option<()> {
    let Some((key, value)) = flag.split_once('=') else {
        d.push(
            Diagnostic::new(Span::new(src, 0, flag.len()), "expected KEY=VALUE")
                .label("no `=` here")
                .help(Some("e.g. `--set member.uk.join=0.5`".into())),
        );
        return None;
    };
    let parts = key.split('.').count();
    if parts > MAX_KEY_PARTS {
        d.push(
            Diagnostic::new(
                Span::new(src, 0, key.len()),
                format!("KEY has {parts} parts; the most a KEY may have is {MAX_KEY_PARTS}"),
            )
            .label("too deep")
            .help(Some(
                "the deepest scenario fields are like `member.<id>.pledge.<n>.<field>`".into(),
            )),
        );
        return None;
    }
    let mut segs = Vec::new();
    let mut at = 0;
    for text in key.split('.') {
        let span = Span::new(src, at, at + text.len());
        if text.trim().is_empty() {
            d.push(Diagnostic::new(span, "empty part in KEY").label("expected a name here"));
            return None;
        }
        segs.push(Seg { text, span });
        at += text.len() + 1;
    }
    let value = flag_value(src, key.len() + 1, value, d)?;
    let section = segs[0];
    match section.text {
        "scenario" | "attack" | "odds" | "honour" => {
            // `[odds]` and `[honour]` are keyed by free words.
            let words = matches!(section.text, "odds" | "honour");
            if segs.len() < 2 {
                let what = match section.text {
                    "odds" => "<status>",
                    "honour" => "<commitment>",
                    _ => "<field>",
                };
                return short_key(src, key, &format!("{}.{what}", section.text), d);
            }
            let rest = if words {
                // A status or commitment word is one key, whatever it contains.
                let start = segs[1].span.start;
                vec![Seg {
                    text: &key[start..],
                    span: Span::new(src, start, key.len()),
                }]
            } else {
                segs.split_off(1)
            };
            let entry = match root.get_mut(section.text) {
                Some(e) => e,
                None => {
                    let empty = Node {
                        value: Value::Table(Table::default()),
                        span: section.span,
                    };
                    root.set(section.text, section.span, empty);
                    root.get_mut(section.text)?
                }
            };
            set_in_node(&mut entry.value, section.text, &rest, value, d)
        }
        "member" | "capability" | "phase" | "group" | "event" => {
            let kind = section.text;
            if segs.len() < 3 {
                return short_key(src, key, &format!("{kind}.<id>.<field>"), d);
            }
            let id = &segs[1];
            let items: &mut [Node] = match root.get_mut(kind).map(|e| &mut e.value.value) {
                Some(Value::Array(items)) => items,
                _ => &mut [],
            };
            let has_id = |n: &Node, id: &str| match &n.value {
                Value::Table(t) => {
                    matches!(t.get("id").map(|e| &e.value.value), Some(Value::Str(s)) if s == id)
                }
                _ => false,
            };
            let Some(pos) = items.iter().position(|n| has_id(n, id.text)) else {
                let ids: Vec<&str> = items
                    .iter()
                    .filter_map(|n| match &n.value {
                        Value::Table(t) => match t.get("id").map(|e| &e.value.value) {
                            Some(Value::Str(s)) => Some(s.as_str()),
                            _ => None,
                        },
                        _ => None,
                    })
                    .collect();
                let hint = did_you_mean(id.text, ids.iter().copied())
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default();
                d.push(
                    Diagnostic::new(id.span, format!("no {kind} with id {:?}{hint}", id.text))
                        .label(format!("unknown {kind}"))
                        .help(known_list(&format!("{kind} ids"), ids.iter().copied())),
                );
                return None;
            };
            let item = items.get_mut(pos)?;
            set_in_node(item, &format!("{kind}.{}", id.text), &segs[2..], value, d)
        }
        other => {
            let help = did_you_mean(other, SECTIONS.iter().copied())
                .or_else(|| Some(format!("KEY starts with one of: {}", SECTIONS.join(", "))));
            d.push(
                Diagnostic::new(section.span, format!("unknown section `{other}` in KEY"))
                    .label("unknown section")
                    .help(help),
            );
            None
        }
    }
}

fn short_key(src: usize, key: &str, form: &str, d: &mut Diags) -> Option<()> {
    d.push(
        Diagnostic::new(
            Span::new(src, 0, key.len()),
            format!("KEY must have the form `{form}`"),
        )
        .label("incomplete key"),
    );
    None
}

/// Parses VALUE as TOML. A bare word that is not TOML is taken as a string,
/// because shells eat quotes: `--set member.de.requires="us"` arrives as
/// `requires=us`. So is a calendar month `YYYY-MM` (not TOML either):
/// `--set scenario.start="2026-01"` arrives as `start=2026-01`.
pub(crate) fn flag_value(src: usize, offset: usize, text: &str, d: &mut Diags) -> Option<Node> {
    let mut scratch = Diags::default();
    if let Some(node) = parse_value(src, offset, text, &mut scratch) {
        return Some(node);
    }
    let word = text.trim();
    let bare = word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let year_month = word.len() == 7
        && word.bytes().enumerate().all(|(i, b)| {
            if i == 4 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let bare = bare || year_month;
    if bare {
        let start = offset + (text.len() - text.trim_start().len());
        return Some(Node {
            value: Value::Str(word.to_string()),
            span: Span::new(src, start, start + word.len()),
        });
    }
    parse_value(src, offset, text, d)
}

/// Sets `path` under `node` to `value`, adding missing tables on the way.
fn set_in_node(
    node: &mut Node,
    name: &str,
    path: &[Seg<'_>],
    value: Node,
    d: &mut Diags,
) -> Option<()> {
    let (seg, rest) = path.split_first()?;
    match &mut node.value {
        Value::Table(t) => {
            if rest.is_empty() {
                t.set(seg.text, seg.span, value);
                return Some(());
            }
            if t.get(seg.text).is_none() {
                let empty = Node {
                    value: Value::Table(Table::default()),
                    span: seg.span,
                };
                t.set(seg.text, seg.span, empty);
            }
            let entry = t.get_mut(seg.text)?;
            set_in_node(
                &mut entry.value,
                &format!("{name}.{}", seg.text),
                rest,
                value,
                d,
            )
        }
        Value::Array(items) => {
            let len = items.len();
            let item = seg
                .text
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get_mut(i));
            let Some(item) = item else {
                d.push(
                    Diagnostic::new(
                        seg.span,
                        format!(
                            "`{name}` is an array of {len} entries: expected an index in 0..{len}, found `{}`",
                            seg.text
                        ),
                    )
                    .label("no such entry"),
                );
                return None;
            };
            if rest.is_empty() {
                *item = value;
                return Some(());
            }
            set_in_node(item, &format!("{name}.{}", seg.text), rest, value, d)
        }
        other => {
            d.push(
                Diagnostic::new(
                    seg.span,
                    format!(
                        "`{name}` is {}, it has no field `{}`",
                        other.type_name(),
                        seg.text
                    ),
                )
                .label("cannot set a field here"),
            );
            None
        }
    }
}
