divert(-1)
dnl #
dnl # dynix3.2.m4 -- placeholder: this ostype is not implemented by our package yet
dnl #
_cf_FILEID(`ostype/dynix3.2.m4')
_cf_warn(`OSTYPE dynix3.2 is not supported by this cf package yet; the cf is written without its settings')
