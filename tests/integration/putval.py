#!/usr/bin/python3
"""Feed values into a running collectd through its unixsock plugin.

usage: putval.py SOCKET IDENTIFIER INTERVAL < lines
Each stdin line is "TIME VALUE" (epoch seconds); every line becomes one
PUTVAL with that explicit timestamp, and collectd's answer must be success.
Standard library only: this runs on a bare Debian with python3.
"""
import socket
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    path, identifier, interval = sys.argv[1:]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    reader = sock.makefile("r")
    sent = 0
    for line in sys.stdin:
        fields = line.split()
        if len(fields) != 2:
            continue
        t, v = fields
        sock.sendall(("PUTVAL %s interval=%s %s:%s\n" % (identifier, interval, t, v)).encode())
        answer = reader.readline()
        if not answer.startswith("0 "):
            sys.exit("putval.py: collectd refused %s at %s: %s" % (identifier, t, answer.strip()))
        sent += 1
    sock.close()
    print("putval.py: %d values sent to %s" % (sent, identifier))


if __name__ == "__main__":
    main()
