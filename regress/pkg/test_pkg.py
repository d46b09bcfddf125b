"""The packages: `make deb` (dpkg-buildpackage) and `make rpm` (rpmbuild on
dist/rpm/mailsys.spec), each from the tree's tarball.  Run by
`make check-pkg`, not by `make check` (it builds twice and makes a Debian
root).

Checked: the .deb's contents, modes and relations (dpkg-deb); the RPM's
file list with modes and owners, config and ghost files, relations and
scripts (rpm -qp); then the .deb installed with dpkg -i into a copy of a
debootstrap'd bookworm root (regress/pkg/mkroot.sh, cached), inside a
chroot in new mount, UTS and network namespaces: users, statoverrides,
modes, enabled units, the maps its postinst built; sendmail -bt with the
installed cf, newaliases, makemap hash access < access, make -C /etc/mail,
a message submitted by an unprivileged user through the set-group-id
sendmail into /var/spool/clientmqueue; then dpkg -r and dpkg -P, after
which only what the purge keeps on purpose is left.  The RPM likewise with
rpm --root --nodeps -i and -e in another copy: CentOS's user ids, modes,
the mta alternative's links, sendmail -bt, a clean erase.
"""

import os
import re
import shutil
import stat
import subprocess

import pytest

from pkgroot import HOST, REPO, make, new_root, snapshot, version


@pytest.fixture(scope="module")
def rpmfile():
    if shutil.which("rpmbuild") is None:
        pytest.skip("no rpmbuild (make pkg-deps)")
    make("rpm")
    d = os.path.join(REPO, "obj/pkg/rpm/RPMS")
    found = [os.path.join(dp, f) for dp, _, fs in os.walk(d) for f in fs
             if re.match(r"mailsys-%s-.*\.rpm$" % re.escape(version()), f)]
    assert len(found) == 1, found
    return found[0]


def test_versions_agree():
    v = version()
    with open(os.path.join(REPO, "debian/changelog")) as f:
        assert f.readline().startswith("mailsys (%s)" % v)
    with open(os.path.join(REPO, "dist/rpm/mailsys.spec")) as f:
        assert re.search(r"^Version:\s+%s$" % re.escape(v), f.read(), re.M)


# ---- the .deb as built

def deb_listing(path):
    """{path: (mode string, owner/group, link target or None)}"""
    out = subprocess.run(["dpkg-deb", "-c", path], capture_output=True,
                         text=True, check=True).stdout
    files = {}
    for line in out.splitlines():
        f = line.split()
        name = f[5].lstrip(".").rstrip("/") or "/"
        files[name] = (f[0], f[1], f[7] if len(f) > 7 else None)
    return files


def deb_field(path, name):
    return subprocess.run(["dpkg-deb", "-f", path, name],
                          capture_output=True, text=True,
                          check=True).stdout.strip()


def test_deb_contents(deb):
    files = deb_listing(deb)
    # every file root-owned: the target's ids come from the postinst
    assert {o for _, o, _ in files.values()} == {"root/root"}
    assert files["/usr/sbin/sendmail.sendmail"][0] == "-rwxr-xr-x"
    assert files["/var/spool/mqueue"][0] == "drwx------"
    assert files["/var/spool/clientmqueue"][0] == "drwxrwx---"
    for link, target in (("/usr/sbin/sendmail", "sendmail.sendmail"),
                         ("/usr/lib/sendmail", "sendmail.sendmail"),
                         ("/usr/bin/mailq", "mailq.sendmail"),
                         ("/usr/bin/newaliases", "newaliases.sendmail"),
                         ("/usr/bin/hoststat", "../sbin/sendmail.sendmail"),
                         ("/usr/bin/makemap", "../sbin/makemap")):
        assert files[link][0].startswith("l"), link
        assert files[link][2] == target, link
    for prog in ("makemap", "editmap", "praliases", "mailstats", "smrsh",
                 "mail.local", "mailboxd"):
        assert files["/usr/sbin/" + prog][0] == "-rwxr-xr-x", prog
    for unit in ("sendmail", "sm-client", "dovecot"):
        assert "/lib/systemd/system/%s.service" % unit in files
    assert "/usr/share/sendmail-cf/m4/cf.m4" in files
    assert "/etc/logrotate.d/mailboxd" in files
    assert "/usr/share/doc/mailsys/copyright" in files
    # made by the postinst instead, so an upgrade does not empty it
    assert "/var/log/mail/statistics" not in files
    assert not [f for f in files if f.endswith(".db")]


def test_deb_control(deb):
    conffiles = subprocess.run(
        ["dpkg-deb", "--info", deb, "conffiles"], capture_output=True,
        text=True, check=True).stdout.split()
    for f in ("/etc/mail/sendmail.mc", "/etc/mail/sendmail.cf",
              "/etc/mail/submit.cf", "/etc/mail/access", "/etc/mail/make",
              "/etc/dovecot/dovecot.conf", "/etc/sysconfig/sendmail",
              "/etc/logrotate.d/mailboxd"):
        assert f in conffiles, f
    provides = deb_field(deb, "Provides")
    conflicts = deb_field(deb, "Conflicts")
    for p in ("mail-transport-agent", "sendmail-bin", "sendmail-cf"):
        assert p in provides and p in conflicts, p
    for p in ("dovecot-core", "dovecot-imapd", "dovecot-pop3d",
              "sendmail-base"):
        assert p in conflicts, p
    depends = deb_field(deb, "Depends")
    for p in ("adduser", "m4", "make", "netbase", "libdb5.3", "libssl3"):
        assert p in depends, p


# ---- the .rpm as built

def rpmq(path, *args):
    return subprocess.run(["rpm", "-qp"] + list(args) + [path],
                          capture_output=True, text=True,
                          check=True).stdout


def test_rpm_files(rpmfile):
    files = {}
    for line in rpmq(rpmfile, "-lv").splitlines():
        f = line.split()
        files[f[8]] = (f[0], f[2], f[3])
    assert files["/usr/sbin/sendmail.sendmail"] == \
        ("-rwxr-sr-x", "root", "smmsp")
    assert files["/var/spool/mqueue"] == ("drwx------", "root", "mail")
    assert files["/var/spool/clientmqueue"] == \
        ("drwxrwx---", "smmsp", "smmsp")
    for prog in ("makemap", "editmap", "praliases", "mailstats", "smrsh",
                 "mail.local", "mailboxd"):
        assert files["/usr/sbin/" + prog][0] == "-rwxr-xr-x", prog
    assert "/usr/share/sendmail-cf/m4/cf.m4" in files
    for unit in ("sendmail", "sm-client", "dovecot"):
        assert "/usr/lib/systemd/system/%s.service" % unit in files
    # the names the mta alternative makes are ghosts
    flags = {}
    for line in rpmq(rpmfile, "--qf",
                     "[%{FILENAMES} %{FILEFLAGS:fflags}\n]").splitlines():
        name, _, fl = line.partition(" ")
        flags[name] = fl
    man = "/usr/share/man/"
    for g in ("/usr/sbin/sendmail", "/usr/lib/sendmail", "/usr/bin/mailq",
              "/usr/bin/newaliases", "/etc/mail/access.db",
              man + "man8/sendmail.8.gz", man + "man1/mailq.1.gz",
              man + "man1/newaliases.1.gz", man + "man5/aliases.5.gz"):
        assert "g" in flags[g], g
    # their pages are the alternative's targets, as CentOS names them
    for f in ("man8/sendmail.sendmail.8.gz", "man1/mailq.sendmail.1.gz",
              "man1/newaliases.sendmail.1.gz", "man5/aliases.sendmail.5.gz"):
        assert "g" not in flags[man + f], f
    config = rpmq(rpmfile, "-c").split()
    for f in ("/etc/mail/sendmail.mc", "/etc/mail/submit.mc",
              "/etc/mail/sendmail.cf", "/etc/mail/access",
              "/etc/mail/local-host-names", "/etc/mail/Makefile",
              "/etc/dovecot/dovecot.conf",
              "/etc/dovecot/conf.d/10-auth.conf",
              "/etc/sysconfig/sendmail", "/etc/logrotate.d/mailboxd"):
        assert f in config, f
        assert "n" in flags[f], f  # noreplace


def test_rpm_relations_and_scripts(rpmfile):
    provides = rpmq(rpmfile, "--provides").split("\n")
    for p in ("MTA", "smtpdaemon", "server(smtp)"):
        assert p in provides, p
    names = {p.split()[0] for p in provides if p}
    assert {"sendmail", "sendmail-cf", "dovecot"} <= names
    conflicts = {c.split()[0] for c in rpmq(rpmfile, "--conflicts").split()}
    assert {"sendmail", "sendmail-cf", "dovecot"} <= conflicts
    scripts = rpmq(rpmfile, "--scripts")
    pre = scripts[scripts.index("preinstall"):scripts.index("postinstall")]
    assert re.search(r"groupadd -r -g 51 smmsp", pre)
    assert re.search(r"useradd -r -u 47 -g mailnull", pre)
    assert "/usr/libexec/mailsys/postinst" in scripts
    assert "systemctl --no-reload preset" in scripts
    assert "$ALT --remove mta /usr/sbin/sendmail.sendmail" in scripts


# ---- the .deb installed in a Debian root

# what removing a package leaves on purpose: the users, the aliases shared
# with the next MTA, mailboxd's certificate, queued mail; and what the
# test itself wrote into the root
KEPT = re.compile(
    r"^(/etc/(passwd|group|shadow|gshadow)-?"
    r"|/etc/aliases(\.db)?"
    r"|/etc/pki(/dovecot(/(certs|private)(/dovecot\.pem)?)?)?"
    r"|/var/spool/(mqueue|clientmqueue)(/[dq]f\w+)?"
    r"|/etc/hosts|/etc/resolv\.conf|/usr/sbin/policy-rc\.d)$")


@pytest.fixture(scope="module")
def root(deb):
    rt = new_root()
    shutil.copy(deb, rt.p("/tmp/mailsys.deb"))
    rt.install = rt.run("dpkg -i /tmp/mailsys.deb")
    yield rt
    shutil.rmtree(rt.path)


def test_dpkg_install(root):
    r = root.install
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Setting up mailsys" in r.stdout


def test_users_and_modes(root):
    users, groups = root.ids("passwd"), root.ids("group")
    with open(root.p("/etc/passwd")) as f:
        pw = {l.split(":")[0]: l.strip().split(":") for l in f}
    for u in ("smmsp", "mailnull"):
        assert u in users and u in groups, u
        assert users[u] < 1000, u
        assert pw[u][5] == "/var/spool/mqueue"
        assert pw[u][6].endswith("nologin")
    st = os.stat(root.p("/usr/sbin/sendmail.sendmail"))
    assert stat.S_IMODE(st.st_mode) == 0o2755
    assert (st.st_uid, st.st_gid) == (0, groups["smmsp"])
    st = os.stat(root.p("/var/spool/mqueue"))
    assert stat.S_IMODE(st.st_mode) == 0o700
    assert (st.st_uid, st.st_gid) == (0, groups["mail"])
    st = os.stat(root.p("/var/spool/clientmqueue"))
    assert stat.S_IMODE(st.st_mode) == 0o770
    assert (st.st_uid, st.st_gid) == (users["smmsp"], groups["smmsp"])
    r = root.run("dpkg-statoverride --list")
    assert sorted(r.stdout.splitlines()) == sorted([
        "root smmsp 2755 /usr/sbin/sendmail.sendmail",
        "root mail 700 /var/spool/mqueue",
        "smmsp smmsp 770 /var/spool/clientmqueue"])


def test_postinst_made(root):
    for m in ("access", "virtusertable", "mailertable", "domaintable"):
        assert os.path.isfile(root.p("/etc/mail/%s.db" % m)), m
    assert os.path.isfile(root.p("/etc/aliases"))
    assert os.path.isfile(root.p("/etc/aliases.db"))
    assert os.path.isfile(root.p("/var/log/mail/statistics"))
    # the units are enabled the Debian way, mailboxd.service as an alias
    wants = root.p("/etc/systemd/system/multi-user.target.wants")
    for u in ("sendmail.service", "sm-client.service", "dovecot.service"):
        assert os.path.islink(os.path.join(wants, u)), u
    assert os.readlink(root.p("/etc/systemd/system/mailboxd.service")) == \
        "/lib/systemd/system/dovecot.service"


def test_sendmail_bt(root):
    r = root.run("sendmail -bt", stdin="3,0 root\n3,0 joe@example.org\n"
                 "$j\n")
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"^parse\s+returns: \$# local .*\$: root$",
                     r.stdout, re.M), r.stdout
    assert re.search(r"^parse\s+returns: \$# esmtp \$@ example \. org ",
                     r.stdout, re.M), r.stdout
    assert "> " + HOST in r.stdout
    assert "line " not in r.stderr


def test_newaliases(root):
    with open(root.p("/etc/aliases"), "a") as f:
        f.write("joe:\troot\n")
    r = root.run("newaliases && praliases joe")
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"^/etc/aliases: \d+ aliases", r.stdout, re.M)
    assert "joe:root" in r.stdout


@pytest.mark.parametrize("how,name,line", [
    # by hand, as the CentOS tutorials say
    ("makemap hash access < access", "access", "Connect:192.0.2.9\tREJECT"),
    # through /etc/mail's Makefile, as sendmail.service does
    ("sleep 1 && make -C /etc/mail", "virtusertable",
     "info@example.org\troot"),
])
def test_map_rebuilt(root, how, name, line):
    r = root.run("cd /etc/mail && printf '%%s\\n' '%s' >> %s && %s && "
                 "makemap -u hash %s" % (line, name, how, name))
    assert r.returncode == 0, r.stdout + r.stderr
    key, value = line.split("\t")
    if name == "access":
        key = key.lower()
    assert key + "\t" + value in r.stdout.splitlines()


def test_user_submits_through_setgid_sendmail(root):
    """an ordinary user's message lands in the client queue, which only
    smmsp's group can enter: the set-group-id bit at work"""
    r = root.run("/usr/sbin/sendmail -odq -t -oi", user="nobody",
                 stdin="To: root\nSubject: from nobody\n\nhello\n")
    assert r.returncode == 0, r.stdout + r.stderr
    q = root.p("/var/spool/clientmqueue")
    qf = [f for f in os.listdir(q) if f.startswith("qf")]
    assert len(qf) == 1, os.listdir(q)
    r = root.run("mailq -Ac")
    assert "Total requests: 1" in r.stdout, r.stdout
    assert "root" in r.stdout


def test_mailboxd_config(root):
    """mailboxd accepts the installed dovecot.conf, whose ssl = required
    wants the certificate the postinst made"""
    r = root.run("mailboxd -n")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ssl = required" in r.stdout
    for pem in ("certs", "private"):
        assert os.path.isfile(root.p("/etc/pki/dovecot/%s/dovecot.pem" %
                                     pem)), pem
    assert stat.S_IMODE(os.stat(root.p(
        "/etc/pki/dovecot/private/dovecot.pem")).st_mode) == 0o600


def test_reinstall_keeps_config(root):
    """dpkg -i again: the edited access stays, the owners and modes too"""
    r = root.run("dpkg -i /tmp/mailsys.deb")
    assert r.returncode == 0, r.stdout + r.stderr
    with open(root.p("/etc/mail/access")) as f:
        assert "192.0.2.9" in f.read()
    assert not os.path.exists(root.p("/etc/mail/access.dpkg-new"))
    st = os.stat(root.p("/usr/sbin/sendmail.sendmail"))
    assert stat.S_IMODE(st.st_mode) == 0o2755
    assert st.st_gid == root.ids("group")["smmsp"]


def test_remove_then_purge(root):
    r = root.run("dpkg -r mailsys")
    assert r.returncode == 0, r.stdout + r.stderr
    for f in ("/usr/sbin/sendmail.sendmail", "/usr/sbin/sendmail",
              "/usr/bin/mailq", "/usr/share/sendmail-cf"):
        assert not os.path.lexists(root.p(f)), f
    # remove keeps the configuration and says a message is still queued
    assert os.path.isfile(root.p("/etc/mail/sendmail.mc"))
    assert "1 message(s) stay queued" in r.stderr
    r = root.run("dpkg -P mailsys")
    assert r.returncode == 0, r.stdout + r.stderr
    r = root.run("dpkg-statoverride --list; dpkg -s mailsys")
    assert r.stdout.strip() == "" or "not installed" in r.stderr, r.stdout
    assert "mailsys" not in r.stdout
    left = snapshot(root.path) - root.before
    assert sorted(f for f in left if not KEPT.match(f)) == []
    for gone in ("/etc/mail", "/etc/dovecot", "/etc/sysconfig",
                 "/etc/logrotate.d/mailboxd", "/var/log/mail",
                 "/etc/systemd/system/mailboxd.service",
                 "/etc/systemd/system/multi-user.target.wants/"
                 "sendmail.service"):
        assert not os.path.lexists(root.p(gone)), gone


# ---- the .rpm installed in the same kind of root (rpm --nodeps: Debian's
# rpm database knows none of the EL packages it requires)

@pytest.fixture(scope="module")
def rpmroot(rpmfile):
    rt = new_root()
    shutil.copy(rpmfile, rt.p("/tmp/mailsys.rpm"))
    yield rt
    shutil.rmtree(rt.path)


def rpm_in(rt, *args):
    return rt.run_outside(["rpm", "--root", rt.path, "--nodeps"] +
                          list(args))


def test_rpm_install_and_erase(rpmroot):
    rt = rpmroot
    r = rpm_in(rt, "-i", rt.p("/tmp/mailsys.rpm"))
    assert r.returncode == 0, r.stdout + r.stderr
    # %pre: CentOS's ids, free in a Debian root
    assert rt.ids("passwd")["smmsp"] == 51
    assert rt.ids("passwd")["mailnull"] == 47
    st = os.stat(rt.p("/usr/sbin/sendmail.sendmail"))
    assert stat.S_IMODE(st.st_mode) == 0o2755 and st.st_gid == 51
    st = os.stat(rt.p("/var/spool/clientmqueue"))
    assert stat.S_IMODE(st.st_mode) == 0o770
    assert (st.st_uid, st.st_gid) == (51, 51)
    st = os.stat(rt.p("/var/spool/mqueue"))
    assert stat.S_IMODE(st.st_mode) == 0o700
    assert st.st_gid == rt.ids("group")["mail"]
    # %post: the mta alternative made the ghost names
    for link, alt, target in (
            ("/usr/sbin/sendmail", "mta", "/usr/sbin/sendmail.sendmail"),
            ("/usr/bin/mailq", "mta-mailq", "/usr/bin/mailq.sendmail"),
            ("/usr/bin/newaliases", "mta-newaliases",
             "/usr/bin/newaliases.sendmail"),
            ("/usr/lib/sendmail", "mta-sendmail",
             "/usr/lib/sendmail.sendmail"),
            ("/etc/pam.d/smtp", "mta-pam", "/etc/pam.d/smtp.sendmail"),
            ("/usr/share/man/man8/sendmail.8.gz", "mta-sendmailman",
             "/usr/share/man/man8/sendmail.sendmail.8.gz"),
            ("/usr/share/man/man5/aliases.5.gz", "mta-aliasesman",
             "/usr/share/man/man5/aliases.sendmail.5.gz")):
        assert os.readlink(rt.p(link)) == "/etc/alternatives/" + alt
        assert os.readlink(rt.p("/etc/alternatives/" + alt)) == target
    assert os.path.isfile(rt.p("/etc/mail/access.db"))
    r = rt.run("sendmail -bt", stdin="3,0 root\n")
    assert re.search(r"^parse\s+returns: \$# local .*\$: root$",
                     r.stdout, re.M), r.stdout + r.stderr
    r = rpm_in(rt, "-e", "mailsys")
    assert r.returncode == 0, r.stdout + r.stderr
    # these folders belong to EL's filesystem package, not to us; rpm
    # keeps its database in root's home on Debian
    left = {f for f in snapshot(rt.path) - rt.before
            if f not in ("/etc/sysconfig", "/usr/share/licenses") and
            not f.startswith("/root/.rpmdb")}
    assert sorted(f for f in left if not KEPT.match(f)) == []
    for gone in ("/etc/mail", "/usr/sbin/sendmail", "/usr/bin/mailq",
                 "/etc/alternatives/mta", "/usr/share/sendmail-cf",
                 "/etc/pam.d/smtp", "/etc/pam.d/smtp.sendmail",
                 "/usr/share/man/man8/sendmail.8.gz"):
        assert not os.path.lexists(rt.p(gone)), gone
