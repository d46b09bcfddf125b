#!/usr/bin/env python3
"""Crash-consistency ledger (reference reliability.md §4.1, issue 10 item 1).

20 SMTP clients send messages to our daemon (sendmail -bd -q3s,
DeliveryMode background: delivery agents deliver right after the 250,
queue runners retry) while a killer sends SIGKILL at random moments to
random processes of the daemon's tree (workers, delivery agents, queue
runners, delivery children and mailer programs) and, at the end of each
cycle, to the master (alone: its children get SIGTERM from
PR_SET_PDEATHSIG; or its whole process group), then starts the daemon
again.  Every message carries a unique token and a SHA-256 of its
payload; the client records per token

  ACKED     250 after the final dot
  REJECTED  4xx/5xx after the final dot
  UNKNOWN   the connection died after the final dot, before a reply
  ABORTED   the connection died before the final dot was sent
  NOTSENT   no recipient accepted, no DATA

After the last cycle the daemon is stopped, `sendmail -q` runs the queue
to completion, and the mailboxes (mbox or Maildir, our local mailer
regress/fault/world.py LMAILER) and the durable relay sink are read:

  lost        ACKED (token, recipient) pairs without a complete copy: 0
  delivered   REJECTED/ABORTED/NOTSENT tokens with any copy: 0
  duplicates  extra complete copies, reported per crash with the
              deliveries in flight at the kills (each in-flight delivery
              may repeat); no message may have more duplicated
              recipients than CheckpointInterval, no pair more extra
              copies than there were crashes
  torn        incomplete copies (a mailer killed mid-append), reported
  Qf          queue files set aside as lost: 0

Usage: ledger.py [--cycles 50] [--clients 20] [--store mbox|maildir]
                 [--relay 0.3] [--seed N] [--keep] [--json FILE]
Exit status 0 when every invariant holds.  BIN selects the binaries
(default bin/).
"""

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world  # noqa: E402

SENDER = "ledger@example.com"
LOCAL_DOMAIN = "mail.example.test"
RELAY_DOMAIN = "relay.example.test"
POSTMASTER = "games"
# local mailboxes: the cf's local mailer has F=w taken away
# (MODIFY_MAILER_FLAGS), so these need no password entry
LOCAL_USERS = ["lu%02d" % i for i in range(40)]
NO_W = "MODIFY_MAILER_FLAGS(`LOCAL', `-w')dnl\n"


class Client(threading.Thread):
    """One SMTP client looping until stop is set."""

    def __init__(self, n, port, ledger, stop, rng, relay_share, lock):
        super().__init__(daemon=True)
        self.n = n
        self.port = port
        self.ledger = ledger
        self.stop_ev = stop
        self.rng = rng
        self.relay_share = relay_share
        self.lock = lock
        self.seq = 0
        self.errors = []

    def record(self, token, **kw):
        with self.lock:
            self.ledger.setdefault(token, {}).update(kw)

    def run(self):
        while not self.stop_ev.is_set():
            try:
                self.session()
            except (OSError, EOFError):
                pass
            except Exception as e:      # a harness bug: keep it visible
                self.errors.append(repr(e))
                time.sleep(0.1)

    def message(self):
        rng = self.rng
        self.seq += 1
        token = "c%02d-%06d" % (self.n, self.seq)
        rcpts = []
        if rng.random() < 0.05:
            # a list longer than CheckpointInterval, one mailer run per
            # recipient: what a crash may repeat is bounded by the
            # checkpoints
            rcpts = ["%s@%s" % (u, LOCAL_DOMAIN) for u in
                     rng.sample(LOCAL_USERS, rng.randint(12, 25))]
        for i in range(0 if rcpts else rng.choice((1, 1, 1, 2, 3))):
            if rng.random() < self.relay_share:
                rcpts.append("r%d@%s" % (i, RELAY_DOMAIN))
            else:
                rcpts.append("%s@%s" % (rng.choice(LOCAL_USERS),
                                        LOCAL_DOMAIN))
        rcpts = sorted(set(rcpts))
        if rng.random() < 0.03:         # refused at RCPT: never DATA
            rcpts = ["@@bad%d" % self.n]
        x = rng.random()
        if x < 0.02:
            size = 1100000              # over MaxMessageSize: 552
        elif x < 0.07:
            size = rng.randint(100000, 400000)
        elif x < 0.30:
            size = rng.randint(8000, 100000)
        else:
            size = rng.randint(500, 8000)
        line = hashlib.sha256(token.encode()).hexdigest() + "0123456789ab"
        nlines = max(1, size // 78)
        payload = "\n".join("%05d%s" % (i, line) for i in range(nlines))
        sha = hashlib.sha256(payload.encode()).hexdigest()
        body = ("From: <%s>\r\nTo: undisclosed-recipients:;\r\n"
                "Subject: ledger %s\r\nMessage-ID: <%s@ledger>\r\n\r\n"
                "LEDGER-BEGIN %s\r\n%s\r\nLEDGER-END %s %s\r\n.\r\n" %
                (SENDER, token, token, token,
                 payload.replace("\n", "\r\n"), token, sha))
        return token, rcpts, sha, body.encode()

    def session(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        try:
            s.settimeout(30)
            f = s.makefile("rb")

            def reply():
                while True:
                    line = f.readline()
                    if not line:
                        raise EOFError
                    if line[3:4] != b"-":
                        return int(line[:3])

            def cmd(text):
                s.sendall(text.encode() + b"\r\n")
                return reply()

            if reply() != 220 or cmd("EHLO ledger.example.net") != 250:
                return
            for _ in range(self.rng.randint(1, 6)):
                if self.stop_ev.is_set():
                    break
                token, rcpts, sha, body = self.message()
                self.record(token, state="NOTSENT", rcpts=[], sha=sha)
                if cmd("MAIL FROM:<%s>" % SENDER) != 250:
                    return
                ok = [r for r in rcpts if cmd("RCPT TO:<%s>" % r) == 250]
                self.record(token, rcpts=ok)
                if not ok:
                    cmd("RSET")
                    continue
                if cmd("DATA") != 354:
                    self.record(token, state="REJECTED")
                    return
                self.record(token, state="ABORTED")
                s.sendall(body)
                self.record(token, state="UNKNOWN")
                code = reply()
                self.record(token, state="ACKED" if code == 250 else
                            "REJECTED", code=code)
                if code // 100 != 2 and code in (421,):
                    return
            cmd("QUIT")
        finally:
            s.close()


def count_copies(data, found, torn, where):
    """Complete and torn copies in one mailbox or message file: from
    each LEDGER-BEGIN to the next, a matching LEDGER-END with the right
    SHA-256 makes a complete copy of that token for `where`."""
    starts = [m.start() for m in re.finditer(rb"(?m)^LEDGER-BEGIN ", data)]
    for i, st in enumerate(starts):
        seg = data[st:starts[i + 1] if i + 1 < len(starts) else len(data)]
        seg = seg.replace(b"\r\n", b"\n")
        first, _, rest = seg.partition(b"\n")
        token = first.split()[1].decode("latin1")
        m = re.search(rb"(?m)^LEDGER-END (\S+) ([0-9a-f]{64})$", rest)
        if m is None or m.group(1).decode("latin1") != token:
            torn[token] = torn.get(token, 0) + 1
            continue
        payload = rest[:m.start()].rstrip(b"\n")
        if hashlib.sha256(payload).hexdigest() != m.group(2).decode():
            torn[token] = torn.get(token, 0) + 1
            continue
        key = (token, where)
        found[key] = found.get(key, 0) + 1


def read_deliveries(w):
    """{(token, recipient): complete copies}, {token: torn copies},
    bounces at the sink, and the postmaster's messages."""
    found, torn = {}, {}
    mail = os.path.join(w.root, "mail")
    for user in LOCAL_USERS:
        rcpt = "%s@%s" % (user, LOCAL_DOMAIN)
        p = os.path.join(mail, user)
        if w.store == "mbox":
            if os.path.exists(p):
                with open(p, "rb") as f:
                    count_copies(f.read(), found, torn, rcpt)
        else:
            new = os.path.join(p, "new")
            for name in (os.listdir(new) if os.path.isdir(new) else []):
                with open(os.path.join(new, name), "rb") as f:
                    count_copies(f.read(), found, torn, rcpt)
    bounces = 0
    sink = w.sink.dir
    for name in os.listdir(sink):
        if name.endswith(".tmp"):
            continue
        with open(os.path.join(sink, name), "rb") as f:
            data = f.read()
        head, _, body = data.partition(b"\n\n")
        rcpts = [r.strip("<>").split(">")[0] for r in
                 head.decode("latin1").split("\n") if r]
        if SENDER in rcpts:
            bounces += 1
            continue
        for r in rcpts:
            count_copies(body, found, torn, r)
    pm = 0
    p = os.path.join(mail, POSTMASTER)
    if os.path.isfile(p):
        with open(p, "rb") as f:
            pm = len(re.findall(rb"(?m)^Subject: ", f.read()))
    elif os.path.isdir(os.path.join(p, "new")):
        pm = len(os.listdir(os.path.join(p, "new")))
    return found, torn, bounces, pm


class Killer(threading.Thread):
    """Each cycle: a few SIGKILLs to random processes of the tree in
    the middle of the cycle, the master at its end, a restart."""

    def __init__(self, w, cycles, period, rng, start_args):
        super().__init__(daemon=True)
        self.w = w
        self.cycles = cycles
        self.period = period
        self.rng = rng
        self.start_args = start_args
        self.kills = {}
        self.restarts = 0
        self.leftovers = 0      # children still alive 5 s after the master
        self.inflight = []      # runners, delivery children, mailers
        self.errors = []
        self.done = threading.Event()

    def kill(self, pid, kind):
        self.inflight.append(len([p for p, (_, k) in self.w.tree().items()
                                  if k in ("runner", "child")]))
        try:
            os.kill(pid, signal.SIGKILL)
            self.kills[kind] = self.kills.get(kind, 0) + 1
        except ProcessLookupError:
            pass

    def run(self):
        try:
            for _ in range(self.cycles):
                self.cycle()
        except Exception as e:
            self.errors.append(repr(e))
        finally:
            self.done.set()

    def cycle(self):
        rng = self.rng
        length = rng.uniform(*self.period)
        t0 = time.time()
        for _ in range(rng.randint(1, 3)):
            time.sleep(max(0.0, t0 + rng.uniform(0.2, 0.9) * length
                           - time.time()))
            tree = self.w.tree()
            kind = rng.choice(("worker", "agent", "runner", "child",
                               "child"))
            cands = [p for p, (_, k) in tree.items() if k == kind]
            if cands:
                self.kill(rng.choice(cands), kind)
        time.sleep(max(0.0, t0 + length - time.time()))
        tree = self.w.tree()
        if rng.random() < 0.5:
            self.kill(self.w.pid, "master")
            # its children were told (SIGTERM) and end on their own
            rest = [p for p in tree if p != self.w.pid]
            if not world.wait_gone(rest, 5):
                self.leftovers += 1
        else:
            self.kills["group"] = self.kills.get("group", 0) + 1
            self.inflight.append(len([p for p, (_, k) in tree.items()
                                      if k in ("runner", "child")]))
        self.w.kill_all()
        self.w.start(self.start_args)
        self.restarts += 1


def run(cycles=50, clients=20, store="mbox", relay=0.3, seed=None,
        period=(2.0, 6.0), keep=False, ckpt=10, log=print):
    seed = seed if seed is not None else int(time.time())
    rng = random.Random(seed)
    root = tempfile.mkdtemp(prefix="ledger.", dir="/var/tmp")
    w = world.World(root, store=store, mode="background", ckpt=ckpt,
                    postmaster=POSTMASTER, extra_mc=NO_W)
    start_args = ["-q3s"]
    ledger, lock, stop = {}, threading.Lock(), threading.Event()
    t_start = time.time()
    try:
        w.start(start_args)
        cl = [Client(i, w.port, ledger, stop, random.Random(seed * 100 + i),
                     relay, lock) for i in range(clients)]
        for c in cl:
            c.start()
        killer = Killer(w, cycles, period, rng, start_args)
        killer.start()
        killer.done.wait()
        stop.set()
        for c in cl:
            c.join(60)
        w.stop()
        t_load = time.time() - t_start
        left = w.run_queue()
        q = os.listdir(w.qdir)
        found, torn, bounces, pm = read_deliveries(w)
    finally:
        w.close()
    states = {}
    for t, e in ledger.items():
        states[e["state"]] = states.get(e["state"], 0) + 1
    lost, wrongly, unknown_delivered = [], [], 0
    dup_pairs, dup_copies, max_dup, max_dup_rcpts = 0, 0, 0, 0
    for t, e in ledger.items():
        n = {r: found.get((t, r), 0) for r in e["rcpts"]}
        any_copy = any(found.get((t, r), 0) for r in e["rcpts"]) or \
            t in torn
        if e["state"] == "ACKED":
            lost += [(t, r) for r, k in n.items() if k == 0]
        elif e["state"] == "UNKNOWN":
            unknown_delivered += 1 if any_copy else 0
        elif any_copy:
            wrongly.append((t, e["state"]))
        for r, k in n.items():
            if k > 1:
                dup_pairs += 1
                dup_copies += k - 1
                max_dup = max(max_dup, k - 1)
        max_dup_rcpts = max(max_dup_rcpts, len([k for k in n.values()
                                                if k > 1]))
    nkills = sum(killer.kills.values())
    ncrash = killer.restarts + sum(v for k, v in killer.kills.items()
                                   if k not in ("master", "group"))
    pairs = sum(len(e["rcpts"]) for e in ledger.values()
                if e["state"] == "ACKED")
    res = {
        "seed": seed, "store": store, "relay_share": relay,
        "clients": clients, "cycles": cycles, "seconds_under_load":
        round(t_load, 1), "states": states, "acked_pairs": pairs,
        "kills": killer.kills, "kills_total": nkills,
        "restarts": killer.restarts,
        "children_left_after_master_kill": killer.leftovers,
        "lost": len(lost), "lost_examples": lost[:10],
        "not_acked_but_delivered": len(wrongly),
        "not_acked_examples": wrongly[:10],
        "unknown_delivered": unknown_delivered,
        "duplicate_copies": dup_copies, "duplicate_pairs": dup_pairs,
        "max_duplicates_one_pair": max_dup,
        "max_duplicated_recipients_one_message": max_dup_rcpts,
        "delivery_processes_at_kills_mean": round(
            sum(killer.inflight) / max(1, len(killer.inflight)), 1),
        "delivery_processes_at_kills_max": max(killer.inflight or [0]),
        "duplicates_per_crash": round(dup_copies / max(1, ncrash), 3),
        "checkpoint_interval": ckpt,
        "torn_copies": sum(torn.values()),
        "bounces_at_sink": bounces, "postmaster_messages": pm,
        "queue_left": sorted(left), "Qf_files": [n for n in q
                                                 if n.startswith("Qf")],
        "tf_files": len([n for n in q if n.startswith("tf")]),
        "df_orphans": len([n for n in q if n.startswith("df")
                           and "qf" + n[2:] not in q]),
        "client_errors": sum((c.errors for c in cl), [])[:5],
        "killer_errors": killer.errors,
        "root": root if keep else None,
    }
    res["ok"] = (res["lost"] == 0 and res["not_acked_but_delivered"] == 0
                 and not res["Qf_files"] and not res["queue_left"]
                 and max_dup_rcpts <= ckpt and max_dup <= ncrash
                 and not res["killer_errors"]
                 and states.get("ACKED", 0) > 0)
    if not keep:
        shutil.rmtree(root, ignore_errors=True)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cycles", type=int, default=50)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--store", choices=("mbox", "maildir"), default="mbox")
    ap.add_argument("--relay", type=float, default=0.3)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--period", default="2,6",
                    help="cycle length range in seconds (min,max)")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--json")
    a = ap.parse_args()
    lo, hi = (float(x) for x in a.period.split(","))
    res = run(a.cycles, a.clients, a.store, a.relay, a.seed, (lo, hi),
              a.keep)
    text = json.dumps(res, indent=1, sort_keys=True)
    print(text)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")
    print("%s ledger %s relay=%.2f: %d ACKED (%d message-recipient pairs), "
          "%d lost, %d not acknowledged but delivered, %d duplicate copies "
          "over %d kills, %d cycles" %
          ("PASS" if res["ok"] else "FAIL", a.store, a.relay,
           res["states"].get("ACKED", 0), res["acked_pairs"], res["lost"],
           res["not_acked_but_delivered"], res["duplicate_copies"],
           res["kills_total"], a.cycles))
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
