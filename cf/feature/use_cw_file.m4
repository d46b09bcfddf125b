divert(-1)
dnl #
dnl # use_cw_file.m4 -- read our host names from confCW_FILE
dnl #
_cf_FILEID(`feature/use_cw_file.m4')
