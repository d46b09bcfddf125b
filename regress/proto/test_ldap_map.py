"""The ldap map class against a real OpenLDAP slapd: started by the test
on 127.0.0.1 with a port chosen at run time, its own slapd.conf and mdb
database in a temporary folder, entries loaded with slapadd (the
inetOrgPerson and inetLocalMailRecipient schemas Debian's slapd ships).
Lookups go through `sendmail -bt` and `/map`: found, key folding, not
found, several values with -z, -1, %0 escaping against %s, -n, a simple
bind with -d/-P, and a stopped server (75, never 68).  Recursive
attributes (-v attr:DN, attr:FILTER, attr:URL, object class conditions,
loops) and their errors are compared with the real sendmail 8.17 asking
the same slapd (regress/oracle.sh; skipped without it), and maps with the
same server and bind must share one connection (counted in slapd's
log).  Without slapd the tests are skipped with the reason."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from maptest import bt, env, sendmail, workdir, write_cf

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
seeAlso: cn=nested,ou=groups,dc=example,dc=test

dn: ou=groups,dc=example,dc=test
objectClass: organizationalUnit
ou: groups

dn: cn=staff,ou=groups,dc=example,dc=test
objectClass: groupOfNames
cn: staff
member: uid=joe,ou=people,dc=example,dc=test
member: uid=multi,ou=people,dc=example,dc=test
member: cn=nested,ou=groups,dc=example,dc=test
description: (uid=twin1)
seeAlso: cn=urlgroup,ou=groups,dc=example,dc=test

dn: cn=nested,ou=groups,dc=example,dc=test
objectClass: groupOfNames
cn: nested
member: uid=twin2,ou=people,dc=example,dc=test
member: cn=staff,ou=groups,dc=example,dc=test

dn: cn=broken,ou=groups,dc=example,dc=test
objectClass: groupOfNames
cn: broken
member: uid=joe,ou=people,dc=example,dc=test
member: uid=nosuch,ou=people,dc=example,dc=test

dn: cn=urlgroup,ou=groups,dc=example,dc=test
objectClass: groupOfNames
objectClass: labeledURIObject
cn: urlgroup
member: uid=joe,ou=people,dc=example,dc=test
labeledURI: ldap:///ou=people,dc=example,dc=test?mail,cn?one?(cn=Twin)
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
             "ldap://127.0.0.1:%d/" % self.port, "-d", "stats"],
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


# ---- recursion, compared with the real sendmail

def oracle_sendmail():
    """The real sendmail 8.17 (regress/oracle.sh), or a skip."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(os.path.dirname(here), "diff"))
    try:
        import oracle_env
        root = oracle_env.oracle_root()
    except Exception as e:          # Skip, or no oracle at all
        pytest.skip("oracle unavailable: %s" % e)
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("the oracle needs unshare as root")
    return root


def bt_as(who, cf, lines, folder):
    """-bt of ours or of the oracle with host name vm.example.test (an
    unqualified name makes sendmail wait a minute); the network stays
    so that slapd on 127.0.0.1 answers.  Returns stdout, paths masked."""
    with open(os.path.join(folder, "hosts"), "w") as f:
        f.write("127.0.0.1\tlocalhost\n192.0.2.2\tvm.example.test vm\n")
    with open(os.path.join(folder, "resolv.conf"), "w") as f:
        f.write("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    script = ('for f in hosts resolv.conf; do mount --bind "$1/$f" '
              '"/etc/$f" || exit 125; done; hostname vm.example.test; '
              'shift; exec "$@"')
    e = env()
    if who == "oracle":
        root = oracle_sendmail()
        e["LD_LIBRARY_PATH"] = os.path.join(root, "usr/lib/x86_64-linux-gnu")
        binary = os.path.join(root, "usr/libexec/sendmail/sendmail")
    else:
        binary = sendmail()
    p = subprocess.run(["unshare", "--uts", "--mount", "sh", "-c", script,
                        "sh", folder, binary, "-bt", "-C", cf],
                       input="\n".join(lines) + "\n", capture_output=True,
                       text=True, env=e, timeout=120)
    assert "AddressSanitizer" not in p.stderr, p.stderr
    out = p.stdout.replace(folder, "@DIR@")
    return [l for l in out.split("\n") if "No local mailer" not in l]


def ldap3_line(name, flags, port):
    """A map for both binaries: sendmail binds with LDAPv2 unless told
    -w 3, which slapd 2.5 refuses (ours asks for v3 by default)."""
    return ldap_line(name, "-w 3 " + flags, port)


def same_as_oracle(body, lines):
    d = workdir("ldaprec")
    oracle_sendmail()
    cf = write_cf(d, body)
    want = bt_as("oracle", cf, lines, d)
    got = bt_as("ours", cf, lines, d)
    shutil.rmtree(d)
    assert got == want
    return got


def test_recursion_dn_filter_url_as_sendmail(slapd):
    p = slapd.port
    got = same_as_oracle(
        ldap3_line("dn", "-z, -v mail,member:DN -k (cn=%0)", p) +
        ldap3_line("flt", "-z, -v mail,member:DN,description:FILTER "
                  "-k (cn=%0)", p) +
        ldap3_line("url", "-z, -v mail,labeledURI:URL -k (cn=%0)", p) +
        ldap3_line("all", "-z: -v mail,member:DN,description:FILTER,"
                  "seeAlso:DN,labeledURI:URL -k (cn=%0)", p) +
        ldap3_line("sep", "-z, -V= -v mail,member:dn -k (cn=%0)", p),
        ["/map dn staff", "/map dn nested", "/map flt staff",
         "/map url urlgroup", "/map all staff", "/map sep nested",
         "/map dn nobody", "/map dn broken", "/map dn staff"])
    # the group's members, the nested group's, the loop back left out
    assert any("first@example.test" in l and "twin2@example.test" in l
               for l in got)


def test_recursion_object_class_condition_as_sendmail(slapd):
    p = slapd.port
    same_as_oracle(
        ldap3_line("oc", "-z, -v mail,seeAlso:DN:groupOfNames,"
                  "member:DN:groupOfNames|organization -k (uid=%0)", p) +
        ldap3_line("any", "-z, -v mail,seeAlso:DN:*,member:DN "
                  "-k (uid=%0)", p),
        ["/map oc twin2", "/map any twin2"])


def test_recursion_first_value_and_single_match_as_sendmail(slapd):
    p = slapd.port
    same_as_oracle(
        ldap3_line("first", "-v mail,member:DN -k (cn=%0)", p) +
        ldap3_line("one", "-1 -z, -v mail,member:DN -k (cn=%0)", p) +
        ldap3_line("onef", "-1 -v mail,member:DN -k (cn=%0)", p) +
        ldap3_line("m", "-m -z, -v mail,member:DN -k (cn=%0)", p),
        ["/map first staff", "/map one staff", "/map one nested",
         "/map onef nested", "/map m staff", "/map m nobody"])


def test_recursion_errors_as_sendmail(slapd):
    # sendmail stops at these K lines (-bt does not start); the cf
    # reader is not the map's, so only the messages are compared
    p = slapd.port
    d = workdir("ldaprec")
    oracle_sendmail()
    cf = write_cf(d,
                  ldap3_line("nonormal", "-v member:DN -k (cn=%0)", p) +
                  ldap3_line("names", "-n -v mail,member:DN -k (cn=%0)", p) +
                  ldap3_line("bogus", "-v mail,member:BOGUS -k (cn=%0)", p) +
                  ldap3_line("dup", "-v mail,member:DN,MAIL -k (cn=%0)", p))
    want = [l for l in bt_as("oracle", cf, [], d) if ": line " in l]
    got = [l for l in bt_as("ours", cf, [], d) if ": line " in l]
    shutil.rmtree(d)
    assert len(want) == 4
    assert got == want


def test_typed_normal_attributes_as_sendmail(slapd):
    p = slapd.port
    same_as_oracle(
        ldap3_line("normal", "-z, -v mail:normal,member:NORMAL "
                   "-k (cn=%0)", p),
        ["/map normal nested", "/map normal staff"])


def test_object_class_may_be_asked_for(slapd):
    # (sendmail 8.17 crashes on "-v objectClass,member:DN")
    d = workdir("ldapcf")
    cf = write_cf(d, ldap_line("oc", "-z, -v objectClass,member:DN "
                               "-k (cn=%0)", slapd.port))
    _, got = bt(cf, ["/map oc nested"])
    assert got[0].startswith("map_lookup: oc (nested) returns "
                             "groupOfNames,")
    assert got[0].endswith(" (0)")
    shutil.rmtree(d)


# ---- one connection per server and bind

def accepts(slapd):
    """Connections that bound (the readiness probe of start() does not,
    and slapd may log its ACCEPT late)."""
    time.sleep(0.2)
    with open(os.path.join(slapd.folder, "slapd.log")) as f:
        return sum(1 for l in f if " op=0 BIND " in l and " method=" in l)


def test_maps_share_one_connection_per_server_and_bind(slapd):
    d = workdir("ldapconn")
    pw = os.path.join(d, "ldap.secret")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    p = slapd.port
    cf = write_cf(d,
                  ldap3_line("a", "-1 -v mail -k (uid=%0)", p) +
                  ldap3_line("b", "-z, -v mail -k (cn=%0)", p) +
                  ldap3_line("c", "-v cn -k (mail=%0) -s sub", p) +
                  ldap3_line("auth", "-1 -v mail -k (uid=%%0) -M simple "
                            "-d %s -P %s" % (ADMIN, pw), p).replace(
                                "%%0", "%0") +
                  ldap3_line("auth2", "-v sn -k (uid=%%0) -M simple "
                            "-d %s -P %s" % (ADMIN, pw), p).replace(
                                "%%0", "%0"))
    lines = ["/map a joe", "/map b twin", "/map c joe@example.test",
             "/map auth joe", "/map auth2 joe", "/map a multi"]
    before = accepts(slapd)
    _, got = bt(cf, lines)
    assert got[0] == "map_lookup: a (joe) returns joe@example.test (0)"
    assert got[3] == "map_lookup: auth (joe) returns joe@example.test (0)"
    assert got[4] == "map_lookup: auth2 (joe) returns User (0)"
    # a, b and c on one connection, auth and auth2 on another
    assert accepts(slapd) - before == 2
    try:
        root = oracle_sendmail()
    except pytest.skip.Exception:
        root = None
    if root is not None:
        before = accepts(slapd)
        bt_as("oracle", cf, lines, d)
        assert accepts(slapd) - before == 2
    # a server that went away: both maps come back on one new connection
    slapd.stop()
    try:
        _, got = bt(cf, ["/map a joe", "/map b twin"])
    finally:
        slapd.start()
    assert got == ["map_lookup: a (joe) no match (75)",
                   "map_lookup: b (twin) no match (75)"]
    # and while running: a broken connection is opened again once
    before = accepts(slapd)
    proc = subprocess.Popen([sendmail(), "-bt", "-C", cf],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=env())
    proc.stdin.write("/map a joe\n/map b twin\n")
    proc.stdin.flush()
    time.sleep(0.5)
    slapd.stop()
    slapd.start()
    out, _ = proc.communicate("/map a joe\n/map b twin\n/map a joe\n"
                              "/map b twin\n", timeout=60)
    res = [l for l in out.split("\n") if "map_lookup:" in l]
    assert res[:2] == ["> map_lookup: a (joe) returns joe@example.test (0)",
                       "> map_lookup: b (twin) returns "
                       "twin1@example.test,twin2@example.test (0)"]
    assert res[-2:] == res[:2]
    assert accepts(slapd) - before == 2
    shutil.rmtree(d)
