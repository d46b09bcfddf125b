"""The hostile-input catalogue (regress/hostile/hostile.py, reference
reliability.md §3 with the oracle's recorded replies) against our daemon,
as `make check` runs it (--quick leaves out the slowest cases; `make
check-hostile` runs them all): every case not listed as a known
difference gets the oracle's reply, the daemon survives every case, and
the sanitizer build writes no report."""

import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
HOSTILE = os.path.join(os.path.dirname(HERE), "hostile", "hostile.py")
BIN = os.environ.get("BIN") or os.path.join(os.path.dirname(
    os.path.dirname(HERE)), "bin")

pytestmark = pytest.mark.skipif(not os.access(os.path.join(BIN, "sendmail"),
                                              os.X_OK), reason="no sendmail")


def test_hostile_catalogue_gets_the_oracle_replies():
    p = subprocess.run([sys.executable, HOSTILE, "--quick"],
                       capture_output=True, text=True, timeout=300)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out
    assert "0 failed, 0 daemon crashes, 0 sanitizer reports" in out, out
