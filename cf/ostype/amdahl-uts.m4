divert(-1)
dnl #
dnl # amdahl-uts.m4 -- placeholder: this ostype is not implemented by our package yet
dnl #
_cf_FILEID(`ostype/amdahl-uts.m4')
_cf_warn(`OSTYPE amdahl-uts is not supported by this cf package yet; the cf is written without its settings')
