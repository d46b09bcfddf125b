"""dovecot's imaptest compliance scripts (the src/tests folder of its
release-2.3 branch) run against bin/mailboxd on mbox and on Maildir.

imaptest is not packaged by Debian: it is built by hand outside every
repo (shared/bench/imaptest.md).  Name its binary with IMAPTEST and its
scripts folder with IMAPTEST_TESTS (default: `tests` beside the binary,
else imaptest/src/tests beside it); without them the tests are skipped,
so `make check` never needs imaptest.  IMAPTEST_ONLY=fetch,list runs only
those scripts.  Each run gets a fresh server (test_imap.Server, user joe)
and must end with 0 failed groups, base and extension commands.
"""

import os
import re
import subprocess

import pytest

import test_imap as ti
from test_imap import tmp  # noqa: F401 (the fixture)

IMAPTEST = os.environ.get("IMAPTEST", "")


def _tests_dir():
    if os.environ.get("IMAPTEST_TESTS"):
        return os.environ["IMAPTEST_TESTS"]
    here = os.path.dirname(os.path.abspath(IMAPTEST)) if IMAPTEST else ""
    for d in (os.path.join(here, "tests"),
              os.path.join(here, "imaptest", "src", "tests")):
        if os.path.isdir(d):
            return d
    return ""


TESTS = _tests_dir()

pytestmark = pytest.mark.skipif(
    not (IMAPTEST and os.access(IMAPTEST, os.X_OK) and TESTS),
    reason="no imaptest: set IMAPTEST (and IMAPTEST_TESTS) to run it")

SUMMARY = re.compile(
    r"^(\d+) test groups: (\d+) failed, (\d+) skipped.*\n"
    r"base protocol: (\d+)/(\d+) individual commands failed\n"
    r"extensions: (\d+)/(\d+) individual commands failed$", re.M)


def run_imaptest(port, test):
    """imaptest's output and its summary figures (groups, failed groups,
    skipped, base failed, base run, extension failed, extension run)."""
    r = subprocess.run([IMAPTEST, "host=127.0.0.1", "port=%d" % port,
                        "user=joe", "pass=secret", "test=" + test],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=300)
    text = r.stdout.decode("utf-8", "replace")
    m = SUMMARY.search(text)
    return text, tuple(int(x) for x in m.groups()) if m else None


@pytest.mark.parametrize("fmt", ["mbox", "maildir"])
def test_imaptest_scripts_all_pass(tmp, fmt):
    s = ti.Server(tmp, fmt).start()
    try:
        only = [x for x in os.environ.get("IMAPTEST_ONLY", "").split(",")
                if x]
        tests = [os.path.join(TESTS, x) for x in only] or [TESTS]
        for test in tests:
            text, fig = run_imaptest(s.port, test)
            print(text)
            assert fig is not None, text[-3000:]
            assert (fig[1], fig[3], fig[5]) == (0, 0, 0), text[-6000:]
            assert fig[4] > 0 or only, text[-3000:]
    finally:
        s.stop()
