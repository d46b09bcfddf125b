"""CONDSTORE under concurrency: two imaplib sessions on one mailbox, each
toggling a flag on its own messages with UID STORE and reading every
message's FLAGS and MODSEQ after each store, in two threads at once.

A mod-sequence names one state of a message's flags, so whatever a
session is told must keep to two rules:
- one (UID, MODSEQ) pair always comes with the same flags (a session
  that read a message's new mod-sequence with its old flags breaks it);
- every flag-changing STORE raises HIGHESTMODSEQ by exactly one, so at
  the end it is the start plus the number of stores (a session that took
  a late-read change for another program's and gave the message one more
  mod-sequence breaks it).
This is what imaptest's checkpoint mode found 1-3 times per 10 s run.
"""

import re
import threading

import pytest

import test_imap as ti
from test_imap import tmp  # noqa: F401 (the fixture)

ROUNDS = 60
PER_SESSION = 4

FETCH = re.compile(rb"^\d+ \((.*)\)$")
UID = re.compile(rb"\bUID (\d+)")
FLAGS = re.compile(rb"\bFLAGS \(([^)]*)\)")
MODSEQ = re.compile(rb"\bMODSEQ \((\d+)\)")


def seen_pairs(lines):
    """(uid, modseq, flags) of each FETCH line that has all three."""
    out = []
    for line in lines:
        if isinstance(line, tuple):
            line = line[0]
        if not isinstance(line, bytes):
            continue
        m = FETCH.match(line)
        if not m:
            continue
        u, f, ms = (UID.search(m.group(1)), FLAGS.search(m.group(1)),
                    MODSEQ.search(m.group(1)))
        if u and f and ms:
            flags = frozenset(f.group(1).split()) - {b"\\Recent"}
            out.append((int(u.group(1)), int(ms.group(1)), flags))
    return out


def session(server, uids, flag, log, errors, start):
    try:
        m = server.login()
        typ, _ = m._simple_command("ENABLE", "CONDSTORE")
        assert typ == "OK"
        m.select()
        start.wait(10)
        for r in range(ROUNDS):
            uid = uids[r % len(uids)]
            sign = "+" if (r // len(uids)) % 2 == 0 else "-"
            typ, data = m.uid("STORE", str(uid), sign + "FLAGS",
                              "(%s)" % flag)
            assert typ == "OK", data
            log.extend(seen_pairs(data))
            typ, data = m.uid("FETCH", "1:*", "(FLAGS MODSEQ)")
            assert typ == "OK", data
            log.extend(seen_pairs(data))
            log.extend(seen_pairs(m.untagged_responses.pop("FETCH", [])))
        m.logout()
    except Exception as e:  # the main thread reports it
        errors.append(repr(e))


@pytest.mark.parametrize("fmt", ["mbox", "maildir"])
def test_modseq_names_one_flag_state_under_concurrent_stores(tmp, fmt):
    s = ti.Server(tmp, fmt)
    for i in range(2 * PER_SESSION):
        s.deliver("From: a@example.com\nSubject: m%d\n\nbody %d\n" % (i, i))
    s.start()
    try:
        m = s.login()
        m._simple_command("ENABLE", "CONDSTORE")
        m.select()
        h0 = int(ti.untagged(m, "HIGHESTMODSEQ")[0])
        m.logout()
        logs, errors = [[], []], []
        start = threading.Barrier(2)
        threads = [
            threading.Thread(target=session, args=(
                s, list(range(1, PER_SESSION + 1)), "\\Flagged", logs[0],
                errors, start)),
            threading.Thread(target=session, args=(
                s, list(range(PER_SESSION + 1, 2 * PER_SESSION + 1)),
                "\\Answered", logs[1], errors, start)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, errors
        state = {}
        bad = []
        for uid, ms, flags in logs[0] + logs[1]:
            prev = state.setdefault((uid, ms), flags)
            if prev != flags:
                bad.append((uid, ms, sorted(prev), sorted(flags)))
        assert not bad, "one MODSEQ with two flag states: %r" % bad[:5]
        m = s.login()
        m._simple_command("ENABLE", "CONDSTORE")
        m.select()
        h1 = int(ti.untagged(m, "HIGHESTMODSEQ")[0])
        m.logout()
        assert h1 - h0 == 2 * ROUNDS, (h0, h1)
    finally:
        s.stop()


@pytest.mark.parametrize("fmt", ["mbox", "maildir"])
def test_store_of_a_flag_another_session_set_is_seen_by_it(tmp, fmt):
    """A sets a flag B already set (A has not seen B's change yet): the
    storage stays as it was, but A's STORE still names a mod-sequence;
    B must learn it at its next command, or the two sessions disagree
    about the message's MODSEQ for good."""
    s = ti.Server(tmp, fmt)
    s.deliver("From: a@example.com\nSubject: x\n\nbody\n")
    s.start()
    try:
        a, b = s.login(), s.login()
        for m in (a, b):
            m._simple_command("ENABLE", "CONDSTORE")
            m.select()
        typ, data = b.store("1", "+FLAGS.SILENT", "(\\Flagged)")
        assert typ == "OK"
        typ, data = a.store("1", "+FLAGS.SILENT", "(\\Flagged)")
        assert typ == "OK"
        got = []
        for m in (a, b):
            m.noop()
            typ, data = m.fetch("1", "(MODSEQ)")
            got.append(MODSEQ.search(data[0]).group(1))
        assert got[0] == got[1], got
        a.logout()
        b.logout()
    finally:
        s.stop()
