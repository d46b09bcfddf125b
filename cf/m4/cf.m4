divert(-1)
#
# cf.m4 -- entry point of the sendmail.cf macro package.
#
# Use it either by naming it on the m4 command line
#	m4 -D_CF_DIR_=/usr/share/sendmail-cf/ /usr/share/sendmail-cf/m4/cf.m4 site.mc
# or by including it from the .mc file
#	include(`/usr/share/sendmail-cf/m4/cf.m4')
# The package root (_CF_DIR_, ending in a slash) is taken from this file's
# own path when it is not given.  Reading this file twice is harmless.
#
ifdef(`OSTYPE', `dnl already loaded',
`ifdef(`_CF_DIR_', `',
`ifdef(`__file__',
`define(`_CF_DIR_', substr(__file__, 0, eval(len(__file__) - 8)))',
`define(`_CF_DIR_', `../')')')dnl
ifelse(_CF_DIR_, `', `define(`_CF_DIR_', `./')')dnl
include(_CF_DIR_`m4/setup.m4')')
divert(0)dnl
