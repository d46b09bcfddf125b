#!/usr/bin/env python3
"""Does our own sendmail load the cfs our cf/ package generates quietly?

For every .mc cf_diff.py compiles (the shared CentOS examples and
regress/diff/cf/*.mc), the cf compiled with OUR package (host paths
rewritten into the temporary tree of test maps cf_diff uses) is loaded by
our bin/sendmail and by the REAL sendmail 8.17 (regress/oracle.sh), inside
the same unshare world (oracle_env.py), twice:

    sendmail -bt -C <cf> < /dev/null
    sendmail -bC -C <cf> < /dev/null

stdout, stderr and the exit status must be the same for both: whatever
the real sendmail says about our cf (a missing map file, say) ours must
say too, and anything only ours says (a warning about a line the real
one accepts) is a failure.  A case where the real sendmail itself says
more than the -bt banner is still judged by equality, with a note.

Then, as cf-answers-<mc>, both binaries run the same cf (with cf_diff's
Pair ruleset) over cf_diff's -bt input for that .mc: our sendmail's whole
transcript (traces, messages, exit status) must be the real sendmail's.

Prints per .mc:  PASS|FAIL|SKIP diff cf-load-<mc>: ...
                 PASS|FAIL diff cf-answers-<mc>: ...
Exit status: 0 all passed, 1 something failed, 77 everything skipped.
Options: names of .mc cases to run (with or without "cf-"); KEEP=1 keeps
the temporary tree.
"""

import os
import shutil
import sys

from cf_diff import (OURS, PAIR_RULESET, case_input, compile_mc,
                     make_cf_tree, mc_list)
from oracle_env import (Skip, diff_lines, make_tmp, normalise,
                        oracle_binary, oracle_env, oracle_world, our_binary,
                        ours_env, rewrite_paths, run_ns, set_switch,
                        show_diff, transcript, write)

EXTRA_PASSWD = "smmta:x:26:26:Mail Transfer Agent:/var/lib/sendmail:" \
    "/usr/sbin/nologin\n"

MODES = (("bt", ["-bt"]), ("bC", ["-bC"]))
BANNER = (b"ADDRESS TEST MODE", b"Enter <ruleset>", b"> ")


def extra_lines(out):
    """The lines of a -bt/-bC transcript besides the banner and the exit
    status (an exit status other than 0 counts as a line)."""
    stdout, _, rest = out.partition(b"\n===== stderr\n")
    err, _, status = rest.partition(b"\n===== exit ")
    extra = [l for l in stdout.split(b"\n") + err.split(b"\n")
             if not (l.startswith(BANNER) or l in (b"", b">"))]
    if status.strip() != b"0":
        extra.append(b"exit " + status.strip())
    return extra


def load(binary, env, prefix, tmp, cf, args):
    o, e, r = run_ns(prefix, tmp, [binary] + args + ["-C", cf], env)
    return normalise(transcript(o, e, r), tmp)


def one(name, path, root, prefix, tmp, ours):
    with open(path) as f:
        src = f.read()
    rc, text, err = compile_mc(src, OURS, tmp, name + ".load")
    if not text.strip():
        print("FAIL diff cf-load-%s: our m4 produced no cf (exit %d): %s"
              % (name[3:], rc, err.strip()[:200]))
        return False, None
    text = rewrite_paths(text, tmp).replace("/var/lib/", tmp + "/var/lib/")
    text = set_switch(text, os.path.join(tmp, "etc/mail/service.switch"))
    cf = os.path.join(tmp, name + ".load.cf")
    write(cf, text)
    notes, good = [], 0
    for mode, args in MODES:
        want = load(oracle_binary(root), oracle_env(root), prefix, tmp, cf,
                    args)
        got = load(ours, ours_env(), prefix, tmp, cf, args)
        extra = extra_lines(want)
        if extra:
            notes.append("-%s: the real sendmail itself says more than the"
                         " banner: %s" % (mode, " | ".join(
                             x.decode("latin-1") for x in extra[:3])[:200]))
        if want == got:
            good += 1
            continue
        notes.append("-%s differs (- real sendmail, + ours):" % mode)
        a, b, sm, _, _ = diff_lines(want, got)
        notes.append((a, b, sm))
    verdict = "PASS" if good == len(MODES) else "FAIL"
    print("%s diff cf-load-%s: %d/%d modes load our cf as sendmail 8.17"
          " does" % (verdict, name[3:], good, len(MODES)))
    for n in notes:
        if isinstance(n, tuple):
            show_diff(*n, max_shown=6, width=200)
        else:
            print("  " + n)
    return verdict == "PASS", text


def answers(name, text, root, prefix, tmp, ours):
    """cf_diff's -bt input through both binaries on our cf."""
    cf = os.path.join(tmp, name + ".answers.cf")
    write(cf, text + PAIR_RULESET)
    inp = os.path.join(tmp, name + ".answers.in")
    lines = case_input(name)
    write(inp, lines)
    got = []
    for binary, env in ((oracle_binary(root), oracle_env(root)),
                        (ours, ours_env())):
        with open(inp, "rb") as f:
            o, e, r = run_ns(prefix, tmp, [binary, "-bt", "-C", cf], env,
                             stdin=f)
        got.append(normalise(transcript(o, e, r), tmp))
    a, b, sm, same, total = diff_lines(got[0], got[1])
    ok = got[0] == got[1]
    print("%s diff cf-answers-%s: %d/%d transcript lines as sendmail 8.17"
          " writes them (%d input lines)" % ("PASS" if ok else "FAIL",
                                            name[3:], same, total,
                                            lines.count("\n")))
    if not ok:
        show_diff(a, b, sm, max_shown=4, width=200)
    return ok


def main():
    names = sys.argv[1:]
    try:
        root, prefix = oracle_world()
    except Skip as e:
        print("SKIP diff cf-load: %s" % e)
        return 77
    ours = our_binary(None)
    if not os.access(ours, os.X_OK):
        print("FAIL diff cf-load: our binary %s is missing" % ours)
        return 1
    tmp = make_tmp("cf_load_diff.")
    results = []
    try:
        make_cf_tree(root, tmp)
        # what an installed system has and the shared tree lacks: Debian's
        # smmta user, its status folder, and a tree the MSP's RunAsUser
        # (smmsp) can walk to its queue
        with open(os.path.join(tmp, "passwd"), "a") as f:
            f.write(EXTRA_PASSWD)
        os.makedirs(os.path.join(tmp, "var/lib/sendmail/host_status"))
        for d in ("var/spool/mqueue/slow", "var/spool/mqueue/fast",
                  "var/spool/mqueue-client"):
            os.makedirs(os.path.join(tmp, d), exist_ok=True)
        os.chmod(tmp, 0o755)
        for name, path in mc_list():
            if names and name not in names and name[3:] not in names:
                continue
            try:
                ok, text = one(name, path, root, prefix, tmp, ours)
                results.append(ok)
                if text is not None:
                    results.append(answers(name, text, root, prefix, tmp,
                                           ours))
            except (OSError, RuntimeError) as e:
                print("FAIL diff cf-load-%s: %s" % (name[3:], e))
                results.append(False)
    finally:
        if os.environ.get("KEEP"):
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if results:
        print("cf-load: %d/%d checks pass" % (sum(results), len(results)))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
