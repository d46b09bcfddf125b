#!/usr/bin/env python3
"""Disk full and read-only queue (reference reliability.md §4.2; issue 10
item 3).

Re-runs itself under `unshare -m --propagation private` (root needed) so
the small tmpfs it mounts as the queue folder is seen by nobody else and
goes away with the namespace.  Our daemon (DeliveryMode queueonly) runs
inside with the queue on that tmpfs.  Scenarios, each ending with the
space or the write access given back and one more message that must be
accepted (recovery):

  full       free space below MinFreeBlocks before MAIL: oracle
             `452 4.4.5 Insufficient disk space; try again later` at MAIL
  mid-data   enough space at MAIL, the disk fills during DATA (a message
             bigger than what is left): oracle `421 4.3.1 Out of disk
             space for temp file` and the connection closed
  inodes     no inode left (nr_inodes): no df can be created
  readonly   the tmpfs remounted read-only (EROFS)

Pass (each): no 250 while failing, a 4xx reply (the oracle's where it is
known; a different 4xx is reported as such), no partial qf/df/tf file
left in the queue, the daemon still answering, and a 250 once the space
or write access is back.  Prints a PASS/FAIL/SKIP line per scenario and a
summary; exit 0 when none failed.

Usage: diskfull.py [scenario ...]
"""

import os
import socket
import subprocess
import sys
import tempfile
import shutil
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world  # noqa: E402

ORACLE = {
    "full": ("MAIL", "452 4.4.5"),
    "mid-data": ("DATA", "421 4.3.1"),
    "inodes": ("DATA", None),
    "readonly": ("DATA", None),
}


def dialogue(port, size, rcpt="root@mail.example.test", declare=True):
    """One transaction; returns [(stage, reply line)], stopping at the
    first non-2xx/3xx reply or a closed connection."""
    out = []
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    f = s.makefile("rb")

    def reply():
        while True:
            line = f.readline()
            if not line:
                return "(closed)"
            if line[3:4] != b"-":
                return line.decode("latin1").rstrip("\r\n")

    def step(stage, data):
        if data is not None:
            s.sendall(data)
        r = reply()
        out.append((stage, r))
        return r[:1] in ("2", "3")

    try:
        if not (step("greeting", None) and
                step("EHLO", b"EHLO df.example.net\r\n") and
                step("MAIL", b"MAIL FROM:<d@example.com>%s\r\n"
                     % (b" SIZE=%d" % size if declare else b"")) and
                step("RCPT", b"RCPT TO:<%s>\r\n" % rcpt.encode()) and
                step("DATA", b"DATA\r\n")):
            return out
        body = b"Subject: disk\r\n\r\n" + (b"y" * 78 + b"\r\n") * (size // 80)
        step("DATA", body + b".\r\n")
        if out[-1][1].startswith("421"):
            # a 421 ends the session: the server must close
            s.settimeout(10)
            try:
                closed = reply() == "(closed)"
            except OSError as e:
                closed = isinstance(e, ConnectionResetError)
            out.append(("closed", "yes" if closed else "no"))
        elif out[-1][1] != "(closed)":
            s.sendall(b"QUIT\r\n")
    except OSError as e:
        out.append(("error", repr(e)))
    finally:
        s.close()
    return out


def queue_files(q):
    return sorted(n for n in os.listdir(q) if n[:2] in ("qf", "df", "tf",
                                                       "xf", "Qf"))


def fill(q, leave_bytes):
    """A filler file taking all but about leave_bytes of the tmpfs."""
    st = os.statvfs(q)
    free = st.f_bavail * st.f_frsize
    path = os.path.join(q, "filler")
    with open(path, "ab") as f:
        n = max(0, free - leave_bytes)
        chunk = b"\0" * 65536
        try:
            while n > 0:
                f.write(chunk[:min(n, 65536)])
                n -= min(n, 65536)
            f.flush()
        except OSError:
            pass
    return path


def scenario(name, root):
    q = os.path.join(root, "q-" + name)
    os.makedirs(q)
    opts = "size=4m,mode=0755" + (",nr_inodes=8" if name == "inodes" else "")
    subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", q],
                   check=True)
    w = world.World(os.path.join(root, "w-" + name), mode="queueonly",
                    qdir=q, sink=False, maxsize=3000000, minfree=100)
    w.start()
    res = {"name": name, "failing": [], "after": None, "files": [],
           "alive": False}
    try:
        base = set(queue_files(q))
        if name == "full":
            filler = fill(q, 100 * 1024)        # 25 blocks < MinFreeBlocks
            res["failing"] = [dialogue(w.port, 2000) for _ in range(3)]
        elif name == "mid-data":
            filler = fill(q, 1024 * 1024)       # 256 blocks free
            # no SIZE=: the MAIL check cannot see it coming
            res["failing"] = [dialogue(w.port, 2000000, declare=False)
                              for _ in range(3)]
        elif name == "inodes":
            filler = None
            i = 0
            while True:                         # use up every inode
                try:
                    open(os.path.join(q, "i%d" % i), "w").close()
                    i += 1
                except OSError:
                    break
            res["failing"] = [dialogue(w.port, 2000) for _ in range(3)]
        else:
            filler = None
            subprocess.run(["mount", "-o", "remount,ro", q], check=True)
            res["failing"] = [dialogue(w.port, 2000) for _ in range(3)]
        res["files"] = sorted(set(queue_files(q)) - base)
        # give the space / write access back
        if name == "inodes":
            for n in os.listdir(q):
                if n.startswith("i"):
                    os.unlink(os.path.join(q, n))
        elif name == "readonly":
            subprocess.run(["mount", "-o", "remount,rw", q], check=True)
        else:
            os.unlink(filler)
        res["after"] = dialogue(w.port, 2000)
        res["alive"] = True
    finally:
        w.close()
        subprocess.run(["umount", q])
    return res


def judge(res, oracle=ORACLE):
    """(problems, final replies, whether they are the oracle's or None)
    for a scenario's result; oracle: {name: (stage, reply prefix)}."""
    stage, want = oracle[res["name"]]
    problems = []
    finals = []
    for d in res["failing"]:
        if ("closed", "no") in d:
            problems.append("still open after the 421")
        d = [x for x in d if x[0] != "closed"]
        if any(st == "DATA" and r.startswith("250") for st, r in d):
            problems.append("250 while failing")
        last = d[-1][1] if d else "(none)"
        finals.append("%s: %s" % (d[-1][0] if d else "?", last))
        if not (last.startswith("4") or last == "(closed)"):
            problems.append("not a 4xx: %s" % last)
    if res["files"]:
        problems.append("files left: %s" % res["files"])
    after = res["after"] or []
    if not any(st == "DATA" and r.startswith("250") for st, r in after):
        problems.append("no recovery: %s" % after)
    oracle_match = None
    if want:
        last = [[x for x in d if x[0] != "closed"][-1:] for d in
                res["failing"]]
        oracle_match = all(x and x[0][0] == stage and
                           x[0][1].startswith(want) for x in last)
    return problems, finals, oracle_match


def inner(names):
    root = tempfile.mkdtemp(prefix="diskfull.", dir="/var/tmp")
    failed = 0
    matched = known = 0
    try:
        for name in names:
            res = scenario(name, root)
            problems, finals, om = judge(res)
            if om is not None:
                known += 1
                matched += 1 if om else 0
            failed += 1 if problems else 0
            print("%s diskfull %s: replies %s; oracle %s%s%s" % (
                "FAIL" if problems else "PASS", name,
                sorted(set(finals)),
                "%s at %s" % (ORACLE[name][1], ORACLE[name][0])
                if ORACLE[name][1] else "(no oracle reply recorded)",
                " (same)" if om else " (differs)" if om is False else "",
                "; " + "; ".join(problems) if problems else ""))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("diskfull: %d scenarios, %d failed, oracle reply matched %d/%d" %
          (len(names), failed, matched, known))
    return 1 if failed else 0


def main():
    names = [a for a in sys.argv[1:] if not a.startswith("-")] or \
        list(ORACLE)
    if "--inner" in sys.argv:
        return inner(names)
    if os.geteuid() != 0:
        print("SKIP diskfull: not root (mount needs it)")
        return 0
    p = subprocess.run(["unshare", "-m", "--propagation", "private",
                        sys.executable, os.path.abspath(__file__), "--inner"]
                       + names)
    if p.returncode not in (0, 1):
        print("SKIP diskfull: cannot make a private mount namespace "
              "(unshare -m exit %d)" % p.returncode)
        return 0
    return p.returncode


if __name__ == "__main__":
    sys.exit(main())
