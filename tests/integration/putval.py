#!/usr/bin/python3
"""Feed values into a running collectd through its unixsock plugin.

usage: putval.py SOCKET IDENTIFIER INTERVAL < lines
       putval.py --csv SOCKET HOST FILE.csv [FIRST LAST]

The first form reads "TIME VALUE" lines (epoch seconds) from stdin; each
becomes one PUTVAL with that explicit timestamp. The second sends a replay
CSV (header: timestamp, then plugin/type columns) row by row, column by
column, data rows FIRST to LAST (1-based, default all), pausing 5 ms a row
so that the plugin's trainer thread keeps up as it would with live data.
Every answer of collectd must be success. Standard library only: this runs
on a bare Debian with python3.
"""
import socket
import sys
import time


def connect(path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    return sock, sock.makefile("r")


def putval(sock, reader, identifier, interval, t, values):
    sock.sendall(("PUTVAL %s interval=%s %s:%s\n" % (identifier, interval, t, values)).encode())
    answer = reader.readline()
    if not answer.startswith("0 "):
        sys.exit("putval.py: collectd refused %s at %s: %s" % (identifier, t, answer.strip()))


def feed_csv(path, host, csv, first=None, last=None):
    rows = [l.rstrip("\n").split(",") for l in open(csv)]
    names = rows[0][1:]
    first = int(first) if first else 1
    last = int(last) if last else len(rows) - 1
    sock, reader = connect(path)
    for row in rows[first:last + 1]:
        for name, value in zip(names, row[1:]):
            putval(sock, reader, "%s/%s" % (host, name), 60, row[0], value)
        time.sleep(0.005)
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
