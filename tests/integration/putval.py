#!/usr/bin/python3
"""Feed values into a running collectd through its unixsock plugin.

usage: putval.py SOCKET IDENTIFIER INTERVAL < lines
       putval.py --csv SOCKET HOST FILE.csv [FIRST LAST]

The first form reads "TIME VALUE" lines (epoch seconds) from stdin; each
becomes one PUTVAL with that explicit timestamp. The second sends a replay
CSV (header: timestamp, then plugin/type columns) row by row, column by
column, data rows FIRST to LAST (1-based, default all), and after each row
waits until collectd has taken it and the anomaly plugin's trainer has
trained what fell due (sync): the plugin then sees the values exactly as it
would live, whatever the machine's speed. Every answer of collectd must be
success. Standard library only: this runs on a bare Debian with python3.
"""
import os
import socket
import sys
import time

SYNC_TIMEOUT = 120.0  # seconds a row may take to be taken (a slow machine)
# the interval --csv announces (seconds; FEED_INTERVAL in the environment)
INTERVAL = int(os.environ.get("FEED_INTERVAL", "60"))


def connect(path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    return sock, sock.makefile("r")


def putval(sock, reader, identifier, interval, t, values):
    line = "PUTVAL %s interval=%s %s:%s\n" % (identifier, interval, t, values)
    sock.sendall(line.encode("utf-8", "surrogateescape"))  # bytes as given
    answer = reader.readline()
    if not answer.startswith("0 "):
        sys.exit("putval.py: collectd refused %s at %s: %s" % (identifier, t, answer.strip()))


def taken(sock, reader, identifier, t):
    """True when collectd's cache holds identifier's value of time t: its
    write thread (the tests run one) has handed every value before it to the
    write plugins."""
    sock.sendall(b"LISTVAL\n")
    head = reader.readline()
    count = int(head.split()[0])
    found = False
    for _ in range(count):
        when, name = reader.readline().split()
        found = found or (name == identifier and float(when) >= float(t))
    return found


def sync(sock, reader, host, t):
    """Waits until every value sent before is taken by the anomaly plugin,
    then flushes it, which returns once the forests due by then are
    trained. The barrier is a value of the host's plugin "anomaly", which
    the anomaly plugin ignores (its own output): once collectd's one write
    thread has it in its cache, it has handed everything before it to
    every write plugin."""
    barrier = "%s/anomaly/gauge-sync" % host
    putval(sock, reader, barrier, 60, t, 0)
    deadline = time.monotonic() + SYNC_TIMEOUT
    while not taken(sock, reader, barrier, t):
        if time.monotonic() > deadline:
            sys.exit("putval.py: collectd did not take %s at %s" % (barrier, t))
        time.sleep(0.001)
    sock.sendall(b"FLUSH plugin=anomaly\n")
    answer = reader.readline()
    if not answer.startswith("0 "):
        sys.exit("putval.py: FLUSH failed: %s" % answer.strip())


def feed_csv(path, host, csv, first=None, last=None):
    rows = [l.rstrip("\n").split(",") for l in open(csv)]
    names = rows[0][1:]
    first = int(first) if first else 1
    last = int(last) if last else len(rows) - 1
    sock, reader = connect(path)
    for row in rows[first:last + 1]:
        for name, value in zip(names, row[1:]):
            putval(sock, reader, "%s/%s" % (host, name), INTERVAL, row[0], value)
        sync(sock, reader, host, row[0])
    sock.close()


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "--csv":
        feed_csv(*sys.argv[2:])
        return
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    path, identifier, interval = sys.argv[1:]
    sock, reader = connect(path)
    sent = 0
    for line in sys.stdin:
        fields = line.split()
        if len(fields) != 2:
            continue
        putval(sock, reader, identifier, interval, fields[0], fields[1])
        sent += 1
    sock.close()
    print("putval.py: %d values sent to %s" % (sent, identifier))


if __name__ == "__main__":
    main()
