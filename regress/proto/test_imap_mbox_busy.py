"""A busy mbox: deliveries taking an fcntl lock and the dotlock as
our mail.local does, while IMAP sessions change flags in place and expunge
(tail rewrites through .NAME.tail).  Every delivered message must be
there once at the end, with the flags the sessions gave it.  The
servers and their ports are test_imap.py's.
"""

import fcntl
import imaplib
import os
import re
import threading
import time

from test_imap import make, tmp  # noqa: F401 (tmp: the fixture)

SECS = 3.0


def deliver_locked(path, n):
    """Appends one message as our mail.local does, in dovecot 2.3's
    mbox_write_locks order: an fcntl (lockf) lock on the file, then
    USER.lock made with O_EXCL; a file renamed over meanwhile is opened
    again."""
    lock = path + ".lock"
    deadline = time.time() + 30
    while True:
        f = open(path, "a")
        fcntl.lockf(f, fcntl.LOCK_EX)
        if os.fstat(f.fileno()).st_ino == os.stat(path).st_ino:
            break
        f.close()
    try:
        while True:
            try:
                fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             0o600)
                break
            except FileExistsError:
                assert time.time() < deadline, "dotlock never free"
                time.sleep(0.002)
        f.write("From d%d@example.com Sat Nov 25 11:00:%02d 2026\n"
                "Subject: deliv %d\n\nbody %d\n\n" % (n, n % 60, n, n))
        f.flush()
        os.fsync(f.fileno())
        os.close(fd)
        os.unlink(lock)
    finally:
        fcntl.lockf(f, fcntl.LOCK_UN)
        f.close()


def subjects(m, lo, hi):
    """{uid: subject} of messages lo..hi."""
    typ, data = m.fetch("%d:%d" % (lo, hi),
                        "(UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    out = {}
    for x in data:
        if isinstance(x, tuple):
            u = re.search(rb"UID (\d+)", x[0])
            s = re.search(rb"Subject: (.*?)\r?\n", x[1])
            if u and s:
                out[int(u.group(1))] = s.group(1).decode()
    return out


def test_deliveries_during_in_place_changes_are_all_kept(tmp):
    s = make(tmp, "mbox")
    try:
        for i in range(60):
            s.deliver("Subject: old %d\n\n%s\n" % (i, "x" * (i * 50)))
        m = s.login()
        m.select()      # UIDs written
        m.logout()
        stop = time.time() + SECS
        delivered = []
        seen = set()
        errors = []

        def deliverer():
            n = 0
            while time.time() < stop:
                deliver_locked(s.inbox_path(), n)
                delivered.append(n)
                n += 1
                time.sleep(0.005)

        def session():
            try:
                c = s.login()
                while time.time() < stop:
                    typ, data = c.select()
                    n = int(data[0])
                    got = subjects(c, max(1, n - 9), n)
                    old = [u for u, t in got.items() if t.startswith("old")]
                    new = [u for u, t in got.items()
                           if t.startswith("deliv")]
                    if new:
                        c.uid("STORE", str(new[0]), "+FLAGS", "(\\Seen)")
                        seen.add(new[0])
                    if old:
                        c.uid("STORE", str(old[-1]), "+FLAGS",
                              "(\\Deleted)")
                        c.expunge()
                c.logout()
            except Exception as e:  # reported by the main thread
                errors.append(repr(e))

        threads = [threading.Thread(target=deliverer)] + \
            [threading.Thread(target=session) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors
        assert len(delivered) > 20
        m = s.login()
        typ, data = m.select()
        got = subjects(m, 1, int(data[0]))
        names = sorted(t for t in got.values() if t.startswith("deliv"))
        assert names == sorted("deliv %d" % n for n in delivered)
        typ, data = m.uid("SEARCH", "SEEN")
        have = set(int(x) for x in data[0].split())
        assert seen <= have
        m.logout()
        assert not os.path.exists(os.path.join(s.spool, ".joe.tail"))
    finally:
        s.stop()
