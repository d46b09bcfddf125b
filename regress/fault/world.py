"""The world the fault harnesses run our daemon in (regress/fault/):
a folder with a cf compiled by our m4 package from a small .mc (a
run-time port, the queue, aliases and the pid file in the folder), a
local mailer that writes an mbox or a Maildir per user and syncs before
it exits 0, a smarthost that is a durable SMTP sink run by the harness
(each message in a file of its own, fsync before its 250), the daemon
started as an administrator starts it and found again by its PidFile,
and its process tree read from /proc (master, workers, delivery agents,
queue runners, their children).

Every process started here is stopped by its PID; nothing is killed by
name.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("BIN") or os.path.join(REPO, "bin")
SENDMAIL = os.path.join(BIN, "sendmail")

MC = """\
divert(-1)
divert(0)dnl
VERSIONID(`fault harness')dnl
define(`MAIL_SETTINGS_DIR', `@D@/etc/')dnl
define(`QUEUE_DIR', `@Q@')dnl
define(`STATUS_FILE', `@D@/sendmail.st')dnl
define(`ALIAS_FILE', `@D@/etc/aliases')dnl
define(`HELP_FILE', `@D@/etc/helpfile')dnl
define(`confPID_FILE', `@D@/sendmail.pid')dnl
define(`confSERVICE_SWITCH_FILE', `@D@/etc/service.switch')dnl
define(`confDOMAIN_NAME', `mail.example.test')dnl
define(`confMAX_MESSAGE_SIZE', `@MAXSIZE@')dnl
define(`confTO_IDENT', `0')dnl
define(`confDONT_BLAME_SENDMAIL', `MapInUnsafeDirPath')dnl
define(`confDELIVERY_MODE', `@MODE@')dnl
define(`confMIN_QUEUE_AGE', `0')dnl
define(`confCHECKPOINT_INTERVAL', `@CKPT@')dnl
define(`confMIN_FREE_BLOCKS', `@MINFREE@')dnl
@MDC@define(`confCONNECTION_RATE_THROTTLE', `0')dnl
define(`LOCAL_MAILER_PATH', `@D@/lmailer.sh')dnl
define(`LOCAL_MAILER_ARGS', `lmailer.sh @STORE@ @D@/mail $u')dnl
define(`LOCAL_MAILER_FLAGS', `Sn')dnl
OSTYPE(`bsd4.4')dnl
FEATURE(`no_default_msa')dnl
FEATURE(`use_cw_file')dnl
FEATURE(`accept_unresolvable_domains')dnl
define(`SMART_HOST', `relay:[127.0.0.1]')dnl
define(`RELAY_MAILER_ARGS', `TCP $h @SINKPORT@')dnl
DAEMON_OPTIONS(`Port=@PORT@,Addr=127.0.0.1, Name=MTA')dnl
MAILER(`local')dnl
MAILER(`smtp')dnl
"""

# The local mailer: mbox (flock, append, the blank line, sync) or
# Maildir (tmp/, sync, link into new/).  Exit 75 on any failure so the
# message stays queued; 0 only once the copy is on disk.
LMAILER = r"""#!/bin/sh
# lmailer.sh mbox|maildir DIR USER -- the fault harness's local mailer
store=$1 dir=$2 user=$3
case $user in */*|.*|'') exit 67;; esac
if [ "$store" = mbox ]; then
	exec 9>>"$dir/$user" || exit 75
	flock 9 || exit 75
	cat >&9 && printf '\n' >&9 && sync "$dir/$user" || exit 75
else
	md=$dir/$user
	mkdir -p "$md/tmp" "$md/new" "$md/cur" || exit 75
	name=$(date +%s).$$_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n').h
	cat > "$md/tmp/$name" && sync "$md/tmp/$name" &&
	    ln "$md/tmp/$name" "$md/new/$name" || exit 75
	rm -f "$md/tmp/$name"
fi
exit 0
"""


def own_network(flag="MAILSYS_OWN_NET"):
    """Runs this script again in a network namespace of its own
    (`unshare -n`, root) with only the loopback interface, up: the
    daemon's lookups of test addresses /etc/hosts does not name
    (PTR for 127.0.0.2-254) then fail at once and never reach the
    host's resolver, whatever the rate.  Returns None inside the
    namespace (or when it cannot be made: not root), else the exit
    status of the run inside."""
    if os.environ.get(flag):
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        return None
    if os.geteuid() != 0:
        print("own_network: not root, the host's network is used")
        return None
    env = dict(os.environ)
    env[flag] = "1"
    return subprocess.run(["unshare", "-n", sys.executable,
                           os.path.abspath(sys.argv[0])] + sys.argv[1:],
                          env=env).returncode


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sink:
    """A durable SMTP sink: each message in its own file under DIR
    (RCPT lines, a blank line, the data), fsync'd before the 250.
    With raw, the bytes after the 354 as they came (dot-stuffing, line
    ends and the final dot line) go into a file beside it, NAME.raw.
    Threads, one per connection; stop() closes everything."""

    def __init__(self, folder, port=None, raw=False):
        self.dir = folder
        self.raw = raw
        os.makedirs(folder, exist_ok=True)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port or 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.n = 0
        self.lock = threading.Lock()
        self.stopping = False
        self.conns = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.sock.settimeout(0.2)
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self.session, args=(c,),
                             daemon=True).start()

    def session(self, c):
        try:
            c.settimeout(60)
            f = c.makefile("rb")
            c.sendall(b"220 sink ESMTP\r\n")
            rcpts = []
            while True:
                line = f.readline()
                if not line:
                    return
                u = line.upper()
                if u.startswith(b"EHLO") or u.startswith(b"HELO"):
                    c.sendall(b"250-sink\r\n250-PIPELINING\r\n"
                              b"250 8BITMIME\r\n")
                elif u.startswith(b"MAIL"):
                    rcpts = []
                    c.sendall(b"250 2.1.0 ok\r\n")
                elif u.startswith(b"RCPT"):
                    rcpts.append(line.strip()[8:].decode("latin1"))
                    c.sendall(b"250 2.1.5 ok\r\n")
                elif u.startswith(b"DATA"):
                    c.sendall(b"354 go\r\n")
                    data, wire = [], []
                    while True:
                        x = f.readline()
                        if not x:
                            return      # torn: nothing stored
                        wire.append(x)
                        if x == b".\r\n":
                            break
                        if x.startswith(b"."):
                            x = x[1:]
                        data.append(x)
                    with self.lock:
                        self.n += 1
                        name = os.path.join(self.dir, "m%06d" % self.n)
                    fd = os.open(name + ".tmp",
                                 os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                    os.write(fd, ("\n".join(rcpts) + "\n\n").encode()
                             + b"".join(data))
                    os.fsync(fd)
                    os.close(fd)
                    if self.raw:
                        with open(name + ".raw", "wb") as fh:
                            fh.write(b"".join(wire))
                    os.rename(name + ".tmp", name)
                    c.sendall(b"250 2.0.0 stored\r\n")
                elif u.startswith(b"RSET") or u.startswith(b"NOOP"):
                    c.sendall(b"250 2.0.0 ok\r\n")
                elif u.startswith(b"QUIT"):
                    c.sendall(b"221 2.0.0 bye\r\n")
                    return
                else:
                    c.sendall(b"500 5.5.1 what\r\n")
        except OSError:
            return
        finally:
            c.close()

    def stop(self):
        self.stopping = True
        self.sock.close()
        for c in self.conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.thread.join(5)


class World:
    """A folder with our cf, local mailer and (optionally) a sink.
    maxchildren: confMAX_DAEMON_CHILDREN, or None to leave it unset
    as CentOS's sendmail.mc does."""

    def __init__(self, root, store="mbox", mode="background", ckpt=10,
                 maxsize=1000000, minfree=100, qdir=None, sink=True,
                 postmaster="root", extra_mc="", raw_sink=False,
                 maxchildren=40):
        self.root = root
        self.store = store
        self.qdir = qdir or os.path.join(root, "mqueue")
        self.port = free_port()
        self.pid = None
        for sub in ("etc", "mail"):
            os.makedirs(os.path.join(root, sub), exist_ok=True)
        os.makedirs(self.qdir, exist_ok=True)
        os.chmod(root, 0o755)
        os.chmod(os.path.join(root, "mail"), 0o777)
        etc = os.path.join(root, "etc")
        with open(os.path.join(etc, "local-host-names"), "w") as f:
            f.write("mail.example.test\n")
        with open(os.path.join(etc, "aliases"), "w") as f:
            f.write("postmaster: %s\nMAILER-DAEMON: %s\n" %
                    (postmaster, postmaster))
        with open(os.path.join(etc, "service.switch"), "w") as f:
            f.write("hosts files\naliases files\n")
        with open(os.path.join(REPO, "cf", "helpfile"), "rb") as src, \
                open(os.path.join(etc, "helpfile"), "wb") as dst:
            dst.write(src.read())
        script = os.path.join(root, "lmailer.sh")
        with open(script, "w") as f:
            f.write(LMAILER)
        os.chmod(script, 0o755)
        self.sink = (Sink(os.path.join(root, "sink"), raw=raw_sink)
                     if sink else None)
        mc = (MC.replace("@D@", root).replace("@Q@", self.qdir)
              .replace("@PORT@", str(self.port))
              .replace("@SINKPORT@", str(self.sink.port if sink else 9))
              .replace("@MODE@", mode).replace("@CKPT@", str(ckpt))
              .replace("@MAXSIZE@", str(maxsize))
              .replace("@MINFREE@", str(minfree))
              .replace("@STORE@", store)
              .replace("@MDC@", "" if maxchildren is None else
                       "define(`confMAX_DAEMON_CHILDREN', `%d')dnl\n"
                       % maxchildren)
              .replace("MAILER(`local')", extra_mc + "MAILER(`local')"))
        path = os.path.join(root, "fault.mc")
        with open(path, "w") as f:
            f.write(mc)
        cfdir = os.path.join(REPO, "cf")
        self.cf = os.path.join(root, "sendmail.cf")
        with open(self.cf, "w") as out:
            subprocess.run(["m4", "-D_CF_DIR_=%s/" % cfdir,
                            os.path.join(cfdir, "m4/cf.m4"), path],
                           stdout=out, check=True, timeout=60)
        subprocess.run([SENDMAIL, "-C", self.cf, "-bi"], capture_output=True,
                       timeout=30)

    # ---- the daemon
    def start(self, args=(), prefix=()):
        """sendmail -bd [args] in the background; returns once it
        listens.  prefix: argv in front (strace ...)."""
        pidfile = os.path.join(self.root, "sendmail.pid")
        if os.path.exists(pidfile):
            os.unlink(pidfile)
        argv = list(prefix) + [SENDMAIL, "-C", self.cf, "-bd"] + list(args)
        if prefix:
            # the tracer stays in front of the daemon: not waited for
            self.tracer = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL)
        else:
            p = subprocess.run(argv, capture_output=True, timeout=30)
            if p.returncode != 0:
                raise RuntimeError("sendmail -bd: %s" % p.stderr)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                with open(pidfile) as f:
                    first = f.readline().strip()
                if first.isdigit():
                    self.pid = int(first)
                    break
            except OSError:
                pass
            time.sleep(0.02)
        else:
            raise RuntimeError("no pid file")
        while time.time() < deadline:
            try:
                c = socket.create_connection(("127.0.0.1", self.port), 1)
            except OSError:
                time.sleep(0.02)
                continue
            with c:
                c.settimeout(5)
                c.shutdown(socket.SHUT_WR)
                try:
                    while c.recv(4096):
                        pass
                except OSError:
                    pass
            return
        raise RuntimeError("daemon does not listen")

    def tree(self):
        """{pid: (ppid, kind)} for the master and its descendants.
        kind: master, worker (holds a listening TCP socket), agent
        (holds the master's socket pair to the agents), runner (a child
        of the master with neither: a queue run), child (anything
        further down: delivery children, mailer programs)."""
        if self.pid is None:
            return {}
        parent = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open("/proc/%s/stat" % d) as f:
                        parent[int(d)] = int(f.read().rsplit(")", 1)[1]
                                             .split()[1])
                except (OSError, ValueError, IndexError):
                    pass
        out = {self.pid: (0, "master")} if self.pid in parent else {}
        listen = listening_inodes()
        msocks = socket_inodes(self.pid) - listen
        changed = True
        while changed:
            changed = False
            for pid, pp in parent.items():
                if pp in out and pid not in out:
                    if pp == self.pid:
                        socks = socket_inodes(pid)
                        kind = ("worker" if socks & listen else
                                "agent" if socks & msocks else "runner")
                    else:
                        kind = "child"
                    out[pid] = (pp, kind)
                    changed = True
        return out

    def kill_all(self):
        """SIGKILL to the master's process group (it leads one), then
        to any descendant that left it; waits until all are gone."""
        pids = list(self.tree())
        if self.pid is not None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        wait_gone(pids)
        self.pid = None

    def stop(self):
        """SIGTERM to the master, SIGKILL to what is left after 10 s."""
        if self.pid is None:
            return
        pids = list(self.tree())
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        if not wait_gone([self.pid], 10):
            self.kill_all()
        wait_gone(pids, 5)
        self.pid = None
        tracer = getattr(self, "tracer", None)
        if tracer is not None:
            try:
                tracer.wait(timeout=20)
            except subprocess.TimeoutExpired:
                tracer.kill()
                tracer.wait()
            self.tracer = None

    def close(self):
        self.stop()
        if self.sink:
            self.sink.stop()

    def run_queue(self, rounds=3):
        """sendmail -q in the foreground until the queue is empty (at
        most `rounds` runs); returns the qf files left."""
        left = []
        for _ in range(rounds):
            subprocess.run([SENDMAIL, "-C", self.cf, "-q"],
                           capture_output=True, timeout=600)
            left = [n for n in os.listdir(self.qdir) if n.startswith("qf")]
            if not left:
                break
        return left


def wait_gone(pids, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        alive = [p for p in pids if os.path.exists("/proc/%d" % p)
                 and not zombie(p)]
        if not alive:
            return True
        time.sleep(0.01)
    return False


def zombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def tcp_inodes(listening=True):
    """Socket inodes of the TCP sockets that listen (state 0A), or of
    the others (connections)."""
    out = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    p = line.split()
                    if (p[3] == "0A") == listening:
                        out.add(p[9])
        except OSError:
            pass
    return out


def listening_inodes():
    return tcp_inodes(True)


def socket_inodes(pid):
    out = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if t.startswith("socket:["):
                out.add(t[8:-1])
    except OSError:
        pass
    return out
