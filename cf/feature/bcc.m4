divert(-1)
dnl #
dnl # bcc.m4 -- copy messages to an extra recipient (needs a binary built with AddBcc)
dnl #
_cf_FILEID(`feature/bcc.m4')
_cf_warn(`FEATURE(bcc) is not supported by this cf package yet; the generated cf does not include it')
