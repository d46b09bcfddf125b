"""Figure 14's quick part (regress/hostile/flood.py --quick, doc/
reliability.md): 200 slowloris connections and 100 connect-close
connections a second against the daemon for 6 s while a client sends a
message every 0.2 s.  With MaxDaemonChildren unset every message gets
its 250 within 2 s; with MaxDaemonChildren=20 and FEATURE(conncontrol)
limiting the attacking address (ClientConn) the same, and the pool never
has more than 20 workers.  `make check-hostile` runs 1,000."""

import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
FLOOD = os.path.join(os.path.dirname(HERE), "hostile", "flood.py")
BIN = os.environ.get("BIN") or os.path.join(os.path.dirname(
    os.path.dirname(HERE)), "bin")

pytestmark = pytest.mark.skipif(not os.access(os.path.join(BIN, "sendmail"),
                                              os.X_OK), reason="no sendmail")


def flood(*args):
    p = subprocess.run([sys.executable, FLOOD, "--quick"] + list(args),
                       capture_output=True, text=True, timeout=300)
    out = p.stdout + p.stderr
    assert p.returncode == 0 and "flood: PASS" in out, out
    return out


def test_slow_clients_do_not_delay_a_legitimate_message():
    out = flood()
    assert "over 2.0 s: 0, failed 0" in out, out


def test_conncontrol_keeps_a_flooding_address_within_maxdaemonchildren():
    out = flood("--maxchildren", "20", "--conncontrol", "10",
                "--src", "127.0.0.2")
    assert "cap 20" in out, out
