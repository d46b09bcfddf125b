divert(-1)
dnl #
dnl # prefixmod.m4 -- strip a local-part prefix and set {rcpt_flags} (prefix, flags)
dnl #
_cf_FILEID(`feature/prefixmod.m4')
define(`_cf_NEED_MACRO_MAP', `1')
define(`_cf_PREFIXMOD_PFX', _ARG_)
define(`_cf_PREFIXMOD_FLAGS', _ARG2_)
