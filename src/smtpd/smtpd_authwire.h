/*
 * smtpd_authwire.h -- the SMTP AUTH exchange between a worker without
 * root and its root queue writer under privilege separation
 * (doc/privsep.md): the worker sends the SASL library's start and step
 * calls (the mechanism, the connection's properties, the client's
 * decoded bytes), the writer runs them and answers with the library's
 * result, its challenge and, when the exchange is decided, the user
 * name, the SSF and the error detail.  Both directions are decoded
 * strictly: every length bounded, every string without NUL bytes, the
 * whole message consumed.  No I/O here.
 */
#ifndef SMTPD_AUTHWIRE_H
#define SMTPD_AUTHWIRE_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"

enum authwire_op {
	AW_START = 1,		/* a new SASL connection, sasl_server_start */
	AW_STEP			/* sasl_server_step on it */
};

#define AW_STRMAX	1024		/* a name, a realm, a subject */
#define AW_DATAMAX	16384		/* the client's decoded response */
#define AW_OUTMAX	65536		/* a challenge */
#define AW_MSGMAX	(AW_DATAMAX + 8 * AW_STRMAX + 64)

/* Decoded, the strings and bytes point into the message (each string
 * travels with its NUL). */
struct authwire_req {
	unsigned		 op;
	const char		*fqdn;		/* AW_START: server name */
	const char		*realm;		/* or NULL */
	const char		*remote;	/* "ip;port" or NULL */
	const char		*ext_id;	/* EXTERNAL identity or NULL */
	const char		*mech;
	unsigned		 secflags;	/* SASL_SEC_* */
	unsigned		 ssf_ext;	/* TLS bits */
	int			 has_data;	/* AW_START: initial response */
	const unsigned char	*data;
	size_t			 len;
};

struct authwire_rep {
	int			 rc;		/* SASL_OK, SASL_CONTINUE, ... */
	const unsigned char	*out;		/* challenge */
	size_t			 outlen;
	const char		*user;		/* or NULL */
	unsigned		 ssf;
	const char		*detail;	/* sasl_errdetail or NULL */
};

void	authwire_req_encode(const struct authwire_req *, struct buf *);
/* 0 with *out pointing into p (which must stay), -1 (err) for anything
 * malformed. */
int	authwire_req_parse(const void *p, size_t n, struct authwire_req *out,
	    struct err *);
void	authwire_rep_encode(const struct authwire_rep *, struct buf *);
int	authwire_rep_parse(const void *p, size_t n, struct authwire_rep *out,
	    struct err *);

#endif
