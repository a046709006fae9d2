#!/usr/bin/python3
"""Isolation forest: ours (bench/iforest_bench) against scikit-learn's
IsolationForest on the same data, in one run.

usage: /usr/bin/python3 bench/iforest_vs_sklearn.py IFOREST_BENCH [--runs N]
                                                    [--trees T] [--sample S]

Two ways of using a forest, each on every data set (synthetic, with the
anomalies known):

- batch: fit on the whole set, score the same set in one call (as in the
  isolation forest paper's evaluations);
- online: fit on a reservoir of 1024 rows, then score the next 2000 rows one
  call per row, the way the anomaly plugin scores each new interval.

For both implementations: fit and score time (medians of N runs) and ROC
AUC (mean over the N runs' seeds: one seed's AUC varies by a few
hundredths). Prints a table and the speed ratios of fit + score. scikit-learn is a benchmark
dependency only (Debian's python3-sklearn).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score


def gauss2d(rng):
    """2-D standard normal, 1% uniform outliers in [-6, 6]^2."""
    n, k = 10000, 100
    x = rng.standard_normal((n, 2))
    x[:k] = rng.uniform(-6, 6, (k, 2))
    y = np.zeros(n)
    y[:k] = 1
    return x, y


def correlated10d(rng):
    """10 features driven by 2 latent loads plus noise; 2% of points break
    the relations (each feature from another point's loads)."""
    n, k = 10000, 200
    loads = rng.standard_normal((n, 2))
    mix = rng.standard_normal((2, 10))
    x = loads @ mix + 0.3 * rng.standard_normal((n, 10))
    for i in range(k):
        other = rng.integers(0, n, 10)
        x[i] = [loads[other[j]] @ mix[:, j] for j in range(10)]
    y = np.zeros(n)
    y[:k] = 1
    return x, y


def clusters20d(rng):
    """20-D mixture of 5 clusters; 1% uniform in the bounding box."""
    n, k = 10000, 100
    centres = rng.uniform(-5, 5, (5, 20))
    x = centres[rng.integers(0, 5, n)] + rng.standard_normal((n, 20))
    lo, hi = x.min(axis=0), x.max(axis=0)
    x[:k] = rng.uniform(lo, hi, (k, 20))
    y = np.zeros(n)
    y[:k] = 1
    return x, y


def host16(rng):
    """A host's 16 series over 10 days at 1-minute steps: CPU, load and
    traffic follow one daily demand, memory and disk their own slow walks;
    in 1% of minutes CPU and load rise while traffic falls (each still within
    its own range)."""
    n, k = 14400, 144
    t = np.arange(n)
    demand = 0.5 + 0.4 * np.sin(2 * np.pi * t / 1440) + 0.05 * rng.standard_normal(n)
    idx = rng.choice(n, k, replace=False)
    cpu_demand = demand.copy()
    traffic_demand = demand.copy()
    cpu_demand[idx] = np.maximum(demand[idx], 0.7)
    traffic_demand[idx] = np.minimum(demand[idx], 0.3)
    cols = []
    for j in range(4):  # cpu states
        cols.append(100 * cpu_demand * (0.2 + 0.1 * j) + rng.standard_normal(n))
    for j in range(3):  # load 1/5/15
        cols.append(4 * cpu_demand + 0.2 * rng.standard_normal(n))
    for j in range(4):  # interface octets and packets
        cols.append(1e6 * traffic_demand * (1 + j) + 1e4 * rng.standard_normal(n))
    for j in range(5):  # memory, disk: slow walks
        cols.append(np.cumsum(rng.standard_normal(n)) + 1000 * (j + 1))
    x = np.column_stack(cols)
    y = np.zeros(n)
    y[idx] = 1
    return x, y


DATASETS = [("gauss2d", gauss2d), ("correlated10d", correlated10d),
            ("clusters20d", clusters20d), ("host16", host16)]


def ours(bench, train, test, trees, sample, runs, work, single):
    tr = os.path.join(work, "train.csv")
    te = os.path.join(work, "test.csv")
    scores = os.path.join(work, "scores.out")
    np.savetxt(tr, train.astype(np.float32), delimiter=",", fmt="%.7g")
    np.savetxt(te, test.astype(np.float32), delimiter=",", fmt="%.7g")
    cmd = [bench, tr, te, scores, str(trees), str(sample), str(runs)]
    if single:
        cmd.append("single")
    out = subprocess.run(cmd, check=True, capture_output=True,
                         text=True).stdout.split()
    fit_ms, score_ms, nbytes = float(out[0]), float(out[1]), int(out[2])
    return fit_ms, score_ms, nbytes, np.loadtxt(scores, delimiter=",",
                                                 ndmin=2).T


def sklearn(train, test, trees, sample, runs, single):
    fits, scorings, results = [], [], []
    for r in range(runs):
        f = IsolationForest(n_estimators=trees, max_samples=sample,
                            random_state=r + 1)
        t0 = time.perf_counter()
        f.fit(train)
        t1 = time.perf_counter()
        if single:
            s = np.array([-f.score_samples(row.reshape(1, -1))[0]
                          for row in test])
        else:
            s = -f.score_samples(test)
        t2 = time.perf_counter()
        fits.append(1e3 * (t1 - t0))
        scorings.append(1e3 * (t2 - t1))
        results.append(s)
    return statistics.median(fits), statistics.median(scorings), results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--sample", type=int, default=256)
    a = ap.parse_args()
    import sklearn as sk
    print("isolation forest, %d trees x %d rows, medians of %d runs; "
          "scikit-learn %s" % (a.trees, a.sample, a.runs, sk.__version__))
    print("%-7s %-14s %6s %4s | %9s %9s %9s | %9s %9s %9s | %7s %7s %7s | "
          "%8s" % ("mode", "data", "scored", "dim", "fit ms", "sk fit",
                   "ratio", "score ms", "sk score", "ratio", "AUC", "sk AUC",
                   "delta", "forest"))
    with tempfile.TemporaryDirectory() as work:
        for mode in ("batch", "online"):
            ratios = []
            for name, make in DATASETS:
                x, y = make(np.random.default_rng(7))
                if mode == "batch":
                    train, test, ytest = x, x, y
                else:
                    # shuffled, so that both parts hold anomalies
                    order = np.random.default_rng(8).permutation(len(x))
                    train, test = x[order[:1024]], x[order[1024:3024]]
                    ytest = y[order[1024:3024]]
                single = mode == "online"
                fit, score, nbytes, s = ours(a.bench, train, test, a.trees,
                                             a.sample, a.runs, work, single)
                skfit, skscore, sks = sklearn(train, test, a.trees, a.sample,
                                              a.runs, single)
                auc = statistics.mean(roc_auc_score(ytest, r) for r in s)
                skauc = statistics.mean(roc_auc_score(ytest, r) for r in sks)
                ratios.append((skfit + skscore) / (fit + score))
                print("%-7s %-14s %6d %4d | %9.2f %9.1f %8.0fx | %9.2f %9.1f "
                      "%8.0fx | %7.4f %7.4f %+7.4f | %7.1fK" % (
                          mode, name, len(test), x.shape[1], fit, skfit,
                          skfit / fit, score, skscore, skscore / score, auc,
                          skauc, auc - skauc, nbytes / 1024))
            print("%s: fit + score %.0fx to %.0fx faster than scikit-learn" %
                  (mode, min(ratios), max(ratios)))


if __name__ == "__main__":
    sys.exit(main())
