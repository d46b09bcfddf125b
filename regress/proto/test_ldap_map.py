"""The ldap map class against a real OpenLDAP slapd: started by the test
on 127.0.0.1 with a port chosen at run time, its own slapd.conf and mdb
database in a temporary folder, entries loaded with slapadd (the
inetOrgPerson and inetLocalMailRecipient schemas Debian's slapd ships).
Lookups go through `sendmail -bt` and `/map`: found, key folding, not
found, several values with -z, -1, %0 escaping against %s, -n, a simple
bind with -d/-P, and a stopped server (75, never 68).  Without slapd the
tests are skipped with the reason."""

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

from maptest import bt, sendmail, workdir, write_cf

SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
SCHEMA = "/etc/ldap/schema"
BASE = "dc=example,dc=test"
ADMIN = "cn=admin," + BASE
PASSWORD = "s3cret"

LDIF = """\
dn: dc=example,dc=test
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,dc=example,dc=test
objectClass: organizationalUnit
ou: people

dn: uid=joe,ou=people,dc=example,dc=test
objectClass: inetOrgPerson
objectClass: inetLocalMailRecipient
uid: joe
cn: Joe User
sn: User
mail: joe@example.test
mailLocalAddress: joe@example.test
mailRoutingAddress: joe@mail.example.test

dn: uid=multi,ou=people,dc=example,dc=test
objectClass: inetOrgPerson
uid: multi
cn: Multi Valued
sn: Valued
mail: first@example.test
mail: second@example.test

dn: uid=twin1,ou=people,dc=example,dc=test
objectClass: inetOrgPerson
uid: twin1
cn: Twin
sn: One
mail: twin1@example.test

dn: uid=twin2,ou=people,dc=example,dc=test
objectClass: inetOrgPerson
uid: twin2
cn: Twin
sn: Two
mail: twin2@example.test
"""


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Slapd:
    def __init__(self, folder):
        self.folder = folder
        self.proc = None
        self.port = None
        db = os.path.join(folder, "db")
        os.makedirs(db)
        self.conf = os.path.join(folder, "slapd.conf")
        schemas = "".join("include %s/%s.schema\n" % (SCHEMA, s) for s in
                          ("core", "cosine", "inetorgperson", "misc"))
        modpath = "/usr/lib/ldap"
        with open(self.conf, "w") as f:
            f.write(schemas +
                    "pidfile %s/slapd.pid\n" % folder +
                    "modulepath %s\nmoduleload back_mdb\n" % modpath +
                    "database mdb\nmaxsize 10485760\n"
                    "suffix \"%s\"\nrootdn \"%s\"\nrootpw %s\n"
                    "directory %s\n" % (BASE, ADMIN, PASSWORD, db) +
                    "access to * by * read\n")
        ldif = os.path.join(folder, "data.ldif")
        with open(ldif, "w") as f:
            f.write(LDIF)
        p = subprocess.run([SLAPADD, "-f", self.conf, "-l", ldif],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError("slapadd: %s" % p.stderr.strip())

    def start(self):
        self.port = self.port or free_port()
        self.log = open(os.path.join(self.folder, "slapd.log"), "a")
        self.proc = subprocess.Popen(
            [SLAPD, "-f", self.conf, "-h",
             "ldap://127.0.0.1:%d/" % self.port, "-d", "0"],
            stdout=self.log, stderr=self.log)
        for _ in range(100):
            if self.proc.poll() is not None:
                raise RuntimeError("slapd exited with %d" %
                                   self.proc.returncode)
            try:
                socket.create_connection(("127.0.0.1", self.port),
                                         0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("slapd did not listen on %d" % self.port)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()
            self.log = None


@pytest.fixture(scope="module")
def slapd():
    for tool in (SLAPD, SLAPADD):
        if not os.access(tool, os.X_OK):
            pytest.skip("%s not installed (Debian package slapd)" % tool)
    if not os.path.exists(os.path.join(SCHEMA, "misc.schema")):
        pytest.skip("no %s/misc.schema" % SCHEMA)
    if not os.access(sendmail(), os.X_OK):
        pytest.skip("no sendmail binary at %s (run make)" % sendmail())
    folder = workdir("slapd")
    try:
        try:
            srv = Slapd(folder)
            srv.start()
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            pytest.skip("slapd cannot run here: %s" % e)
        try:
            yield srv
        finally:
            srv.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def ldap_line(name, flags, port):
    return "K%s ldap %s -b %s -h 127.0.0.1 -p %d\n" % (name, flags, BASE,
                                                      port)


def test_found_notfound_and_key_folding(slapd):
    d = workdir("ldapcf")
    cf = write_cf(d, ldap_line("ldap", "-1 -v mail -k (uid=%0)",
                               slapd.port))
    _, got = bt(cf, ["/map ldap joe", "/map ldap JOE", "/map ldap nobody"])
    assert got == [
        "map_lookup: ldap (joe) returns joe@example.test (0)",
        "map_lookup: ldap (JOE) returns joe@example.test (0)",
        "map_lookup: ldap (nobody) no match (68)",
    ]
    shutil.rmtree(d)


def test_mail_routing_attributes(slapd):
    d = workdir("ldapcf")
    cf = write_cf(d, ldap_line(
        "route", "-1 -v mailRoutingAddress -k (mailLocalAddress=%0)",
        slapd.port))
    _, got = bt(cf, ["/map route joe@example.test",
                     "/map route bob@example.test"])
    assert got == [
        "map_lookup: route (joe@example.test) returns "
        "joe@mail.example.test (0)",
        "map_lookup: route (bob@example.test) no match (68)",
    ]
    shutil.rmtree(d)


def test_several_values_joined_with_z_else_first(slapd):
    d = workdir("ldapcf")
    cf = write_cf(d, ldap_line("joined", "-z, -v mail -k (uid=%0)",
                               slapd.port) +
                  ldap_line("first", "-v mail -k (uid=%0)", slapd.port) +
                  ldap_line("twins", "-z, -v mail -k (cn=%0)", slapd.port))
    _, got = bt(cf, ["/map joined multi", "/map first multi",
                     "/map twins twin"])
    assert got[0] == ("map_lookup: joined (multi) returns "
                      "first@example.test,second@example.test (0)")
    assert got[1] == "map_lookup: first (multi) returns first@example.test (0)"
    assert got[2] in (
        "map_lookup: twins (twin) returns "
        "twin1@example.test,twin2@example.test (0)",
        "map_lookup: twins (twin) returns "
        "twin2@example.test,twin1@example.test (0)")
    shutil.rmtree(d)


def test_single_match_required_with_1(slapd):
    d = workdir("ldapcf")
    cf = write_cf(d, ldap_line("one", "-1 -v mail -k (cn=%0)", slapd.port) +
                  ldap_line("any", "-v mail -k (cn=%0)", slapd.port))
    _, got = bt(cf, ["/map one twin", "/map any twin", "/map one joe user"])
    assert got[0] == "map_lookup: one (twin) no match (68)"
    assert got[1] in ("map_lookup: any (twin) returns twin1@example.test (0)",
                      "map_lookup: any (twin) returns twin2@example.test (0)")
    assert got[2] == "map_lookup: one (joe user) returns joe@example.test (0)"
    shutil.rmtree(d)


def test_percent0_escapes_filter_characters_percent_s_does_not(slapd):
    d = workdir("ldapcf")
    cf = write_cf(d, ldap_line("esc", "-v mail -k (uid=%0)", slapd.port) +
                  ldap_line("raw", "-1 -v mail -k (uid=%s)", slapd.port))
    _, got = bt(cf, ["/map esc jo*", "/map raw jo*"])
    assert got == ["map_lookup: esc (jo*) no match (68)",
                   "map_lookup: raw (jo*) returns joe@example.test (0)"]
    shutil.rmtree(d)


def test_attribute_names_only_with_n_and_match_only(slapd):
    d = workdir("ldapcf")
    cf = write_cf(d, ldap_line("names", "-n -v mail -k (uid=%0)",
                               slapd.port) +
                  ldap_line("exists", "-m -v mail -k (uid=%0)", slapd.port))
    _, got = bt(cf, ["/map names joe", "/map exists Joe",
                     "/map exists nobody"])
    assert got == ["map_lookup: names (joe) returns mail (0)",
                   "map_lookup: exists (Joe) returns Joe (0)",
                   "map_lookup: exists (nobody) no match (68)"]
    shutil.rmtree(d)


def test_uri_scope_and_simple_bind(slapd):
    d = workdir("ldapcf")
    pw = os.path.join(d, "ldap.secret")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    bad = os.path.join(d, "bad.secret")
    with open(bad, "w") as f:
        f.write("wrong\n")
    uri = "ldap://127.0.0.1:%d" % slapd.port
    cf = write_cf(d,
                  "Kuri ldap -1 -v mail -k (uid=%%0) -b %s -H %s\n"
                  "Kbase ldap -v mail -k (uid=%%0) -s base -b %s -H %s\n"
                  "Kauth ldap -1 -v mail -k (uid=%%0) -b %s -H %s "
                  "-M simple -d %s -P %s\n"
                  "Kbad ldap -1 -v mail -k (uid=%%0) -b %s -H %s "
                  "-M simple -d %s -P %s\n"
                  % (BASE, uri, BASE, uri, BASE, uri, ADMIN, pw,
                     BASE, uri, ADMIN, bad))
    out, got = bt(cf, ["/map uri joe", "/map base joe", "/map auth joe",
                       "/map bad joe"])
    assert got == ["map_lookup: uri (joe) returns joe@example.test (0)",
                   "map_lookup: base (joe) no match (68)",
                   "map_lookup: auth (joe) returns joe@example.test (0)",
                   "map_lookup: bad (joe) no match (75)"]
    shutil.rmtree(d)


def test_stopped_server_is_tempfail_not_notfound(slapd):
    d = workdir("ldapcf")
    cf = write_cf(d, ldap_line("ldap", "-1 -v mail -k (uid=%0)",
                               slapd.port) +
                  ldap_line("opt", "-o -1 -v mail -k (uid=%0)", slapd.port))
    slapd.stop()
    try:
        out, got = bt(cf, ["/map ldap joe", "/map ldap joe",
                           "/map opt joe"])
    finally:
        slapd.start()
    assert got == ["map_lookup: ldap (joe) no match (75)",
                   "map_lookup: ldap (joe) no match (75)",
                   'Map named "opt" not open']
    _, got = bt(cf, ["/map ldap joe"])
    assert got == ["map_lookup: ldap (joe) returns joe@example.test (0)"]
    shutil.rmtree(d)
