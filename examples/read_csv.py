#!/usr/bin/env python3
"""Reads a run's CSV tables with Python's standard library only.

    guarantee-sim run --out out/coalition
    python3 examples/read_csv.py out/coalition

With pandas the same is `pandas.read_csv("out/coalition/by_month.csv")`;
in Excel, open the file (UTF-8, comma-separated, a header row).
"""
import csv
import sys
from pathlib import Path


def read(path):
    """Rows as dicts, numbers as floats (empty cells as None)."""
    def value(cell):
        try:
            return float(cell) if cell != "" else None
        except ValueError:
            return cell
    with open(path, newline="", encoding="utf-8") as f:
        return [{k: value(v) for k, v in row.items()} for row in csv.DictReader(f)]


def main(out_dir):
    out = Path(out_dir)
    months = read(out / "by_month.csv")
    capabilities = read(out / "capabilities.csv")
    members = read(out / "members.csv")
    first = next((m["month"] for m in months if m["p_met"] >= 0.5), None)
    last = months[-1]
    print(f"P(met) at month {last['month']:.0f}: {last['p_met']:.3f}")
    print("first month with P(met) >= 50%:", "never" if first is None else f"{first:.0f}")
    weakest = min(capabilities, key=lambda c: c["p_met"])
    print(f"weakest capability: {weakest['id']} (P(at threshold) {weakest['p_met']:.3f})")
    pivotal = max(members, key=lambda m: m["p_pivotal"])
    print(f"most often pivotal: {pivotal['id']} ({pivotal['p_pivotal']:.3f})")
    # The tables agree with each other and are whole.
    assert all(0.0 <= m["p_met"] <= 1.0 for m in months)
    assert len({len(row) for row in months}) == 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "output/coalition-of-the-willing-august-2025-reporting"))
