#!/usr/bin/env python3
"""Inside the private network namespace of smtpd_diff.py: bring up lo,
start a daemon (`BINARY -bd -C CF -odq`), speak each dialogue from the
client address it names, stop the daemon by the PID in its PidFile, and
print what the server said as JSON on stdout.

Usage (run by smtpd_diff.py through oracle_env.run_ns):
  smtpd_driver.py PIDFILE PORT CASES_JSON BINARY ARGS...
CASES_JSON: [[name, client_addr, [line, ...]], ...]; a line "DATA" is
followed by message lines up to "." as in smtp_diff.py.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time


def wait_port(port):
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return True
        except OSError:
            time.sleep(0.02)
    return False


def talk(port, client, lines):
    got = []
    s = socket.socket()
    s.settimeout(20)
    s.bind((client, 0))
    s.connect(("127.0.0.1", port))
    f = s.makefile("rb")

    def read_reply():
        while True:
            try:
                line = f.readline()
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
        try:
            s.sendall(line.encode("latin1") + b"\r\n")
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
    s.close()
    return got


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
