/*
 * pop3_cmd.c -- POP3 command lines into struct pop3_cmd: the verb
 * (case-insensitive), the rest of the line for USER/PASS/AUTH, and
 * typed message-number and line-count arguments.  No I/O.
 */
#include <string.h>

#include "pop3.h"
#include "lib/str.h"

static const struct {
	const char	*name;
	enum pop3_verb	 verb;
} verbs[] = {
	{ "USER", POP3_USER }, { "PASS", POP3_PASS }, { "APOP", POP3_APOP },
	{ "AUTH", POP3_AUTH }, { "STLS", POP3_STLS }, { "CAPA", POP3_CAPA },
	{ "QUIT", POP3_QUIT }, { "STAT", POP3_STAT }, { "LIST", POP3_LIST },
	{ "RETR", POP3_RETR }, { "DELE", POP3_DELE }, { "NOOP", POP3_NOOP },
	{ "RSET", POP3_RSET }, { "TOP", POP3_TOP }, { "UIDL", POP3_UIDL },
};

const char *
pop3_verb_name(enum pop3_verb v)
{
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].verb == v)
			return verbs[i].name;
	return "?";
}

/* A decimal number of at most 10 digits that fits 32 bits. */
static enum pop3_num
number(const char *p, size_t n, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return POP3_NUM_NONE;
	if (n > 10)
		return POP3_NUM_BAD;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return POP3_NUM_BAD;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > UINT32_MAX)
		return POP3_NUM_BAD;
	*out = (uint32_t)v;
	return POP3_NUM_OK;
}

enum pop3_parse
pop3_cmd_parse(const char *line, size_t len, struct pop3_cmd *cmd)
{
	size_t i, vlen, a1, a1len, a2, a2len;

	memset(cmd, 0, sizeof(*cmd));
	cmd->verb = POP3_UNKNOWN;
	if (len > POP3_LINE_MAX || memchr(line, '\0', len) != NULL)
		return POP3_PARSE_BAD;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return POP3_PARSE_EMPTY;
	for (vlen = 0; vlen < len && line[vlen] != ' '; vlen++)
		;
	cmd->name = line;
	cmd->namelen = vlen;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i].name) == vlen &&
		    str_ncasecmp(line, verbs[i].name, vlen) == 0) {
			cmd->verb = verbs[i].verb;
			break;
		}
	cmd->rest = line + (vlen < len ? vlen + 1 : len);
	cmd->restlen = vlen < len ? len - vlen - 1 : 0;
	/* the first two space-separated words of the rest */
	for (a1 = 0; a1 < cmd->restlen && cmd->rest[a1] == ' '; a1++)
		;
	for (a1len = 0; a1 + a1len < cmd->restlen &&
	    cmd->rest[a1 + a1len] != ' '; a1len++)
		;
	for (a2 = a1 + a1len; a2 < cmd->restlen && cmd->rest[a2] == ' '; a2++)
		;
	for (a2len = 0; a2 + a2len < cmd->restlen &&
	    cmd->rest[a2 + a2len] != ' '; a2len++)
		;
	cmd->arg1 = cmd->rest + a1;
	cmd->arg1len = a1len;
	cmd->arg2 = cmd->rest + a2;
	cmd->arg2len = a2len;
	cmd->n1_kind = number(cmd->arg1, a1len, &cmd->n1);
	cmd->n2_kind = number(cmd->arg2, a2len, &cmd->n2);
	return POP3_PARSE_OK;
}
