#!/bin/sh
#
# makeinfo.sh -- who built a cf, where and when: three "#####" comment
# lines for the head of the generated sendmail.cf, then an m4 definition
# of __HOST__ (this host's name) for .mc files that want it.
#
# Run by cf/m4/setup.m4 through esyscmd unless the .mc or the m4 command
# line defines _NO_MAKEINFO_ (reproducible output).  $1: the package
# folder (_CF_DIR_).
#
who=${LOGNAME:-${USER:-`id -un 2>/dev/null`}}
[ -n "$who" ] || who=unknown
host=`uname -n 2>/dev/null`
[ -n "$host" ] || host=`hostname 2>/dev/null`
[ -n "$host" ] || host=localhost
echo "##### built by $who@$host on `date`"
echo "##### in `pwd`"
echo "##### using ${1:-.} as configuration include directory"
echo "define(\`__HOST__', \`$host')dnl"
