#!/usr/bin/env python3
"""I/O errors in the queue (reference reliability.md §4.2, figure 5 of
§5: "EIO on fsync"; issue 10 item 3), the part diskfull.py cannot make
with a full or read-only tmpfs.

eio_shim.c, built here into an LD_PRELOAD library, makes calls on files
in the queue folder fail while a flag file names them; our `sendmail
-bd` (DeliveryMode queueonly) runs with it.  Scenarios, each with three
messages while failing, then the flag removed and one more message:

  fsync    fsync/fdatasync of the df, the tf and the folder: EIO
  write    write/writev of the df and tf: EIO (a small message: the
           body is written at the end, sendmail's "bfcommit")
  write-big  the same for a message of 200 KB, written during DATA
  rename   the rename of tf to qf: EIO
  dirsync  the folder's fsync after that rename: EIO (the qf is there
           and must go again)

Pass (each, as diskfull.py judges): no 250 while failing, a 4xx reply,
no qf/df/tf left behind, the daemon still answering, and a 250 once the
fault is gone.  With --oracle the same shim runs under sendmail 8.17
(`sendmail -bs` in regress/diff/oracle_env.py's world) and its replies
are printed beside ours.  Prints PASS/FAIL lines and a summary; exit 0
when none failed.

Usage: eio.py [--oracle] [scenario ...]
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import diskfull  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "diff"))
import smtp_diff  # noqa: E402
import world  # noqa: E402

SCENARIOS = ["fsync", "write", "write-big", "rename", "dirsync"]
# sendmail 8.17.1.9 under the same shim (eio.py --oracle, 2026-11-24):
# df errors get dferror()'s 421 and the session ends, nothing is left;
# it renames and syncs the folder only after its 250, so rename and
# dirsync have no counterpart there
DFERR = "421 4.3.0 collect: Cannot write ./df"
ORACLE = {"fsync": ("DATA", DFERR), "write": ("DATA", DFERR),
          "write-big": ("DATA", DFERR), "rename": ("DATA", None),
          "dirsync": ("DATA", None)}
# the call dferror() names, after the queue id
CALL = {"fsync": "(fsync, ", "write": "(bfcommit, ",
        "write-big": "(sm_io_flush||sm_io_error, "}
BIG = 200000            # bytes: past the body buffer, written in DATA


def build_shim(root):
    """The shim as root/eio_shim.so; its path."""
    so = os.path.join(root, "eio_shim.so")
    subprocess.run([os.environ.get("CC", "cc"), "-shared", "-fPIC", "-O2",
                    "-Wall", "-o", so, os.path.join(HERE, "eio_shim.c"),
                    "-ldl"], check=True, timeout=120)
    return so


def shim_env(so, qdir, flag):
    """The environment variables that put a program under the shim."""
    env = {"LD_PRELOAD": so, "EIO_SHIM_DIR": os.path.realpath(qdir),
           "EIO_SHIM_FLAG": flag}
    # the sanitizer build: ASan wants to come first; ours comes first
    asan = os.environ.get("ASAN_OPTIONS", "")
    env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + \
        "verify_asan_link_order=0"
    return env


def scenario(name, w, flag):
    res = {"name": name, "failing": [], "after": None, "files": [],
           "alive": False}
    base = set(diskfull.queue_files(w.qdir))
    with open(flag, "w") as f:
        f.write(name.split("-")[0] + "\n")
    size = BIG if name.endswith("-big") else 2000
    try:
        res["failing"] = [diskfull.dialogue(w.port, size)
                          for _ in range(3)]
    finally:
        os.unlink(flag)
    res["files"] = sorted(set(diskfull.queue_files(w.qdir)) - base)
    res["after"] = diskfull.dialogue(w.port, 2000)
    res["alive"] = True
    return res


def run(names):
    """Our daemon under the shim; [(name, problems, final replies,
    whether they are the oracle's (None: no oracle reply))]."""
    root = tempfile.mkdtemp(prefix="eio.", dir="/var/tmp")
    # the flag file must be readable by workers that gave root up
    # (privilege separation, doc/privsep.md)
    os.chmod(root, 0o755)
    out = []
    saved = dict(os.environ)
    try:
        so = build_shim(root)
        w = world.World(os.path.join(root, "w"), mode="queueonly",
                        sink=False, maxsize=3000000)
        flag = os.path.join(root, "flag")
        os.environ.update(shim_env(so, w.qdir, flag))
        try:
            w.start()
            for name in names:
                res = scenario(name, w, flag)
                # the recovered message stays; later scenarios count
                # only new files
                problems, finals, om = diskfull.judge(res, ORACLE)
                if om and not all(CALL[name] in f for f in finals):
                    om = False
                out.append((name, problems, finals, om))
        finally:
            os.environ.clear()
            os.environ.update(saved)
            w.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return out


def oracle_replies(names):
    """{name: (reply to the final dot while failing, after)} from
    sendmail 8.17 -bs -odq under the shim, or a string saying why not."""
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "diff"))
    import oracle_env as oe
    try:
        root, prefix, tmp, cf = oe.centos_world("eio.")
    except oe.Skip as e:
        return "oracle unavailable: %s" % e
    q = os.path.join(tmp, "var/spool/mqueue")
    flag = os.path.join(tmp, "flag")
    out = {}
    try:
        env = dict(oe.oracle_env(root), **shim_env(build_shim(tmp), q,
                                                   flag))
        for name in names:
            got = []
            for armed in (True, False):
                if armed:
                    with open(flag, "w") as f:
                        f.write(name.split("-")[0] + "\n")
                before = set(os.listdir(q))
                body = ["y" * 78] * (BIG // 80 if name.endswith("-big")
                                     else 25)
                lines = ["EHLO client.example.net",
                         "MAIL FROM:<d@example.com>", "RCPT TO:<root>",
                         "DATA", "Subject: eio", ""] + body + ["."]
                conv = smtp_diff.converse(prefix, tmp, [
                    oe.oracle_binary(root), "-C", cf, "-odq", "-bs"],
                    env, lines + ["QUIT"])
                if armed:
                    os.unlink(flag)
                # the reply to the final dot (the line after the 354)
                final = [conv[i + 1].decode("latin1")
                         for i, x in enumerate(conv[:-1])
                         if x.startswith(b"354")]
                left = sorted(set(os.listdir(q)) - before)
                got.append((final[0] if final else "(none)", left))
            out[name] = got
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def main():
    names = [a for a in sys.argv[1:] if not a.startswith("-")] or SCENARIOS
    failed = matched = known = 0
    for name, problems, finals, om in run(names):
        failed += 1 if problems else 0
        if om is not None:
            known += 1
            matched += 1 if om else 0
        print("%s eio %s: replies %s; oracle %s%s" % (
            "FAIL" if problems else "PASS", name,
            sorted(set(re.sub(r"df\w+ ", "dfID ", f) for f in finals)),
            "same" if om else "differs" if om is False else
            "(no counterpart)",
            "; " + "; ".join(problems) if problems else ""))
    if "--oracle" in sys.argv:
        res = oracle_replies(names)
        if isinstance(res, str):
            print("SKIP eio oracle: %s" % res)
        else:
            for name, ((bad, left), (good, left2)) in res.items():
                print("oracle eio %s: while failing %r (files left %s); "
                      "after %r" % (name, bad, left, good))
    print("eio: %d scenarios, %d failed, oracle reply matched %d/%d" % (
        len(names), failed, matched, known))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
