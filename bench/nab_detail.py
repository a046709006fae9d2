#!/usr/bin/env python3
"""Per-file breakdown of a NAB run, for working on detection quality.

usage: nab_detail.py RESULTS_DIR [--threshold T] [--only CATEGORY,...]

RESULTS_DIR is what `nab-run --keep DIR` leaves. For every file: each label
window with the row offset and weight of its first detection (swept: score >=
T, default the sweep's best threshold; notified: level onset), and the false
positives outside windows with their cost. The totals per category show where
points are lost. Uses ../shared/bench/nab_score.py for the scoring rules.
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "bench"))
import nab_score as ns  # noqa: E402

NAB = os.path.join(HERE, "..", "..", "shared", "data", "nab")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--threshold", type=float)
    ap.add_argument("--only", default="")
    ap.add_argument("--quiet", action="store_true", help="categories only")
    a = ap.parse_args()
    windows = json.load(open(os.path.join(NAB, "labels", "combined_windows.json")))
    only = set(filter(None, a.only.split(",")))
    rels = sorted(r for r in windows if not only or r.split("/")[0] in only)
    per_file, scores, onsets = [], [], []
    for rel in rels:
        data = ns.read_rows(os.path.join(NAB, "data", rel))
        out = ns.read_rows(os.path.join(a.results, rel))
        stamps = [ns.parse_ts(r["timestamp"]) for r in data]
        rows, nwin = ns.row_weights(stamps, windows[rel], 1.0, 0.11)
        per_file.append((rows, nwin))
        scores.append([float(r["score"]) for r in out])
        lv = [r["level"] for r in out]
        onsets.append([k > 0 and lv[k] != "OKAY" and lv[k - 1] == "OKAY" for k in range(len(lv))])
    thr = a.threshold
    if thr is None:
        files = [(rows, n, None) for rows, n in per_file]
        _, thr = ns.sweep(files, scores, 1.0)
    print("threshold %.6g" % thr)
    cats = {}
    for f, rel in enumerate(rels):
        rows, nwin = per_file[f]
        line = []
        for name, det in (("swept", lambda i: scores[f][i] >= thr), ("notified", lambda i: onsets[f][i])):
            best, fp, fpcost = {}, 0, 0.0
            first_row = {}
            for i, w, k in rows:
                if not det(i):
                    continue
                if k is None:
                    fp += 1
                    fpcost += w
                elif k not in best:
                    best[k] = w
                    first_row[k] = i
            raw = sum(best.values()) - (nwin - len(best)) + fpcost
            c = cats.setdefault((rel.split("/")[0], name), [0.0, 0, 0, 0])
            c[0] += raw
            c[1] += len(best)
            c[2] += nwin
            c[3] += fp
            line.append("%s %+.2f (%d/%d win %s; %d FP %.2f)" % (
                name, raw, len(best), nwin,
                ",".join("%.2f" % best[k] for k in sorted(best)), fp, fpcost))
        if not a.quiet:
            print("%-52s %s" % (rel, " | ".join(line)))
    print()
    for (cat, name), (raw, tp, nw, fp) in sorted(cats.items()):
        print("%-22s %-8s raw %+7.2f  windows %3d/%-3d  FP %4d" % (cat, name, raw, tp, nw, fp))


if __name__ == "__main__":
    main()
