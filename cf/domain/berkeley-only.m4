divert(-1)
dnl #
dnl # berkeley-only.m4 -- read by the Berkeley sample domain files: they
dnl # describe the Berkeley campus and are no configuration for another
dnl # site, so using them earns a warning (the cf is still written).
dnl #
_cf_FILEID(`domain/berkeley-only.m4')
_cf_error(`DOMAIN(Berkeley.EDU) and its relatives are the Berkeley campus sample; write a domain file of your own for your site')
