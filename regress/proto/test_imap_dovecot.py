"""Differential IMAP on one mbox: what mailboxd writes in place (flags
over padded storage headers, expunges as a tail rewrite through
.NAME.tail) must read the same under dovecot 2.3, and the other way
round: the same UIDVALIDITY, UIDNEXT, UIDs, flags, keywords and sizes,
after switches in both directions.  Dovecot runs from the dpkg -x cache
as in test_pop3_dovecot.py (root needed, skipped otherwise), with
dovecot-imapd fetched and unpacked beside it the same way.
"""

import grp
import imaplib
import os
import re
import subprocess

import pytest

import test_pop3_dovecot as pd
from test_pop3_dovecot import tmp  # noqa: F401 (the fixture)

IMAPD = os.path.join(pd.TREE, "usr", "lib", "dovecot", "imap")


def _prepare():
    """dovecot-imapd beside the cached dovecot, or why it is not."""
    if pd.REASON is not None:
        return pd.REASON
    if os.path.exists(IMAPD):
        return None
    try:
        r = subprocess.run(["apt-get", "download", "dovecot-imapd"],
                           cwd=pd.CACHE, timeout=300,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        debs = [f for f in os.listdir(pd.CACHE)
                if f.startswith("dovecot-imapd_") and f.endswith(".deb")]
        if r.returncode != 0 or not debs:
            return "apt-get download dovecot-imapd failed: %s" % \
                r.stdout.decode(errors="replace")[-300:]
        subprocess.run(["dpkg", "-x", os.path.join(pd.CACHE, debs[0]),
                        pd.TREE], check=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        return "cannot fetch dovecot-imapd: %s" % e
    return None if os.path.exists(IMAPD) else "no %s" % IMAPD


REASON = _prepare()
pytestmark = pytest.mark.skipif(REASON is not None, reason=str(REASON))


class ImapPair(pd.Pair):
    """test_pop3_dovecot's pair, serving IMAP."""

    def conf(self, name, port):
        path = pd.Pair.conf(self, name, port)
        with open(path) as f:
            text = f.read()
        text = text.replace("protocols = pop3", "protocols = imap")
        text = text.replace("service pop3-login", "service imap-login")
        text = text.replace("inet_listener pop3s", "inet_listener imaps")
        text = text.replace("inet_listener pop3 ", "inet_listener imap ")
        with open(path, "w") as f:
            f.write(text)
        return path


def view(port, actions=()):
    """(UIDVALIDITY, UIDNEXT, [(uid, flags, size)]) after actions, each
    a function of the logged-in, selected connection."""
    m = imaplib.IMAP4("127.0.0.1", port)
    m.login("joe", "secret")
    m.select("INBOX")
    for a in actions:
        a(m)
    m.select("INBOX", readonly=True)
    uv = m.response("UIDVALIDITY")[1][0]
    un = m.response("UIDNEXT")[1][0]
    typ, data = m.uid("FETCH", "1:*", "(FLAGS RFC822.SIZE)")
    rows = []
    for x in data:
        if not isinstance(x, bytes):
            continue
        g = re.search(rb"UID (\d+)", x)
        f = re.search(rb"FLAGS \(([^)]*)\)", x)
        s = re.search(rb"RFC822\.SIZE (\d+)", x)
        flags = sorted(set(f.group(1).split()) - {b"\\Recent"})
        rows.append((int(g.group(1)), flags, int(s.group(1))))
    m.logout()
    return uv, un, rows


def store(seq, how, flags):
    return lambda m: m.store(seq, how, flags)


def expunge(seq):
    def act(m):
        m.store(seq, "+FLAGS", "(\\Deleted)")
        m.expunge()
    return act


def write_mbox(pair, n=12):
    with open(os.path.join(pair.spool, "joe"), "w") as f:
        for i in range(n):
            f.write("From u%d@example.com Wed Nov 22 20:11:%02d 2026\n"
                    "Subject: message %d\n\nbody %d\n%s\n" %
                    (i, i, i, i, "x" * (i * 37)))


def test_in_place_changes_read_the_same_under_dovecot(tmp):
    pair = ImapPair(tmp)
    write_mbox(pair)
    # UIDs and a new keyword name (X-IMAPbase) are whole rewrites
    pair.run("mailboxd", lambda p: view(p, [
        store("6", "+FLAGS", "($Label1)")]))
    ino = os.stat(os.path.join(pair.spool, "joe")).st_ino
    ours = pair.run("mailboxd", lambda p: view(p, [
        store("2", "+FLAGS", "(\\Seen \\Flagged)"),
        store("3", "+FLAGS", "(\\Answered $Label1)"),
        store("5", "+FLAGS", "(\\Draft \\Seen)"),
        store("2", "-FLAGS", "(\\Flagged)"),
        expunge("11"),
        store("9", "+FLAGS", "(\\Flagged)"),
        expunge("7")]))
    assert len(ours[2]) == 10
    assert os.stat(os.path.join(pair.spool, "joe")).st_ino == ino
    assert sorted(os.listdir(pair.spool)) == ["joe"]    # no journal left
    assert pair.run("dovecot", view) == ours
    # dovecot's changes, then ours again, then dovecot again
    theirs = pair.run("dovecot", lambda p: view(p, [
        store("1", "+FLAGS", "(\\Seen)"), expunge("8")]))
    assert pair.run("mailboxd", view) == theirs
    ours = pair.run("mailboxd", lambda p: view(p, [
        store("4", "+FLAGS", "(\\Flagged)"), expunge("9"),
        store("1", "-FLAGS", "(\\Seen)")]))
    assert pair.run("dovecot", view) == ours


def test_in_place_changes_in_a_root_mail_spool(tmp):
    pair = ImapPair(tmp, extra="ssl = no\ndisable_plaintext_auth = no\n"
                               "mail_privileged_group = mail\n")
    pair.debian_spool = True
    write_mbox(pair)
    os.chmod(os.path.join(pair.spool, "joe"), 0o660)
    first = pair.run("dovecot", view)
    ino = os.stat(os.path.join(pair.spool, "joe")).st_ino
    ours = pair.run("mailboxd", lambda p: view(p, [
        store("3", "+FLAGS", "(\\Seen)"), expunge("10")]))
    assert [r[0] for r in ours[2]] == [r[0] for r in first[2]
                                       if r[0] != first[2][9][0]]
    # the journal went through the mail group, and is gone
    st = os.stat(os.path.join(pair.spool, "joe"))
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == \
        (pair.uid, grp.getgrnam("mail").gr_gid, 0o660)
    assert st.st_ino == ino     # written in place, not renamed over
    assert sorted(os.listdir(pair.spool)) == ["joe"]
    assert pair.run("dovecot", view) == ours
