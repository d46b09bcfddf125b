divert(-1)
dnl #
dnl # masquerade_envelope.m4 -- masquerade the envelope sender as well as headers
dnl #
_cf_FILEID(`feature/masquerade_envelope.m4')
