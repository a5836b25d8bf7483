#!/usr/bin/env python3
"""Independent, vectorised numpy implementation of the guarantee-sim model
(docs/model.md, sections 2 and 3), used as a speed and sanity reference for the Rust
engine.

    python3 benches/numpy_reference.py FILE [--trials N] [--seed S] [--full]
                                            [--headline-only] [--chunk K]

prints one JSON line:

    {"trials": N, "seconds": s, "trials_per_second": r, "p_met": p,
     "coverage_mean": m, "cpu_seconds": c}

`seconds` is wall time for the simulation and all statistics (scenario loading
and imports excluded); `cpu_seconds` is this process's CPU time over the same
span. By default everything the Rust `run` summarises is computed (coverage by
month, time to first met, pivotal members, phase starts), so the timing is
comparable; --headline-only skips time to met and pivotal members. With --full
the line also carries p_met_by_month, overall_mean_by_month, time_to_met,
capabilities, members (p_joined, p_pivotal) and phases (p_started, start_p50).

Self-checks against brute-force per-trial loops: benches/check_numpy_reference.py.

What it computes per trial (docs/model.md 3), vectorised over trials (no Python loop
over trials; loops over groups, members, pledges, phases and months only):

* joins: one-factor Gaussian copula per group, independent uniforms otherwise;
  `requires` / `join_without`; `count` replicas (each drawn separately);
* pledges: delivered with `probability`; amount, delay, duration drawn by
  inverse-CDF sampling from one uniform each; negative amounts, delays,
  durations and lags taken as 0 (start_month is not clamped);
* phases: `start_month`, or start(after) + lag, not before the gate is reached;
  the gate time is the first pledge-deployment time at which coverage of the
  gate capability, from pledges of the phases in this phase's `after` chain,
  reaches gate.coverage; a gate not reached by the horizon means the phase never
  starts;
* coverage per capability and month, overall weighted coverage, met by month;
* time to first met, exact in continuous time: met can only switch on at 0 or at
  a deployment start of a pledge to a critical capability, so those are the
  only candidate times checked (in [0, horizon]); candidates are sorted per
  trial and coverage at each is a running sum (see first_time_met);
* pivotal members: the trial is re-evaluated at the horizon without the
  member's (replica's) pledges, all random draws unchanged. Where that member
  contributes to a gate, phase start times are recomputed too (interpretation:
  "without that member's pledges" includes their effect on gates).

Random numbers: each group, member replica, pledge field (delivered, amount,
delay, duration) and phase has its own numpy generator seeded from (seed, hash
of its id key, chunk index), so scenarios that share ids share draws (common
random numbers), as docs/model.md 3.7 asks, and making one field constant never
shifts another's draws. The
streams differ from the Rust engine's: results agree statistically, not to the
bit. Trials are processed in chunks (default 65536) to bound memory and stay
cache-friendly; the random streams are per chunk, so results depend on --chunk.

Distributions are sampled by inverse CDF from one uniform per draw (as the
engine does); the copula's normal factors are drawn directly as standard
normals. scipy is used only for ndtri and beta.ppf (the PERT table).
"""

import argparse
import hashlib
import json
import math
import re
import sys
import time
import tomllib

import numpy as np
from scipy.special import ndtri
from scipy.stats import beta as beta_dist

ID_RE = re.compile(r"^[a-z0-9_-]+$")
Z95 = 1.6448536269514722  # Phi^-1(0.95)
PERT_TABLE_SIZE = 4097  # inverse-CDF table points for PERT (linear interpolation)

ALLOWED = {
    "root": {"scenario", "odds", "capability", "group", "phase", "member"},
    "scenario": {"name", "description", "sources", "horizon_months", "trials", "seed"},
    "capability": {"id", "name", "unit", "need", "threshold", "critical", "weight"},
    "group": {"id", "correlation"},
    "phase": {"id", "name", "start_month", "after", "lag_months", "gate"},
    "gate": {"capability", "coverage"},
    "member": {"id", "name", "status", "join", "group", "requires", "join_without", "count", "pledge"},
    "pledge": {"capability", "phase", "amount", "delay_months", "duration_months", "probability"},
}


class ScenarioError(Exception):
    pass


def check_keys(table, kind, where):
    if not isinstance(table, dict):
        raise ScenarioError(f"{where}: expected a table")
    for k in table:
        if k not in ALLOWED[kind]:
            raise ScenarioError(f"{where}: unknown key '{k}'")


# ----------------------------------------------------------------------------
# Distributions: inverse-CDF sampling, one uniform per draw.
# ----------------------------------------------------------------------------

class Dist:
    """A number or a one-key distribution table, compiled to an inverse CDF."""

    def __init__(self, spec, where):
        self.where = where
        if isinstance(spec, bool):
            raise ScenarioError(f"{where}: expected a number or distribution")
        if isinstance(spec, (int, float)):
            self.kind, self.p = "constant", float(spec)
            if not math.isfinite(self.p):
                raise ScenarioError(f"{where}: not finite")
            return
        if not isinstance(spec, dict) or len(spec) != 1:
            raise ScenarioError(f"{where}: expected a number or a one-key distribution table")
        (kind, params), = spec.items()
        self.kind = kind
        if kind == "choice":
            pairs = [(float(v), float(w)) for v, w in params]
            if not pairs or any(w < 0 or not math.isfinite(w) or not math.isfinite(v) for v, w in pairs):
                raise ScenarioError(f"{where}: bad choice")
            total = sum(w for _, w in pairs)
            if total <= 0:
                raise ScenarioError(f"{where}: choice weights sum to 0")
            self.values = np.array([v for v, _ in pairs])
            self.cum = np.cumsum([w for _, w in pairs]) / total
            self.cum[-1] = 1.0
            return
        p = [float(x) for x in params]
        if not all(math.isfinite(x) for x in p):
            raise ScenarioError(f"{where}: parameters must be finite")
        self.p = p
        if kind == "uniform":
            if len(p) != 2 or p[0] > p[1]:
                raise ScenarioError(f"{where}: uniform needs [a, b] with a <= b")
        elif kind in ("triangular", "pert"):
            if len(p) != 3 or not (p[0] <= p[1] <= p[2]) or not p[0] < p[2]:
                raise ScenarioError(f"{where}: {kind} needs min <= mode <= max, min < max")
            if kind == "pert":
                lo, mode, hi = p
                a = 1 + 4 * (mode - lo) / (hi - lo)
                b = 1 + 4 * (hi - mode) / (hi - lo)
                grid = np.linspace(0.0, 1.0, PERT_TABLE_SIZE)
                self.grid = grid
                self.table = lo + (hi - lo) * beta_dist.ppf(grid, a, b)
                self.table[0], self.table[-1] = lo, hi
        elif kind == "normal":
            if len(p) != 2 or p[1] < 0:
                raise ScenarioError(f"{where}: normal needs [mean, sd] with sd >= 0")
        elif kind == "range90":
            if len(p) != 2 or not (0 < p[0] < p[1]):
                raise ScenarioError(f"{where}: range90 needs 0 < lo < hi")
            self.mu = 0.5 * (math.log(p[0]) + math.log(p[1]))
            self.sigma = (math.log(p[1]) - math.log(p[0])) / (2 * Z95)
        else:
            raise ScenarioError(f"{where}: unknown distribution '{kind}'")

    def sample(self, u):
        k = self.kind
        if k == "constant":
            return np.full(u.shape, self.p)
        if k == "uniform":
            a, b = self.p
            return a + (b - a) * u
        if k == "triangular":
            lo, mode, hi = self.p
            fc = (mode - lo) / (hi - lo)
            left = lo + np.sqrt(u * (hi - lo) * (mode - lo))
            right = hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - mode))
            return np.where(u < fc, left, right)
        if k == "pert":
            # uniform grid: direct index + linear interpolation (faster than np.interp)
            x = u * (PERT_TABLE_SIZE - 1)
            i = np.minimum(x.astype(np.intp), PERT_TABLE_SIZE - 2)
            f = x - i
            t = self.table
            return t[i] + f * (t[i + 1] - t[i])
        if k == "normal":
            m, sd = self.p
            return m + sd * ndtri(u)
        if k == "range90":
            return np.exp(self.mu + self.sigma * ndtri(u))
        if k == "choice":
            idx = np.searchsorted(self.cum, u, side="right")
            return self.values[np.minimum(idx, len(self.values) - 1)]
        raise AssertionError(k)

    def is_constant(self):
        return self.kind == "constant"


# ----------------------------------------------------------------------------
# Scenario loading (enough validation to catch mistakes in scenario files).
# ----------------------------------------------------------------------------

def get_id(t, where, seen):
    i = t.get("id")
    if not isinstance(i, str) or not ID_RE.match(i):
        raise ScenarioError(f"{where}: id must match [a-z0-9_-]+")
    if i in seen:
        raise ScenarioError(f"{where}: duplicate id '{i}'")
    seen.add(i)
    return i


def load(path):
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    check_keys(raw, "root", path)
    sc = raw.get("scenario")
    if sc is None:
        raise ScenarioError("[scenario] missing")
    check_keys(sc, "scenario", "[scenario]")
    H = sc.get("horizon_months")
    if not isinstance(H, int) or not 1 <= H <= 600:
        raise ScenarioError("horizon_months must be an integer in 1..=600")
    if "name" not in sc:
        raise ScenarioError("[scenario] name is required")
    odds = raw.get("odds", {})
    for k, v in odds.items():
        if not 0 <= float(v) <= 1:
            raise ScenarioError(f"odds.{k} out of [0,1]")

    caps, seen = [], set()
    for i, c in enumerate(raw.get("capability", [])):
        w = f"capability[{i}]"
        check_keys(c, "capability", w)
        cid = get_id(c, w, seen)
        need = float(c["need"])
        thr = float(c.get("threshold", 1.0))
        weight = float(c.get("weight", 1.0))
        if not need > 0 or not 0 < thr <= 1 or weight < 0:
            raise ScenarioError(f"{w}: need > 0, threshold in (0,1], weight >= 0")
        caps.append(dict(id=cid, need=need, threshold=thr, critical=bool(c.get("critical", True)), weight=weight))
    if not caps or sum(c["weight"] for c in caps) <= 0:
        raise ScenarioError("at least one capability, weights summing > 0")
    cap_ix = {c["id"]: i for i, c in enumerate(caps)}

    groups, seen = [], set()
    for i, g in enumerate(raw.get("group", [])):
        w = f"group[{i}]"
        check_keys(g, "group", w)
        gid = get_id(g, w, seen)
        rho = float(g["correlation"])
        if not 0 <= rho < 1:
            raise ScenarioError(f"{w}: correlation in [0,1)")
        groups.append(dict(id=gid, rho=rho))
    grp_ix = {g["id"]: i for i, g in enumerate(groups)}

    phases, seen = [], set()
    for i, p in enumerate(raw.get("phase", [])):
        w = f"phase[{i}]"
        check_keys(p, "phase", w)
        pid = get_id(p, w, seen)
        ph = dict(id=pid, after=p.get("after"))
        if ph["after"] is None:
            if "lag_months" in p or "gate" in p:
                raise ScenarioError(f"{w}: lag_months/gate only with after")
            ph["start"] = Dist(p.get("start_month", 0), f"{w}.start_month")
        else:
            if "start_month" in p:
                raise ScenarioError(f"{w}: start_month only without after")
            ph["lag"] = Dist(p.get("lag_months", 0), f"{w}.lag_months")
            gate = p.get("gate")
            if gate is not None:
                check_keys(gate, "gate", f"{w}.gate")
                cov = float(gate["coverage"])
                if not 0 < cov <= 1 or gate["capability"] not in cap_ix:
                    raise ScenarioError(f"{w}.gate: bad capability or coverage")
                ph["gate"] = (cap_ix[gate["capability"]], cov)
        phases.append(ph)
    ph_ix = {p["id"]: i for i, p in enumerate(phases)}
    for p in phases:
        if p["after"] is not None:
            if p["after"] not in ph_ix:
                raise ScenarioError(f"phase {p['id']}: unknown after '{p['after']}'")
            p["after"] = ph_ix[p["after"]]
    # ancestors (the after chain) and a topological order; detects cycles
    for i, p in enumerate(phases):
        chain, j = [], p["after"]
        while j is not None:
            if j == i or j in chain:
                raise ScenarioError(f"phase {p['id']}: after chain has a cycle")
            chain.append(j)
            j = phases[j]["after"]
        p["chain"] = chain
    phase_order = sorted(range(len(phases)), key=lambda i: len(phases[i]["chain"]))

    members, seen = [], set()
    for i, m in enumerate(raw.get("member", [])):
        w = f"member[{i}]"
        check_keys(m, "member", w)
        mid = get_id(m, w, seen)
        if "join" in m:
            join = float(m["join"])
        elif m.get("status") in odds:
            join = float(odds[m["status"]])
        else:
            raise ScenarioError(f"{w}: join required (no odds for its status)")
        jw = float(m.get("join_without", 0.0))
        count = int(m.get("count", 1))
        if not 0 <= join <= 1 or not 0 <= jw <= 1 or count < 1:
            raise ScenarioError(f"{w}: join/join_without in [0,1], count >= 1")
        g = m.get("group")
        if g is not None and g not in grp_ix:
            raise ScenarioError(f"{w}: unknown group '{g}'")
        pledges, pos = [], {}
        for k, pl in enumerate(m.get("pledge", [])):
            pw = f"{w}.pledge[{k}]"
            check_keys(pl, "pledge", pw)
            if pl["capability"] not in cap_ix or pl["phase"] not in ph_ix:
                raise ScenarioError(f"{pw}: unknown capability or phase")
            prob = float(pl.get("probability", 1.0))
            if not 0 <= prob <= 1:
                raise ScenarioError(f"{pw}: probability in [0,1]")
            key = (pl["capability"], pl["phase"])
            pos[key] = pos.get(key, -1) + 1
            dur = pl.get("duration_months")
            pledges.append(dict(
                cap=cap_ix[pl["capability"]], phase=ph_ix[pl["phase"]],
                key=f"{pl['capability']}/{pl['phase']}/{pos[key]}",
                amount=Dist(pl["amount"], f"{pw}.amount"),
                delay=Dist(pl.get("delay_months", 0), f"{pw}.delay_months"),
                duration=None if dur is None else Dist(dur, f"{pw}.duration_months"),
                prob=prob))
        members.append(dict(id=mid, join=join, jw=jw, count=count,
                            group=None if g is None else grp_ix[g],
                            requires=m.get("requires"), pledges=pledges))
    mem_ix = {m["id"]: i for i, m in enumerate(members)}
    for m in members:
        r = m["requires"]
        if r is not None:
            if r not in mem_ix:
                raise ScenarioError(f"member {m['id']}: requires unknown '{r}'")
            if members[mem_ix[r]]["count"] > 1:
                raise ScenarioError(f"member {m['id']}: requires a member with count > 1")
            m["requires"] = mem_ix[r]
    for i, m in enumerate(members):
        seen_r, j = set(), m["requires"]
        while j is not None:
            if j == i or j in seen_r:
                raise ScenarioError(f"member {m['id']}: requires forms a cycle")
            seen_r.add(j)
            j = members[j]["requires"]

    def depth(i):
        d, j = 0, members[i]["requires"]
        while j is not None:
            d, j = d + 1, members[j]["requires"]
        return d
    member_order = sorted(range(len(members)), key=depth)
    return dict(name=sc["name"], H=H, trials=sc.get("trials", 100000), seed=sc.get("seed", 0),
                caps=caps, groups=groups, phases=phases, phase_order=phase_order,
                members=members, member_order=member_order)


# ----------------------------------------------------------------------------
# Simulation
# ----------------------------------------------------------------------------

def key_hash(key):
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")


def uniforms(seed, key, chunk, k, n):
    """k arrays of n uniforms in (0, 1) for one entity and one chunk of trials."""
    rng = np.random.default_rng([seed & (2**64 - 1), key_hash(key), chunk])
    u = rng.random((k, n))
    np.maximum(u, 2.0 ** -60, out=u)  # keep ndtri finite
    return u


def first_time_met(starts, ends, amounts, caps_of, needs, thrs, H, t_min=0.0):
    """First time t in [t_min, H] at which, for every capability c in `needs`,
    min(1, sum of amounts of its pledges deployed at t / need_c) >= thr_c;
    inf if never. Pledge k (an [n] array each) is deployed on
    [starts[k], ends[k]) and belongs to capability caps_of[k].

    Coverage only rises at a deployment start, so the candidates are
    max(start, t_min) for each pledge. Candidates are sorted per trial; a cumulative
    sum over the sorted starts gives what has started by each candidate, from
    which the amounts already withdrawn are subtracted (finite ends only).
    With tied candidates only the last of the tie sees the full sum, and it has
    the same time, so the minimum over the tie is exact."""
    n = starts[0].shape[0] if starts else 0
    if not starts:
        return np.full(n, np.inf)
    S = np.stack(starts, axis=1)                     # [n, K]
    A = np.stack(amounts, axis=1)
    T = np.maximum(S, t_min)
    order = np.argsort(T, axis=1, kind="stable")
    Ts = np.take_along_axis(T, order, axis=1)
    As = np.take_along_axis(A, order, axis=1)
    caps_arr = np.asarray(caps_of)
    Cs = caps_arr[order]                             # capability of each sorted pledge
    ok = Ts <= H
    for c, need in needs.items():
        cum = np.cumsum(np.where(Cs == c, As, 0.0), axis=1)
        for k in range(len(starts)):
            e = ends[k]
            if caps_of[k] == c and isinstance(e, np.ndarray):
                fin = np.isfinite(e)
                if fin.any():
                    cum -= np.where(fin, amounts[k], 0.0)[:, None] * (e[:, None] <= Ts)
        ok &= np.minimum(1.0, cum / need) >= thrs[c]
    hit = ok.any(axis=1)
    first = np.argmax(ok, axis=1)
    return np.where(hit, Ts[np.arange(n), first], np.inf)


def normals(seed, key, chunk, n):
    """n standard normals for one entity and one chunk (copula factors)."""
    return np.random.default_rng([seed & (2**64 - 1), key_hash(key), chunk]).standard_normal(n)


def phase_starts(sc, n, phase_base, pledge_cap, pledge_phase, amounts, delays, ends_rel, H, gate_times=None):
    """Start time of each phase ([n] arrays, inf = never), given the per-pledge
    amounts (0 for undelivered / excluded), delays and durations. If
    `gate_times` is a dict, the first time each gate is reached is stored in it."""
    caps = sc["caps"]
    starts = [None] * len(sc["phases"])
    for i in sc["phase_order"]:
        ph = sc["phases"][i]
        if ph["after"] is None:
            starts[i] = phase_base[i]
            continue
        st = starts[ph["after"]] + phase_base[i]  # phase_base = clamped lag here
        if "gate" in ph:
            gcap, gcov = ph["gate"]
            js = [j for j in range(len(pledge_cap)) if pledge_cap[j] == gcap and pledge_phase[j] in ph["chain"]]
            ss = [np.where(amounts[j] > 0, starts[pledge_phase[j]] + delays[j], np.inf) for j in js]
            es = [ss[k] + ends_rel[j] for k, j in enumerate(js)]
            gate_t = first_time_met(ss, es, [amounts[j] for j in js], [gcap] * len(js),
                                    {gcap: caps[gcap]["need"]}, {gcap: gcov}, H, t_min=-np.inf) if js else np.full(n, np.inf)
            st = np.where(np.isfinite(gate_t), np.maximum(st, gate_t), np.inf)
            if gate_times is not None:
                gate_times[i] = gate_t
        starts[i] = st
    return starts


def simulate_chunk(sc, seed, chunk, n, want_full):
    H = sc["H"]
    M = H + 1
    caps, members, phases = sc["caps"], sc["members"], sc["phases"]
    C = len(caps)

    # groups: common factor per group
    F = [normals(seed, f"group:{g['id']}", chunk, n) for g in sc["groups"]]

    # joins (requires order); replicas keyed by member id and index
    joined = {}  # (member index, replica) -> bool [n]
    for mi in sc["member_order"]:
        m = members[mi]
        for r in range(m["count"]):
            key = f"member:{m['id']}" + (f"#{r}" if m["count"] > 1 else "")
            req = None if m["requires"] is None else joined[(m["requires"], 0)]
            if m["group"] is not None:
                # U = Phi(Z) < p  <=>  Z < Phi^-1(p), Z = sqrt(rho) F + sqrt(1 - rho) E
                rho = sc["groups"][m["group"]]["rho"]
                z = math.sqrt(rho) * F[m["group"]] + math.sqrt(1 - rho) * normals(seed, key, chunk, n)
                with np.errstate(divide="ignore"):
                    zp, zw = ndtri(m["join"]), ndtri(m["jw"])
                joined[(mi, r)] = z < (zp if req is None else np.where(req, zp, zw))
            else:
                u = uniforms(seed, key, chunk, 1, n)[0]
                joined[(mi, r)] = u < (m["join"] if req is None else np.where(req, m["join"], m["jw"]))

    # pledges: one entry per (replica, pledge); one random stream per field, so
    # making a field constant in one scenario never shifts another field's draws
    def draw(dist, key):  # amount, delay, duration: clamped at 0
        if dist.is_constant():
            return np.full(n, max(dist.p, 0.0))
        return np.maximum(dist.sample(uniforms(seed, key, chunk, 1, n)[0]), 0.0)

    P_cap, P_phase, P_owner, amounts, delays, ends_rel = [], [], [], [], [], []
    for mi, m in enumerate(members):
        for r in range(m["count"]):
            base = f"pledge:{m['id']}" + (f"#{r}" if m["count"] > 1 else "")
            for pl in m["pledges"]:
                pk = f"{base}/{pl['key']}"
                jn = joined[(mi, r)]
                if pl["prob"] >= 1.0:
                    delivered = jn
                else:
                    delivered = jn & (uniforms(seed, pk + "/delivered", chunk, 1, n)[0] < pl["prob"])
                amounts.append(np.where(delivered, draw(pl["amount"], pk + "/amount"), 0.0))
                delays.append(draw(pl["delay"], pk + "/delay"))
                if pl["duration"] is None:
                    ends_rel.append(np.inf)
                else:
                    ends_rel.append(draw(pl["duration"], pk + "/duration"))
                P_cap.append(pl["cap"])
                P_phase.append(pl["phase"])
                P_owner.append((mi, r))
    P = len(P_cap)

    # phases: start (not clamped) or clamped lag
    phase_base = []
    for ph in phases:
        u = uniforms(seed, f"phase:{ph['id']}", chunk, 1, n)[0]
        if ph["after"] is None:
            phase_base.append(ph["start"].sample(u))
        else:
            phase_base.append(np.maximum(ph["lag"].sample(u), 0.0))
    gate_times = {}
    starts = phase_starts(sc, n, phase_base, P_cap, P_phase, amounts, delays, ends_rel, H, gate_times)

    # deployment intervals [s, e)
    S = [np.where(amounts[j] > 0, starts[P_phase[j]] + delays[j], np.inf) for j in range(P)]
    E = [S[j] + ends_rel[j] for j in range(P)]

    # committed by month via difference arrays, laid out [C, month, trial] so the
    # cumulative sum runs across contiguous trial vectors: deployed at integer t
    # iff ceil(s) <= t < ceil(e)
    rows = np.arange(n)
    committed = np.zeros((C, M + 1, n))
    flat = committed.reshape(C, -1)
    for j in range(P):
        lo = np.clip(np.ceil(S[j]), 0, M).astype(np.intp)
        hi = np.clip(np.ceil(E[j]), 0, M).astype(np.intp)
        d = flat[P_cap[j]]
        d[lo * n + rows] += amounts[j]
        d[hi * n + rows] -= amounts[j]
    for t in range(1, M):  # running sum over months, contiguous trial vectors
        committed[:, t] += committed[:, t - 1]
    committed = committed[:, :M]
    # the horizon column exactly (no cumulative rounding)
    committed_H = np.zeros((C, n))
    for j in range(P):
        committed_H[P_cap[j]] += amounts[j] * ((S[j] <= H) & (H < E[j]))
    committed[:, H, :] = committed_H

    need = np.array([c["need"] for c in caps])
    thr = np.array([c["threshold"] for c in caps])
    w = np.array([c["weight"] for c in caps])
    crit = [i for i, c in enumerate(caps) if c["critical"]]
    wn = w / w.sum()
    overall_H = np.zeros(n)             # per trial at the horizon
    overall_sum_by_month = np.zeros(M)  # summed over trials (the mean is linear)
    met = np.ones((M, n), dtype=bool)
    cov = committed  # [C, M, n], turned into coverage in place
    for c in range(C):
        cc = cov[c]
        cc /= need[c]
        np.minimum(cc, 1.0, out=cc)
        if wn[c] != 0:
            overall_H += wn[c] * cc[H]
            overall_sum_by_month += wn[c] * cc.sum(axis=1)
        if caps[c]["critical"]:
            met &= cc >= thr[c]
    met_H = met[H]

    out = dict(met_H=met_H, overall_H=overall_H, met_by_month=met.sum(axis=1),
               overall_sum_by_month=overall_sum_by_month)
    if not want_full:
        return out

    # time to first met (exact, continuous): met can only switch on at a
    # deployment start of a pledge to a critical capability (or at 0 for
    # pledges deployed before 0). Trials where some critical capability cannot
    # reach its threshold even counting every pledge that starts by H are
    # never met and skipped.
    crit_js = [j for j in range(P) if caps[P_cap[j]]["critical"]]
    possible = np.ones(n, dtype=bool)
    for c in crit:
        ub = np.zeros(n)
        for j in crit_js:
            if P_cap[j] == c:
                ub += np.where(S[j] <= H, amounts[j], 0.0)
        possible &= np.minimum(1.0, ub / need[c]) >= thr[c]
    idx = np.nonzero(possible)[0]
    ttm = np.full(n, np.inf)
    if idx.size and crit_js:
        ttm[idx] = first_time_met([S[j][idx] for j in crit_js],
                                  [E[j][idx] if isinstance(E[j], np.ndarray) else E[j] for j in crit_js],
                                  [amounts[j][idx] for j in crit_js], [P_cap[j] for j in crit_js],
                                  {c: need[c] for c in crit}, {c: thr[c] for c in crit}, H)
    out["ttm"] = ttm
    if want_full == "debug":  # for tests: per-pledge deployments
        out["debug"] = dict(S=S, E=E, A=amounts, cap=P_cap, starts=starts, joined=joined)

    # pivotal members (per member: any replica pivotal). Only trials where the
    # replica joined and the guarantee is met at H can be pivotal; the horizon
    # is re-evaluated on those rows only.
    gate_caps = {(ph["gate"][0], tuple(ph["chain"])) for ph in phases if "gate" in ph}
    # pledges that feed some gate, and pledges whose phase start depends on a gate
    G_js = [j for j in range(P) if any(P_cap[j] == gc and P_phase[j] in chain for gc, chain in gate_caps)]
    downstream = {i for i, ph in enumerate(phases) if any("gate" in phases[k] for k in [i] + ph["chain"])}
    D_js = [j for j in range(P) if P_phase[j] in downstream]
    gated = [i for i, ph in enumerate(phases) if "gate" in ph]
    simple_gates = not any(k in downstream for i in gated for k in phases[i]["chain"])
    by_owner = {}
    for j in range(P):
        by_owner.setdefault(P_owner[j], []).append(j)

    def sub(x, idx):
        return x[idx] if isinstance(x, np.ndarray) else x

    def contrib_H(j, idx):
        return amounts[j][idx] * ((S[j][idx] <= H) & (H < sub(E[j], idx)))

    pivotal = []
    p_joined = []
    for mi, m in enumerate(members):
        piv_count = 0
        any_piv = None if m["count"] == 1 else np.zeros(n, dtype=bool)
        jsum = 0.0
        for r in range(m["count"]):
            jn = joined[(mi, r)]
            jsum += jn.sum()
            js = by_owner.get((mi, r), [])
            if not js:
                continue
            idx = np.nonzero(jn & met_H)[0]
            if idx.size == 0:
                continue
            own = set(js)
            cH = committed_H[:, idx].copy()
            for j in js:
                cH[P_cap[j]] -= contrib_H(j, idx)
            if own & set(G_js):
                # Removing the replica's pledges can only delay a gate, and does
                # so exactly in the trials where, at the original gate time,
                # coverage without the replica falls below the gate. With no
                # gate upstream of another gate, only those rows need the phase
                # starts recomputed.
                if simple_gates:
                    shift = np.zeros(idx.size, dtype=bool)
                    for gp in gated:
                        gc, gcov = phases[gp]["gate"]
                        mine = [j for j in js if P_cap[j] == gc and P_phase[j] in phases[gp]["chain"]]
                        if not mine:
                            continue
                        tg = gate_times[gp][idx]
                        left = np.zeros(idx.size)
                        for j in G_js:
                            if j in own or P_cap[j] != gc or P_phase[j] not in phases[gp]["chain"]:
                                continue
                            left += amounts[j][idx] * ((S[j][idx] <= tg) & (tg < sub(E[j], idx)))
                        shift |= np.isfinite(tg) & ~(left / caps[gc]["need"] >= gcov)
                    rows = np.nonzero(shift)[0]
                else:
                    rows = np.arange(idx.size)
                if rows.size:
                    ridx = idx[rows]
                    am2, de2, en2 = [None] * P, [None] * P, [None] * P
                    for j in G_js:
                        am2[j] = np.zeros(rows.size) if j in own else amounts[j][ridx]
                        de2[j] = delays[j][ridx]
                        en2[j] = sub(ends_rel[j], ridx)
                    st2 = phase_starts(sc, rows.size, [b[ridx] for b in phase_base], P_cap, P_phase,
                                       am2, de2, en2, H)
                    for j in D_js:
                        if j in own:
                            continue
                        a2 = amounts[j][ridx]
                        s2 = np.where(a2 > 0, st2[P_phase[j]] + delays[j][ridx], np.inf)
                        cH[P_cap[j], rows] += a2 * ((s2 <= H) & (H < s2 + sub(ends_rel[j], ridx))) - contrib_H(j, ridx)
            met2 = np.ones(idx.size, dtype=bool)
            for c in crit:
                met2 &= np.minimum(1.0, cH[c] / need[c]) >= thr[c]
            if any_piv is None:
                piv_count = int((~met2).sum())
            else:
                any_piv[idx[~met2]] = True
        pivotal.append(piv_count if any_piv is None else int(any_piv.sum()))
        p_joined.append(jsum / m["count"])
    out["pivotal"] = np.array(pivotal)
    out["joined"] = np.array(p_joined)
    out["cap_cov_sum"] = cov[:, H, :].sum(axis=1)
    out["cap_met_sum"] = (cov[:, H, :] >= thr[:, None]).sum(axis=1)
    out["phase_started"] = [st <= H for st in starts]
    out["phase_start"] = [np.where(st <= H, st, np.nan) for st in starts]
    return out


def run(sc, trials, seed, chunk_size, full):
    H = sc["H"]
    t0 = time.perf_counter()
    c0 = time.process_time()
    met_sum = 0
    cov_sum = 0.0
    met_by_month = np.zeros(H + 1)
    ov_by_month = np.zeros(H + 1)
    ttms, piv, joined, cap_cov, cap_met = [], 0, 0, 0, 0
    ph_started, ph_start = [[] for _ in sc["phases"]], [[] for _ in sc["phases"]]
    chunk, done = 0, 0
    while done < trials:
        n = min(chunk_size, trials - done)
        o = simulate_chunk(sc, seed, chunk, n, full)
        met_sum += int(o["met_H"].sum())
        cov_sum += float(o["overall_H"].sum())
        met_by_month += o["met_by_month"]
        ov_by_month += o["overall_sum_by_month"]
        if full:
            ttms.append(o["ttm"])
            piv = piv + o["pivotal"]
            joined = joined + o["joined"]
            cap_cov = cap_cov + o["cap_cov_sum"]
            cap_met = cap_met + o["cap_met_sum"]
            for i in range(len(sc["phases"])):
                ph_started[i].append(o["phase_started"][i])
                ph_start[i].append(o["phase_start"][i])
        done += n
        chunk += 1
    res = dict(trials=trials, seconds=None, trials_per_second=None,
               p_met=met_sum / trials, coverage_mean=cov_sum / trials)
    if full:
        ttm = np.concatenate(ttms)
        hit = ttm[np.isfinite(ttm)]
        res["p_met_by_month"] = [round(x, 6) for x in (met_by_month / trials).tolist()]
        res["overall_mean_by_month"] = [round(x, 6) for x in (ov_by_month / trials).tolist()]
        res["time_to_met"] = dict(
            p50=float(np.quantile(hit, 0.5)) if hit.size else None,
            p90=float(np.quantile(hit, 0.9)) if hit.size else None,
            p_never=1.0 - hit.size / trials)
        res["capabilities"] = {c["id"]: dict(mean=round(float(cap_cov[i]) / trials, 6),
                                             p_met=round(float(cap_met[i]) / trials, 6))
                               for i, c in enumerate(sc["caps"])}
        res["members"] = {m["id"]: dict(p_joined=round(float(joined[i]) / trials, 6),
                                        p_pivotal=round(float(piv[i]) / trials, 6))
                          for i, m in enumerate(sc["members"])}
        phs = {}
        for i, ph in enumerate(sc["phases"]):
            started = np.concatenate(ph_started[i])
            st = np.concatenate(ph_start[i])
            st = st[~np.isnan(st)]
            phs[ph["id"]] = dict(p_started=round(float(started.mean()), 6),
                                 start_p50=float(np.median(st)) if st.size else None)
        res["phases"] = phs
    secs = time.perf_counter() - t0
    res["seconds"] = round(secs, 4)
    res["trials_per_second"] = round(trials / secs, 1)
    res["cpu_seconds"] = round(time.process_time() - c0, 4)  # this process only (less sensitive to a busy machine)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--trials", type=int)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--chunk", type=int, default=65536, help="trials per vectorised block (memory bound)")
    ap.add_argument("--full", action="store_true",
                    help="also report by-month, time to met, members, phases (always computed "
                         "unless --headline-only)")
    ap.add_argument("--headline-only", action="store_true",
                    help="compute only p_met and coverage (skip time to met and pivotal members)")
    args = ap.parse_args()
    try:
        sc = load(args.file)
    except (ScenarioError, KeyError, ValueError, TypeError, tomllib.TOMLDecodeError) as e:
        print(f"error: {args.file}: {e}", file=sys.stderr)
        sys.exit(2)
    trials = args.trials or sc["trials"]
    seed = args.seed if args.seed is not None else sc["seed"]
    compute_full = not args.headline_only
    res = run(sc, trials, seed, args.chunk, compute_full)
    if not args.full:
        res = {k: res[k] for k in ("trials", "seconds", "trials_per_second", "p_met", "coverage_mean", "cpu_seconds")}
    print(json.dumps(res))


if __name__ == "__main__":
    main()
