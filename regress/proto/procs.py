"""What the protocol tests share to run servers: a free port chosen at
run time, and bin/mailboxd started in the foreground on a test's
dovecot.conf and stopped by its PID."""

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


class MailboxdProc:
    """Runs mailboxd -F -c self.conf; ready once self.port answers."""

    proc = None

    def start(self):
        self.proc = subprocess.Popen([MAILBOXD, "-F", "-c", self.conf],
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
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc:
            self.proc.stderr.close()
