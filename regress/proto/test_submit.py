"""Command-line submission as a user without privileges, the MSP path:
a submit.cf compiled by our m4 package (FEATURE(msp)) with its queue in a
temporary clientmqueue the user may write, `sendmail -t -oi` run as
nobody through setpriv, as PHP's mail() or cron would run it.

Checked: the message is queued in the MSP queue with the user's
ownership and QueueFileMode, Bcc is kept in the qf with the delete-Bcc
flag, an untrusted -f gets the X-Authentication-Warning header, the
dot rules of -oi, and the exit codes scripts test.
"""

import glob
import os
import re
import pwd
import shutil
import subprocess
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("BIN") or os.path.join(REPO, "bin")
SENDMAIL = os.path.join(BIN, "sendmail")

pytestmark = [
    pytest.mark.skipif(not os.access(SENDMAIL, os.X_OK),
                       reason="no %s" % SENDMAIL),
    pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                       reason="needs root and setpriv to act as nobody"),
]

MC = """\
divert(-1)
divert(0)dnl
VERSIONID(`submit test')dnl
define(`confCF_VERSION', `Submit')dnl
define(`__OSTYPE__', `')dnl
define(`confTIME_ZONE', `USE_TZ')dnl
define(`confDONT_INIT_GROUPS', `True')dnl
define(`MSP_QUEUE_DIR', `{d}/clientmqueue')dnl
define(`confPID_FILE', `{d}/sm-client.pid')dnl
define(`STATUS_FILE', `{d}/submit.st')dnl
define(`confDOMAIN_NAME', `host.example.test')dnl
define(`confRUN_AS_USER', `nobody')dnl
FEATURE(`msp', `[127.0.0.1]')dnl
"""


@pytest.fixture
def msp():
    # pytest's tmp_path is private to root; nobody needs a way in
    root = tempfile.mkdtemp(prefix="test_submit.", dir="/var/tmp")
    os.chmod(root, 0o755)
    nobody = pwd.getpwnam("nobody")
    q = os.path.join(root, "clientmqueue")
    os.makedirs(q)
    os.chown(q, nobody.pw_uid, nobody.pw_gid)
    os.chmod(q, 0o770)
    mc = os.path.join(root, "submit.mc")
    with open(mc, "w") as f:
        f.write(MC.replace("{d}", root))
    cf = os.path.join(root, "submit.cf")
    cfdir = os.path.join(REPO, "cf")
    with open(cf, "w") as out:
        subprocess.run(["m4", "-D_CF_DIR_=%s/" % cfdir,
                        os.path.join(cfdir, "m4/cf.m4"), mc], stdout=out,
                       check=True, timeout=60)
    os.chmod(cf, 0o644)
    yield root, cf, q, nobody
    shutil.rmtree(root, ignore_errors=True)


def submit(cf, argv, stdin):
    # -odq: only queue (the default would hand the message on at once)
    return subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup",
                           "--clear-groups", SENDMAIL, "-C", cf, "-odq"] +
                          argv,
                          input=stdin, capture_output=True, timeout=30)


def queued(q):
    qfs = sorted(glob.glob(os.path.join(q, "qf*")))
    out = []
    for qf in qfs:
        with open(qf, "rb") as f:
            text = f.read().decode("latin1")
        with open(qf.replace("/qf", "/df"), "rb") as f:
            body = f.read()
        out.append((qf, text, body))
    return out


def test_t_oi_as_nobody(msp):
    root, cf, q, nobody = msp
    p = submit(cf, ["-t", "-oi"], b"To: joe@example.org\n"
               b"Bcc: hidden@example.org\nSubject: cron\n\nline\n.\nend\n")
    assert p.returncode == 0, p.stdout + p.stderr
    [(qf, text, body)] = queued(q)
    st = os.stat(qf)
    assert st.st_uid == nobody.pw_uid
    assert body == b"line\n.\nend\n"          # -oi: the dot is data
    assert "\nSnobody\n" in text
    assert "RPFD:joe@example.org\n" in text
    assert "RPFD:hidden@example.org\n" in text
    assert "H??Bcc: hidden@example.org\n" in text
    assert "\nFbs\n" in text                  # Bcc is removed on delivery
    assert "H?F?From: " in text and "<nobody>" in text


def test_untrusted_f_gets_a_warning(msp):
    root, cf, q, nobody = msp
    p = submit(cf, ["-f", "fake@example.com", "joe@example.org"],
               b"Subject: x\n\nbody\n")
    assert p.returncode == 0, p.stdout + p.stderr
    [(qf, text, body)] = queued(q)
    assert "\nSfake@example.com\n" in text
    assert ("H??X-Authentication-Warning: host.example.test: nobody set "
            "sender to fake@example.com using -f\n") in text


def test_dot_ends_the_message_without_i(msp):
    root, cf, q, nobody = msp
    p = submit(cf, ["joe@example.org"], b"Subject: d\n\nkept\n..two\n.\n"
               b"lost\n")
    assert p.returncode == 0
    [(qf, text, body)] = queued(q)
    assert body == b"kept\n.two\n"


def test_usage_errors(msp):
    root, cf, q, nobody = msp
    p = submit(cf, [], b"Subject: x\n\nbody\n")
    assert p.returncode == 64
    assert p.stdout == b"Recipient names must be specified\n"
    p = submit(cf, ["-t"], b"Subject: none\n\nbody\n")
    assert p.returncode == 0
    assert p.stdout == b"No recipient addresses found in header\n"
    assert queued(q) == []


def test_restrictmailq_and_restrictqrun(msp):
    root, cf, q, nobody = msp
    # a later O line adds to PrivacyOptions, as in sendmail
    with open(cf, "a") as f:
        f.write("O PrivacyOptions=restrictmailq,restrictqrun\n")
    # a user outside the queue folder's group may not list it ...
    p = subprocess.run(["setpriv", "--reuid=daemon", "--regid=daemon",
                        "--clear-groups", SENDMAIL, "-C", cf, "-bp"],
                       capture_output=True, timeout=30)
    assert (p.returncode, p.stdout) == (
        77, b"You are not permitted to see the queue\n"), p
    # ... a member of it may
    p = subprocess.run(["setpriv", "--reuid=daemon",
                        "--regid=%d" % nobody.pw_gid, "--clear-groups",
                        SENDMAIL, "-C", cf, "-bp"],
                       capture_output=True, timeout=30)
    assert p.returncode == 0 and b"is empty" in p.stdout, p
    # only the folder's owner may run the queue
    p = subprocess.run(["setpriv", "--reuid=daemon", "--regid=daemon",
                        "--clear-groups", SENDMAIL, "-C", cf, "-q"],
                       capture_output=True, timeout=30)
    assert (p.returncode, p.stdout) == (
        77, b"You do not have permission to process the queue\n"), p


def queue_daemon_sends(msp, interval, q, edit=lambda text: text):
    """Starts `sendmail -L sm-msp-queue -q<interval>` without -bd on the
    MSP cf (edited by edit; its relay mailer pointed at a sink), queues a
    message and waits until the daemon's run has sent it on from q."""
    from procs import stop_daemon
    from test_deliver import Sink
    root, cf, _, nobody = msp
    sink = Sink()
    with open(cf) as f:
        text = f.read()
    with open(cf, "w") as f:        # the MTA the MSP relays to: the sink
        f.write(edit(text.replace("A=TCP $h", "A=TCP $h %d" % sink.port)))
    pidfile = os.path.join(root, "sm-client.pid")
    pid = None
    try:
        p = subprocess.run([SENDMAIL, "-C", cf, "-L", "sm-msp-queue",
                            "-q" + interval], capture_output=True,
                           timeout=30)
        assert p.returncode == 0, p.stderr
        for _ in range(250):
            if os.path.exists(pidfile):
                with open(pidfile) as f:
                    lines = f.read().split("\n")
                if lines[0].isdigit() and len(lines) > 1 and lines[1]:
                    pid = int(lines[0])
                    break
            time.sleep(0.02)
        assert pid, "no pid file"
        assert lines[1].endswith("-q" + interval), lines
        os.kill(pid, 0)                     # still running: a daemon
        p = submit(cf, ["-oi", "joe@example.org"],
                   b"Subject: later\n\nqueued for the runner\n")
        assert p.returncode == 0, p.stderr
        assert len(queued(q)) == 1, (glob.glob(root + "/*/*"), p.stdout)
        for _ in range(400):
            if sink.messages and not queued(q):
                break
            time.sleep(0.02)
        assert len(sink.messages) == 1, sink.messages
        assert b"queued for the runner" in sink.messages[0]["data"]
        assert queued(q) == []
    finally:
        if pid:
            stop_daemon(pid)
        sink.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_queue_runner_daemon_sends_what_waits(msp):
    """sendmail -q2s without -bd, as sm-client runs the MSP's queue: it
    detaches, writes the PidFile, runs the queue at each interval (a
    message queued after it started is sent on within a few seconds)
    and stops on SIGTERM."""
    queue_daemon_sends(msp, "2s", msp[2])


def test_queue_group_runs_on_its_own_interval(msp):
    """A queue group's I= beats the daemon's -q1h: the SMTP mailers'
    Q=fast puts the message in the group's folder, whose runs come every
    three seconds."""
    root, _, _, nobody = msp
    fast = os.path.join(root, "fastq")
    os.makedirs(fast)
    os.chown(fast, nobody.pw_uid, nobody.pw_gid)
    os.chmod(fast, 0o770)

    def edit(text):
        text = re.sub(r"(?m)^M(esmtp|relay),", r"M\1, Q=fast,", text)
        return text + "Qfast, P=%s, I=3s\n" % fast
    queue_daemon_sends(msp, "1h", fast, edit)
