#!/usr/bin/env python3
"""Self-checks of benches/numpy_reference.py against slow, obvious
implementations (per-trial Python loops) on the same random draws.

    python3 benches/check_numpy_reference.py [FILE...]

For each scenario (default: the v1 workloads in crates/core/testdata/) it checks, on a few
thousand trials:
  * met at each integer month and at the horizon (brute force over pledges);
  * time to first met (brute force over all deployment start/end times);
  * pivotal counts for members with count == 1 (re-running the trial with that
    member's pledge amounts set to 0: every other draw is unchanged because
    each pledge field has its own random stream).
Exits 1 on any mismatch.
"""

import copy
import glob
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy_reference as nr  # noqa: E402


def check(path, n=2000, seed=11):
    sc = nr.load(path)
    H = sc["H"]
    caps = sc["caps"]
    o = nr.simulate_chunk(sc, seed, 0, n, "debug")
    d = o["debug"]
    P = len(d["S"])
    bad = 0

    def met(i, t):
        for c, cp in enumerate(caps):
            if not cp["critical"]:
                continue
            com = sum(d["A"][j][i] for j in range(P) if d["cap"][j] == c and d["S"][j][i] <= t < d["E"][j][i])
            if min(1.0, com / cp["need"]) < cp["threshold"]:
                return False
        return True

    by_month = np.zeros(H + 1)
    for i in range(n):
        ev = {0.0}
        for j in range(P):
            for x in (d["S"][j][i], d["E"][j][i]):
                if math.isfinite(x) and 0 <= x <= H:
                    ev.add(float(x))
        first = next((t for t in sorted(ev) if met(i, t)), math.inf)
        if first != o["ttm"][i]:
            bad += 1
            print(f"  time to met differs, trial {i}: brute {first} vs {o['ttm'][i]}")
        for t in range(H + 1):
            by_month[t] += met(i, float(t))
    if not np.array_equal(by_month, o["met_by_month"]):
        bad += 1
        print("  met by month differs")

    for mi, m in enumerate(sc["members"]):
        if m["count"] > 1 or not m["pledges"]:
            continue
        sc2 = copy.deepcopy(sc)
        for pl in sc2["members"][mi]["pledges"]:
            pl["amount"] = nr.Dist(0, "check")
        o2 = nr.simulate_chunk(sc2, seed, 0, n, False)
        brute = int((o["met_H"] & ~o2["met_H"]).sum())
        if brute != int(o["pivotal"][mi]):
            bad += 1
            print(f"  pivotal differs for {m['id']}: brute {brute} vs {int(o['pivotal'][mi])}")
    print(f"{path}: {'OK' if bad == 0 else f'{bad} MISMATCHES'} ({n} trials, met in {int(np.isfinite(o['ttm']).sum())})")
    return bad


def main():
    files = sys.argv[1:] or sorted(glob.glob("crates/core/testdata/*.toml"))
    bad = sum(check(f) for f in files)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
