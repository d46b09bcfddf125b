divert(-1)
dnl #
dnl # vnet.m4 -- IBM VNET/RSCS addresses (Debian)
dnl #
_cf_FILEID(`feature/vnet.m4')
_cf_warn(`FEATURE(vnet) is not supported by this cf package yet; the generated cf does not include it')
