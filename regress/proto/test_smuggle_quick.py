"""SMTP smuggling (regress/hostile/smuggle.py, reference reliability.md
§2.2, figure 8) as `make check` runs it: --quick splits each end-of-data
variant's message only around the variant (`make check-hostile` splits
at every byte); nothing smuggled is queued, the replies are the
oracle's, and the SMTP client never puts a bare CR or LF or an
unstuffed dot on the wire.  The wire checker is tested on bad input
first, so that a pass means something."""

import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
HOSTILE = os.path.join(os.path.dirname(HERE), "hostile")
sys.path.insert(0, HOSTILE)
BIN = os.environ.get("BIN") or os.path.join(os.path.dirname(
    os.path.dirname(HERE)), "bin")

import smuggle  # noqa: E402


@pytest.mark.parametrize("raw,want", [
    (b"Subject: x\r\n\r\na\n.\r\n", "bare LF"),
    (b"Subject: x\r\n\r\na\rb\r\n.\r\n", "bare CR"),
    (b"Subject: x\r\n\r\n.x\r\n.\r\n", "unstuffed dot line"),
    (b"Subject: x\r\n\r\na\r\n.\r\nb\r\n.\r\n", "end-of-data line before"),
    (b"Subject: x\r\n\r\na\r\n", "does not end"),
])
def test_wire_checker_catches(raw, want):
    probs = smuggle.check_wire(raw, None)
    assert any(want in p for p in probs), probs


def test_wire_checker_passes_stuffed_body():
    raw = b"Subject: x\r\n\r\na\r\n..\r\n...x\r\n.\r\n"
    assert smuggle.check_wire(raw, b"a\n.\n..x\n") == []


@pytest.mark.skipif(not os.access(os.path.join(BIN, "sendmail"), os.X_OK),
                    reason="no sendmail")
def test_no_smuggled_message_and_clean_wire():
    p = subprocess.run([sys.executable, os.path.join(HOSTILE, "smuggle.py"),
                        "--quick"], capture_output=True, text=True,
                       timeout=300)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out
    assert "PASS smuggle inbound" in out, out
    assert "0 with the spoofed sender" in out, out
    assert "PASS smuggle outbound" in out, out
    assert "0 parts failed, 0 sanitizer reports" in out, out
