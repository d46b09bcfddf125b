/*
 * milter.h -- the MTA side of the milter protocol, version 6: the
 * filters of the cf's X lines (socket, F= failure mode, T= timeouts),
 * the packet codec (commands out, typed replies in, no I/O), and one
 * connection per filter that speaks the protocol with its timeouts.
 * The SMTP server (src/smtpd/smtpd_milter.c) decides what a reply means
 * for the client and the queue.
 */
#ifndef MILTER_MILTER_H
#define MILTER_MILTER_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

#define MILTER_VERSION		6
#define MILTER_CHUNK		65535	/* body bytes in one SMFIC_BODY */
#define MILTER_MAXPKT		(1024 * 1024 * 2)  /* longest packet taken
						      from a filter */

/* commands (MTA to filter) */
#define SMFIC_ABORT	'A'
#define SMFIC_BODY	'B'
#define SMFIC_CONNECT	'C'
#define SMFIC_MACRO	'D'
#define SMFIC_BODYEOB	'E'
#define SMFIC_HELO	'H'
#define SMFIC_QUIT_NC	'K'
#define SMFIC_HEADER	'L'
#define SMFIC_MAIL	'M'
#define SMFIC_EOH	'N'
#define SMFIC_OPTNEG	'O'
#define SMFIC_QUIT	'Q'
#define SMFIC_RCPT	'R'
#define SMFIC_DATA	'T'
#define SMFIC_UNKNOWN	'U'

/* replies (filter to MTA) */
#define SMFIR_ADDRCPT	'+'
#define SMFIR_DELRCPT	'-'
#define SMFIR_ADDRCPT_PAR '2'
#define SMFIR_SHUTDOWN	'4'
#define SMFIR_ACCEPT	'a'
#define SMFIR_REPLBODY	'b'
#define SMFIR_CONTINUE	'c'
#define SMFIR_DISCARD	'd'
#define SMFIR_CHGFROM	'e'
#define SMFIR_CONN_FAIL	'f'
#define SMFIR_ADDHEADER	'h'
#define SMFIR_INSHEADER	'i'
#define SMFIR_SETSYMLIST 'l'
#define SMFIR_CHGHEADER	'm'
#define SMFIR_PROGRESS	'p'
#define SMFIR_QUARANTINE 'q'
#define SMFIR_REJECT	'r'
#define SMFIR_SKIP	's'
#define SMFIR_TEMPFAIL	't'
#define SMFIR_REPLYCODE	'y'

/* actions a filter may take (SMFIF_*) */
#define SMFIF_ADDHDRS	0x001
#define SMFIF_CHGBODY	0x002
#define SMFIF_ADDRCPT	0x004
#define SMFIF_DELRCPT	0x008
#define SMFIF_CHGHDRS	0x010
#define SMFIF_QUARANTINE 0x020
#define SMFIF_CHGFROM	0x040
#define SMFIF_ADDRCPT_PAR 0x080
#define SMFIF_SETSYMLIST 0x100
#define MILTER_ACTS	0x1ff

/* protocol steps (SMFIP_*) */
#define SMFIP_NOCONNECT	0x000001
#define SMFIP_NOHELO	0x000002
#define SMFIP_NOMAIL	0x000004
#define SMFIP_NORCPT	0x000008
#define SMFIP_NOBODY	0x000010
#define SMFIP_NOHDRS	0x000020
#define SMFIP_NOEOH	0x000040
#define SMFIP_NR_HDR	0x000080
#define SMFIP_NOUNKNOWN	0x000100
#define SMFIP_NODATA	0x000200
#define SMFIP_SKIP	0x000400
#define SMFIP_RCPT_REJ	0x000800
#define SMFIP_NR_CONN	0x001000
#define SMFIP_NR_HELO	0x002000
#define SMFIP_NR_MAIL	0x004000
#define SMFIP_NR_RCPT	0x008000
#define SMFIP_NR_DATA	0x010000
#define SMFIP_NR_UNKN	0x020000
#define SMFIP_NR_EOH	0x040000
#define SMFIP_NR_BODY	0x080000
#define SMFIP_HDR_LEADSPC 0x100000
#define MILTER_PROTO	0x1fffff	/* the steps we can honour */

/* the stages a filter may ask macros for (SMFIR_SETSYMLIST / OPTNEG) */
enum milter_stage {
	MILTER_M_CONNECT, MILTER_M_HELO, MILTER_M_ENVFROM, MILTER_M_ENVRCPT,
	MILTER_M_DATA, MILTER_M_EOM, MILTER_M_EOH, MILTER_M_COUNT
};

/* ---- the X line (milter_conf.c) */
enum milter_fail { MILTER_FAIL_CONTINUE, MILTER_FAIL_REJECT,
	MILTER_FAIL_TEMPFAIL };

struct milter_conf {
	char		*name;
	char		*socket;	/* S= as written */
	int		 family;	/* 0 none, 'L' local, '4', '6' */
	char		*path;		/* local socket */
	char		*host;		/* inet host */
	unsigned	 port;
	enum milter_fail fail;		/* F=R, F=T, else continue */
	long		 to_conn;	/* T=C: seconds */
	long		 to_send;	/* T=S: */
	long		 to_read;	/* T=R: */
	long		 to_eom;	/* T=E: */
};

/*
 * Parses an X line without its 'X' ("name, S=inet:3333@localhost,
 * F=T, T=C:2m;S:10s").  Defaults are sendmail's: T=C:5m;S:10s;R:10s;E:5m.
 * -1 (err) when there is no name or S= is malformed.
 */
int	milter_conf_parse(const char *line, struct milter_conf *out,
	    struct err *);
void	milter_conf_free(struct milter_conf *);

/* ---- the codec (milter_codec.c): no I/O */
struct milter_pkt {
	int		 cmd;
	const char	*data;		/* into the caller's bytes */
	size_t		 len;
};

enum milter_parse { MILTER_PKT_OK, MILTER_PKT_MORE, MILTER_PKT_BAD };

/*
 * One packet from the front of p/len: OK with *used bytes taken, MORE
 * when it is incomplete, BAD when its length is 0 or over max.
 */
enum milter_parse milter_pkt_parse(const void *p, size_t len, size_t max,
	    struct milter_pkt *out, size_t *used);

/* A reply made typed; strings point into the packet (NUL-terminated). */
struct milter_reply {
	int		 cmd;		/* SMFIR_* */
	const char	*text;		/* REPLYCODE text, QUARANTINE reason,
					   ADD/DELRCPT address, CHGFROM */
	const char	*args;		/* ESMTP args of ADDRCPT_PAR/CHGFROM,
					   or NULL */
	uint32_t	 index;		/* CHGHEADER, INSHEADER */
	const char	*hname, *hvalue; /* header replies */
	const char	*body;		/* REPLBODY bytes */
	size_t		 bodylen;
	/* OPTNEG */
	uint32_t	 version, actions, pflags;
	const char	*macros[MILTER_M_COUNT];	/* or NULL */
};

/*
 * Decodes a reply packet: 0, or -1 (err names what is wrong) for an
 * unknown command, a string without its NUL, a short field, a
 * REPLYCODE that is not "4xx"/"5xx" followed by a space or '-'.
 */
int	milter_reply_decode(const struct milter_pkt *, struct milter_reply *,
	    struct err *);

/* Packet building: a header is left for the length, filled by _end. */
void	milter_pkt_begin(struct buf *, int cmd);
void	milter_pkt_u32(struct buf *, uint32_t);
void	milter_pkt_u16(struct buf *, unsigned);
void	milter_pkt_str(struct buf *, const char *);	/* with its NUL */
void	milter_pkt_bytes(struct buf *, const void *, size_t);
/* -1 when the packet grew past what a length field can say. */
int	milter_pkt_end(struct buf *, size_t start);

/* ---- one connection (milter_conn.c) */
struct milter {
	struct milter_conf conf;
	int		 fd;		/* -1: not connected */
	int		 failed;	/* gave up on it for the session */
	int		 done_conn;	/* accepted: no more this session */
	int		 done_msg;	/* accepted or skipped: no more this
					   message */
	int		 in_msg;	/* a message has been started */
	uint32_t	 actions, pflags;
	char		*macros[MILTER_M_COUNT]; /* the filter's lists */
	struct buf	 in;		/* bytes read, not yet a packet */
	struct buf	 pkt;		/* the last packet read */
	struct buf	 out;
};

/*
 * Connects (T=C) and negotiates version 6; 0, or -1 with err (the
 * filter is then closed).
 */
int	milter_open(struct milter *, struct err *);
/* Sends one packet (T=S); -1 and closed on failure. */
int	milter_send(struct milter *, const struct buf *, struct err *);
/*
 * Reads one reply (T=R, or T=E when eom), skipping SMFIR_PROGRESS
 * packets (each resets the timeout).  The reply points into m->pkt.
 */
int	milter_recv(struct milter *, int eom, struct milter_reply *,
	    struct err *);
void	milter_close(struct milter *);
void	milter_free(struct milter *);

#endif
