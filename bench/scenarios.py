#!/usr/bin/env python3
"""Labelled host scenarios, scored at event level.

usage: scenarios.py [--seeds N] [--keep DIR] [--detail] -- REPLAY_COMMAND [ARG...]
  e.g. bench/scenarios.py -- build/gcc/src/collectd-anomaly replay

Writes, for every kind below and every seed (default 4), a replay CSV of
1-minute data (10 s for cpu_burn_twice) (all columns one host) with labelled windows, replays it
through REPLAY_COMMAND and scores the notification onsets (the `level`
column going from OKAY to WARNING or FAILURE): a labelled window is caught
when an onset lies inside it; every onset outside every window is false
(windows marked "either" neither count nor are required: a counter's wrap
may or may not be worth a message). Prints a table per kind: windows
caught, onsets that were false, false onsets per host-day, median delay
from the window's start to its first onset.

Kinds, each what an operator calls an incident on a host:
  second_incident  two latency shifts a day apart: the second must be
                   caught as the first was
  spike_burst      an 8-row latency spike, then 9 hours later a variance
                   burst of 200 rows
  missed_job       a nightly batch job that runs 7 nights, then not
  missed_job_late  the same after 21 nights
  leak             memory climbing 2 %/h for 8 hours, then a restart
  relation_break   CPU and traffic that move in lock-step; for 90 minutes
                   CPU rises 12 points while traffic falls 200k/s, each
                   still inside its usual range
  quiet            near-constant series (zombies, /dev/shm, loopback),
                   named as collectd names them so that their types are
                   known, that move by a hair, and one real change among
                   them
  counter_wrap     a series of 20-22, one value of 3e17, then two days
                   later 30 minutes at 90
  cpu_burn_twice   an idle CPU (10 s data) loaded to the full for 5
                   minutes, and again 2 hours later
  burn_after_warmup the same 10 minutes after the start, at 2 s, for a
                   minute, twice (./demo.sh burn 60, twice)
  burn_after_okay  the same, the second burn 15 minutes after the first
                   ended, its incident over
Plain python3, deterministic for a seed.
"""
import argparse
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile

STEP = 60
START = 1767571200  # 2026-01-05 00:00 UTC, a Monday
DAY = 86400
H = 3600


def t_of(day, hour, minute=0):
    return START + day * DAY + hour * H + minute * 60


def series(days, step=STEP):
    n = int(days * DAY / step)
    return [START + i * step for i in range(n)]


def latency(rng, t):
    daily = 5 * math.sin(2 * math.pi * (t - START) / DAY)
    return 40 + daily + rng.gauss(0, 3)


def second_incident(rng):
    ts = series(7)
    a = t_of(3, 10 + rng.randint(0, 4))
    b = t_of(4, 14 + rng.randint(0, 4))
    rows = []
    for t in ts:
        v = latency(rng, t)
        if a <= t < a + H:
            v += 25
        if b <= t < b + H:
            v += 15
        rows.append([t, v])
    return ["latency"], rows, [(a, a + H, "first"), (b, b + H, "second")]


def spike_burst(rng):
    ts = series(6)
    a = t_of(3, 6 + rng.randint(0, 3))
    b = a + 9 * H
    rows = []
    for t in ts:
        v = latency(rng, t)
        if a <= t < a + 8 * STEP:
            v = rng.uniform(400, 1000)
        if b <= t < b + 200 * STEP:
            v = 40 + rng.gauss(0, 30)
        rows.append([t, max(v, 1.0)])
    return ["latency"], rows, [(a, a + 8 * STEP, "spike"),
                               (b, b + 200 * STEP, "burst")]


def nightly_job(rng, nights):
    # a job at 02:xx for 30 minutes every night for `nights` nights, and
    # not the night after
    ts = series(nights + 1.5)
    start_minute = rng.randint(0, 30)
    rows = []
    for t in ts:
        s = (t - START) % DAY
        day = (t - START) // DAY
        v = 5 + rng.gauss(0, 1.5)
        job = 2 * H + start_minute * 60 <= s < 2 * H + (start_minute + 30) * 60
        if job and day != nights:
            v = 70 + rng.gauss(0, 5)
        rows.append([t, max(v, 0.0)])
    m = t_of(nights, 2, start_minute)
    return ["cpu"], rows, [(m, m + 45 * 60, "missed")]


def missed_job(rng):
    return nightly_job(rng, 7)


def missed_job_late(rng):
    # the same job after three weeks: the first nights, when the job was
    # new and its edges still unlearned, are out of the detector's memory
    return nightly_job(rng, 21)


def leak(rng):
    ts = series(6)
    a = t_of(3, 6 + rng.randint(0, 6))
    base = 2.0e9
    rows = []
    for t in ts:
        v = base * (1 + 0.01 * math.sin(2 * math.pi * (t - START) / DAY))
        v += rng.gauss(0, 1.5e7)
        if a <= t < a + 8 * H:
            v += base * 0.021 * (t - a) / H
        rows.append([t, v])
    return ["memory_used"], rows, [(a, a + 8 * H, "leak")]


def relation_break(rng):
    ts = series(7)
    a = t_of(4, 9 + rng.randint(0, 6))
    load, target = 0.6, 0.6
    rows = []
    for i, t in enumerate(ts):
        if i % 30 == 0:
            target = rng.uniform(0.25, 0.95)
        load += (target - load) / 15.0
        cpu = 10 + 60 * load + rng.gauss(0, 1.5)
        traffic = 1.5e6 * load + rng.gauss(0, 2e4)
        if a <= t < a + 90 * 60:
            cpu += 12
            traffic -= 2e5
        rows.append([t, cpu, max(traffic, 0.0)])
    return ["cpu", "traffic"], rows, [(a, a + 90 * 60, "break")]


def quiet(rng):
    ts = series(7)
    shm = t_of(3, rng.randint(0, 23))
    blip = t_of(2, rng.randint(0, 23))
    zombies = set(t_of(d, rng.randint(0, 23), rng.randint(0, 59))
                  for d in range(1, 7))
    change = t_of(5, 10 + rng.randint(0, 8))
    rows = []
    for t in ts:
        z = 1 if any(z0 <= t < z0 + 3 * STEP for z0 in zombies) else 0
        s = 8192 if t >= shm else 0
        lo = 120.0 if not blip <= t < blip + STEP else 2000.0
        procs = 100 + (1 if rng.random() < 0.05 else 0)
        if t >= change:
            procs += 60
        rows.append([t, z, s, lo, procs])
    return (["processes/ps_state-zombies", "df-dev-shm/df_complex-used",
             "interface-lo/if_octets", "processes/ps_state-sleeping"],
            rows, [(change, change + 30 * 60, "change")])


def counter_wrap(rng):
    ts = series(5)
    wrap = ts[2000 + rng.randint(0, 200)]
    jump = wrap + 2 * DAY
    rows = []
    for t in ts:
        v = rng.uniform(20, 22)
        if t == wrap:
            v = 3e17
        if jump <= t < jump + 30 * 60:
            v = 90.0
        rows.append([t, v])
    return ["rate"], rows, [(wrap, wrap + 10 * STEP, "either"),
                            (jump, jump + 30 * 60, "jump")]


def burns(rng, days, step, first, gap, length):
    # an idle CPU at `step` seconds a value, loaded to the full for `length`
    # seconds at `first`, and again `gap` seconds after that
    ts = series(days, step)
    b = first + gap
    rows = []
    for t in ts:
        v = abs(rng.gauss(0.2, 0.15))
        if first <= t < first + length or b <= t < b + length:
            v = 97 + 3 * rng.random()
        rows.append([t, v])
    return ["cpu/percent-user"], rows, [(first, first + length, "first"),
                                        (b, b + length, "second")]


def cpu_burn_twice(rng):
    # collectd's default interval, 10 s: a burn of 5 minutes, and again 2
    # hours later
    return burns(rng, 1.5, 10, t_of(1, 2 + rng.randint(0, 6)), 2 * H, 300)


def burn_after_warmup(rng):
    # what ./demo.sh shows: 2 s data, a burn of 60 s 10 minutes after the
    # start, and a second one 3 minutes after the first ended
    return burns(rng, 1800 / DAY, 2, START + 600 + 2 * rng.randint(0, 30),
                 240, 60)


def burn_after_okay(rng):
    # the same, the second burn 15 minutes after the first ended (its OKAY
    # sent): what the first burn taught must not hide the second
    return burns(rng, 3600 / DAY, 2, START + 600 + 2 * rng.randint(0, 30),
                 960, 60)


KINDS = [second_incident, spike_burst, missed_job, missed_job_late, leak,
         relation_break, quiet, counter_wrap, cpu_burn_twice,
         burn_after_warmup, burn_after_okay]


def write_csv(path, names, rows):
    with open(path, "w") as f:
        f.write("timestamp," + ",".join(names) + "\n")
        for r in rows:
            f.write("%d," % r[0] + ",".join("%.10g" % v for v in r[1:]) + "\n")


def onsets(command, path):
    out = subprocess.run(command + [path], check=True, capture_output=True,
                         text=True).stdout.splitlines()
    prev, found = "OKAY", []
    for line in out[1:]:
        cells = line.split(",")
        t, level = float(cells[0]), cells[2]
        if prev == "OKAY" and level != "OKAY":
            found.append(t)
        prev = level
    return found


def score(found, windows):
    caught, delays, false = {}, [], 0
    for t in found:
        inside = [w for w in windows if w[0] <= t < w[1]]
        if not inside:
            false += 1
        for w in inside:
            if w[2] != "either" and w not in caught:
                caught[w] = t
                delays.append((t - w[0]) / 60.0)
    required = [w for w in windows if w[2] != "either"]
    return len(caught), len(required), false, delays, caught


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--keep", help="keep the CSVs and replays in DIR")
    ap.add_argument("--detail", action="store_true",
                    help="print every window and false onset")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    command = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not command:
        ap.error("REPLAY_COMMAND missing")
    work = a.keep or tempfile.mkdtemp()
    os.makedirs(work, exist_ok=True)
    print("%-16s %8s %7s %9s %10s" % ("kind", "caught", "false", "false/day",
                                      "delay_min"))
    totals = [0, 0, 0, 0.0]
    for kind in KINDS:
        caught = required = false = 0
        days, delays = 0.0, []
        for seed in range(a.seeds):
            rng = random.Random("%s-%d" % (kind.__name__, seed))
            names, rows, windows = kind(rng)
            path = os.path.join(work, "%s-%d.csv" % (kind.__name__, seed))
            write_csv(path, names, rows)
            found = onsets(command, path)
            c, r, f, d, hit = score(found, windows)
            caught, required, false = caught + c, required + r, false + f
            days += (rows[-1][0] - rows[0][0]) / DAY
            delays += d
            if a.detail:
                for w in windows:
                    when = hit.get(w)
                    print("  %s seed %d %-7s %s" % (
                        kind.__name__, seed, w[2],
                        "caught after %.0f min" % ((when - w[0]) / 60)
                        if when else "missed" if w[2] != "either" else "-"))
                for t in found:
                    if not any(w[0] <= t < w[1] for w in windows):
                        print("  %s seed %d false onset at +%.1f h" % (
                            kind.__name__, seed, (t - START) / H))
        med = "%.0f" % statistics.median(delays) if delays else "-"
        print("%-16s %5d/%-2d %7d %9.3f %10s" % (kind.__name__, caught,
                                                 required, false,
                                                 false / days, med))
        totals = [totals[0] + caught, totals[1] + required,
                  totals[2] + false, totals[3] + days]
    print("%-16s %5d/%-2d %7d %9.3f" % ("all", totals[0], totals[1],
                                        totals[2], totals[2] / totals[3]))
    if not a.keep:
        for f in os.listdir(work):
            os.unlink(os.path.join(work, f))
        os.rmdir(work)


if __name__ == "__main__":
    sys.exit(main())
