#!/usr/bin/env python3
"""Anomaly-free synthetic metrics, for measuring false notifications.

usage: synthetic.py OUT_DIR [--days N] [--step SECONDS] [--seed S]

Writes one CSV per kind of series (replay format: timestamp,value), each N
days (default 30) at one value per STEP seconds (default 60), with nothing in
them an operator would call an anomaly: the kinds of ordinary behaviour host
metrics show. Plain python3, deterministic for a seed.
"""
import argparse
import math
import os
import random


def kinds(rng, n, step):
    day = 86400.0 / step
    week = 7 * day

    def daily(i):
        return math.sin(2 * math.pi * i / day)

    def weekday(i):  # Monday..Friday busier, as offices are
        return 1.0 if ((i / day) + 3) % 7 < 5 else 0.4

    # Each generator returns the value at index i; state lives in closures.
    walk = [50.0]
    ar = [0.0]
    burst = [0]

    def cpu_noise(i):  # CPU percent: noise around a level
        return max(0.0, 12 + rng.gauss(0, 2))

    def cpu_daily(i):  # daily cycle with noise, heavier in the afternoon
        return max(0.0, 30 + 20 * daily(i) + rng.gauss(0, 2 + 2 * max(0, daily(i))))

    def requests_weekly(i):  # requests/s: daily and weekly cycle, Poisson
        lam = 200 * weekday(i) * (1.2 + daily(i))
        return rng.gauss(lam, math.sqrt(max(lam, 1)))

    def heavy_tail(i):  # latency: log-normal, heavy right tail
        return 20 * math.exp(rng.gauss(0, 0.35))

    def ar1(i):  # autocorrelated (a load average)
        ar[0] = 0.97 * ar[0] + rng.gauss(0, 0.1)
        return 1.5 + ar[0]

    def memory_walk(i):  # memory used: slow bounded random walk
        walk[0] += rng.gauss(0, 0.05) - 0.001 * (walk[0] - 50)
        return walk[0] * 1e7

    def processes(i):  # small integer counts
        return float(120 + int(rng.gauss(0, 1.5)))

    def disk_bursty(i):  # writes: mostly idle, regular bursts
        if burst[0] > 0:
            burst[0] -= 1
            return rng.uniform(5e6, 9e6)
        if rng.random() < 0.01:
            burst[0] = rng.randint(1, 4)
            return rng.uniform(5e6, 9e6)
        return rng.uniform(0, 2e4)

    def errors_sparse(i):  # error counters: zero, now and then one
        return 1.0 if rng.random() < 0.002 else 0.0

    def cron_hourly(i):  # a job at the top of every hour
        minute = (i * step / 60.0) % 60
        return (60 if minute < 3 else 5) + rng.gauss(0, 1)

    def weekly_job(i):  # a backup every Sunday 02:00-03:00
        t = i * step
        dow = (int(t // 86400) + 3) % 7
        hour = (t % 86400) / 3600
        return (90 if dow == 6 and 2 <= hour < 3 else 10) + rng.gauss(0, 2)

    return {
        "cpu_noise": cpu_noise,
        "cpu_daily": cpu_daily,
        "requests_weekly": requests_weekly,
        "latency_heavy_tail": heavy_tail,
        "load_ar1": ar1,
        "memory_walk": memory_walk,
        "processes_integer": processes,
        "disk_bursty": disk_bursty,
        "errors_sparse": errors_sparse,
        "cron_hourly": cron_hourly,
        "weekly_job": weekly_job,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--days", type=float, default=30)
    ap.add_argument("--step", type=float, default=60)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    n = int(a.days * 86400 / a.step)
    start = 1704067200  # 2024-01-01 00:00:00 UTC, a Monday
    for k, (name, gen) in enumerate(sorted(kinds(random.Random(a.seed), n, a.step).items())):
        rng_gen = kinds(random.Random(a.seed * 1000 + k), n, a.step)[name]
        with open(os.path.join(a.out, name + ".csv"), "w") as f:
            f.write("timestamp,value\n")
            for i in range(n):
                f.write("%d,%.6g\n" % (start + i * a.step, rng_gen(i)))


if __name__ == "__main__":
    main()
