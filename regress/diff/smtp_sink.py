#!/usr/bin/env python3
"""A sink SMTP server for the differential tests that deliver over SMTP
(mime8to7_diff.py): run inside the test's network namespace, it takes
mail on ADDR:PORT, offers 8BITMIME only with --8bitmime, and writes each
transaction to OUT/msg-N: the MAIL and RCPT lines as received, a line
"DATA", then the message bytes exactly as they came (CRLF, dot-stuffing
and all) up to the final ".".  OUT/ready appears once it listens.  It
serves one connection at a time until killed (SIGTERM).

Usage: smtp_sink.py ADDR PORT OUT [--8bitmime]
"""

import os
import signal
import socket
import sys


def serve_one(c, out, eightbit, seq):
    f = c.makefile("rb")
    c.sendall(b"220 sink.example ESMTP ready\r\n")
    head = []
    while True:
        line = f.readline()
        if not line:
            return seq
        u = line.upper()
        if u.startswith(b"EHLO"):
            ext = [b"sink.example", b"PIPELINING", b"SIZE 10000000"]
            if eightbit:
                ext.append(b"8BITMIME")
            ext.append(b"ENHANCEDSTATUSCODES")
            c.sendall(b"".join(b"250-" + x + b"\r\n" for x in ext[:-1]) +
                      b"250 " + ext[-1] + b"\r\n")
        elif u.startswith(b"MAIL") or u.startswith(b"RCPT"):
            head.append(line.rstrip(b"\r\n"))
            c.sendall(b"250 2.0.0 ok\r\n")
        elif u.startswith(b"DATA"):
            c.sendall(b"354 go ahead\r\n")
            data = []
            while True:
                x = f.readline()
                if x in (b".\r\n", b""):
                    break
                data.append(x)
            seq += 1
            path = os.path.join(out, "msg-%d" % seq)
            with open(path + ".tmp", "wb") as fh:
                fh.write(b"\n".join(head) + b"\nDATA\n" + b"".join(data))
            os.rename(path + ".tmp", path)
            head = []
            c.sendall(b"250 2.0.0 queued as S%d\r\n" % seq)
        elif u.startswith(b"RSET"):
            head = []
            c.sendall(b"250 2.0.0 reset\r\n")
        elif u.startswith(b"QUIT"):
            c.sendall(b"221 2.0.0 bye\r\n")
            return seq
        else:
            c.sendall(b"250 2.0.0 ok\r\n")


def main():
    if len(sys.argv) < 4:
        sys.stderr.write(__doc__)
        return 64
    addr, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    eightbit = "--8bitmime" in sys.argv[4:]
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(5)
    open(os.path.join(out, "ready"), "w").close()
    seq = 0
    while True:
        c, _ = s.accept()
        c.settimeout(60)
        try:
            seq = serve_one(c, out, eightbit, seq)
        except (OSError, socket.timeout):
            pass
        c.close()


if __name__ == "__main__":
    sys.exit(main())
