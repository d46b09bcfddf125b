"""The seed tutorial end to end: two CentOS-style mail servers, naver.test
and daum.test, installed from our tree with `make install DESTDIR=` and
configured the way the Korean sendmail + dovecot tutorials configure a
fresh CentOS 7 box; users on them mail each other and read their mail
over POP3 and IMAP, as Thunderbird would.

The world (regress/netns.py): a hub namespace with bridge br0
(192.0.2.1, 198.51.100.1) and a dnsmasq serving

    naver.test  MX 10 mail.naver.test   192.0.2.10   user alice
    daum.test   MX 10 mail.daum.test    192.0.2.20   user bob
    an outside client                   198.51.100.99 (not in access)

Each server has its own network, mount and UTS namespaces.  Its host
root R (the DESTDIR) is laid over the real tree inside its mount
namespace: /etc, /usr and /var are overlays whose upper layer is R/etc,
R/usr and R/var (the real folders below, read-only in effect: every
write lands in R), R/var/log, R/var/spool/mail and R/home are bind
mounts, /run and /dev are fresh tmpfs with /dev/log a socket the test
reads (its mail facility lines are R/var/log/maillog, as rsyslog writes
them on CentOS).  Overlays rather than bind mounts because /etc/mail,
/var/spool/mqueue or /usr/sbin/sendmail need not exist on the machine
running the test.  So the installed programs run with their real paths:
/usr/sbin/sendmail (set-group-id smmsp by the package's postinst, run in
the namespace), /etc/mail/sendmail.cf, /usr/share/sendmail-cf, PAM's
pam_unix on the test's /etc/shadow, procmail as the local mailer.

The administrator's steps, in order: the package's postinst; CentOS 7's
sendmail.mc (from shared/examples/mc) with the tutorial's edits (the
`Addr=127.0.0.1` daemon line commented out, TRUST_AUTH_MECH and
confAUTH_MECHANISMS uncommented, STARTTLS with a test certificate and
the submission daemon on 587 as the second tutorial adds); `m4
sendmail.mc > sendmail.cf`; the domain in local-host-names;
`Connect:192.0.2 RELAY` in access and `makemap hash access < access`;
an alias and `newaliases`; dovecot.conf's protocols and listen, then
disable_plaintext_auth, mail_location and ssl in conf.d; the MTA started
as sendmail.service does on naver (/etc/mail/make, sendmail-start: -bd
-q1h) and by hand on daum (`sendmail -bd -q1m`), and mailboxd -F as its
unit does.  Every process is stopped by its PID.

Checked: alice's `sendmail -t -oi` and s-nail mail reach bob, read over
POP3 and IMAP from the outside address; bob's reply through daum
reaches alice; relaying from outside is refused with sendmail's words;
mail for the domain and for an alias from outside is taken; mailq empty,
then one deferred entry while daum is down, delivered by `sendmail -q`
once it is back; the maillog's from=/to=/stat=Sent lines on both hosts
and dovecot-tagged login lines, through the PAM service file our
package brings.

TLS as the tutorial sets it up: a test CA signs each host's certificate
(the admin's openssl req on the host), which dovecot.conf's ssl = yes
and sendmail.mc's STARTTLS lines name.  The outside client finds the
hosts by name through the test's DNS and checks the certificate against
that CA and the name, as Thunderbird does: IMAPS on 993, POP3S on 995,
STARTTLS on 143, STLS on 110, and SMTP AUTH on 587 after STARTTLS; a
certificate under the wrong name or from an unknown CA is refused.
Tightened to ssl = required, or disable_plaintext_auth = yes, mailboxd
refuses a password before STARTTLS/STLS with dovecot's words and takes
it after.

Needs root, unshare/nsenter, dnsmasq, overlay mounts, procmail (make
deps), the shared examples; s-nail for the mail(1) case.  About 30 s
with the ASan build on a loaded machine.  KEEP_E2E=1 leaves the
hosts' folders (maillog, spools, configuration) under /tmp.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REGRESS = os.path.dirname(HERE)
REPO = os.path.dirname(REGRESS)
BIN = os.path.abspath(os.environ.get("BIN") or os.path.join(REPO, "bin"))
sys.path.insert(0, REGRESS)
from netns import Hub, Syslog, holder, run, wait_for, why_not  # noqa: E402
from procs import stop_child, stop_daemon  # noqa: E402

NET = "192.0.2."
DNS_IP = NET + "1"
OUTSIDE_NET = "198.51.100."
OUTSIDE_IP = OUTSIDE_NET + "99"
# name: (host name, address, domain, user, password)
HOSTS = {
    "naver": ("mail.naver.test", NET + "10", "naver.test", "alice",
              "alice-Pw-4821"),
    "daum": ("mail.daum.test", NET + "20", "daum.test", "bob",
             "bob-Pw-9377"),
}
PROCMAIL = "/usr/bin/procmail"
SNAIL = shutil.which("s-nail")
# a delivery across both hosts under ASan on a loaded machine
DELIVERY = 60


def shared_mc():
    cands = [os.environ.get("SHARED_DIR") or "", "/work/shared",
             os.path.join(os.path.dirname(REPO), "shared")]
    for c in cands:
        p = os.path.join(c, "examples", "mc", "centos7-rhel7-sendmail.mc")
        if c and os.path.isfile(p):
            return p
    return None


def _why_skip():
    why = why_not()
    if why:
        return why
    if not os.access(os.path.join(BIN, "sendmail"), os.X_OK):
        return "no %s/sendmail (build first)" % BIN
    for tool in ("m4", "make", "openssl", "setpriv", "useradd"):
        if shutil.which(tool) is None:
            return "no %s" % tool
    if not os.access(PROCMAIL, os.X_OK):
        return "no procmail, CentOS's local mailer (make deps)"
    if shared_mc() is None:
        return "no shared/examples/mc/centos7-rhel7-sendmail.mc"
    p = subprocess.run(["unshare", "--mount", "sh", "-c",
                        "mount -t overlay overlay -o lowerdir=/etc:/usr/share "
                        "/mnt"], capture_output=True)
    if p.returncode != 0:
        return "no overlay mounts: %s" % p.stderr.decode().strip()
    return None


_WHY = _why_skip()
pytestmark = pytest.mark.skipif(_WHY is not None, reason=_WHY or "")

# inside a host's new mount namespace: $1 the host's folder, $2 its root
# (the DESTDIR), $3 host name, $4 address
MOUNTS = r"""
D=$1 R=$2
hostname "$3"
ip link set lo up
ip addr add "$4/24" dev eth0
ip link set eth0 up
ip route add %s0/24 dev eth0
for t in etc usr var; do
	mkdir -p "$D/work/$t"
	mount -t overlay overlay \
	    -o "lowerdir=/$t,upperdir=$R/$t,workdir=$D/work/$t" "/$t"
done
mount --bind "$R/var/log" /var/log
mount --bind "$R/var/spool/mail" /var/spool/mail
mount --bind "$R/home" /home
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p "$D/olddev"
mount --rbind /dev "$D/olddev"
mount -t tmpfs -o mode=0755 tmpfs /dev
for f in null zero random urandom full tty; do
	touch "/dev/$f"
	mount --bind "$D/olddev/$f" "/dev/$f"
done
ln -s /proc/self/fd /dev/fd
ln -s fd/0 /dev/stdin; ln -s fd/1 /dev/stdout; ln -s fd/2 /dev/stderr
touch /dev/log
mount --bind "$D/log" /dev/log
""" % OUTSIDE_NET

# the tutorial's edits of CentOS 7's sendmail.mc: (old, new), each old
# line present once
MC_EDITS = [
    ("DAEMON_OPTIONS(`Port=smtp,Addr=127.0.0.1, Name=MTA')dnl",
     "dnl DAEMON_OPTIONS(`Port=smtp,Addr=127.0.0.1, Name=MTA')dnl"),
    ("dnl TRUST_AUTH_MECH(`EXTERNAL DIGEST-MD5 CRAM-MD5 LOGIN PLAIN')dnl",
     "TRUST_AUTH_MECH(`EXTERNAL DIGEST-MD5 CRAM-MD5 LOGIN PLAIN')dnl"),
    ("dnl define(`confAUTH_MECHANISMS', "
     "`EXTERNAL GSSAPI DIGEST-MD5 CRAM-MD5 LOGIN PLAIN')dnl",
     "define(`confAUTH_MECHANISMS', "
     "`EXTERNAL GSSAPI DIGEST-MD5 CRAM-MD5 LOGIN PLAIN')dnl"),
    # the second tutorial: STARTTLS and the submission port
    ("dnl define(`confCACERT_PATH', `/etc/pki/tls/certs')dnl",
     "define(`confCACERT_PATH', `/etc/pki/tls/certs')dnl"),
    ("dnl define(`confCACERT', `/etc/pki/tls/certs/ca-bundle.crt')dnl",
     "define(`confCACERT', `/etc/pki/tls/certs/ca-bundle.crt')dnl"),
    ("dnl define(`confSERVER_CERT', `/etc/pki/tls/certs/sendmail.pem')dnl",
     "define(`confSERVER_CERT', `/etc/pki/tls/certs/sendmail.pem')dnl"),
    ("dnl define(`confSERVER_KEY', `/etc/pki/tls/certs/sendmail.pem')dnl",
     "define(`confSERVER_KEY', `/etc/pki/tls/certs/sendmail.pem')dnl"),
    # with a DAEMON_OPTIONS for 587 alone sendmail would listen on 587
    # alone: the second tutorial writes the MTA's line again, no Addr
    ("dnl DAEMON_OPTIONS(`Port=submission, Name=MSA, M=Ea')dnl",
     "DAEMON_OPTIONS(`Port=smtp, Name=MTA')dnl\n"
     "DAEMON_OPTIONS(`Port=submission, Name=MSA, M=Ea')dnl"),
]

# clients: run inside a namespace, print JSON
CLIENT_PY = r"""
import imaplib, json, poplib, smtplib, socket, ssl, sys, time
cmd, host = sys.argv[1], sys.argv[2]
a = sys.argv[3:]
if cmd == "wait":          # host port...
    for port in map(int, a):
        deadline = time.time() + 30
        while True:
            try:
                c = socket.create_connection((host, port), 1)
                break
            except OSError:
                if time.time() > deadline:
                    sys.exit("%s:%d does not answer" % (host, port))
                time.sleep(0.1)
        c.settimeout(30)
        if port == 25:      # let the server end the probe first
            c.shutdown(socket.SHUT_WR)
            while c.recv(4096):
                pass
        c.close()
elif cmd in ("pop3", "imap"):    # user password token [how ca]: the
    # messages with token, read in the clear, over implicit TLS (993,
    # 995) or after STARTTLS / STLS; the certificate is checked against
    # the CA file and host name as a mail client does
    how = a[3] if len(a) > 3 else "plain"
    ctx = ssl.create_default_context(cafile=a[4]) if how != "plain" \
        else None
    out = {"msgs": []}
    if cmd == "pop3":
        if how == "tls":
            p = poplib.POP3_SSL(host, 995, timeout=30, context=ctx)
        else:
            p = poplib.POP3(host, 110, timeout=30)
            out["caps"] = sorted(p.capa())
            if how == "starttls":
                p.stls(context=ctx)
        out["tls"] = p.sock.version() if how != "plain" else None
        p.user(a[0])
        p.pass_(a[1])
        n, _ = p.stat()
        for i in range(1, n + 1):
            text = b"\n".join(p.retr(i)[1]).decode("latin-1")
            if a[2] in text:
                out["msgs"].append(text)
        p.quit()
    else:
        if how == "tls":
            m = imaplib.IMAP4_SSL(host, 993, timeout=30, ssl_context=ctx)
        else:
            m = imaplib.IMAP4(host, 143, timeout=30)
            out["caps"] = sorted(m.capabilities)
            if how == "starttls":
                m.starttls(ssl_context=ctx)
        out["tls"] = m.sock.version() if how != "plain" else None
        m.login(a[0], a[1])
        m.select("INBOX", readonly=True)
        typ, data = m.search(None, "TEXT", a[2])
        for num in data[0].split():
            typ, d = m.fetch(num, "(RFC822)")
            out["msgs"].append(d[0][1].decode("latin-1"))
        m.logout()
    print(json.dumps(out))
elif cmd == "cleartext":   # imap|pop3 user password ca: a password sent
    # before STARTTLS, then again after it; the server's lines
    imap = a[0] == "imap"
    s = socket.create_connection((host, 143 if imap else 110), 30)

    def line():
        b = b""
        while not b.endswith(b"\n"):
            c = s.recv(1)
            if not c:
                break
            b += c
        return b.decode("latin-1").rstrip("\r\n")

    def say(cmd, tag):
        s.sendall(cmd.encode() + b"\r\n")
        got = []
        while True:
            got.append(line())
            if not got[-1] or got[-1].startswith(tag):
                return got

    out = {"greeting": line()}
    if imap:
        out["before"] = say("a LOGIN %s %s" % (a[1], a[2]), "a ")
        out["stls"] = say("b STARTTLS", "b ")
    else:
        out["before"] = say("USER " + a[1], "")
        out["stls"] = say("STLS", "")
    s = ssl.create_default_context(cafile=a[3]).wrap_socket(
        s, server_hostname=host)
    if imap:
        out["after"] = say("c LOGIN %s %s" % (a[1], a[2]), "c ")
        say("d LOGOUT", "d ")
    else:
        out["after"] = say("USER " + a[1], "") + say("PASS " + a[2], "")
        say("QUIT", "")
    print(json.dumps(out))
elif cmd == "smtp":        # port sender rcpt [user password ca]: what
    # RCPT and DATA get (a message from stdin); with a user, STARTTLS
    # (the certificate checked against ca and the host name) and AUTH
    s = smtplib.SMTP(host, int(a[0]), timeout=30)
    s.ehlo("client.outside.test")
    res = {}
    if len(a) > 3:
        s.starttls(context=ssl.create_default_context(cafile=a[5]))
        res["tls"] = s.sock.version()
        s.ehlo("client.outside.test")
        res["auth"] = s.esmtp_features.get("auth", "")
        s.login(a[3], a[4])
    s.mail(a[1])
    code, text = s.rcpt(a[2])
    res["rcpt"] = [code, text.decode()]
    if code < 300:
        res["data"] = list(s.data(sys.stdin.read()))   # str: CRLF
        res["data"][1] = res["data"][1].decode()
    s.quit()
    print(json.dumps(res))
"""


def token():
    return "t" + uuid.uuid4().hex[:12]


def install(root):
    """`make install DESTDIR=root` of the built BIN (nothing rebuilt)."""
    r = subprocess.run(
        ["make", "-s", "-C", REPO, "-o", "all", "install",
         "DESTDIR=" + root, "PREFIX=/usr", "B=" + BIN],
        capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def openssl_passwd(pw):
    return run(["openssl", "passwd", "-6", pw]).stdout.decode().strip()


class Host:
    def __init__(self, name, top, hub, syslog):
        self.name = name
        self.fqdn, self.ip, self.domain, self.user, self.password = \
            HOSTS[name]
        self.dir = os.path.join(top, name)
        self.root = os.path.join(self.dir, "root")
        self.maillog = os.path.join(self.root, "var/log/maillog")
        self.pid = None
        self.mailboxd = None
        self.saslauthd = None
        os.makedirs(self.root)
        install(self.root)
        self.system_files()
        syslog.add(os.path.join(self.dir, "log"), self.maillog,
                   self.fqdn.split(".")[0])
        self.ns = holder(["--net", "--mount", "--uts",
                          "--propagation", "private"])
        hub.attach(self.ns.pid, name)
        run(self.enter(["sh", "-ec", MOUNTS, "sh", self.dir, self.root,
                        self.fqdn, self.ip]))

    def path(self, p):
        return os.path.join(self.root, p.lstrip("/"))

    def write(self, p, text, mode=0o644):
        """A file of the host root written before its namespace exists."""
        os.makedirs(os.path.dirname(self.path(p)), exist_ok=True)
        with open(self.path(p), "w") as f:
            f.write(text)
        os.chmod(self.path(p), mode)

    def system_files(self):
        """What a CentOS box has before our package: users with
        passwords (CentOS ids), the mail spool, name service files."""
        u = self.user
        self.write("/etc/passwd",
                   "root:x:0:0:root:/root:/bin/bash\n"
                   "bin:x:1:1:bin:/bin:/sbin/nologin\n"
                   "daemon:x:2:2:daemon:/sbin:/sbin/nologin\n"
                   "mail:x:8:12:mail:/var/spool/mail:/sbin/nologin\n"
                   "nobody:x:99:99:Nobody:/:/sbin/nologin\n"
                   "%s:x:1000:1000:%s:/home/%s:/bin/bash\n" % (u, u, u))
        self.write("/etc/shadow",
                   "root:*:19000:0:99999:7:::\n"
                   "bin:*:19000:0:99999:7:::\n"
                   "daemon:*:19000:0:99999:7:::\n"
                   "mail:*:19000:0:99999:7:::\n"
                   "nobody:*:19000:0:99999:7:::\n"
                   "%s:%s:19000:0:99999:7:::\n" %
                   (u, openssl_passwd(self.password)), 0o600)
        self.write("/etc/group",
                   "root:x:0:\nbin:x:1:\ndaemon:x:2:\nmail:x:12:\n"
                   "nobody:x:99:\nusers:x:100:\n%s:x:1000:\n" % u)
        self.write("/etc/gshadow",
                   "root:::\nbin:::\ndaemon:::\nmail:::\nnobody:::\n"
                   "users:::\n%s:!::\n" % u, 0o600)
        self.write("/etc/hosts", "127.0.0.1\tlocalhost localhost."
                   "localdomain\n%s\t%s %s\n" %
                   (self.ip, self.fqdn, self.fqdn.split(".")[0]))
        self.write("/etc/resolv.conf", "nameserver %s\n"
                   "options timeout:1 attempts:2\n" % DNS_IP)
        self.write("/etc/aliases", "postmaster:\troot\n"
                   "MAILER-DAEMON:\tpostmaster\nabuse:\troot\n")
        # CentOS's PAM stack for system users (authconfig's
        # password-auth, reduced to pam_unix on the test's /etc/shadow)
        self.write("/etc/pam.d/password-auth", "auth required pam_unix.so\n"
                   "account required pam_unix.so\n"
                   "session required pam_unix.so\n")
        # the dovecot package's PAM service went with that package; ours
        # must bring it (test_package_has_pam_service_dovecot)
        self.pam_shipped = os.path.exists(self.path("/etc/pam.d/dovecot"))
        for d, mode, uid, gid in (("/var/spool/mail", 0o775, 0, 12),
                                  ("/home", 0o755, 0, 0),
                                  ("/home/" + u, 0o700, 1000, 1000)):
            os.makedirs(self.path(d), exist_ok=True)
            os.chmod(self.path(d), mode)
            os.chown(self.path(d), uid, gid)
        if not os.path.lexists(self.path("/var/mail")):
            os.symlink("spool/mail", self.path("/var/mail"))
        os.makedirs(self.path("/var/log"), exist_ok=True)

    def enter(self, argv):
        return ["nsenter", "-t", str(self.ns.pid), "-n", "-m", "-u",
                "--"] + argv

    def sh(self, script, *args, **kw):
        """A shell script run as root inside the host."""
        return run(self.enter(["sh", "-ec", script, "sh"] + list(args)),
                   **kw)

    def as_user(self, argv, **kw):
        """argv run as the host's user, in their home, with a login
        environment."""
        env = {"HOME": "/home/" + self.user, "USER": self.user,
               "LOGNAME": self.user, "PATH": "/usr/bin:/bin:/usr/sbin",
               "LANG": "C"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        kw.setdefault("timeout", 60)
        return subprocess.run(self.enter(
            ["setpriv", "--reuid", self.user, "--regid", self.user,
             "--init-groups", "--", "sh", "-c", 'cd && exec "$@"', "sh"] +
            argv), env=env, capture_output=True, **kw)

    def client(self, *args, **kw):
        """CLIENT_PY run inside this host (from its address)."""
        p = run(self.enter([sys.executable, "-c", CLIENT_PY] +
                           [str(a) for a in args]), **kw)
        return json.loads(p.stdout) if p.stdout.strip() else None

    # ---- the administrator's steps

    def certificate(self, ca):
        """The tutorial's certificate: the admin makes a key and a request
        with openssl on the host; the test's CA (ca.crt in the folder
        `ca`, the CA the mail clients trust) signs it for the host name.
        Certificate and key go where CentOS's dovecot and the tutorial's
        sendmail.mc look for them, the CA where sendmail checks peers."""
        csr = self.sh("""
            umask 077
            mkdir -p /etc/pki/dovecot/private /etc/pki/dovecot/certs \
                /etc/pki/tls/certs
            openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$1" \
                -keyout /etc/pki/dovecot/private/dovecot.pem 2>/dev/null
            """, self.fqdn).stdout
        ext = os.path.join(ca, self.name + ".ext")
        with open(ext, "w") as f:
            f.write("subjectAltName = DNS:%s\n"
                    "basicConstraints = CA:FALSE\n"
                    "keyUsage = critical, digitalSignature, "
                    "keyEncipherment\n"
                    "extendedKeyUsage = serverAuth\n"
                    "subjectKeyIdentifier = hash\n"
                    "authorityKeyIdentifier = keyid\n" % self.fqdn)
        crt = run(["openssl", "x509", "-req", "-CA",
                   os.path.join(ca, "ca.crt"), "-CAkey",
                   os.path.join(ca, "ca.key"), "-CAcreateserial", "-days",
                   "30", "-extfile", ext], input=csr).stdout
        self.sh("""
            cat > /etc/pki/dovecot/certs/dovecot.pem
            cp "$1" /etc/pki/tls/certs/ca-bundle.crt
            chmod 0644 /etc/pki/dovecot/certs/dovecot.pem \
                /etc/pki/tls/certs/ca-bundle.crt
            umask 077
            cat /etc/pki/dovecot/certs/dovecot.pem \
                /etc/pki/dovecot/private/dovecot.pem \
                > /etc/pki/tls/certs/sendmail.pem
            """, os.path.join(ca, "ca.crt"), input=crt)

    def configure(self, mc_text, ca):
        self.sh("/usr/libexec/mailsys/postinst")
        self.certificate(ca)
        for old, new in MC_EDITS:
            assert mc_text.count(old + "\n") == 1, old
            mc_text = mc_text.replace(old + "\n", new + "\n")
        self.sh('cat > /etc/mail/sendmail.mc', input=mc_text.encode())
        self.sh("""
            cd /etc/mail
            m4 sendmail.mc > sendmail.cf
            echo "$1" >> local-host-names
            printf 'Connect:%s\\tRELAY\\n' "$2" >> access
            makemap hash access < access
            printf 'webmaster:\\t%s\\n' "$3" >> /etc/aliases
            newaliases
            """, self.domain, NET.rstrip("."), self.user)
        with open(self.path("/etc/mail/sendmail.cf")) as f:
            self.tutorial_cf = f.read()
        self.sh(r"""
            cd /etc/dovecot
            sed -i -e 's/^#protocols = imap pop3$/protocols = imap pop3/' \
                -e 's/^#listen = \*, ::$/listen = */' dovecot.conf
            cd conf.d
            sed -i 's/^#\(disable_plaintext_auth =\) yes$/\1 no/' \
                10-auth.conf
            sed -i 's|^\(mail_location =\) .*|\1 '\
'mbox:~/mail:INBOX=/var/mail/%u|' 10-mail.conf
            sed -i 's/^ssl = required$/ssl = yes/' 10-ssl.conf
            """)
        conf = self.sh("/usr/sbin/mailboxd -n").stdout.decode()
        for line in ("protocols = imap pop3", "listen = *",
                     "disable_plaintext_auth = no", "ssl = yes",
                     "mail_location = mbox:~/mail:INBOX=/var/mail/%u"):
            assert re.search("^%s$" % re.escape(line), conf, re.M), \
                (line, conf)

    def start(self, as_unit=False):
        """`sendmail -bd -q1m`, or as_unit: what `systemctl start
        sendmail` runs (sendmail.service's ExecStartPre lines, then
        sendmail-start with /etc/sysconfig/sendmail)."""
        if as_unit:
            self.sh("/etc/mail/make; /etc/mail/make aliases\n"
                    "rm -f /run/sendmail.pid\n"
                    "/usr/libexec/mailsys/sendmail-start mta")
        else:
            self.sh("rm -f /run/sendmail.pid; /usr/sbin/sendmail -bd -q1m")
        self.pid = wait_for("%s's sendmail.pid" % self.name, lambda: (
            self.pidfile()), 30)
        self.client("wait", self.ip, 25)

    def pidfile(self):
        p = subprocess.run(self.enter(["cat", "/run/sendmail.pid"]),
                           capture_output=True, text=True)
        first = p.stdout.split("\n")[0].strip()
        return int(first) if first.isdigit() else None

    def stop(self):
        if self.pid is not None:
            stop_daemon(self.pid)
        self.pid = None

    def close(self):
        # a daemon whose start was not seen through still wrote its PID
        self.pid = self.pid or self.pidfile()
        self.stop()
        stop_child(self.mailboxd)
        stop_child(self.saslauthd)
        stop_child(self.ns)

    def start_saslauthd(self):
        """The tutorial's `service saslauthd start`: saslauthd checks
        SMTP AUTH passwords against the shadow file, on the mux socket
        the installed Sendmail.conf (pwcheck_method: saslauthd) uses."""
        self.sh("mkdir -p -m 0755 /run/saslauthd")
        self.saslauthd = subprocess.Popen(
            self.enter(["/usr/sbin/saslauthd", "-d", "-n", "0", "-a",
                        "shadow", "-m", "/run/saslauthd"]),
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.dir, "saslauthd.err"), "wb"),
            # as it stops it signals its whole process group: its own
            start_new_session=True)
        for _ in range(100):
            if subprocess.run(self.enter(["test", "-S",
                                          "/run/saslauthd/mux"])
                              ).returncode == 0:
                return
            time.sleep(0.05)
        raise AssertionError("saslauthd did not start")

    def start_mailboxd(self):
        self.mailboxd = subprocess.Popen(
            self.enter(["/usr/sbin/mailboxd", "-F"]),
            stderr=open(os.path.join(self.dir, "mailboxd.err"), "wb"))
        self.client("wait", self.ip, 110, 143, 993, 995)

    def mbox(self, user):
        try:
            with open(self.path("/var/spool/mail/" + user), "rb") as f:
                return f.read().decode("latin-1")
        except FileNotFoundError:
            return ""

    def mailq(self):
        return run(self.enter(["/usr/bin/mailq"])).stdout.decode()

    def log(self):
        try:
            with open(self.maillog) as f:
                return f.read()
        except FileNotFoundError:
            return ""



class Outside:
    """A client namespace at OUTSIDE_IP, not in any access list, that
    finds the servers by name through the test's DNS (its own
    resolv.conf), as a mail client on someone's desk does."""

    def __init__(self, hub, top):
        self.ns = holder(["--net", "--mount", "--propagation", "private"])
        hub.attach(self.ns.pid, "outside")
        resolv = os.path.join(top, "outside-resolv.conf")
        with open(resolv, "w") as f:
            f.write("nameserver %s\noptions timeout:1 attempts:2\n" %
                    DNS_IP)
        run(self.enter(["sh", "-ec",
                        "ip link set lo up; ip addr add %s/24 dev eth0; "
                        "ip link set eth0 up; ip route add %s0/24 dev eth0;"
                        " mount --bind \"$1\" /etc/resolv.conf" %
                        (OUTSIDE_IP, NET), "sh", resolv]))

    def enter(self, argv):
        return ["nsenter", "-t", str(self.ns.pid), "-n", "-m", "--"] + argv

    def client(self, *args, **kw):
        p = run(self.enter([sys.executable, "-c", CLIENT_PY] +
                           [str(a) for a in args]), **kw)
        return json.loads(p.stdout) if p.stdout.strip() else None

    def close(self):
        stop_child(self.ns)


def make_ca(top):
    """The test's certificate authority, in top/ca: the one the
    tutorial's servers get their certificates from and the clients
    trust."""
    ca = os.path.join(top, "ca")
    os.makedirs(ca)
    with open(os.path.join(ca, "ca.cnf"), "w") as f:
        f.write("[req]\ndistinguished_name = dn\nx509_extensions = v3\n"
                "prompt = no\n[dn]\nO = Tutorial test\n"
                "CN = Tutorial test CA\n[v3]\n"
                "basicConstraints = critical, CA:TRUE\n"
                "keyUsage = critical, keyCertSign, cRLSign\n"
                "subjectKeyIdentifier = hash\n")
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
         "-days", "30", "-config", os.path.join(ca, "ca.cnf"),
         "-keyout", os.path.join(ca, "ca.key"),
         "-out", os.path.join(ca, "ca.crt")])
    return ca


@pytest.fixture(scope="module")
def world():
    top = tempfile.mkdtemp(prefix="e2e-tutorial.", dir="/tmp")
    os.chmod(top, 0o755)
    # the outside client has a name (so it is refused for relaying, not
    # for a failed PTR lookup, which sendmail words differently)
    records = ["--host-record=client.outside.test," + OUTSIDE_IP]
    for fqdn, ip, domain, _, _ in HOSTS.values():
        records += ["--host-record=%s,%s" % (fqdn, ip),
                    "--mx-host=%s,%s,10" % (domain, fqdn)]
    with open(shared_mc()) as f:
        mc = f.read()
    syslog = Syslog()
    hub = hosts = outside = None
    try:
        hub = Hub(top, [DNS_IP + "/24", OUTSIDE_NET + "1/24"],
                  ["test", "2.0.192.in-addr.arpa",
                   "100.51.198.in-addr.arpa"], records)
        hosts = {}
        for name in HOSTS:
            hosts[name] = Host(name, top, hub, syslog)
        syslog.start()
        outside = Outside(hub, top)
        ca = make_ca(top)
        for h in hosts.values():
            h.configure(mc, ca)
            # naver as systemd would start it, daum by hand
            h.start(as_unit=h.name == "naver")
            h.start_mailboxd()
            h.start_saslauthd()
        yield dict(hosts, outside=outside,
                   ca=os.path.join(ca, "ca.crt"))
    finally:
        for h in (hosts or {}).values():
            h.close()
        if outside:
            outside.close()
        if hub:
            hub.close()
        syslog.stop()
        if os.environ.get("KEEP_E2E"):
            print("left in", top)
        else:
            shutil.rmtree(top, ignore_errors=True)


def message(frm, to, subject, body="Hello from the tutorial.\n"):
    return "From: %s\nTo: %s\nSubject: %s\n\n%s" % (frm, to, subject, body)


def wait_mbox(host, user, t, timeout=DELIVERY):
    return wait_for("%s in %s's mbox on %s" % (t, user, host.name),
                    lambda: t in host.mbox(user), timeout)


def alice_sends(world, subject, wait=True):
    """alice on naver runs `sendmail -t -oi` for bob@daum.test (as a
    script would); waits for it in bob's mbox.  The subject's token."""
    t = token()
    p = world["naver"].as_user(
        ["/usr/sbin/sendmail", "-t", "-oi"],
        input=message("alice@naver.test", "bob@daum.test",
                      "%s %s" % (subject, t)).encode())
    assert p.returncode == 0, p
    if wait:
        wait_mbox(world["daum"], "bob", t)
    return t


# ---------------------------------------------------------------- cases


def test_cf_as_the_tutorial_makes_it(world):
    n = world["naver"]
    with open(n.path("/etc/mail/sendmail.cf")) as f:
        cf = f.read()
    daemons = re.findall(r"^O DaemonPortOptions=(.*)$", cf, re.M)
    assert daemons == ["Port=smtp, Name=MTA",
                       "Port=submission, Name=MSA, M=Ea"], daemons
    assert not [d for d in daemons if "Addr=127.0.0.1" in d]
    assert re.search(r"^O AuthMechanisms=EXTERNAL GSSAPI DIGEST-MD5 "
                     r"CRAM-MD5 LOGIN PLAIN$", cf, re.M)
    assert re.search(r"^C\{TrustAuthMech\}EXTERNAL DIGEST-MD5 CRAM-MD5 "
                     r"LOGIN PLAIN$", cf, re.M)
    dump = run(n.enter(["makemap", "-u", "hash",
                        "/etc/mail/access"])).stdout.decode()
    assert "connect:192.0.2\tRELAY" in dump.splitlines()
    assert os.stat(n.path("/usr/sbin/sendmail.sendmail")).st_mode & 0o2000
    # sendmail.service's /etc/mail/make left the tutorial's cf alone
    assert cf == n.tutorial_cf
    p = run(n.enter(["ps", "-o", "args=", "-p", str(n.pid)]))
    assert p.stdout.decode().split() == ["/usr/sbin/sendmail", "-bd",
                                         "-q1h"], p.stdout
    # the daemon listens on every address, the MSA too
    ss = run(n.enter(["ss", "-ltn"])).stdout.decode() \
        if shutil.which("ss") else ""
    if ss:
        assert re.search(r"(0\.0\.0\.0|\*):25\b", ss), ss
        assert re.search(r"(0\.0\.0\.0|\*):587\b", ss), ss


def test_sendmail_t_oi_reaches_bob_over_pop3(world):
    d = world["daum"]
    t = alice_sends(world, "hello bob")
    got = world["outside"].client("pop3", d.ip, "bob", d.password,
                                  t)["msgs"]
    assert len(got) == 1, got
    m = got[0]
    assert "Subject: hello bob " + t in m
    # the MSP qualifies a bare user with the host name ($j): no
    # masquerading in the tutorial's mc
    assert re.search(r"^Return-Path: <alice@mail\.naver\.test>$", m,
                     re.M), m
    assert re.search(r"^From: alice@naver\.test$", m, re.M), m
    assert "by mail.daum.test" in m and "from mail.naver.test" in m, m


def test_bob_reads_it_over_imap(world):
    d = world["daum"]
    t = alice_sends(world, "for imap")
    got = world["outside"].client("imap", d.ip, "bob", d.password,
                                  t)["msgs"]
    assert len(got) == 1, got
    assert "Subject: for imap " + t in got[0]


def test_wrong_password_is_refused(world):
    d = world["daum"]
    p = subprocess.run(
        world["outside"].enter([sys.executable, "-c", CLIENT_PY, "pop3",
                                d.ip, "bob", "nope", "x"]),
        capture_output=True, timeout=60)
    assert p.returncode != 0 and b"-ERR" in p.stderr, p


@pytest.mark.skipif(SNAIL is None, reason="no s-nail (make deps)")
def test_mail_command_reaches_bob(world):
    n, d = world["naver"], world["daum"]
    t = token()
    p = n.as_user([SNAIL, "-n", "-s", "via mail " + t, "bob@daum.test"],
                  input=b"Sent with mail(1).\n")
    assert p.returncode == 0, p
    wait_mbox(d, "bob", t)
    got = world["outside"].client("pop3", d.ip, "bob", d.password,
                                  t)["msgs"]
    assert len(got) == 1, got
    assert re.search(r"^From: alice <alice@mail\.naver\.test>$", got[0],
                     re.M), got[0]


def test_bob_replies_over_smtp(world):
    n, d = world["naver"], world["daum"]
    t = token()
    # bob's mail client sits in daum's network (192.0.2, RELAY in access)
    # and sends through daum, which hands the reply to naver's MX
    res = d.client("smtp", d.ip, 25, "bob@daum.test", "alice@naver.test",
                   input=message("bob@daum.test", "alice@naver.test",
                                 "Re: hello bob " + t).encode())
    assert res["rcpt"][0] == 250, res
    assert res["data"][0] == 250, res
    wait_mbox(n, "alice", t)
    got = world["outside"].client("imap", n.ip, "alice", n.password,
                                  t)["msgs"]
    assert len(got) == 1 and "Re: hello bob " + t in got[0], got


def test_outside_relay_is_denied(world):
    n = world["naver"]
    res = world["outside"].client("smtp", n.ip, 25, "x@outside.test",
                                  "x@elsewhere.test", input=b"")
    # sendmail's words once TRUST_AUTH_MECH or confAUTH_MECHANISMS is on
    # (the tutorial turns both on); "Relaying denied" alone without them
    assert res["rcpt"] == [550, "5.7.1 <x@elsewhere.test>... Relaying "
                           "denied. Proper authentication required."], res


def from_outside(world, host, rcpt, user, subject):
    """friend@outside.test sends to rcpt at host over SMTP; waits for it
    in user's mbox there."""
    t = token()
    res = world["outside"].client(
        "smtp", host.ip, 25, "friend@outside.test", rcpt,
        input=message("friend@outside.test", rcpt,
                      "%s %s" % (subject, t)).encode())
    assert res["rcpt"][0] == 250 and res["data"][0] == 250, res
    wait_mbox(host, user, t)


def test_outside_mail_for_the_domain_is_taken(world):
    from_outside(world, world["naver"], "alice@naver.test", "alice",
                 "from outside")


def test_alias_added_with_newaliases(world):
    """webmaster: bob, appended to /etc/aliases before newaliases."""
    from_outside(world, world["daum"], "webmaster@daum.test", "bob",
                 "to the webmaster")


def test_mailq_empty_then_queued_while_daum_is_down(world):
    n, d = world["naver"], world["daum"]
    wait_for("naver's queue empty", lambda: "is empty" in n.mailq(), 30)
    assert re.search(r"/var/spool/mqueue is empty\n\s+Total requests: 0",
                     n.mailq())
    d.stop()
    try:
        t = alice_sends(world, "while down", wait=False)
        q = wait_for("the deferred message in mailq", lambda: (
            lambda out: out if "Connection refused" in out else None)(
                n.mailq()), DELIVERY)
        assert re.search(r"^\w{14}\s+\d+ \w{3} \w{3} [ \d]\d \d\d:\d\d "
                         r"<alice@mail\.naver\.test>$", q, re.M), q
        assert re.search(r"\(Deferred: Connection refused by "
                         r"mail\.daum\.test\.?\)", q), q
        assert re.search(r"^\s+<bob@daum\.test>$", q, re.M), q
        assert "Total requests: 1" in q, q
        # no address was reached: "relay=NAME", no " []"
        wait_for("the deferral in naver's maillog", lambda: re.search(
            r"to=<bob@daum\.test>, .*mailer=esmtp, .*"
            r"relay=mail\.daum\.test\.?, dsn=4\.\d\.\d, "
            r"stat=Deferred: Connection refused by mail\.daum\.test\.?$",
            n.log(), re.M), 10)
    finally:
        d.start()
    run(n.enter(["/usr/sbin/sendmail", "-q"]), timeout=60)
    wait_mbox(d, "bob", t)
    wait_for("naver's queue empty again", lambda: "is empty" in n.mailq(),
             30)


def test_maillog_has_from_to_stat_sent(world):
    n, d = world["naver"], world["daum"]
    alice_sends(world, "logged")
    log = wait_for("naver's relay to daum in the maillog", lambda: (
        lambda s: s if re.search(r"to=<bob@daum\.test>.*relay=mail\.daum"
                                 r"\.test\.? \[192\.0\.2\.20\].*stat=Sent",
                                 s) else None)(n.log()), 30)
    line = r"^\w{3} [ \d]\d \d\d:\d\d:\d\d %s sendmail\[\d+\]: \w{14}: "
    assert re.search((line % "mail") + r"from=<alice@mail\.naver\.test>, "
                     r"size=\d+, class=0, nrcpts=1", log, re.M), log
    dlog = wait_for("daum's local delivery in the maillog", lambda: (
        lambda s: s if re.search(r"to=<bob@daum\.test>.*mailer=local.*"
                                 r"stat=Sent", s) else None)(d.log()), 30)
    assert re.search((line % "mail") + r"from=<alice@mail\.naver\.test>, .*"
                     r"relay=mail\.naver\.test \[192\.0\.2\.10\]", dlog,
                     re.M), dlog


def test_maillog_mailboxd_lines_are_tagged_dovecot(world):
    """fail2ban's dovecot filter and logwatch's dovecot service go by
    the tag: every line of mailboxd, its sessions' too, says dovecot."""
    d = world["daum"]
    t = alice_sends(world, "tagged")
    assert len(world["outside"].client("pop3", d.ip, "bob", d.password,
                                       t)["msgs"]) == 1
    log = wait_for("bob's POP3 logout in the maillog", lambda: (
        lambda s: s if re.search(r"pop3\(bob\).*Disconnected", s)
        else None)(d.log()), 30)
    assert re.search(r"^\w{3} [ \d]\d \d\d:\d\d:\d\d mail dovecot\[\d+\]: "
                     r"pop3-login: Login: user=<bob>, method=\w+, "
                     r"rip=198\.51\.100\.99, lip=192\.0\.2\.20", log,
                     re.M), log
    stray = [l for l in log.splitlines()
             if re.search(r" sendmail\[\d+\]: (imap|pop3)\b", l)]
    assert stray == []


def test_package_has_pam_service_dovecot(world):
    """dovecot.conf's passdb is PAM with service dovecot; CentOS's
    /etc/pam.d/dovecot belongs to the dovecot package the administrator
    removed, and without it PAM falls back to 'other' (pam_deny on
    CentOS): no IMAP or POP3 login at all."""
    assert world["naver"].pam_shipped


def test_auth_submission_on_587_relays(world):
    """alice's mail client from outside: the submission port by name,
    STARTTLS with the certificate checked against the CA and the host
    name, AUTH, a relay to daum."""
    n, d = world["naver"], world["daum"]
    t = token()
    res = world["outside"].client(
        "smtp", n.fqdn, 587, "alice@naver.test", "bob@daum.test", "alice",
        n.password, world["ca"],
        input=message("alice@naver.test", "bob@daum.test",
                      "authenticated " + t).encode())
    assert res["tls"] in ("TLSv1.2", "TLSv1.3"), res
    assert "PLAIN" in res["auth"].split(), res
    assert res["rcpt"][0] == 250 and res["data"][0] == 250, res
    wait_mbox(d, "bob", t)


# ---- TLS on the reading side, with the tutorial's ssl = yes: the
# certificate is the one the admin had the CA sign; the clients verify it
# against that CA and the host name they were given, as Thunderbird does

@pytest.fixture(scope="module")
def for_tls(world):
    """one message from alice for bob to read four ways"""
    return alice_sends(world, "to read over TLS")


@pytest.mark.parametrize("proto,how", [
    ("imap", "tls"),            # IMAPS, 993
    ("pop3", "tls"),            # POP3S, 995
    ("imap", "starttls"),       # 143, STARTTLS
    ("pop3", "starttls"),       # 110, STLS
])
def test_bob_reads_over_tls(world, for_tls, proto, how):
    d = world["daum"]
    got = world["outside"].client(proto, d.fqdn, "bob", d.password,
                                  for_tls, how, world["ca"])
    assert got["tls"] in ("TLSv1.2", "TLSv1.3"), got
    assert len(got["msgs"]) == 1, got
    assert "Subject: to read over TLS " + for_tls in got["msgs"][0]
    if how == "starttls":
        # offered in the clear; passwords too, as ssl = yes with the
        # tutorial's disable_plaintext_auth = no allows
        caps = [c.upper() for c in got["caps"]]
        assert ("STARTTLS" if proto == "imap" else "STLS") in caps, caps
        assert "LOGINDISABLED" not in caps, caps


CHECK_PY = r"""
import socket, ssl, sys
ca, ip, name = sys.argv[1:]
c = ssl.create_default_context(cafile=ca or None)
s = socket.create_connection((ip, 993), 30)
c.wrap_socket(s, server_hostname=name)
"""


@pytest.mark.parametrize("why", ["name", "ca"])
def test_tls_client_refuses_a_wrong_certificate(world, why):
    """The checks above can fail: daum's certificate, expected under
    naver's name, or without the test's CA among the trusted ones (the
    system's CAs only), is refused by the client."""
    d, o = world["daum"], world["outside"]
    ca, name = (world["ca"], "mail.naver.test") if why == "name" else \
        ("", d.fqdn)
    p = subprocess.run(o.enter([sys.executable, "-c", CHECK_PY, ca, d.ip,
                                name]), capture_output=True, timeout=60)
    assert p.returncode != 0, p
    assert b"CERTIFICATE_VERIFY_FAILED" in p.stderr, p.stderr
    want = b"Hostname mismatch" if why == "name" else \
        b"unable to get local issuer certificate"
    assert want in p.stderr, p.stderr


# the admin tightens daum's dovecot.conf: (file in conf.d, the tutorial's
# line, the stricter one)
STRICT = {
    "ssl-required": ("10-ssl.conf", "ssl = yes", "ssl = required"),
    "no-plaintext": ("10-auth.conf", "disable_plaintext_auth = no",
                     "disable_plaintext_auth = yes"),
}


@pytest.mark.parametrize("how", sorted(STRICT))
def test_cleartext_password_refused_before_starttls(world, how):
    """With ssl = required, or disable_plaintext_auth = yes, a password
    sent on 143 or 110 before STARTTLS / STLS gets dovecot's refusal;
    after it, the login goes through."""
    d = world["daum"]
    f, old, new = STRICT[how]

    def edit(a, b):
        stop_child(d.mailboxd)
        d.sh("sed -i 's/^%s$/%s/' /etc/dovecot/conf.d/%s" % (a, b, f))
        assert re.search("^%s$" % re.escape(b), d.sh(
            "/usr/sbin/mailboxd -n").stdout.decode(), re.M)
        d.start_mailboxd()

    edit(old, new)
    try:
        im = world["outside"].client("cleartext", d.fqdn, "imap", "bob",
                                     d.password, world["ca"])
        po = world["outside"].client("cleartext", d.fqdn, "pop3", "bob",
                                     d.password, world["ca"])
    finally:
        edit(new, old)
    assert re.match(r"\* OK \[CAPABILITY [^]]* STARTTLS LOGINDISABLED\]",
                    im["greeting"]), im
    assert im["before"] == [
        "* BAD [ALERT] Plaintext authentication not allowed without "
        "SSL/TLS, but your client did it anyway. If anyone was listening, "
        "the password was exposed.",
        "a NO [PRIVACYREQUIRED] Plaintext authentication disallowed on "
        "non-secure (SSL/TLS) connections."], im
    assert im["stls"][-1].startswith("b OK "), im
    assert re.match(r"c OK .*Logged in", im["after"][-1]), im
    assert po["before"] == ["-ERR [AUTH] Plaintext authentication "
                            "disallowed on non-secure (SSL/TLS) "
                            "connections."], po
    assert po["stls"][0].startswith("+OK"), po
    assert po["after"][0].startswith("+OK"), po
    assert po["after"][1] == "+OK Logged in.", po
