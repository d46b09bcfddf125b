#!/usr/bin/env python3
"""Inside the private network namespace of smtpd_diff.py: bring up lo,
start a daemon (`BINARY -bd -C CF -odq`), speak each dialogue from the
client address it names, stop the daemon by the PID in its PidFile, and
print what the server said as JSON on stdout.

Usage (run by smtpd_diff.py through oracle_env.run_ns):
  smtpd_driver.py PIDFILE PORT CASES_JSON BINARY ARGS...
CASES_JSON: [[name, client_addr, [line, ...]], ...]; a line "DATA" is
followed by message lines up to "." as in smtp_diff.py.  Two pseudo-lines
are steps, not commands: "<TLS>" starts TLS on the connection (after a
STARTTLS the server answered 220; no certificate checks), "<QUIET>"
records what the server says unasked within a second ("<quiet>" if
nothing), the STARTTLS injection check.
"""

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time


def wait_port(port):
    """Until the daemon answers: a session of its own (greeting, QUIT)
    read to the server's close, so that its "did not issue MAIL" log
    line is written before the cases' sessions begin."""
    for _ in range(300):
        try:
            s = socket.create_connection(("127.0.0.1", port), 1)
        except OSError:
            time.sleep(0.02)
            continue
        with s:
            s.settimeout(20)
            f = s.makefile("rb")
            try:
                f.readline()
                s.sendall(b"QUIT\r\n")
                while f.readline():
                    pass
            except OSError:
                pass
        return True
    return False


def talk(port, client, lines):
    got = []
    s = socket.socket()
    s.settimeout(20)
    s.bind((client, 0))
    s.connect(("127.0.0.1", port))
    f = s.makefile("rb")
    conn = {"s": s, "f": f}

    def read_reply():
        while True:
            try:
                line = conn["f"].readline()
            except OSError:
                line = b""
            if not line:
                got.append("<EOF>")
                return False
            got.append(line.rstrip(b"\r\n").decode("latin1"))
            if len(line) < 4 or line[3:4] != b"-":
                return True

    alive = read_reply()
    in_data = False
    for line in lines:
        if not alive:
            break
        if line in ("<TLS>", "<TLSCERT>", "<QUIET>"):
            alive = step(conn, line, got)
            continue
        try:
            conn["s"].sendall(line.encode("latin1") + b"\r\n")
        except OSError:
            got.append("<EPIPE>")
            break
        if in_data:
            if line == ".":
                in_data = False
                alive = read_reply()
            continue
        alive = read_reply()
        if line.upper() == "DATA" and got[-1].startswith("354"):
            in_data = True
    conn["s"].close()
    return got


def step(conn, what, got):
    """A pseudo-line of the dialogue; False when the connection is gone."""
    try:
        if what in ("<TLS>", "<TLSCERT>"):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            if what == "<TLSCERT>":     # smtpd_tls_diff.make_pki's
                ctx.load_cert_chain("etc/mail/certs/client.pem",
                                    "etc/mail/certs/client.key")
            conn["s"] = ctx.wrap_socket(conn["s"])
            conn["f"] = conn["s"].makefile("rb")
            got.append("<TLS %s>" % conn["s"].version())
            return True
        conn["s"].settimeout(1)
        try:
            data = conn["s"].recv(4096)
            got.append("<said %r>" % data)
        except socket.timeout:
            got.append("<quiet>")
        conn["s"].settimeout(20)
        return True
    except (OSError, ssl.SSLError) as e:
        got.append("<%s>" % type(e).__name__)
        return False


def main():
    pidfile, port, cases = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    argv = sys.argv[4:]
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    subprocess.run(["ip", "addr", "add", "127.0.0.2/8", "dev", "lo"],
                   capture_output=True)
    with open(cases) as f:
        todo = json.load(f)
    p = subprocess.run(argv + ["-bd"], capture_output=True, timeout=30)
    out = {"start": [p.returncode, p.stdout.decode("latin1"),
                     p.stderr.decode("latin1")]}
    if not wait_port(port):
        out["error"] = "daemon does not listen"
    else:
        for name, client, lines in todo:
            out[name] = talk(port, client, lines)
    pid = None
    for _ in range(100):
        try:
            with open(pidfile) as f:
                pid = int(f.readline())
            break
        except (OSError, ValueError):
            time.sleep(0.02)
    if pid:
        os.kill(pid, signal.SIGTERM)
        for _ in range(250):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.02)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
