"""The daemon's delivery agents in DeliveryMode=background
(src/smtpd/smtpd_agent.c, doc/process-model.md): a burst for the local
mailer is delivered by the few agents, through their backlog, not by a
forked child per message; and agents stuck on slow deliveries neither
hold a new message nor the ones already waiting for them.

The local mailer is a shell script that appends the message to out/$1
and records which process started it (its parent: an agent, a rescue
agent or a forked delivery child).  Mail for root (FAST) is delivered
at once; mail for the user daemon (SLOW) waits until the test creates
the release file (30 s at most), so that no process of the test
outlives it.
"""

import os
import smtplib
import threading
import time

import pytest

from test_smtpd import SENDMAIL, background_daemon

pytestmark = pytest.mark.skipif(not os.access(SENDMAIL, os.X_OK),
                                reason="no %s" % SENDMAIL)

SCRIPT = """#!/bin/sh
# the test's local mailer: the message for user $1 into out/$1
if [ "$1" = {slow} ]; then
	i=0
	while [ ! -e "{d}/release" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
fi
cat >> "{d}/out/$1"
echo $PPID >> "{d}/parents"
"""

FAST, SLOW = "root", "daemon"     # users that exist on every machine

# the master forks 2 agents per CPU and 2 more (smtpd_daemon.c)
AGENTS = 2 * os.sysconf("SC_NPROCESSORS_ONLN") + 2


def start(root):
    return background_daemon(root, SCRIPT.replace("{slow}", SLOW))


def count(root, user):
    """Messages delivered to user so far."""
    try:
        with open(os.path.join(root, "out", user), "rb") as f:
            return f.read().count(b"Subject: ")
    except FileNotFoundError:
        return 0


def wait_for(pred, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def send(port, user, n, tag, errors):
    try:
        s = smtplib.SMTP("127.0.0.1", port, timeout=30)
        s.ehlo("c.example.net")
        for i in range(n):
            s.sendmail("a@example.com", ["%s@mail.example.test" % user],
                       ("Subject: %s-%d\r\n\r\n" % (tag, i)).encode()
                       + b"x" * 2000 + b"\r\n")
        s.quit()
    except (OSError, smtplib.SMTPException) as e:
        errors.append(e)


def test_burst_is_delivered_by_the_agents_not_a_child_each(tmp_path):
    root = str(tmp_path)
    d = start(root)
    try:
        errors = []
        threads = [threading.Thread(target=send,
                                    args=(d.port, FAST, 10, t, errors))
                   for t in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        assert wait_for(lambda: count(root, FAST) == 200 and
                        not d.queue(), 60), (count(root, FAST),
                                             d.queue())
        with open(os.path.join(root, "parents")) as f:
            parents = set(f.read().split())
        # one per message when each is forked; the agents (and, on a
        # machine so loaded that they stall, a few rescue agents and
        # children) otherwise
        assert len(parents) <= AGENTS + 30, len(parents)
    finally:
        d.stop()


def test_stuck_agents_hold_neither_new_nor_waiting_messages(tmp_path):
    root = str(tmp_path)
    d = start(root)
    release = os.path.join(root, "release")
    try:
        errors = []
        # every agent stuck; the next two messages, right after, wait
        # in the backlog for them, and rescue agents must take them
        send(d.port, SLOW, AGENTS, "slow", errors)
        send(d.port, FAST, 2, "waiting", errors)
        assert errors == []
        assert wait_for(lambda: count(root, FAST) == 2, 10), \
            count(root, FAST)
        # one more once they are known to be stuck: forked at once
        time.sleep(1.5)
        send(d.port, FAST, 1, "new", errors)
        assert errors == []
        assert wait_for(lambda: count(root, FAST) == 3, 10)
        assert count(root, SLOW) == 0
        open(release, "w").close()
        assert wait_for(lambda: count(root, SLOW) == AGENTS and
                        not d.queue(), 60), (count(root, SLOW),
                                             d.queue())
    finally:
        open(release, "w").close()
        d.stop()
