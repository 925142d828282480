#!/usr/bin/env python3
"""eval_floor.py - fail when a score.py --json report (stdin) is under floors.

    eval_floor.py --precision P --recall R [--pci-precision P] [--pci-recall R]
                  --macro-f1 F [--require CAT,...]

Every category the scorer averages over must reach the precision and recall
floors (pci its own, stricter ones); the macro-F1 must reach its floor; each
category named by --require must have positives in scope; no card number
may be printed in full, and no message may be missing from the output.
"""
import argparse
import json
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--precision", type=float, required=True)
ap.add_argument("--recall", type=float, required=True)
ap.add_argument("--pci-precision", type=float)
ap.add_argument("--pci-recall", type=float)
ap.add_argument("--macro-f1", type=float, required=True)
ap.add_argument("--require", default="")
a = ap.parse_args()

r = json.load(sys.stdin)
bad = []
for cat in r["macro_over"]:
    c = r["categories"][cat]
    p_floor, r_floor = a.precision, a.recall
    if cat == "pci":
        p_floor = a.pci_precision if a.pci_precision is not None else p_floor
        r_floor = a.pci_recall if a.pci_recall is not None else r_floor
    if (c["precision"] or 0) < p_floor or c["recall"] < r_floor:
        bad.append("%s P %s R %.3f (floors %.3f / %.3f)" % (cat, c["precision"], c["recall"],
                                                            p_floor, r_floor))
for cat in filter(None, a.require.split(",")):
    if cat not in r["macro_over"]:
        bad.append("%s has no positives in scope" % cat)
if r["macro_f1"] < a.macro_f1:
    bad.append("macro-F1 %.3f < %.2f" % (r["macro_f1"], a.macro_f1))
if r["leaks"]:
    bad.append("%d card numbers leaked in full" % r["leaks"])
if r["missing"] or r["bad_lines"]:
    bad.append("%d messages missing, %d bad lines" % (r["missing"], r["bad_lines"]))
sys.exit("below the floor: " + "; ".join(bad) if bad else 0)
