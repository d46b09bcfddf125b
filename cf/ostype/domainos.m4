divert(-1)
dnl #
dnl # domainos.m4 -- placeholder: this ostype is not implemented by our package yet
dnl #
_cf_FILEID(`ostype/domainos.m4')
_cf_warn(`OSTYPE domainos is not supported by this cf package yet; the cf is written without its settings')
