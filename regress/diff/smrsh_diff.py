#!/usr/bin/env python3
"""Differential test of smrsh: the real sendmail 8.17 one (Debian's
sendmail-bin, fetched by regress/oracle.sh) against ours (bin/smrsh).

Both run inside `unshare --mount` with /etc bind-mounted from a test
tree whose smrsh folder holds links to echo, true and cat, a script that
prints its environment and arguments, a folder, a FIFO, a file that is
not executable and a dangling link.  The real smrsh reads
/etc/mail/smrsh (Debian), ours /etc/smrsh (CentOS): in the tree the
second is a link to the first, so both see the same programs.  Each case
is one `smrsh -c <command>` (or a wrong command line); compared: exit
status, stdout and stderr (the program's path made "smrsh").

Cases: allowed programs (also named by a full path, which smrsh drops),
the builtins exec, exit and echo, && and ||, arguments that the shell
expands; refused: programs not in the folder, a folder, a FIFO, a file
without x bits, a dangling link, paths with "..", every shell control
character (also with the eighth bit set), exec without a command, a
command too long, and usage errors.

Ours alone: a descriptor above 2 that the caller left open must not
reach the program.

Usage: smrsh_diff.py [--bin DIR] [--keep] [case ...]
Prints `PASS diff smrsh-<case>: ...`, FAIL with the differences, or SKIP
with the reason.  Exit 0, 1 on a failure, 77 when everything was skipped.
"""

import os
import shutil
import subprocess
import sys

from maillocal_diff import report, run_cases, start
from oracle_env import Skip, make_tmp, oracle_env, write

NS = 'mount --bind "$T/etc" /etc && cd "$T/work" && exec "$@"'

ENVP = '#!/bin/sh\nenv | sort\necho "args: $#: $*"\n'
FDS = '#!/bin/sh\nfor f in /proc/$$/fd/*; do echo "${f##*/}"; done\n'

# name -> argv after the program name, stdin
CASES = {
    "allowed": (["-c", "echo2 hello  world"], b""),
    "allowed-path-stripped": (["-c", "/usr/local/bin/echo2 hi"], b""),
    "environment-and-quoting": (["-c", "envp a 'b c' \"d\" \\e"], b""),
    "stdin": (["-c", "cat2"], b"piped\ndata\n"),
    "and": (["-c", "true && echo2 ok"], b""),
    "or": (["-c", "true || echo2 no"], b""),
    "and-tight-after-arg": (["-c", "echo2 a&&echo2 b"], b""),
    "exec": (["-c", "exec echo2 via exec"], b""),
    "exec-tab": (["-c", "exec\techo2 tab"], b""),
    "tab-separator": (["-c", "echo2\ttab"], b""),
    "builtin-echo": (["-c", "echo hi there"], b""),
    "builtin-exit": (["-c", "exit 3"], b""),
    "glob": (["-c", "echo2 *"], b""),
    "missing": (["-c", "cat /etc/passwd"], b""),
    "missing-semicolon-word": (["-c", "cat; ls"], b""),
    "pipe": (["-c", "echo2 a | cat2"], b""),
    "backquote": (["-c", "echo2 `id`"], b""),
    "dollar-paren": (["-c", "echo2 $(id)"], b""),
    "dollar-var": (["-c", "echo2 $HOME"], b""),
    "redirect-out": (["-c", "echo2 a > out"], b""),
    "redirect-in": (["-c", "echo2 a < in"], b""),
    "semicolon": (["-c", "echo2 a; id"], b""),
    "ampersand": (["-c", "echo2 a &"], b""),
    "caret": (["-c", "echo2 a ^ b"], b""),
    "parens": (["-c", "echo2 (x)"], b""),
    "newline": (["-c", "echo2 a\nid"], b""),
    "carriage-return": (["-c", "echo2 a\rid"], b""),
    "eighth-bit-special": (["-c", b"echo2 a\xbcid".decode("latin-1")], b""),
    "after-and-missing": (["-c", "true && cat x"], b""),
    "and-without-space": (["-c", "true&&echo2 x"], b""),
    "exec-alone": (["-c", "exec"], b""),
    "exec-nothing": (["-c", "exec  "], b""),
    "exec-exec": (["-c", "exec exec echo2"], b""),
    "folder": (["-c", "dir"], b""),
    "fifo": (["-c", "fifo"], b""),
    "not-executable": (["-c", "noexec"], b""),
    "dangling-link": (["-c", "dangling"], b""),
    "dotdot": (["-c", "../../../bin/sh -c id"], b""),
    "dotdot-full": (["-c", "/etc/smrsh/../../../bin/sh"], b""),
    "slash-in-name": (["-c", "/bin/sh -c id"], b""),
    "blank": (["-c", "   "], b""),
    "empty": (["-c", ""], b""),
    "too-long": (["-c", "echo2 " + "a" * 1500], b""),
    "usage-none": ([], b""),
    "usage-c-only": (["-c"], b""),
    "usage-extra": (["-c", "echo2", "x"], b""),
    "usage-flag": (["-x", "echo2"], b""),
}


def make_tree(t):
    etc = os.path.join(t, "etc")
    sm = os.path.join(etc, "mail", "smrsh")
    os.makedirs(sm)
    os.makedirs(os.path.join(t, "work"))
    for f in ("ld.so.cache", "passwd", "group", "nsswitch.conf"):
        if os.path.exists(os.path.join("/etc", f)):
            shutil.copy(os.path.join("/etc", f), etc)
    os.symlink("mail/smrsh", os.path.join(etc, "smrsh"))
    os.symlink("/bin/echo", os.path.join(sm, "echo2"))
    os.symlink("/bin/true", os.path.join(sm, "true"))
    os.symlink("/bin/cat", os.path.join(sm, "cat2"))
    os.symlink("/nonexistent", os.path.join(sm, "dangling"))
    write(os.path.join(sm, "envp"), ENVP)
    os.chmod(os.path.join(sm, "envp"), 0o755)
    write(os.path.join(sm, "fds"), FDS)
    os.chmod(os.path.join(sm, "fds"), 0o755)
    write(os.path.join(sm, "noexec"), "#!/bin/sh\necho no\n")
    os.chmod(os.path.join(sm, "noexec"), 0o644)
    os.mkdir(os.path.join(sm, "dir"))
    os.mkfifo(os.path.join(sm, "fifo"))
    for f in ("a.txt", "b.txt", "in"):
        write(os.path.join(t, "work", f), "x\n")


def run_one(ctx, who, binary, argv, stdin):
    env = oracle_env(ctx.root) if who == "oracle" else {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C", "LC_ALL": "C"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if who == "ours" and k in os.environ:
            env[k] = os.environ[k]
    env["T"] = ctx.tmp
    env["HOME"] = "/root"
    try:
        p = subprocess.run(ctx.prefix + ["sh", "-c", NS, "sh", binary] +
                           argv, input=stdin, capture_output=True, env=env,
                           timeout=30)
        out, err, rc = p.stdout, p.stderr, p.returncode
    except subprocess.TimeoutExpired:
        out, err, rc = b"", b"*** timed out\n", -1
    err = err.replace(binary.encode(), b"smrsh")
    return b"exit %d\n===== stdout\n%s\n===== stderr\n%s" % (rc, out, err)


def compare(ctx, name):
    argv, stdin = CASES[name]
    want = run_one(ctx, "oracle", ctx.oracle, argv, stdin)
    got = run_one(ctx, "ours", ctx.ours, argv, stdin)
    report(ctx, "smrsh-" + name, want, got)


def fds_closed(ctx):
    """Ours alone: a descriptor above 2 left open by the caller does not
    reach the program (the real smrsh passes it on)."""
    r, w = os.pipe()
    os.dup2(r, 7)
    try:
        p = subprocess.run(ctx.prefix + ["sh", "-c", NS, "sh", ctx.ours,
                           "-c", "fds"], capture_output=True, pass_fds=(7,),
                           env={"T": ctx.tmp, "PATH": "/usr/bin:/bin"},
                           timeout=30)
    finally:
        for fd in (7, r, w):
            os.close(fd)
    fds = p.stdout.split()
    ok = p.returncode == 0 and b"7" not in fds and b"0" in fds
    print("%s diff smrsh-fds-closed: the program sees descriptors %s" %
          ("PASS" if ok else "FAIL", b" ".join(fds).decode()))
    ctx.counts["PASS" if ok else "FAIL"] += 1


def main():
    try:
        args, ctx = start("smrsh")
        for pre in (["unshare", "--mount"], ["unshare", "-r", "--mount"]):
            p = subprocess.run(pre + ["true"], capture_output=True)
            if p.returncode == 0:
                ctx.prefix = pre
                break
        else:
            raise Skip("cannot unshare a mount namespace here")
        ctx.tmp = make_tmp("smrsh_diff.")
        make_tree(ctx.tmp)
    except (Skip, OSError) as e:
        print("SKIP diff smrsh: %s" % e)
        return 77
    return run_cases(ctx, args, "smrsh", CASES, compare, fds_closed)


if __name__ == "__main__":
    sys.exit(main())
