"""What the protocol tests share to run servers: a free port chosen at
run time, stopping a child or a daemon by its PID, and bin/mailboxd
started in the foreground on a test's dovecot.conf and stopped by its
PID."""

import os
import signal
import socket
import subprocess
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BIN = os.environ.get("BIN") or os.path.join(REPO, "bin")
MAILBOXD = os.path.join(BIN, "mailboxd")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def stop_child(proc, wait=10):
    """SIGTERM to a child of ours (a Popen), SIGKILL if it is still
    there after `wait` seconds."""
    if proc is None or proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def stop_daemon(pid):
    """SIGTERM to a detached daemon (the PID from its pid file); after 5 s
    SIGKILL to its whole process group, which it leads."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(250):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)
    os.killpg(pid, signal.SIGKILL)


class MailboxdProc:
    """Runs mailboxd -F -c self.conf; ready once self.port answers."""

    proc = None
    # what the command line is run under; it must exec mailboxd, so that
    # the PID is mailboxd's (test_fail2ban.py: a namespace for its syslog)
    wrap = []

    def start(self):
        self.proc = subprocess.Popen(self.wrap + [MAILBOXD, "-F", "-c",
                                                  self.conf],
                                     stderr=subprocess.PIPE)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port),
                                         timeout=1).close()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("mailboxd exited: %s" %
                                       self.proc.stderr.read().decode())
                time.sleep(0.05)
        raise RuntimeError("mailboxd did not listen")

    def stop(self):
        stop_child(self.proc)
        if self.proc:
            self.proc.stderr.close()
