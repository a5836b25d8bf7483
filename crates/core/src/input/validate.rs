//! Step 3 of loading: raw tree (file + `--set` overrides) -> `Scenario`.
//!
//! Validation never stops at the first problem: every field is checked and
//! every error recorded, so an analyst fixes a file in one round. A value
//! that fails is simply absent (`None`) from then on, and the scenario is
//! built only when no error was recorded.

use crate::input::diagnostic::{Diagnostic, Diags, Span, did_you_mean, known_list};
use crate::input::parse::{Node, Table, Value};
use crate::input::scenario::{
    Attack, Capability, Dist, Event, Exit, ExitTrigger, Gate, Group, Member, Phase, PhaseStart,
    Pledge, Response, Scenario, Site, Uncertain, Warning, YearMonth,
};
use std::collections::{BTreeMap, HashMap};

/// `count` of one member: 1..=MAX_COUNT.
pub const MAX_COUNT: i128 = 10_000;
/// Bound on the work and memory of one trial: sum over members of
/// `count`, and of `(pledges + exits + responses) * count`.
pub const MAX_REPLICAS: u64 = 1_000_000;
pub const MAX_PLEDGE_DRAWS: u64 = 1_000_000;
/// Most `[[event]]` tables (each draws twice per trial and keeps a tally).
pub const MAX_EVENTS: usize = 1_000;
/// `scenario.start` and event `date`: years in this range.
pub const MIN_YEAR: i32 = 1900;
pub const MAX_YEAR: i32 = 2200;
/// Most `[[capability]]`, `[[phase]]` and `[[group]]` tables: a worker
/// thread keeps a percentile sketch of up to 200 KB per capability and
/// phase, and a chunk's tally some 5 KB per capability at the longest
/// horizon (docs/model.md 2.10 gives the resource model).
pub const MAX_CAPABILITIES: usize = 1_000;
pub const MAX_PHASES: usize = 1_000;
pub const MAX_GROUPS: usize = 1_000;
/// `[scenario] outer_samples` (and `--outer`): 1..=MAX_OUTER_SAMPLES.
pub const MAX_OUTER_SAMPLES: i128 = 10_000;
/// Most `[[member]]` tables (each may stand for `count` replicas).
pub const MAX_MEMBERS: usize = 100_000;
/// Bound on the gates' bookkeeping: over gated phases, the pledges (times
/// `count`) to the gate's capability, each a number per gate.
pub const MAX_GATE_PLEDGES: u64 = 10_000_000;
/// Numbers beyond this magnitude are surely typos, and would overflow to
/// infinity in the engine's arithmetic (b - a, sums of amounts).
pub const MAX_MAGNITUDE: f64 = 1e15;

const TOP_KEYS: &[&str] = &[
    "scenario",
    "odds",
    "capability",
    "group",
    "phase",
    "member",
    "event",
    "honour",
    "attack",
];
const SCENARIO_KEYS: &[&str] = &[
    "name",
    "description",
    "sources",
    "horizon_months",
    "start",
    "trials",
    "seed",
    "outer_samples",
];
const CAPABILITY_KEYS: &[&str] = &[
    "id",
    "name",
    "unit",
    "need",
    "threshold",
    "critical",
    "weight",
    "response_need",
];
const GROUP_KEYS: &[&str] = &["id", "correlation"];
const PHASE_KEYS: &[&str] = &["id", "name", "start_month", "after", "lag_months", "gate"];
const GATE_KEYS: &[&str] = &["capability", "coverage"];
const MEMBER_KEYS: &[&str] = &[
    "id",
    "name",
    "status",
    "join",
    "group",
    "requires",
    "join_without",
    "count",
    "pledge",
    "exit",
    "commitment",
    "honour",
    "response",
];
const PLEDGE_KEYS: &[&str] = &[
    "capability",
    "phase",
    "amount",
    "delay_months",
    "duration_months",
    "probability",
];
const EVENT_KEYS: &[&str] = &["id", "name", "month", "date", "probability"];
const EXIT_KEYS: &[&str] = &[
    "event",
    "with",
    "rate_per_year",
    "probability",
    "lag_months",
];
/// The keys of `[[member.exit]]` of which exactly one is given.
const EXIT_TRIGGERS: &[&str] = &["event", "with", "rate_per_year"];
const RESPONSE_KEYS: &[&str] = &["capability", "amount", "delay_months", "probability"];
const ATTACK_KEYS: &[&str] = &[
    "rate_per_year",
    "rate_per_year_when_met",
    "window_months",
    "warning",
];
const WARNING_KEYS: &[&str] = &["capability", "lead_months"];
const DIST_FORMS: &[&str] = &[
    "uniform",
    "triangular",
    "pert",
    "normal",
    "range90",
    "choice",
];

/// Validates the raw tree. `None` means errors were recorded in `d`.
pub fn validate(root: &Node, d: &mut Diags) -> Option<Scenario> {
    let before = d.len();
    let top = Obj::new(root, "the scenario file", TOP_KEYS, d)?;
    let file_start = Span::new(root.span.src, 0, 0);

    let (head, start) = match top.opt("scenario") {
        Some(n) => scenario_table(n, d),
        None => {
            d.push(
                Diagnostic::new(file_start, "missing required table `[scenario]`")
                    .label("expected `[scenario]` with `name` and `horizon_months`"),
            );
            (None, Some(None))
        }
    };
    let odds = top
        .opt("odds")
        .and_then(|n| word_probabilities(n, "`[odds]`", "odds", d));
    let odds_keys = table_keys(top.opt("odds"));
    let honour = top
        .opt("honour")
        .and_then(|n| word_probabilities(n, "`[honour]`", "honour", d));
    let honour_keys = table_keys(top.opt("honour"));

    let cap_nodes = array_of_tables(top.opt("capability"), "capability", d);
    if cap_nodes.is_empty() {
        match top.opt("capability") {
            None => d.push(
                Diagnostic::new(file_start, "at least one `[[capability]]` is required")
                    .label("the file has no `[[capability]]`"),
            ),
            Some(n) if matches!(&n.value, Value::Array(a) if a.is_empty()) => d.push(
                Diagnostic::new(n.span, "at least one `[[capability]]` is required")
                    .label("no capability"),
            ),
            // Anything else was reported by `array_of_tables`.
            Some(_) => {}
        }
    }
    let group_nodes = array_of_tables(top.opt("group"), "group", d);
    let phase_nodes = array_of_tables(top.opt("phase"), "phase", d);
    let member_nodes = array_of_tables(top.opt("member"), "member", d);
    let event_nodes = array_of_tables(top.opt("event"), "event", d);
    for (nodes, kind, max) in [
        (&cap_nodes, "capability", MAX_CAPABILITIES),
        (&group_nodes, "group", MAX_GROUPS),
        (&phase_nodes, "phase", MAX_PHASES),
        (&member_nodes, "member", MAX_MEMBERS),
        (&event_nodes, "event", MAX_EVENTS),
    ] {
        if let Some(first_over) = nodes.get(max) {
            d.push(
                Diagnostic::new(
                    first_over.span,
                    format!(
                        "scenario too large: {} `[[{kind}]]` tables, at most {max} are allowed",
                        nodes.len()
                    ),
                )
                .label(format!("the {}th `[[{kind}]]`", max + 1)),
            );
            return None;
        }
    }

    let cap_ids = Ids::collect(&cap_nodes, "capability", d);
    let group_ids = Ids::collect(&group_nodes, "group", d);
    let phase_ids = Ids::collect(&phase_nodes, "phase", d);
    let member_ids = Ids::collect(&member_nodes, "member", d);
    let event_ids = Ids::collect(&event_nodes, "event", d);

    let capabilities: Vec<Option<Capability>> = cap_nodes
        .iter()
        .zip(&cap_ids.per_item)
        .map(|(n, id)| capability(n, id.clone(), d))
        .collect();
    check_weights(&cap_nodes, &capabilities, d);
    // Whether each capability has a `response_need` as written (valid or
    // not), so a response to it is not reported twice.
    let response_caps: Vec<bool> = cap_nodes
        .iter()
        .map(|n| matches!(&n.value, Value::Table(t) if t.get("response_need").is_some()))
        .collect();

    let groups: Vec<Option<Group>> = group_nodes
        .iter()
        .zip(&group_ids.per_item)
        .map(|(n, id)| group(n, id.clone(), d))
        .collect();

    let refs = Refs {
        capabilities: &cap_ids,
        groups: &group_ids,
        phases: &phase_ids,
        members: &member_ids,
        events: &event_ids,
    };
    let events: Vec<Option<Event>> = event_nodes
        .iter()
        .zip(&event_ids.per_item)
        .map(|(n, id)| event(n, id.clone(), start, d))
        .collect();
    let attack = top.opt("attack").map(|n| attack(n, &refs, d));
    let (phases, phase_links): (Vec<Option<Phase>>, Vec<Links>) = phase_nodes
        .iter()
        .zip(&phase_ids.per_item)
        .map(|(n, id)| phase(n, id.clone(), &refs, d))
        .unzip();
    report_cycles(&phase_links, &phase_ids.per_item, "after", d);

    let member_ctx = MemberCtx {
        refs: &refs,
        odds: odds.as_ref(),
        odds_keys: &odds_keys,
        honour: honour.as_ref(),
        honour_keys: &honour_keys,
        response_caps: &response_caps,
    };
    let (members, member_links): (Vec<Option<Member>>, Vec<Links>) = member_nodes
        .iter()
        .zip(&member_ids.per_item)
        .enumerate()
        .map(|(i, (n, id))| member(n, i, id.clone(), &member_ctx, d))
        .unzip();
    check_requires(&member_links, &member_ids.per_item, d);
    check_with(&member_links, &member_ids.per_item, d);
    check_size(&member_nodes, &member_links, d);

    if d.len() > before {
        return None;
    }
    let phases: Vec<Phase> = phases.into_iter().collect::<Option<_>>()?;
    let members: Vec<Member> = members.into_iter().collect::<Option<_>>()?;
    check_gate_size(&phase_nodes, &phases, &members, d);
    if d.len() > before {
        return None;
    }
    let (name, description, sources, horizon_months, trials, seed, outer_samples) = head?;
    let mut scenario = Scenario {
        name,
        description,
        sources,
        horizon_months,
        trials,
        seed,
        odds: odds.unwrap_or_default(),
        capabilities: capabilities.into_iter().collect::<Option<_>>()?,
        groups: groups.into_iter().collect::<Option<_>>()?,
        phases,
        members,
        start: start.flatten(),
        events: events.into_iter().collect::<Option<_>>()?,
        honour: honour.unwrap_or_default(),
        attack: attack.map_or(Some(None), |a| a.map(Some))?,
        outer_samples,
        uncertain: Vec::new(),
    };
    scenario.uncertain = uncertain_fields(&top, &scenario);
    Some(scenario)
}

/// Caps the gates' bookkeeping (`MAX_GATE_PLEDGES`), naming the gated phase
/// where the sum passes it.
fn check_gate_size(nodes: &[&Node], phases: &[Phase], members: &[Member], d: &mut Diags) {
    let mut per_capability: HashMap<usize, u64> = HashMap::new();
    for m in members {
        for p in &m.pledges {
            *per_capability.entry(p.capability).or_default() += u64::from(m.count);
        }
    }
    let mut total: u64 = 0;
    for (node, phase) in nodes.iter().zip(phases) {
        if let PhaseStart::After {
            gate: Some(gate), ..
        } = &phase.start
        {
            total += per_capability.get(&gate.capability).copied().unwrap_or(0);
            if total > MAX_GATE_PLEDGES {
                d.push(
                    Diagnostic::new(
                        node.span,
                        format!(
                            "scenario too large: over the gated phases, the pledges (times `count`) to the gates' capabilities may not exceed {MAX_GATE_PLEDGES}"
                        ),
                    )
                    .label("the limit is passed at this phase"),
                );
                return;
            }
        }
    }
}

/// A table being validated: unknown keys are reported on construction.
struct Obj<'a> {
    table: &'a Table,
    span: Span,
    what: &'static str,
}

impl<'a> Obj<'a> {
    /// `allowed` empty means any key is allowed (e.g. `[odds]`).
    fn new(node: &'a Node, what: &'static str, allowed: &[&str], d: &mut Diags) -> Option<Obj<'a>> {
        let Value::Table(table) = &node.value else {
            d.push(
                Diagnostic::new(
                    node.span,
                    format!("{what} must be a table, found {}", node.value.type_name()),
                )
                .label("expected a table"),
            );
            return None;
        };
        if !allowed.is_empty() {
            for e in &table.entries {
                if !allowed.contains(&e.key.as_str()) {
                    let help = if d.is_full() {
                        None
                    } else {
                        did_you_mean(&e.key, allowed.iter().copied()).or_else(|| {
                            Some(format!(
                                "expected one of {}",
                                allowed
                                    .iter()
                                    .map(|k| format!("`{k}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ))
                        })
                    };
                    d.push(
                        Diagnostic::new(e.key_span, format!("unknown key `{}` in {what}", e.key))
                            .label("unknown key")
                            .help(help),
                    );
                }
            }
        }
        Some(Obj {
            table,
            span: node.span,
            what,
        })
    }

    fn opt(&self, key: &str) -> Option<&'a Node> {
        self.table.get(key).map(|e| &e.value)
    }

    fn key_span(&self, key: &str) -> Option<Span> {
        self.table.get(key).map(|e| e.key_span)
    }

    fn req(&self, key: &str, d: &mut Diags) -> Option<&'a Node> {
        let n = self.opt(key);
        if n.is_none() {
            d.push(
                Diagnostic::new(
                    self.span,
                    format!("missing required key `{key}` in {}", self.what),
                )
                .label(format!("this table has no `{key}`")),
            );
        }
        n
    }
}

/// Applies `f` to an optional field, or yields the default when it is absent.
fn or<T>(n: Option<&Node>, default: T, f: impl FnOnce(&Node) -> Option<T>) -> Option<T> {
    match n {
        None => Some(default),
        Some(n) => f(n),
    }
}

fn type_error(n: &Node, key: &str, expected: &str, d: &mut Diags) {
    d.push(
        Diagnostic::new(
            n.span,
            format!("`{key}` must be {expected}, found {}", n.value.type_name()),
        )
        .label(format!("expected {expected}")),
    );
}

fn string(n: &Node, key: &str, d: &mut Diags) -> Option<String> {
    match &n.value {
        Value::Str(s) => Some(s.clone()),
        _ => {
            type_error(n, key, "a string", d);
            None
        }
    }
}

fn boolean(n: &Node, key: &str, d: &mut Diags) -> Option<bool> {
    match &n.value {
        Value::Bool(b) => Some(*b),
        _ => {
            type_error(n, key, "a boolean (`true` or `false`)", d);
            None
        }
    }
}

fn integer(n: &Node, key: &str, lo: i128, hi: i128, d: &mut Diags) -> Option<i128> {
    match &n.value {
        Value::Int(i) if (lo..=hi).contains(i) => Some(*i),
        Value::Int(i) => {
            d.push(
                Diagnostic::new(
                    n.span,
                    format!("`{key}` must be an integer in {lo}..={hi}, found {i}"),
                )
                .label("out of range"),
            );
            None
        }
        _ => {
            type_error(n, key, &format!("an integer in {lo}..={hi}"), d);
            None
        }
    }
}

/// Any finite number; integers are accepted wherever floats are.
fn number(n: &Node, key: &str, d: &mut Diags) -> Option<f64> {
    let x = match &n.value {
        Value::Int(i) => *i as f64,
        Value::Float(x) => *x,
        _ => {
            type_error(n, key, "a number", d);
            return None;
        }
    };
    if !x.is_finite() {
        d.push(
            Diagnostic::new(
                n.span,
                format!("`{key}` must be a finite number, found {x}"),
            )
            .label("not finite"),
        );
        return None;
    }
    if x.abs() > MAX_MAGNITUDE {
        d.push(
            Diagnostic::new(
                n.span,
                format!("`{key}` is too large: {x:e} (at most 1e15 in magnitude)"),
            )
            .label("too large"),
        );
        return None;
    }
    Some(x)
}

/// A number checked against a range; `what` says the range in words.
fn number_in(
    n: &Node,
    key: &str,
    ok: impl Fn(f64) -> bool,
    what: &str,
    d: &mut Diags,
) -> Option<f64> {
    let x = number(n, key, d)?;
    if ok(x) {
        return Some(x);
    }
    // `join = 85` or `threshold = 80`: a percentage where a fraction goes.
    let hint = (x > 1.0 && x <= 100.0 && ok(x / 100.0))
        .then(|| format!("write a fraction, not a percentage: {} for {x}%", x / 100.0));
    d.push(
        Diagnostic::new(n.span, format!("`{key}` must be {what}, found {x}"))
            .label("out of range")
            .help(hint),
    );
    None
}

/// The range of a field that may be uncertain (docs/model.md 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Range {
    /// [0, 1]
    Probability,
    /// [0, 1)
    Correlation,
    /// > 0 (need, response_need)
    Positive,
    /// (0, 1] (threshold, gate coverage)
    Threshold,
    /// >= 0 (rates per year)
    Rate,
}

impl Range {
    fn words(self) -> &'static str {
        match self {
            Range::Probability => "a probability in [0, 1]",
            Range::Correlation => "in [0, 1)",
            Range::Positive => "> 0",
            Range::Threshold => "in (0, 1]",
            Range::Rate => ">= 0",
        }
    }

    fn contains(self, x: f64) -> bool {
        match self {
            Range::Probability => (0.0..=1.0).contains(&x),
            Range::Correlation => (0.0..1.0).contains(&x),
            Range::Positive => x > 0.0,
            Range::Threshold => x > 0.0 && x <= 1.0,
            Range::Rate => x >= 0.0,
        }
    }

    /// Whether the range is (0, inf) or wider, where a `range90`
    /// (lognormal) fits.
    fn holds_positive_reals(self) -> bool {
        matches!(self, Range::Positive | Range::Rate)
    }
}

/// A field that may be uncertain: a number in `range`, or a distribution
/// whose every draw lies in it (docs/model.md 8). Yields the number, or the
/// distribution's mean (what the scenario's structs hold for reports).
fn uncertain(n: &Node, key: &str, range: Range, d: &mut Diags) -> Option<f64> {
    if !n.value.is_table() {
        return number_in(n, key, |x| range.contains(x), range.words(), d);
    }
    let dist = dist(n, key, d)?;
    let refuse = |form: &str, why: &str, d: &mut Diags| {
        d.push(
            Diagnostic::new(
                n.span,
                format!(
                    "`{key}` must be {}; a `{form}` distribution is not allowed here: {why}",
                    range.words()
                ),
            )
            .label(format!("`{form}` here"))
            .help(Some(
                "give a uniform, triangular, pert or choice whose values all lie in the range"
                    .into(),
            )),
        );
        None
    };
    match dist {
        Dist::Normal { .. } => refuse("normal", "its draws are unbounded", d),
        Dist::Range90 { .. } if !range.holds_positive_reals() => {
            refuse("range90", "its draws may be any positive number", d)
        }
        _ => {
            let (lo, hi) = dist.support();
            let outside = [lo, hi].into_iter().find(|&x| !range.contains(x));
            match outside {
                Some(x) => {
                    d.push(
                        Diagnostic::new(
                            n.span,
                            format!(
                                "`{key}` must be {}; this distribution can draw {x}, outside it",
                                range.words()
                            ),
                        )
                        .label("draws outside the field's range")
                        .help(Some(format!(
                            "every value the distribution can take must be {}",
                            range.words()
                        ))),
                    );
                    None
                }
                None => Some(dist.mean()),
            }
        }
    }
}

/// The fields of a valid scenario given as distributions (docs/model.md
/// 8), each with its `--set` key as path, found by a second walk of the raw
/// tree (every item is valid, so item `i` of an array is `scenario`'s `i`).
fn uncertain_fields(top: &Obj<'_>, scenario: &Scenario) -> Vec<Uncertain> {
    let mut out = Vec::new();
    let mut scratch = Diags::default();
    let mut add = |n: Option<&Node>, path: String, sites: Vec<Site>| {
        if let Some(n) = n.filter(|n| n.value.is_table())
            && let Some(dist) = dist(n, &path, &mut scratch)
        {
            out.push(Uncertain { path, dist, sites });
        }
    };
    fn field<'n>(n: &'n Node, key: &str) -> Option<&'n Node> {
        match &n.value {
            Value::Table(t) => t.get(key).map(|e| &e.value),
            _ => None,
        }
    }
    fn items(n: Option<&Node>) -> Vec<&Node> {
        match n.map(|n| &n.value) {
            Some(Value::Array(a)) => a.iter().collect(),
            _ => Vec::new(),
        }
    }
    for (word_table, is_odds) in [(top.opt("odds"), true), (top.opt("honour"), false)] {
        let Some(Value::Table(t)) = word_table.map(|n| &n.value) else {
            continue;
        };
        for e in &t.entries {
            let sites = scenario
                .members
                .iter()
                .zip(items(top.opt("member")))
                .enumerate()
                .filter(|(_, (m, node))| match is_odds {
                    true => m.status.as_deref() == Some(&e.key) && field(node, "join").is_none(),
                    false => {
                        m.commitment.as_deref() == Some(&e.key) && field(node, "honour").is_none()
                    }
                })
                .map(|(i, _)| match is_odds {
                    true => Site::Join(i),
                    false => Site::Honour(i),
                })
                .collect();
            let section = if is_odds { "odds" } else { "honour" };
            add(Some(&e.value), format!("{section}.{}", e.key), sites);
        }
    }
    for (i, (n, c)) in items(top.opt("capability"))
        .into_iter()
        .zip(&scenario.capabilities)
        .enumerate()
    {
        let path = |k: &str| format!("capability.{}.{k}", c.id);
        add(field(n, "need"), path("need"), vec![Site::Need(i)]);
        add(
            field(n, "threshold"),
            path("threshold"),
            vec![Site::Threshold(i)],
        );
        add(
            field(n, "response_need"),
            path("response_need"),
            vec![Site::ResponseNeed(i)],
        );
    }
    for (i, (n, g)) in items(top.opt("group"))
        .into_iter()
        .zip(&scenario.groups)
        .enumerate()
    {
        add(
            field(n, "correlation"),
            format!("group.{}.correlation", g.id),
            vec![Site::Correlation(i)],
        );
    }
    for (i, (n, p)) in items(top.opt("phase"))
        .into_iter()
        .zip(&scenario.phases)
        .enumerate()
    {
        if let Some(gate) = field(n, "gate") {
            add(
                field(gate, "coverage"),
                format!("phase.{}.gate.coverage", p.id),
                vec![Site::GateCoverage(i)],
            );
        }
    }
    for (i, (n, m)) in items(top.opt("member"))
        .into_iter()
        .zip(&scenario.members)
        .enumerate()
    {
        let path = |k: &str| format!("member.{}.{k}", m.id);
        add(field(n, "join"), path("join"), vec![Site::Join(i)]);
        add(
            field(n, "join_without"),
            path("join_without"),
            vec![Site::JoinWithout(i)],
        );
        add(field(n, "honour"), path("honour"), vec![Site::Honour(i)]);
        for (j, p) in items(field(n, "pledge")).into_iter().enumerate() {
            add(
                field(p, "probability"),
                path(&format!("pledge.{j}.probability")),
                vec![Site::PledgeProbability(i, j)],
            );
        }
        for (j, x) in items(field(n, "exit")).into_iter().enumerate() {
            add(
                field(x, "probability"),
                path(&format!("exit.{j}.probability")),
                vec![Site::ExitProbability(i, j)],
            );
            add(
                field(x, "rate_per_year"),
                path(&format!("exit.{j}.rate_per_year")),
                vec![Site::ExitRate(i, j)],
            );
        }
        for (j, r) in items(field(n, "response")).into_iter().enumerate() {
            add(
                field(r, "probability"),
                path(&format!("response.{j}.probability")),
                vec![Site::ResponseProbability(i, j)],
            );
        }
    }
    for (i, (n, e)) in items(top.opt("event"))
        .into_iter()
        .zip(&scenario.events)
        .enumerate()
    {
        add(
            field(n, "probability"),
            format!("event.{}.probability", e.id),
            vec![Site::EventProbability(i)],
        );
    }
    if let Some(n) = top.opt("attack") {
        let when_met = field(n, "rate_per_year_when_met");
        let mut sites = vec![Site::AttackRate];
        if when_met.is_none() {
            sites.push(Site::AttackRateWhenMet);
        }
        add(
            field(n, "rate_per_year"),
            "attack.rate_per_year".into(),
            sites,
        );
        add(
            when_met,
            "attack.rate_per_year_when_met".into(),
            vec![Site::AttackRateWhenMet],
        );
    }
    out
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn id_value(n: &Node, key: &str, d: &mut Diags) -> Option<String> {
    let s = string(n, key, d)?;
    if is_id(&s) {
        Some(s)
    } else {
        d.push(
            Diagnostic::new(
                n.span,
                format!("invalid id {s:?}: ids may only contain a-z, 0-9, `_` and `-`"),
            )
            .label("expected an id matching [a-z0-9_-]+"),
        );
        None
    }
}

/// The largest value a `range90 = [lo, hi]` lognormal is ever drawn at: its
/// quantile at the largest uniform the engine draws, 1 - 2^-33 (z = 6.338).
/// A wide range90 reaches far beyond its `hi` there (`[5e-324, 1e15]` would
/// overflow to infinity), so it is bounded like every other value.
fn range90_largest_draw(lo: f64, hi: f64) -> f64 {
    const Z_LARGEST: f64 = 6.337_957_754_553_789;
    const Z95: f64 = 1.644_853_626_951_472_2;
    let (mu, sigma) = (0.5 * (lo.ln() + hi.ln()), (hi.ln() - lo.ln()) / (2.0 * Z95));
    (mu + sigma * Z_LARGEST).exp()
}

/// A number or a one-key distribution table (docs/model.md 2.9).
fn dist(n: &Node, key: &str, d: &mut Diags) -> Option<Dist> {
    let table = match &n.value {
        Value::Int(_) | Value::Float(_) => return number(n, key, d).map(Dist::Constant),
        Value::Table(t) => t,
        _ => {
            type_error(
                n,
                key,
                "a number or a distribution like `{ uniform = [a, b] }`",
                d,
            );
            return None;
        }
    };
    let [entry] = table.entries.as_slice() else {
        d.push(
            Diagnostic::new(
                n.span,
                format!(
                    "`{key}`: a distribution table must have exactly one key, found {}",
                    table.entries.len()
                ),
            )
            .label("expected e.g. `{ uniform = [a, b] }`")
            .help(Some(format!("the forms are {}", DIST_FORMS.join(", ")))),
        );
        return None;
    };
    let form = entry.key.as_str();
    let arity = match form {
        "uniform" | "normal" | "range90" => 2,
        "triangular" | "pert" => 3,
        "choice" => return choice(&entry.value, key, d),
        _ => {
            let lognormal = matches!(form, "lognormal" | "log_normal" | "lognorm" | "log-normal");
            let help = lognormal
                .then(|| {
                    "a lognormal is written by its 5th and 95th percentiles: `{ range90 = [lo, hi] }`"
                        .to_string()
                })
                .or_else(|| did_you_mean(form, DIST_FORMS.iter().copied()))
                .or_else(|| Some(format!("the forms are {}", DIST_FORMS.join(", "))));
            d.push(
                Diagnostic::new(
                    entry.key_span,
                    format!("unknown distribution `{form}` in `{key}`"),
                )
                .label("unknown distribution")
                .help(help),
            );
            return None;
        }
    };
    let what = format!("{key} ({form})");
    let p = numbers(&entry.value, &what, arity, d)?;
    let bad = |msg: &str, d: &mut Diags| {
        d.push(
            Diagnostic::new(
                entry.value.span,
                format!("impossible distribution in `{key}`: {msg}"),
            )
            .label("impossible parameters"),
        );
        None
    };
    match form {
        "uniform" if p[0] > p[1] => bad(
            &format!("uniform needs a <= b, found [{}, {}]", p[0], p[1]),
            d,
        ),
        "uniform" => Some(Dist::Uniform { a: p[0], b: p[1] }),
        "normal" if p[1] < 0.0 => bad(&format!("normal needs sd >= 0, found sd = {}", p[1]), d),
        "normal" => Some(Dist::Normal {
            mean: p[0],
            sd: p[1],
        }),
        "range90" if !(0.0 < p[0] && p[0] < p[1]) => bad(
            &format!("range90 needs 0 < lo < hi, found [{}, {}]", p[0], p[1]),
            d,
        ),
        "range90" if range90_largest_draw(p[0], p[1]) > MAX_MAGNITUDE => bad(
            &format!(
                "range90 = [{}, {}] is so wide that its draws reach {:.1e}, beyond the {MAX_MAGNITUDE:e} any value may have; narrow it",
                p[0],
                p[1],
                range90_largest_draw(p[0], p[1])
            ),
            d,
        ),
        "range90" => Some(Dist::Range90 { lo: p[0], hi: p[1] }),
        _ if !(p[0] <= p[1] && p[1] <= p[2] && p[0] < p[2]) => bad(
            &format!(
                "{form} needs min <= mode <= max and min < max, found [{}, {}, {}]",
                p[0], p[1], p[2]
            ),
            d,
        ),
        "triangular" => Some(Dist::Triangular {
            min: p[0],
            mode: p[1],
            max: p[2],
        }),
        _ => Some(Dist::Pert {
            min: p[0],
            mode: p[1],
            max: p[2],
        }),
    }
}

/// An array of exactly `arity` finite numbers.
fn numbers(n: &Node, what: &str, arity: usize, d: &mut Diags) -> Option<Vec<f64>> {
    let Value::Array(items) = &n.value else {
        type_error(n, what, &format!("an array of {arity} numbers"), d);
        return None;
    };
    if items.len() != arity {
        d.push(
            Diagnostic::new(
                n.span,
                format!("`{what}` takes {arity} numbers, found {}", items.len()),
            )
            .label(format!("expected {arity} numbers")),
        );
        return None;
    }
    let xs: Vec<Option<f64>> = items.iter().map(|x| number(x, what, d)).collect();
    xs.into_iter().collect()
}

fn choice(n: &Node, key: &str, d: &mut Diags) -> Option<Dist> {
    let what = format!("{key} (choice)");
    let Value::Array(items) = &n.value else {
        type_error(n, &what, "an array of [value, weight] pairs", d);
        return None;
    };
    if items.is_empty() {
        d.push(
            Diagnostic::new(
                n.span,
                format!("`{what}` needs at least one [value, weight] pair"),
            )
            .label("empty choice"),
        );
        return None;
    }
    let pairs: Vec<Option<(f64, f64)>> = items
        .iter()
        .map(|item| {
            let p = numbers(item, &format!("{what} pair"), 2, d)?;
            if p[1] < 0.0 {
                d.push(
                    Diagnostic::new(
                        item.span,
                        format!("`{what}`: weights must be >= 0, found {}", p[1]),
                    )
                    .label("negative weight"),
                );
                return None;
            }
            Some((p[0], p[1]))
        })
        .collect();
    let pairs: Vec<(f64, f64)> = pairs.into_iter().collect::<Option<_>>()?;
    if pairs.iter().map(|p| p.1).sum::<f64>() <= 0.0 {
        d.push(
            Diagnostic::new(
                n.span,
                format!("`{what}`: the weights must sum to more than 0"),
            )
            .label("all weights are 0"),
        );
        return None;
    }
    Some(Dist::Choice(pairs))
}

/// The elements of `[[kind]]`; anything else is reported and skipped.
fn array_of_tables<'a>(n: Option<&'a Node>, kind: &str, d: &mut Diags) -> Vec<&'a Node> {
    let Some(n) = n else { return Vec::new() };
    let Value::Array(items) = &n.value else {
        d.push(
            Diagnostic::new(
                n.span,
                format!(
                    "`{kind}` must be an array of tables written `[[{kind}]]`, found {}",
                    n.value.type_name()
                ),
            )
            .label(format!("expected `[[{kind}]]`")),
        );
        return Vec::new();
    };
    items
        .iter()
        .filter(|item| {
            let ok = item.value.is_table();
            if !ok {
                d.push(
                    Diagnostic::new(
                        item.span,
                        format!(
                            "each `{kind}` must be a table, found {}",
                            item.value.type_name()
                        ),
                    )
                    .label("expected a table"),
                );
            }
            ok
        })
        .collect()
}

/// The ids of one kind: per item (None when missing or invalid) and a map
/// from id to the index of its (first) item.
struct Ids {
    per_item: Vec<Option<String>>,
    spans: Vec<Option<Span>>,
    index: HashMap<String, usize>,
    /// Unique ids in file order, for deterministic hints.
    ordered: Vec<String>,
}

impl Ids {
    fn collect(items: &[&Node], kind: &'static str, d: &mut Diags) -> Ids {
        let mut ids = Ids {
            per_item: Vec::with_capacity(items.len()),
            spans: Vec::with_capacity(items.len()),
            index: HashMap::new(),
            ordered: Vec::new(),
        };
        for (i, item) in items.iter().enumerate() {
            let Value::Table(t) = &item.value else {
                ids.per_item.push(None);
                ids.spans.push(None);
                continue;
            };
            let id = match t.get("id") {
                None => {
                    d.push(
                        Diagnostic::new(
                            item.span,
                            format!("missing required key `id` in `[[{kind}]]`"),
                        )
                        .label("this table has no `id`"),
                    );
                    None
                }
                Some(e) => id_value(&e.value, "id", d).map(|s| (s, e.value.span)),
            };
            match id {
                Some((s, span)) => {
                    if let Some(&first) = ids.index.get(&s) {
                        let first = ids.spans.get(first).copied().flatten();
                        // An id a `--set` flag gave (a later source) is the
                        // one in error, wherever its table is in the file.
                        let (here, there) = match first {
                            Some(f) if f.src > span.src => (f, Some(span)),
                            _ => (span, first),
                        };
                        let mut diag = Diagnostic::new(here, format!("duplicate {kind} id `{s}`"))
                            .label(format!("a second {kind} with this id"));
                        if let Some(there) = there {
                            diag = diag.context(there, "first defined here");
                        }
                        d.push(diag);
                        ids.per_item.push(None);
                        ids.spans.push(Some(span));
                    } else {
                        ids.index.insert(s.clone(), i);
                        ids.ordered.push(s.clone());
                        ids.per_item.push(Some(s));
                        ids.spans.push(Some(span));
                    }
                }
                None => {
                    ids.per_item.push(None);
                    ids.spans.push(None);
                }
            }
        }
        ids
    }

    /// Resolves a reference `key = "id"` to the index of that item.
    fn resolve(&self, n: &Node, key: &str, kind: &str, d: &mut Diags) -> Option<usize> {
        let s = string(n, key, d)?;
        if let Some(&i) = self.index.get(&s) {
            return Some(i);
        }
        let help = if d.is_full() {
            None
        } else {
            let ids = || self.ordered.iter().map(String::as_str);
            did_you_mean(&s, ids()).or_else(|| known_list(&format!("{kind} ids"), ids()))
        };
        let known = if self.ordered.is_empty() {
            format!("there is no {kind}")
        } else {
            format!("unknown {kind}")
        };
        d.push(
            Diagnostic::new(n.span, format!("`{key}`: no {kind} with id {s:?}"))
                .label(known)
                .help(help),
        );
        None
    }
}

struct Refs<'a> {
    capabilities: &'a Ids,
    groups: &'a Ids,
    phases: &'a Ids,
    members: &'a Ids,
    events: &'a Ids,
}

type Head = (
    String,
    Option<String>,
    Vec<String>,
    u32,
    Option<u64>,
    Option<u64>,
    Option<u32>,
);

/// `scenario.start`: `Some(None)` when absent, `None` when invalid (reported).
type Start = Option<Option<YearMonth>>;

fn scenario_table(n: &Node, d: &mut Diags) -> (Option<Head>, Start) {
    let Some(o) = Obj::new(n, "`[scenario]`", SCENARIO_KEYS, d) else {
        return (None, None);
    };
    let start = or(o.opt("start"), None, |n| {
        year_month(n, "start", d).map(Some)
    });
    (scenario_head(&o, d), start)
}

fn scenario_head(o: &Obj<'_>, d: &mut Diags) -> Option<Head> {
    let name = o.req("name", d).and_then(|n| string(n, "name", d));
    let description = or(o.opt("description"), None, |n| {
        string(n, "description", d).map(Some)
    });
    let sources = or(o.opt("sources"), Vec::new(), |n| strings(n, "sources", d));
    let horizon = o
        .req("horizon_months", d)
        .and_then(|n| integer(n, "horizon_months", 1, 600, d));
    let trials = or(o.opt("trials"), None, |n| {
        integer(n, "trials", 1, 1_000_000_000, d).map(Some)
    });
    let seed = or(o.opt("seed"), None, |n| {
        integer(n, "seed", 0, i128::from(u64::MAX), d).map(Some)
    });
    let outer = or(o.opt("outer_samples"), None, |n| {
        integer(n, "outer_samples", 1, MAX_OUTER_SAMPLES, d).map(Some)
    });
    Some((
        name?,
        description?,
        sources?,
        u32::try_from(horizon?).ok()?,
        trials?.map(|t| t as u64),
        seed?.map(|s| s as u64),
        outer?.map(|k| k as u32),
    ))
}

fn strings(n: &Node, key: &str, d: &mut Diags) -> Option<Vec<String>> {
    let Value::Array(items) = &n.value else {
        type_error(n, key, "an array of strings", d);
        return None;
    };
    let xs: Vec<Option<String>> = items.iter().map(|x| string(x, key, d)).collect();
    xs.into_iter().collect()
}

/// The keys written in a table such as `[odds]`, valid or not.
fn table_keys(n: Option<&Node>) -> Vec<&str> {
    match n.map(|n| &n.value) {
        Some(Value::Table(t)) => t.entries.iter().map(|e| e.key.as_str()).collect(),
        _ => Vec::new(),
    }
}

/// `[odds]` or `[honour]`: any word -> a probability in [0, 1].
fn word_probabilities(
    n: &Node,
    what: &'static str,
    prefix: &str,
    d: &mut Diags,
) -> Option<BTreeMap<String, f64>> {
    let o = Obj::new(n, what, &[], d)?;
    let mut map = BTreeMap::new();
    let mut ok = true;
    for e in &o.table.entries {
        match uncertain(
            &e.value,
            &format!("{prefix}.{}", e.key),
            Range::Probability,
            d,
        ) {
            Some(p) => {
                map.insert(e.key.clone(), p);
            }
            None => ok = false,
        }
    }
    ok.then_some(map)
}

fn capability(n: &Node, id: Option<String>, d: &mut Diags) -> Option<Capability> {
    let o = Obj::new(n, "`[[capability]]`", CAPABILITY_KEYS, d)?;
    let name = or(o.opt("name"), None, |n| string(n, "name", d).map(Some));
    let unit = or(o.opt("unit"), None, |n| string(n, "unit", d).map(Some));
    let need = o
        .req("need", d)
        .and_then(|n| uncertain(n, "need", Range::Positive, d));
    let threshold = or(o.opt("threshold"), 1.0, |n| {
        uncertain(n, "threshold", Range::Threshold, d)
    });
    let critical = or(o.opt("critical"), true, |n| boolean(n, "critical", d));
    let weight = or(o.opt("weight"), 1.0, |n| {
        number_in(n, "weight", |x| x >= 0.0, ">= 0", d)
    });
    let response_need = or(o.opt("response_need"), None, |n| {
        uncertain(n, "response_need", Range::Positive, d).map(Some)
    });
    let id = id?;
    Some(Capability {
        name: name?.unwrap_or_else(|| id.clone()),
        id,
        unit: unit?,
        need: need?,
        threshold: threshold?,
        critical: critical?,
        weight: weight?,
        response_need: response_need?,
    })
}

fn check_weights(nodes: &[&Node], caps: &[Option<Capability>], d: &mut Diags) {
    let all_valid = caps.iter().all(Option::is_some);
    let sum: f64 = caps.iter().flatten().map(|c| c.weight).sum();
    if all_valid && !caps.is_empty() && sum <= 0.0 {
        let span = nodes.first().map_or(Span::new(0, 0, 0), |n| n.span);
        d.push(
            Diagnostic::new(
                span,
                "the capability weights must sum to more than 0 (all are 0)",
            )
            .label("every `weight` is 0"),
        );
    }
}

fn group(n: &Node, id: Option<String>, d: &mut Diags) -> Option<Group> {
    let o = Obj::new(n, "`[[group]]`", GROUP_KEYS, d)?;
    let correlation = or(o.opt("correlation"), 0.0, |n| {
        uncertain(n, "correlation", Range::Correlation, d)
    });
    Some(Group {
        id: id?,
        correlation: correlation?,
    })
}

/// What whole-scenario checks (cycles, `requires` targets, size) need from
/// an item; gathered even when the item itself is invalid, so that those
/// checks still run and every error is reported at once.
#[derive(Debug, Clone)]
struct Links {
    /// `after` or `requires`: the index named, and where.
    target: Option<(usize, Span)>,
    /// Members: `count` (1 when absent or invalid) and the number of
    /// pledges, exits and responses.
    count: u32,
    pledges: usize,
    exits: usize,
    responses: usize,
    /// Members: the other members named by `with` exits, and where.
    with: Vec<(usize, Span)>,
}

impl Default for Links {
    fn default() -> Links {
        Links {
            target: None,
            count: 1,
            pledges: 0,
            exits: 0,
            responses: 0,
            with: Vec::new(),
        }
    }
}

fn phase(n: &Node, id: Option<String>, refs: &Refs<'_>, d: &mut Diags) -> (Option<Phase>, Links) {
    let Some(o) = Obj::new(n, "`[[phase]]`", PHASE_KEYS, d) else {
        return (None, Links::default());
    };
    let name = or(o.opt("name"), None, |n| string(n, "name", d).map(Some));
    let after = o
        .opt("after")
        .map(|n| (refs.phases.resolve(n, "after", "phase", d), n.span));
    let links = Links {
        target: after.and_then(|(t, span)| Some((t?, span))),
        ..Links::default()
    };
    let start = match after {
        None => {
            for key in ["lag_months", "gate"] {
                if let Some(span) = o.key_span(key) {
                    d.push(
                        Diagnostic::new(
                            span,
                            format!("`{key}` is only allowed on a phase with `after`"),
                        )
                        .label("this phase has no `after`")
                        .help(Some(
                            "a phase without `after` starts at `start_month`".into(),
                        )),
                    );
                }
            }
            or(o.opt("start_month"), Dist::Constant(0.0), |n| {
                dist(n, "start_month", d)
            })
            .map(PhaseStart::At)
        }
        Some((phase, _)) => {
            if let Some(span) = o.key_span("start_month") {
                d.push(
                    Diagnostic::new(
                        span,
                        "`start_month` is only allowed on a phase without `after`",
                    )
                    .label("this phase has `after`")
                    .help(Some(
                        "use `lag_months` to delay a phase after another".into(),
                    )),
                );
            }
            let lag = or(o.opt("lag_months"), Dist::Constant(0.0), |n| {
                dist(n, "lag_months", d)
            });
            let gate = or(o.opt("gate"), None, |n| gate(n, refs, d).map(Some));
            match (phase, lag, gate) {
                (Some(phase), Some(lag), Some(gate)) => {
                    Some(PhaseStart::After { phase, lag, gate })
                }
                _ => None,
            }
        }
    };
    let phase = id.and_then(|id| {
        Some(Phase {
            name: name?.unwrap_or_else(|| id.clone()),
            id,
            start: start?,
        })
    });
    (phase, links)
}

fn gate(n: &Node, refs: &Refs<'_>, d: &mut Diags) -> Option<Gate> {
    let o = Obj::new(n, "`gate`", GATE_KEYS, d)?;
    let capability = o.req("capability", d).and_then(|n| {
        refs.capabilities
            .resolve(n, "gate.capability", "capability", d)
    });
    let coverage = o
        .req("coverage", d)
        .and_then(|n| uncertain(n, "gate.coverage", Range::Threshold, d));
    Some(Gate {
        capability: capability?,
        coverage: coverage?,
    })
}

struct MemberCtx<'a> {
    refs: &'a Refs<'a>,
    /// `None` when `[odds]` is absent or invalid.
    odds: Option<&'a BTreeMap<String, f64>>,
    /// The statuses written in `[odds]`, valid or not.
    odds_keys: &'a [&'a str],
    /// `None` when `[honour]` is absent or invalid.
    honour: Option<&'a BTreeMap<String, f64>>,
    /// The commitment words written in `[honour]`, valid or not.
    honour_keys: &'a [&'a str],
    /// Per capability: whether it has a `response_need` (valid or not).
    response_caps: &'a [bool],
}

fn member(
    n: &Node,
    index: usize,
    id: Option<String>,
    cx: &MemberCtx<'_>,
    d: &mut Diags,
) -> (Option<Member>, Links) {
    let Some(o) = Obj::new(n, "`[[member]]`", MEMBER_KEYS, d) else {
        return (None, Links::default());
    };
    let name = or(o.opt("name"), None, |n| string(n, "name", d).map(Some));
    let status = or(o.opt("status"), None, |n| string(n, "status", d).map(Some));
    let join = match (o.opt("join"), o.opt("status")) {
        (Some(n), _) => uncertain(n, "join", Range::Probability, d),
        (None, Some(sn)) => match (&status, cx.odds) {
            (Some(Some(s)), Some(odds)) if odds.contains_key(s) => odds.get(s).copied(),
            // The status is in `[odds]` but its value is invalid: already reported.
            (Some(Some(s)), None) if cx.odds_keys.contains(&s.as_str()) => None,
            (Some(Some(s)), _) => {
                let known = if cx.odds_keys.is_empty() {
                    "there is no `[odds]` table".to_string()
                } else {
                    format!("known statuses: {}", cx.odds_keys.join(", "))
                };
                let help = did_you_mean(s, cx.odds_keys.iter().copied()).unwrap_or_else(|| {
                    format!("give the member a `join` probability, or add `{s} = ...` to `[odds]`")
                });
                d.push(
                    Diagnostic::new(
                        sn.span,
                        format!("member has no `join` and status {s:?} has no entry in `[odds]` ({known})"),
                    )
                    .label("status without odds")
                    .help(Some(help)),
                );
                None
            }
            _ => None,
        },
        (None, None) => {
            d.push(
                Diagnostic::new(o.span, "missing required key `join` in `[[member]]`")
                    .label("this member has neither `join` nor a `status`")
                    .help(Some(
                        "give `join = <probability>`, or a `status` that has an entry in `[odds]`"
                            .into(),
                    )),
            );
            None
        }
    };
    let group = or(o.opt("group"), None, |n| {
        cx.refs.groups.resolve(n, "group", "group", d).map(Some)
    });
    let requires = or(o.opt("requires"), None, |n| {
        cx.refs
            .members
            .resolve(n, "requires", "member", d)
            .map(|i| Some((i, n.span)))
    });
    let join_without = or(o.opt("join_without"), 0.0, |n| {
        uncertain(n, "join_without", Range::Probability, d)
    });
    let count = or(o.opt("count"), 1, |n| integer(n, "count", 1, MAX_COUNT, d));
    let pledge_nodes = array_of_tables(o.opt("pledge"), "member.pledge", d);
    let pledges: Vec<Option<Pledge>> = pledge_nodes.iter().map(|n| pledge(n, cx.refs, d)).collect();
    let exit_nodes = array_of_tables(o.opt("exit"), "member.exit", d);
    let (exits, with): (Vec<Option<Exit>>, Vec<_>) = exit_nodes
        .iter()
        .map(|n| exit(n, index, cx.refs, d))
        .unzip();
    let commitment = or(o.opt("commitment"), None, |n| {
        string(n, "commitment", d).map(Some)
    });
    let honour = match (o.opt("honour"), &commitment) {
        (Some(n), _) => uncertain(n, "honour", Range::Probability, d),
        (None, Some(Some(word))) => match cx.honour {
            Some(map) => Some(map.get(word).copied().unwrap_or(1.0)),
            // `[honour]` is invalid (already reported), or absent.
            None if cx.honour_keys.contains(&word.as_str()) => None,
            None => Some(1.0),
        },
        (None, Some(None)) => Some(1.0),
        // An invalid `commitment`, already reported.
        (None, None) => None,
    };
    let response_nodes = array_of_tables(o.opt("response"), "member.response", d);
    let responses: Vec<Option<Response>> =
        response_nodes.iter().map(|n| response(n, cx, d)).collect();
    let count = count.and_then(|c| u32::try_from(c).ok());
    let links = Links {
        target: requires.flatten(),
        count: count.unwrap_or(1),
        pledges: pledge_nodes.len(),
        exits: exit_nodes.len(),
        responses: response_nodes.len(),
        with: with.into_iter().flatten().collect(),
    };
    let member = id.and_then(|id| {
        Some(Member {
            name: name?.unwrap_or_else(|| id.clone()),
            id,
            status: status?,
            join: join?,
            group: group?,
            requires: requires?.map(|r| r.0),
            join_without: join_without?,
            count: count?,
            pledges: pledges.into_iter().collect::<Option<_>>()?,
            exits: exits.into_iter().collect::<Option<_>>()?,
            commitment: commitment?,
            honour: honour?,
            responses: responses.into_iter().collect::<Option<_>>()?,
        })
    });
    (member, links)
}

fn pledge(n: &Node, refs: &Refs<'_>, d: &mut Diags) -> Option<Pledge> {
    let o = Obj::new(n, "`[[member.pledge]]`", PLEDGE_KEYS, d)?;
    let capability = o
        .req("capability", d)
        .and_then(|n| refs.capabilities.resolve(n, "capability", "capability", d));
    let phase = o
        .req("phase", d)
        .and_then(|n| refs.phases.resolve(n, "phase", "phase", d));
    let amount = o.req("amount", d).and_then(|n| dist(n, "amount", d));
    let delay = or(o.opt("delay_months"), Dist::Constant(0.0), |n| {
        dist(n, "delay_months", d)
    });
    let duration = or(o.opt("duration_months"), None, |n| {
        dist(n, "duration_months", d).map(Some)
    });
    let probability = or(o.opt("probability"), 1.0, |n| {
        uncertain(n, "probability", Range::Probability, d)
    });
    Some(Pledge {
        capability: capability?,
        phase: phase?,
        amount: amount?,
        delay: delay?,
        duration: duration?,
        probability: probability?,
    })
}

/// `[[member.exit]]` of member `index`; also the member a valid `with`
/// names, and where, for the whole-scenario checks.
fn exit(
    n: &Node,
    index: usize,
    refs: &Refs<'_>,
    d: &mut Diags,
) -> (Option<Exit>, Option<(usize, Span)>) {
    let Some(o) = Obj::new(n, "`[[member.exit]]`", EXIT_KEYS, d) else {
        return (None, None);
    };
    // The triggers given, in source order (a `--set` flag's last), so that
    // the one added later is the one reported.
    let mut given: Vec<(&str, Span)> = EXIT_TRIGGERS
        .iter()
        .filter_map(|&k| Some((k, o.opt(k)?.span)))
        .collect();
    given.sort_by_key(|&(_, span)| (span.src, span.start));
    let mut link = None;
    let trigger = match given.as_slice() {
        [] => {
            d.push(
                Diagnostic::new(
                    o.span,
                    "an exit needs exactly one of `event`, `with` and `rate_per_year`",
                )
                .label("this exit has no trigger")
                .help(Some(
                    "e.g. `event = \"<event id>\"`, `with = \"<member id>\"` or `rate_per_year = 0.1`"
                        .into(),
                )),
            );
            None
        }
        [(key, _)] => match *key {
            "event" => o.opt("event").and_then(|n| {
                refs.events
                    .resolve(n, "event", "event", d)
                    .map(ExitTrigger::Event)
            }),
            "with" => o.opt("with").and_then(|n| {
                let target = refs.members.resolve(n, "with", "member", d)?;
                if target == index {
                    d.push(
                        Diagnostic::new(n.span, "`with` names the member itself")
                            .label("expected another member's id")
                            .help(Some(
                                "`with` makes a member leave when another member leaves".into(),
                            )),
                    );
                    return None;
                }
                link = Some((target, n.span));
                Some(ExitTrigger::With(target))
            }),
            _ => o.opt("rate_per_year").and_then(|n| {
                uncertain(n, "rate_per_year", Range::Rate, d).map(ExitTrigger::RatePerYear)
            }),
        },
        [(first, _), rest @ ..] => {
            for &(key, span) in rest {
                d.push(
                    Diagnostic::new(
                        span,
                        format!(
                            "an exit has exactly one trigger, found `{first}` and `{key}`"
                        ),
                    )
                    .label("a second trigger")
                    .help(Some(
                        "write one `[[member.exit]]` per trigger; the earliest one ends the member's pledges"
                            .into(),
                    )),
                );
            }
            None
        }
    };
    let probability = or(o.opt("probability"), 1.0, |n| {
        uncertain(n, "probability", Range::Probability, d)
    });
    let lag = or(o.opt("lag_months"), Dist::Constant(0.0), |n| {
        dist(n, "lag_months", d)
    });
    let exit = (|| {
        Some(Exit {
            trigger: trigger?,
            probability: probability?,
            lag: lag?,
        })
    })();
    (exit, link)
}

/// `[[member.response]]`: its capability must have a `response_need`.
fn response(n: &Node, cx: &MemberCtx<'_>, d: &mut Diags) -> Option<Response> {
    let o = Obj::new(n, "`[[member.response]]`", RESPONSE_KEYS, d)?;
    let capability = o.req("capability", d).and_then(|n| {
        let c = cx
            .refs
            .capabilities
            .resolve(n, "capability", "capability", d)?;
        if cx.response_caps.get(c).copied().unwrap_or(true) {
            return Some(c);
        }
        let id = match &n.value {
            Value::Str(s) => s.as_str(),
            _ => "",
        };
        d.push(
            Diagnostic::new(
                n.span,
                format!(
                    "capability `{id}` has no `response_need`; only capabilities with one are tested when an attack comes"
                ),
            )
            .label("a capability without `response_need`")
            .help(Some(format!(
                "add `response_need = <amount>` to the `[[capability]]` with id `{id}`"
            ))),
        );
        None
    });
    let amount = o.req("amount", d).and_then(|n| dist(n, "amount", d));
    let delay = or(o.opt("delay_months"), Dist::Constant(0.0), |n| {
        dist(n, "delay_months", d)
    });
    let probability = or(o.opt("probability"), 1.0, |n| {
        uncertain(n, "probability", Range::Probability, d)
    });
    Some(Response {
        capability: capability?,
        amount: amount?,
        delay: delay?,
        probability: probability?,
    })
}

/// `[[event]]`; `start` is `scenario.start` (`None` when it is invalid).
fn event(n: &Node, id: Option<String>, start: Start, d: &mut Diags) -> Option<Event> {
    let o = Obj::new(n, "`[[event]]`", EVENT_KEYS, d)?;
    let name = or(o.opt("name"), None, |n| string(n, "name", d).map(Some));
    let when = match (o.opt("month"), o.opt("date")) {
        (Some(month), Some(date)) => {
            // The later of the two (a `--set` flag's) is the one reported.
            let later = [month.span, date.span]
                .into_iter()
                .max_by_key(|s| (s.src, s.start))
                .unwrap_or(date.span);
            d.push(
                Diagnostic::new(
                    later,
                    "an event has exactly one of `month` and `date`, found both",
                )
                .label("a second time for this event")
                .help(Some("remove `date` or `month`".into())),
            );
            None
        }
        (None, None) => {
            d.push(
                Diagnostic::new(
                    o.span,
                    "an event needs exactly one of `month` and `date`, found neither",
                )
                .label("this event has no time")
                .help(Some(
                    "e.g. `month = 15`, `month = { uniform = [12, 18] }` or `date = \"2027-04\"`"
                        .into(),
                )),
            );
            None
        }
        (Some(n), None) => dist(n, "month", d).map(|m| (m, None)),
        (None, Some(n)) => {
            let date = year_month(n, "date", d);
            match (date, start) {
                (Some(date), Some(Some(start))) => {
                    Some((Dist::Constant(start.months_until(date) as f64), Some(date)))
                }
                (Some(_), Some(None)) => {
                    d.push(
                        Diagnostic::new(
                            n.span,
                            "an event `date` needs `start` in `[scenario]`",
                        )
                        .label("a calendar month, but month 0 has no date")
                        .help(Some(
                            "add `start = \"YYYY-MM\"` (the calendar month of month 0) to `[scenario]`, or give the event a `month`"
                                .into(),
                        )),
                    );
                    None
                }
                // An invalid date or start, already reported.
                _ => None,
            }
        }
    };
    let probability = or(o.opt("probability"), 1.0, |n| {
        uncertain(n, "probability", Range::Probability, d)
    });
    let id = id?;
    let (month, date) = when?;
    Some(Event {
        name: name?.unwrap_or_else(|| id.clone()),
        id,
        month,
        date,
        probability: probability?,
    })
}

/// `[attack]`.
fn attack(n: &Node, refs: &Refs<'_>, d: &mut Diags) -> Option<Attack> {
    let o = Obj::new(n, "`[attack]`", ATTACK_KEYS, d)?;
    let rate = |n: &Node, key: &str, d: &mut Diags| uncertain(n, key, Range::Rate, d);
    let rate_per_year = o
        .req("rate_per_year", d)
        .and_then(|n| rate(n, "rate_per_year", d));
    let when_met = match o.opt("rate_per_year_when_met") {
        Some(n) => rate(n, "rate_per_year_when_met", d).map(Some),
        None => Some(None),
    };
    let window_months = or(o.opt("window_months"), 1.0, |n| {
        number_in(n, "window_months", |x| x > 0.0, "> 0", d)
    });
    let warning = or(o.opt("warning"), None, |n| warning(n, refs, d).map(Some));
    let rate_per_year = rate_per_year?;
    Some(Attack {
        rate_per_year,
        rate_per_year_when_met: when_met?.unwrap_or(rate_per_year),
        window_months: window_months?,
        warning: warning?,
    })
}

fn warning(n: &Node, refs: &Refs<'_>, d: &mut Diags) -> Option<Warning> {
    let o = Obj::new(n, "`attack.warning`", WARNING_KEYS, d)?;
    let capability = o.req("capability", d).and_then(|n| {
        refs.capabilities
            .resolve(n, "warning.capability", "capability", d)
    });
    let lead_months = or(o.opt("lead_months"), 0.0, |n| {
        number_in(n, "warning.lead_months", |x| x >= 0.0, ">= 0", d)
    });
    Some(Warning {
        capability: capability?,
        lead_months: lead_months?,
    })
}

/// A calendar month written `"YYYY-MM"`, years `MIN_YEAR..=MAX_YEAR`.
fn year_month(n: &Node, key: &str, d: &mut Diags) -> Option<YearMonth> {
    let Value::Str(s) = &n.value else {
        type_error(n, key, "a calendar month in quotes, like \"2026-01\"", d);
        return None;
    };
    let parsed = parse_year_month(s).filter(|ym| (MIN_YEAR..=MAX_YEAR).contains(&ym.year));
    if parsed.is_none() {
        d.push(
            Diagnostic::new(
                n.span,
                format!(
                    "`{key}` must be a calendar month \"YYYY-MM\" (month 01-12, year {MIN_YEAR}-{MAX_YEAR}), found {s:?}"
                ),
            )
            .label("expected \"YYYY-MM\", e.g. \"2026-01\""),
        );
    }
    parsed
}

fn parse_year_month(s: &str) -> Option<YearMonth> {
    let (year, month) = s.split_once('-')?;
    let digits = |t: &str, len: usize| t.len() == len && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(month, 2) {
        return None;
    }
    let month: u32 = month.parse().ok()?;
    (1..=12).contains(&month).then_some(YearMonth {
        year: year.parse().ok()?,
        month,
    })
}

/// `with` may not name a member with `count > 1`, nor form a cycle.
fn check_with(links: &[Links], ids: &[Option<String>], d: &mut Diags) {
    for &(j, span) in links.iter().flat_map(|l| &l.with) {
        let count = links.get(j).map_or(1, |l| l.count);
        if count > 1 {
            let name = ids.get(j).cloned().flatten().unwrap_or_default();
            d.push(
                Diagnostic::new(
                    span,
                    format!(
                        "`with` names member `{name}`, which has `count = {count}`; an exit may only follow a member with count 1"
                    ),
                )
                .label("exits with a replicated member"),
            );
        }
    }
    let edges: Vec<Vec<(usize, Span)>> = links.iter().map(|l| l.with.clone()).collect();
    report_graph_cycles(&edges, ids, "with", d);
}

/// `requires` may not name a member with `count > 1`, nor form a cycle.
fn check_requires(links: &[Links], ids: &[Option<String>], d: &mut Diags) {
    for (j, span) in links.iter().filter_map(|l| l.target) {
        let count = links.get(j).map_or(1, |l| l.count);
        if count > 1 {
            let name = ids.get(j).cloned().flatten().unwrap_or_default();
            d.push(
                Diagnostic::new(
                    span,
                    format!(
                        "`requires` names member `{name}`, which has `count = {count}`; a required member must have count 1"
                    ),
                )
                .label("requires a replicated member"),
            );
        }
    }
    report_cycles(links, ids, "requires", d);
}

/// Reports each cycle of a graph where every node has at most one successor
/// (`requires`, `after`), naming its members in order.
fn report_cycles(links: &[Links], ids: &[Option<String>], key: &str, d: &mut Diags) {
    let edges: Vec<Vec<(usize, Span)>> = links
        .iter()
        .map(|l| l.target.into_iter().collect())
        .collect();
    report_graph_cycles(&edges, ids, key, d);
}

/// Reports cycles of a graph given by each node's successors (the index
/// named, and where), naming the nodes in order and pointing at the link
/// that leaves the first node of the cycle. Depth first, without recursion.
fn report_graph_cycles(
    edges: &[Vec<(usize, Span)>],
    ids: &[Option<String>],
    key: &str,
    d: &mut Diags,
) {
    let n = edges.len();
    // 0 = unseen, 1 = on the current walk, 2 = done.
    let mut state = vec![0u8; n];
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        // (node, number of its links followed so far)
        let mut walk: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(top) = walk.last_mut() {
            let (u, next) = *top;
            let Some(&(v, _)) = edges[u].get(next) else {
                state[u] = 2;
                walk.pop();
                continue;
            };
            top.1 += 1;
            match state.get(v) {
                Some(0) => {
                    state[v] = 1;
                    walk.push((v, 0));
                }
                Some(1) => {
                    let pos = walk.iter().position(|&(w, _)| w == v).unwrap_or(0);
                    let name =
                        |k: usize| ids.get(k).cloned().flatten().unwrap_or_else(|| "?".into());
                    let mut names: Vec<String> =
                        walk[pos..].iter().map(|&(k, _)| name(k)).collect();
                    names.push(name(v));
                    let (first, taken) = walk[pos];
                    let span = edges[first]
                        .get(taken.wrapping_sub(1))
                        .map_or(Span::new(0, 0, 0), |e| e.1);
                    d.push(
                        Diagnostic::new(span, format!("cycle in `{key}`: {}", names.join(" -> ")))
                            .label(format!("`{key}` leads back here")),
                    );
                }
                _ => {}
            }
        }
    }
}

/// Caps the total work of one trial so no input can exhaust memory or time.
fn check_size(nodes: &[&Node], links: &[Links], d: &mut Diags) {
    let mut replicas: u64 = 0;
    let mut draws: u64 = 0;
    for (n, m) in nodes.iter().zip(links) {
        replicas += u64::from(m.count);
        draws += u64::from(m.count) * (m.pledges + m.exits + m.responses) as u64;
        if replicas > MAX_REPLICAS || draws > MAX_PLEDGE_DRAWS {
            d.push(
                Diagnostic::new(
                    n.span,
                    format!(
                        "scenario too large: members x count may not exceed {MAX_REPLICAS}, nor (pledges + exits + responses) x count {MAX_PLEDGE_DRAWS}"
                    ),
                )
                .label("the limit is passed at this member"),
            );
            return;
        }
    }
    // Forcing a member out (attribution, docs/model.md 9) redraws the joins
    // of the replicas that require it, directly or through others: each
    // replica once per member above it in its `requires` chain.
    let mut depth: Vec<Option<u64>> = vec![None; links.len()];
    let mut dependents: u64 = 0;
    for start in 0..links.len() {
        // The chain up from `start` to a member of known depth (or the top),
        // then the depths back down it. Bounded: a cycle (reported
        // elsewhere) stops at the chain's length.
        let mut chain = vec![start];
        while let Some((next, _)) = links[*chain.last().unwrap_or(&start)].target {
            if next >= links.len() || depth[next].is_some() || chain.len() > links.len() {
                break;
            }
            chain.push(next);
        }
        while let Some(m) = chain.pop() {
            let above = links[m]
                .target
                .and_then(|(t, _)| depth.get(t).copied().flatten().map(|d| d + 1))
                .unwrap_or(0);
            depth[m].get_or_insert(above);
        }
        dependents += u64::from(links[start].count) * depth[start].unwrap_or(0);
        if dependents > MAX_REPLICAS {
            d.push(
                Diagnostic::new(
                    nodes[start].span,
                    format!(
                        "`requires` chains too long: over all members, replicas x the members above them in their `requires` chain may not exceed {MAX_REPLICAS}"
                    ),
                )
                .label("the limit is passed at this member"),
            );
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::input::load::load_str;
    use crate::input::scenario::{
        Dist, Exit, ExitTrigger, PhaseStart, Response, Scenario, Warning, YearMonth,
    };

    const HEAD: &str = "[scenario]\nname = \"t\"\nhorizon_months = 12\n[[capability]]\nid = \"c\"\nneed = 10\n[[phase]]\nid = \"p\"\n";

    fn load(text: &str) -> Scenario {
        match load_str("t.toml", text, &[]) {
            Ok(l) => l.scenario,
            Err(e) => panic!("{e}"),
        }
    }

    /// The error report of a file that must not load.
    fn error(text: &str) -> String {
        match load_str("t.toml", text, &[]) {
            Ok(_) => panic!("loaded without error:\n{text}"),
            Err(e) => e.to_string(),
        }
    }

    /// The amount of the only pledge, written as `amount = {text}`.
    fn amount(text: &str) -> Dist {
        let s = load(&format!(
            "{HEAD}[[member]]\nid = \"m\"\njoin = 1\n[[member.pledge]]\ncapability = \"c\"\nphase = \"p\"\namount = {text}\n"
        ));
        s.members[0].pledges[0].amount.clone()
    }

    #[test]
    fn every_distribution_form() {
        assert_eq!(amount("3"), Dist::Constant(3.0));
        assert_eq!(amount("-2.5"), Dist::Constant(-2.5));
        assert_eq!(
            amount("{ uniform = [1, 2.5] }"),
            Dist::Uniform { a: 1.0, b: 2.5 }
        );
        assert_eq!(
            amount("{ uniform = [2, 2] }"),
            Dist::Uniform { a: 2.0, b: 2.0 }
        );
        assert_eq!(
            amount("{ triangular = [1, 1, 3] }"),
            Dist::Triangular {
                min: 1.0,
                mode: 1.0,
                max: 3.0
            }
        );
        assert_eq!(
            amount("{ pert = [0, 2, 3.5] }"),
            Dist::Pert {
                min: 0.0,
                mode: 2.0,
                max: 3.5
            }
        );
        assert_eq!(
            amount("{ normal = [5, 0] }"),
            Dist::Normal { mean: 5.0, sd: 0.0 }
        );
        assert_eq!(
            amount("{ range90 = [1, 10] }"),
            Dist::Range90 { lo: 1.0, hi: 10.0 }
        );
        assert_eq!(
            amount("{ choice = [[1, 0], [2, 3.5]] }"),
            Dist::Choice(vec![(1.0, 0.0), (2.0, 3.5)])
        );
        // Dotted-key form of the same table.
        let s = load(&format!(
            "{HEAD}[[member]]\nid = \"m\"\njoin = 1\n[[member.pledge]]\ncapability = \"c\"\nphase = \"p\"\namount.uniform = [1, 2]\n"
        ));
        assert_eq!(
            s.members[0].pledges[0].amount,
            Dist::Uniform { a: 1.0, b: 2.0 }
        );
    }

    #[test]
    fn every_default() {
        let s = load(&format!(
            "{HEAD}[[phase]]\nid = \"q\"\nafter = \"p\"\n[[group]]\nid = \"g\"\n[[member]]\nid = \"m\"\njoin = 1\n[[member.pledge]]\ncapability = \"c\"\nphase = \"q\"\namount = 1\n[[member]]\nid = \"n\"\njoin = 0\n"
        ));
        assert_eq!(s.description, None);
        assert!(s.sources.is_empty() && s.odds.is_empty());
        assert_eq!((s.trials, s.seed), (None, None));
        let c = &s.capabilities[0];
        assert_eq!((c.name.as_str(), c.unit.as_deref()), ("c", None));
        assert_eq!((c.threshold, c.critical, c.weight), (1.0, true, 1.0));
        assert_eq!(s.groups[0].correlation, 0.0);
        assert_eq!(s.phases[0].name, "p");
        assert_eq!(s.phases[0].start, PhaseStart::At(Dist::Constant(0.0)));
        assert_eq!(
            s.phases[1].start,
            PhaseStart::After {
                phase: 0,
                lag: Dist::Constant(0.0),
                gate: None
            }
        );
        let m = &s.members[0];
        assert_eq!((m.name.as_str(), m.status.as_deref()), ("m", None));
        assert_eq!(
            (m.group, m.requires, m.join_without, m.count),
            (None, None, 0.0, 1)
        );
        let p = &m.pledges[0];
        assert_eq!((p.capability, p.phase), (0, 1));
        assert_eq!(
            (&p.delay, &p.duration, p.probability),
            (&Dist::Constant(0.0), &None, 1.0)
        );
        assert!(s.members[1].pledges.is_empty());
    }

    #[test]
    fn join_from_odds_and_explicit_join_wins() {
        let s = load(&format!(
            "{HEAD}[odds]\nconfirmed = 0.8\n[[member]]\nid = \"a\"\nstatus = \"confirmed\"\n[[member]]\nid = \"b\"\nstatus = \"confirmed\"\njoin = 0.1\n[[member]]\nid = \"c\"\nstatus = \"unknown-word\"\njoin = 0.2\n"
        ));
        let joins: Vec<f64> = s.members.iter().map(|m| m.join).collect();
        assert_eq!(joins, vec![0.8, 0.1, 0.2]);
    }

    #[test]
    fn limits_at_their_edges_are_valid() {
        let s = load(
            "[scenario]\nname = \"t\"\nhorizon_months = 600\ntrials = 1_000_000_000\nseed = 0\n[[capability]]\nid = \"a-b_0\"\nneed = 0.001\nthreshold = 1\nweight = 0\n[[capability]]\nid = \"z\"\nneed = 1\n[[group]]\nid = \"g\"\ncorrelation = 0.999\n[[member]]\nid = \"m\"\njoin = 0\ncount = 10000\ngroup = \"g\"\n",
        );
        assert_eq!(
            (s.horizon_months, s.trials, s.seed),
            (600, Some(1_000_000_000), Some(0))
        );
        assert_eq!(s.members[0].count, 10_000);
    }

    #[test]
    fn requires_chain_without_cycle_is_valid() {
        let s = load(&format!(
            "{HEAD}[[member]]\nid = \"a\"\njoin = 1\nrequires = \"b\"\n[[member]]\nid = \"b\"\njoin = 1\nrequires = \"c\"\n[[member]]\nid = \"c\"\njoin = 1\n"
        ));
        let req: Vec<Option<usize>> = s.members.iter().map(|m| m.requires).collect();
        assert_eq!(req, vec![Some(1), Some(2), None]);
    }

    /// A file with `start`, the given events, and members `a` (with the
    /// given member lines) and `b`.
    fn v2(start: &str, events: &str, member_a: &str) -> String {
        let head = HEAD.replacen(
            "horizon_months = 12\n",
            &format!("horizon_months = 12\n{start}"),
            1,
        );
        format!(
            "{head}{events}[[member]]\nid = \"a\"\njoin = 1\n{member_a}[[member]]\nid = \"b\"\njoin = 1\n"
        )
    }

    #[test]
    fn v1_file_has_no_v2_inputs() {
        let s = load(&format!("{HEAD}[[member]]\nid = \"m\"\njoin = 1\n"));
        assert_eq!((s.start, s.attack.as_ref()), (None, None));
        assert!(s.events.is_empty() && s.honour.is_empty());
        assert_eq!(s.capabilities[0].response_need, None);
        let m = &s.members[0];
        assert!(m.exits.is_empty() && m.responses.is_empty());
        assert_eq!((m.commitment.as_deref(), m.honour), (None, 1.0));
    }

    #[test]
    fn event_defaults_and_date_conversion() {
        let s = load(&v2(
            "start = \"2026-01\"\n",
            "[[event]]\nid = \"e\"\nmonth = { uniform = [3, 5] }\n[[event]]\nid = \"fr-2027\"\nname = \"French election\"\ndate = \"2027-04\"\nprobability = 0.4\n[[event]]\nid = \"past\"\ndate = \"2025-11\"\n",
            "",
        ));
        assert_eq!(
            s.start,
            Some(YearMonth {
                year: 2026,
                month: 1
            })
        );
        let e = &s.events[0];
        assert_eq!((e.id.as_str(), e.name.as_str()), ("e", "e"));
        assert_eq!(
            (&e.month, e.date, e.probability),
            (&Dist::Uniform { a: 3.0, b: 5.0 }, None, 1.0)
        );
        let fr = &s.events[1];
        assert_eq!(fr.name, "French election");
        assert_eq!(fr.month, Dist::Constant(15.0));
        assert_eq!(
            fr.date,
            Some(YearMonth {
                year: 2027,
                month: 4
            })
        );
        assert_eq!(fr.probability, 0.4);
        // A date before the start is a negative month.
        assert_eq!(s.events[2].month, Dist::Constant(-2.0));
        // A month may be negative too, and a start without events is fine.
        let s = load(&v2(
            "start = \"1900-12\"\n",
            "[[event]]\nid = \"e\"\nmonth = -3\n",
            "",
        ));
        assert_eq!(s.events[0].month, Dist::Constant(-3.0));
        assert_eq!(
            s.start,
            Some(YearMonth {
                year: 1900,
                month: 12
            })
        );
    }

    #[test]
    fn start_format_is_checked() {
        for bad in [
            "\"2026-1\"",
            "\"2026-13\"",
            "\"2026-00\"",
            "\"26-01\"",
            "\"2026/01\"",
            "\"2026-01-01\"",
            "\"1899-12\"",
            "\"2201-01\"",
            "\"+026-01\"",
            "\"２026-01\"",
        ] {
            let msg = error(&v2(&format!("start = {bad}\n"), "", ""));
            assert!(
                msg.contains("must be a calendar month \"YYYY-MM\""),
                "{bad}: {msg}"
            );
            assert!(msg.contains("t.toml:4:9"), "{bad}: {msg}");
        }
        let msg = error(&v2("start = 202601\n", "", ""));
        assert!(
            msg.contains("`start` must be a calendar month in quotes"),
            "{msg}"
        );
    }

    #[test]
    fn event_time_is_exactly_one_of_month_and_date() {
        let both = error(&v2(
            "start = \"2026-01\"\n",
            "[[event]]\nid = \"e\"\nmonth = 3\ndate = \"2026-05\"\n",
            "",
        ));
        assert!(
            both.contains("exactly one of `month` and `date`, found both"),
            "{both}"
        );
        let neither = error(&v2("", "[[event]]\nid = \"e\"\nprobability = 0.5\n", ""));
        assert!(neither.contains("found neither"), "{neither}");
        let no_start = error(&v2("", "[[event]]\nid = \"e\"\ndate = \"2026-05\"\n", ""));
        assert!(
            no_start.contains("needs `start` in `[scenario]`"),
            "{no_start}"
        );
        assert!(no_start.contains("add `start = \"YYYY-MM\"`"), "{no_start}");
        // An invalid start is reported once, not again at each date.
        let bad_start = error(&v2(
            "start = \"2026\"\n",
            "[[event]]\nid = \"e\"\ndate = \"2026-05\"\n",
            "",
        ));
        assert!(bad_start.contains("`start` must be"), "{bad_start}");
        assert!(!bad_start.contains("needs `start`"), "{bad_start}");
    }

    #[test]
    fn exits_every_trigger_and_defaults() {
        let s = load(&v2(
            "",
            "[[event]]\nid = \"e\"\nmonth = 4\n",
            "[[member.exit]]\nevent = \"e\"\n[[member.exit]]\nwith = \"b\"\nprobability = 0.5\nlag_months = { uniform = [1, 6] }\n[[member.exit]]\nrate_per_year = 0\n",
        ));
        assert_eq!(
            s.members[0].exits,
            vec![
                Exit {
                    trigger: ExitTrigger::Event(0),
                    probability: 1.0,
                    lag: Dist::Constant(0.0)
                },
                Exit {
                    trigger: ExitTrigger::With(1),
                    probability: 0.5,
                    lag: Dist::Uniform { a: 1.0, b: 6.0 }
                },
                Exit {
                    trigger: ExitTrigger::RatePerYear(0.0),
                    probability: 1.0,
                    lag: Dist::Constant(0.0)
                },
            ]
        );
    }

    #[test]
    fn exit_has_exactly_one_trigger() {
        let two = error(&v2(
            "",
            "",
            "[[member.exit]]\nwith = \"b\"\nrate_per_year = 1\n",
        ));
        assert!(two.contains("found `with` and `rate_per_year`"), "{two}");
        let three = error(&v2(
            "",
            "[[event]]\nid = \"e\"\nmonth = 1\n",
            "[[member.exit]]\nevent = \"e\"\nwith = \"b\"\nrate_per_year = 1\n",
        ));
        assert!(three.contains("2 errors"), "{three}");
        let none = error(&v2("", "", "[[member.exit]]\nprobability = 0.5\n"));
        assert!(
            none.contains("exactly one of `event`, `with` and `rate_per_year`"),
            "{none}"
        );
    }

    #[test]
    fn with_rules() {
        let itself = error(&v2("", "", "[[member.exit]]\nwith = \"a\"\n"));
        assert!(
            itself.contains("`with` names the member itself"),
            "{itself}"
        );
        assert!(!itself.contains("cycle"), "{itself}");
        let unknown = error(&v2("", "", "[[member.exit]]\nwith = \"bb\"\n"));
        assert!(unknown.contains("did you mean `b`?"), "{unknown}");
        let replicated = error(&format!(
            "{HEAD}[[member]]\nid = \"a\"\njoin = 1\n[[member.exit]]\nwith = \"b\"\n[[member]]\nid = \"b\"\njoin = 1\ncount = 2\n"
        ));
        assert!(replicated.contains("which has `count = 2`"), "{replicated}");
        // A cycle through several `with` exits of one member.
        let cycle = error(&format!(
            "{HEAD}[[member]]\nid = \"a\"\njoin = 1\n[[member.exit]]\nrate_per_year = 1\n[[member.exit]]\nwith = \"b\"\n[[member]]\nid = \"b\"\njoin = 1\n[[member.exit]]\nwith = \"c\"\n[[member]]\nid = \"c\"\njoin = 1\n[[member.exit]]\nwith = \"d\"\n[[member.exit]]\nwith = \"a\"\n[[member]]\nid = \"d\"\njoin = 1\n"
        ));
        assert!(
            cycle.contains("cycle in `with`: a -> b -> c -> a"),
            "{cycle}"
        );
        assert!(cycle.contains("t.toml:15:8"), "{cycle}");
        // Several members leaving with one, in a chain, is fine.
        let s = load(&format!(
            "{HEAD}[[member]]\nid = \"a\"\njoin = 1\n[[member.exit]]\nwith = \"b\"\n[[member.exit]]\nwith = \"c\"\n[[member]]\nid = \"b\"\njoin = 1\n[[member.exit]]\nwith = \"c\"\n[[member]]\nid = \"c\"\njoin = 1\n"
        ));
        assert_eq!(s.members[1].exits[0].trigger, ExitTrigger::With(2));
    }

    #[test]
    fn honour_resolution() {
        let s = load(&format!(
            "{HEAD}[honour]\nlegal = 0.75\npolitical = 0.4\n[[member]]\nid = \"a\"\njoin = 1\ncommitment = \"legal\"\n[[member]]\nid = \"b\"\njoin = 1\ncommitment = \"legal\"\nhonour = 0.1\n[[member]]\nid = \"c\"\njoin = 1\ncommitment = \"verbal\"\n[[member]]\nid = \"d\"\njoin = 1\nhonour = 0\n[[member]]\nid = \"e\"\njoin = 1\n"
        ));
        let honours: Vec<f64> = s.members.iter().map(|m| m.honour).collect();
        assert_eq!(honours, vec![0.75, 0.1, 1.0, 0.0, 1.0]);
        assert_eq!(s.members[2].commitment.as_deref(), Some("verbal"));
        assert_eq!(s.honour.get("political"), Some(&0.4));
        // A commitment without any `[honour]` table also gives 1.
        let s = load(&v2("", "", "commitment = \"legal\"\n"));
        assert_eq!(s.members[0].honour, 1.0);
        let msg = error(&format!("{HEAD}[honour]\nlegal = 75\n"));
        assert!(
            msg.contains("`honour.legal` must be a probability"),
            "{msg}"
        );
        assert!(msg.contains("0.75 for 75%"), "{msg}");
    }

    #[test]
    fn responses_and_attack() {
        let s = load(
            "[scenario]\nname = \"t\"\nhorizon_months = 12\n[attack]\nrate_per_year = 0.25\nwarning = { capability = \"c\" }\n[[capability]]\nid = \"c\"\nneed = 10\nresponse_need = 4\n[[member]]\nid = \"m\"\njoin = 1\n[[member.response]]\ncapability = \"c\"\namount = { pert = [1, 2, 4] }\n[[member.response]]\ncapability = \"c\"\namount = 1\ndelay_months = 0.5\nprobability = 0.3\n",
        );
        assert_eq!(s.capabilities[0].response_need, Some(4.0));
        let a = s.attack.as_ref().expect("attack");
        assert_eq!(
            (a.rate_per_year, a.rate_per_year_when_met, a.window_months),
            (0.25, 0.25, 1.0)
        );
        assert_eq!(
            a.warning,
            Some(Warning {
                capability: 0,
                lead_months: 0.0
            })
        );
        assert_eq!(
            s.members[0].responses,
            vec![
                Response {
                    capability: 0,
                    amount: Dist::Pert {
                        min: 1.0,
                        mode: 2.0,
                        max: 4.0
                    },
                    delay: Dist::Constant(0.0),
                    probability: 1.0
                },
                Response {
                    capability: 0,
                    amount: Dist::Constant(1.0),
                    delay: Dist::Constant(0.5),
                    probability: 0.3
                },
            ]
        );
        let s = load(&format!(
            "{HEAD}[attack]\nrate_per_year = 0\nrate_per_year_when_met = 0.5\nwindow_months = 0.25\n"
        ));
        let a = s.attack.as_ref().expect("attack");
        assert_eq!(
            (
                a.rate_per_year,
                a.rate_per_year_when_met,
                a.window_months,
                &a.warning
            ),
            (0.0, 0.5, 0.25, &None)
        );
        let msg = error(&format!("{HEAD}[attack]\nwindow_months = 0\n"));
        assert!(
            msg.contains("missing required key `rate_per_year` in `[attack]`"),
            "{msg}"
        );
        assert!(msg.contains("`window_months` must be > 0"), "{msg}");
    }

    #[test]
    fn response_needs_a_capability_with_response_need() {
        let msg = error(&format!(
            "{HEAD}[[capability]]\nid = \"d\"\nneed = 1\nresponse_need = 1\n[[member]]\nid = \"m\"\njoin = 1\n[[member.response]]\ncapability = \"c\"\namount = 1\n"
        ));
        assert!(
            msg.contains("capability `c` has no `response_need`"),
            "{msg}"
        );
        assert!(msg.contains("t.toml:17:14"), "{msg}");
        // An invalid `response_need` is reported once, at the capability.
        let msg = error(
            "[scenario]\nname = \"t\"\nhorizon_months = 12\n[[capability]]\nid = \"c\"\nneed = 10\nresponse_need = -1\n[[member]]\nid = \"m\"\njoin = 1\n[[member.response]]\ncapability = \"c\"\namount = 1\n",
        );
        assert!(msg.contains("`response_need` must be > 0"), "{msg}");
        assert!(!msg.contains("has no `response_need`"), "{msg}");
    }

    #[test]
    fn exits_and_responses_count_into_the_size_limit() {
        let mut text = format!(
            "{HEAD}[[capability]]\nid = \"r\"\nneed = 1\nresponse_need = 1\n[[member]]\nid = \"m\"\njoin = 1\ncount = 10000\n"
        );
        for _ in 0..50 {
            text.push_str("[[member.exit]]\nrate_per_year = 1\n");
        }
        assert!(load_str("t.toml", &text, &[]).is_ok());
        for _ in 0..51 {
            text.push_str("[[member.response]]\ncapability = \"r\"\namount = 1\n");
        }
        let msg = error(&text);
        assert!(
            msg.contains("(pledges + exits + responses) x count"),
            "{msg}"
        );
    }

    #[test]
    fn events_are_limited() {
        let mut text = String::from(HEAD);
        for i in 0..=super::MAX_EVENTS {
            text.push_str(&format!("[[event]]\nid = \"e{i}\"\nmonth = 1\n"));
        }
        let msg = error(&text);
        assert!(
            msg.contains("1001 `[[event]]` tables, at most 1000"),
            "{msg}"
        );
    }

    /// Attribution redraws each replica's join once per member above it in
    /// its `requires` chain: a chain of 1,500 members (1,124,250 such
    /// redraws) is refused;
    /// 1,000 members (499,500) load.
    #[test]
    fn requires_chains_are_bounded() {
        let chain = |n: usize| {
            let mut text = String::from(HEAD);
            for m in 0..n {
                text += &format!("[[member]]\nid = \"m{m}\"\njoin = 0.5\n");
                if m > 0 {
                    text += &format!("requires = \"m{}\"\n", m - 1);
                }
            }
            text
        };
        assert_eq!(load(&chain(1000)).members.len(), 1000);
        let message = error(&chain(1500));
        assert!(message.contains("`requires` chains too long"), "{message}");
    }
}
