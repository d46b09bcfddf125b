divert(-1)
dnl #
dnl # generic.m4 -- a reasonable site default: .forward variants, a header
dnl # size limit, 551 redirects, our names from local-host-names, root's
dnl # address never masqueraded.
dnl #
_cf_FILEID(`domain/generic.m4')
define(`confFORWARD_PATH', `$z/.forward.$w+$h:$z/.forward+$h:$z/.forward.$w:$z/.forward')
define(`confMAX_HEADERS_LENGTH', `32768')
FEATURE(`redirect')
FEATURE(`use_cw_file')
EXPOSED_USER(`root')
