divert(-1)
dnl #
dnl # promiscuous_relay.m4 -- accept every recipient from every client.
dnl #
_cf_FILEID(`feature/promiscuous_relay.m4')
_cf_warn(`FEATURE(promiscuous_relay) makes this host an open relay; anyone can send mail through it')
