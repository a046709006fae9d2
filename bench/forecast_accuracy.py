#!/usr/bin/python3
"""Forecast accuracy of the anomaly plugin's forecaster (ad_outlook: the
seasonal shape on the slow trend) against the seasonal naive forecast and a
Holt-Winters / ETS baseline (statsmodels' ExponentialSmoothing, additive
damped trend, additive daily season, on hourly means), at 1, 6 and 24 hours
ahead. A benchmark: statsmodels (Debian's python3-statsmodels) is needed
here and nowhere else.

usage: bench/forecast_accuracy.py FORECAST_POINTS NAB_DATA_DIR

Series: the NAB files with at least ten days of data at intervals of an hour
or less, and synthetic ones of the kinds operators have (a daily shape with
a trend, a filling disk with a daily shape, a weekly pattern). Origins: one
a day from day 7 on (at most 14 a series). At each origin every method
forecasts from what came before; the error is against the observed value
nearest the target time. The scale is each series' in-sample mean absolute
difference to the day before (MASE against the seasonal naive forecast):
below 1 beats the naive forecast. Prints the median MASE of each method per
horizon, and the median over series of the forecaster's MAE divided by each
baseline's (below 1: better).
"""
import bisect
import csv
import datetime
import glob
import math
import os
import random
import statistics
import subprocess
import sys
import warnings

import numpy as np
from statsmodels.tsa.holtwinters import ExponentialSmoothing

HORIZONS = (1, 6, 24)
FIRST_DAYS = 7
MAX_ORIGINS = 14
HW_HISTORY = 14 * 24  # hours of hourly means Holt-Winters is fitted on


def read_nab(path):
    rows = []
    with open(path) as f:
        for r in csv.DictReader(f):
            t = datetime.datetime.strptime(r["timestamp"], "%Y-%m-%d %H:%M:%S")
            rows.append((t.replace(tzinfo=datetime.timezone.utc).timestamp(), float(r["value"])))
    return rows


def synthetic():
    out = {}
    rng = random.Random(1)
    t0, step = 1.7e9, 300.0
    n = int(21 * 86400 / step)
    wave = lambda t: math.sin(2 * math.pi * (t % 86400) / 86400)
    out["synthetic_daily_trend"] = [
        (t0 + i * step, 50 + 10 * wave(t0 + i * step) + 2 * i * step / 86400 + rng.gauss(0, 1))
        for i in range(n)]
    out["synthetic_disk_fill"] = [
        (t0 + i * step, 40e9 + 5e9 * i * step / 86400 + 2e9 * wave(t0 + i * step) + rng.gauss(0, 2e7))
        for i in range(n)]
    out["synthetic_weekly"] = [
        (t0 + i * step, (30 if ((t0 + i * step) // 86400 + 3) % 7 >= 5 else 60)
         + 15 * wave(t0 + i * step) + rng.gauss(0, 2))
        for i in range(n)]
    return out


def usable(rows):
    if len(rows) < 100:
        return False
    span = rows[-1][0] - rows[0][0]
    step = statistics.median(b[0] - a[0] for a, b in zip(rows[:200], rows[1:201]))
    return span >= 10 * 86400 and step <= 3600


def nearest(times, values, t, tolerance):
    i = bisect.bisect_left(times, t)
    best = None
    for j in (i - 1, i):
        if 0 <= j < len(times) and abs(times[j] - t) <= tolerance:
            if best is None or abs(times[j] - t) < abs(times[best] - t):
                best = j
    return None if best is None else values[best]


def ours(binary, rows):
    text = "".join("%.0f,%.10g\n" % r for r in rows)
    p = subprocess.run([binary, "24", str(FIRST_DAYS * 24)] + [str(h) for h in HORIZONS],
                       input=text, capture_output=True, text=True, check=True)
    out = {}
    for line in p.stdout.split():
        o, h, v = line.split(",")
        out[(float(o), float(h))] = float(v)
    return out


def hourly(rows, upto):
    """Hourly means of the values before `upto`, the last HW_HISTORY hours,
    gaps filled by the previous hour."""
    buckets = {}
    for t, v in rows:
        if t >= upto:
            break
        buckets.setdefault(int(t // 3600), []).append(v)
    if not buckets:
        return []
    last = int((upto - 1) // 3600)
    first = max(min(buckets), last - HW_HISTORY + 1)
    series, prev = [], None
    for k in range(first, last + 1):
        if k in buckets:
            prev = sum(buckets[k]) / len(buckets[k])
        if prev is not None:
            series.append(prev)
    return series


def holt_winters(rows, origin):
    y = np.array(hourly(rows, origin))
    if len(y) < 3 * 24:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = ExponentialSmoothing(y, trend="add", damped_trend=True, seasonal="add",
                                       seasonal_periods=24).fit()
            f = fit.forecast(max(HORIZONS))
        except Exception:
            return None
    # hour k of the forecast is the mean of [end + k - 1, end + k) hours;
    # a target t + h lies in hour h
    return {h: float(f[h - 1]) for h in HORIZONS}


def evaluate(name, rows, binary):
    times = [t for t, _ in rows]
    values = [v for _, v in rows]
    step = statistics.median(b - a for a, b in zip(times[:200], times[1:201]))
    tol = max(step, 300)
    # scale: in-sample mean |y(t) - y(t - 1 day)| over the first FIRST_DAYS
    diffs = []
    for t, v in rows:
        if t >= times[0] + FIRST_DAYS * 86400:
            break
        prev = nearest(times, values, t - 86400, tol)
        if prev is not None:
            diffs.append(abs(v - prev))
    scale = statistics.mean(diffs) if diffs else 0
    if not scale > 0:
        return None
    forecasts = ours(binary, rows)
    origins = sorted({o for o, _ in forecasts})[:MAX_ORIGINS]
    errors = {m: {h: [] for h in HORIZONS} for m in ("ours", "naive", "hw")}
    for o in origins:
        hw = holt_winters(rows, o)
        for h in HORIZONS:
            target = o + 3600 * h
            actual = nearest(times, values, target, tol)
            naive = nearest(times, values, target - 86400 * math.ceil(h / 24), tol)
            mine = forecasts.get((o, float(h)))
            if actual is None or naive is None or mine is None or hw is None:
                continue
            errors["ours"][h].append(abs(mine - actual))
            errors["naive"][h].append(abs(naive - actual))
            errors["hw"][h].append(abs(hw[h] - actual))
    if not errors["ours"][HORIZONS[0]]:
        return None
    return {m: {h: statistics.mean(e) / scale for h, e in by_h.items() if e}
            for m, by_h in errors.items()}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, nab = sys.argv[1], sys.argv[2]
    series = {}
    for path in sorted(glob.glob(os.path.join(nab, "*", "*.csv"))):
        rows = read_nab(path)
        if usable(rows):
            series[os.path.basename(path)[:-4]] = rows
    series.update(synthetic())
    results = {}
    for name, rows in series.items():
        r = evaluate(name, rows, binary)
        if r is not None:
            results[name] = r
            print("%-45s" % name + "".join(
                "  %dh: %.2f / %.2f / %.2f" % (h, r["ours"].get(h, float("nan")),
                                              r["naive"].get(h, float("nan")),
                                              r["hw"].get(h, float("nan")))
                for h in HORIZONS), file=sys.stderr)
    print("forecast accuracy, %d series (MASE: mean absolute error over the in-sample "
          "day-before difference; per horizon, median over series)" % len(results))
    print("%-8s %10s %10s %14s %16s %14s" % ("ahead", "ours", "naive", "Holt-Winters",
                                               "ours / naive", "ours / HW"))
    for h in HORIZONS:
        rows = [r for r in results.values() if h in r["ours"] and h in r["hw"]]
        med = lambda m: statistics.median(r[m][h] for r in rows)
        ratio = lambda m: statistics.median(r["ours"][h] / r[m][h] for r in rows if r[m][h] > 0)
        print("%-8s %10.3f %10.3f %14.3f %16.3f %14.3f" % (
            "%d h" % h, med("ours"), med("naive"), med("hw"), ratio("naive"), ratio("hw")))


if __name__ == "__main__":
    main()
