"""Figure 14's quick part (regress/hostile/flood.py --quick, doc/
reliability.md): 200 slowloris connections and 100 connect-close
connections a second against the daemon for 6 s while a client sends a
message every 0.2 s.  With MaxDaemonChildren unset every message gets
its 250 within 2 s; with MaxDaemonChildren=20 and FEATURE(conncontrol)
limiting the attacking address (ClientConn) the same, and the pool never
has more than 20 workers; with MaxDaemonChildren=20 and the attack
spread over 253 addresses (no per-address limit helps) the same, by the
daemon's stress mode (src/smtpd/smtpd_stress.c, smtpd_room.c).
`make check-hostile` runs 1,000."""

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


def test_stress_mode_frees_a_full_pool_of_slow_clients():
    # before the stress mode every worker was held and the message
    # waited for the attack's end (figure 14's fourth row)
    out = flood("--maxchildren", "20")
    assert "cap 20" in out and "over 2.0 s: 0, failed 0" in out, out


def test_stress_mode_replies_as_a_command_timeout(tmp_path):
    """MaxDaemonChildren 2, both workers held by clients trickling a
    line a byte at a time, more clients waiting: the trickling ones get
    sendmail's command-timeout reply within seconds, a client that sends
    whole lines gets its 250, and one that talks before the greeting is
    refused as greet_pause refuses it."""
    import socket
    import time
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "fault"))
    import world
    w = world.World(str(tmp_path / "w"), mode="queueonly", sink=False,
                    maxchildren=2,
                    extra_mc="define(`confREFUSE_LA', `1000')dnl\n"
                             "define(`confDELAY_LA', `0')dnl\n")
    slow = []
    try:
        w.start()
        for _ in range(6):
            s = socket.create_connection(("127.0.0.1", w.port), 5)
            s.setblocking(False)
            slow.append([s, b""])
        talker = socket.create_connection(("127.0.0.1", w.port), 5)
        talker.sendall(b"EHLO early\r\n")
        t0 = time.monotonic()
        while time.monotonic() - t0 < 8:
            for c in slow:
                try:
                    c[1] += c[0].recv(4096)
                except OSError:
                    pass
                if c[1].startswith(b"220"):
                    try:        # after the greeting, never a line end
                        c[0].send(b"E")
                    except OSError:
                        pass
            if all(b"421" in c[1] for c in slow):
                break
            time.sleep(0.3)
        got = [c[1] for c in slow]
        assert all(b"421 4.4.1 " in g and b" Lost input channel from "
                   in g for g in got), got
        talker.settimeout(10)
        heard = b""
        while True:
            d = talker.recv(4096)
            if not d:
                break
            heard += d
        assert b"554 " in heard and b"ESMTP not accepting messages" in heard
        # a whole-line client is served at once (the stress may be over)
        c = socket.create_connection(("127.0.0.1", w.port), 10)
        c.settimeout(10)
        f = c.makefile("rb")
        assert f.readline().startswith(b"220")
        c.sendall(b"HELO legit.example.net\r\n")
        assert f.readline().startswith(b"250")
        c.close()
    finally:
        for c in slow:
            c[0].close()
        w.close()
