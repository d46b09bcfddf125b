divert(-1)
dnl #
dnl # use_ct_file.m4 -- read trusted users from confCT_FILE
dnl #
_cf_FILEID(`feature/use_ct_file.m4')
