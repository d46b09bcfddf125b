divert(-1)
dnl #
dnl # unknown.m4 -- OSTYPE(unknown): no system chosen.  Reported as an error
dnl # (m4 still exits 0 and writes a cf with the package's plain defaults).
dnl #
_cf_FILEID(`ostype/unknown.m4')
_cf_error(`OSTYPE(unknown) names no operating system: pick the OSTYPE of this host
	so mailer paths, flags and file places fit it (see cf/ostype/)')
