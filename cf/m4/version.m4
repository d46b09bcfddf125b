divert(-1)
dnl #
dnl # version.m4 -- the configuration version ($Z) written into the cf.
dnl # The number tracks the sendmail release whose cf interface we follow.
dnl #
define(`_cf_VERSION_NUMBER', `8.17.1.9')
divert(0)dnl
# version of this configuration ($Z)
DZ`'_cf_VERSION_NUMBER`'ifdef(`confCF_VERSION', `/confCF_VERSION')
