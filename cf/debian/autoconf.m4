divert(-1)
dnl #
dnl # autoconf.m4 -- Debian m4 files include /usr/share/sendmail/cf/debian/
dnl # autoconf.m4 for the version of the installed sendmail, as sm_* names.
dnl # Our own ostype and domain files do not need it; this copy answers for
dnl # the 8.17.1.9 that this package stands in for, so that .mc files and
dnl # site files written for Debian still find what they test.  Names the
dnl # .mc set first are kept.
dnl #
ifdef(`sm_version', `', `define(`sm_version', `8.17.1.9')')
ifdef(`sm_revision', `', `define(`sm_revision', `-2+deb12u2')')
ifdef(`sm_version_major', `', `define(`sm_version_major', `8.17')')
dnl # the version as one number, v*65536 + r*256 + minor*... as Debian
dnl # computes it for 8.17.1.9
ifdef(`sm_version_math', `', `define(`sm_version_math', `528641')')
ifdef(`sm_enable_ipv6', `', `define(`sm_enable_ipv6', `yes')')
ifdef(`sm_enable_ldap', `', `define(`sm_enable_ldap', `yes')')
ifdef(`sm_enable_regex', `', `define(`sm_enable_regex', `yes')')
ifdef(`sm_enable_milter', `', `define(`sm_enable_milter', `yes')')
ifdef(`sm_enable_auth', `', `define(`sm_enable_auth', `yes')')
ifdef(`sm_enable_tls', `', `define(`sm_enable_tls', `yes')')
divert(0)dnl
