/*
 * imap_notify_parse.c -- NOTIFY's arguments (RFC 5465) as a typed
 * value: NONE, or SET [STATUS] with its event groups (SELECTED,
 * SELECTED-DELAYED, PERSONAL, INBOXES, SUBSCRIBED, SUBTREE, MAILBOXES)
 * and their events, MessageNew's fetch attributes kept as a copy of
 * the argument list.  The rules and the reasons are dovecot 2.3's
 * (MessageNew and MessageExpunge together for the selected mailbox,
 * one selected filter, fetch attributes only there).  No I/O.
 */
#include <stdlib.h>
#include <string.h>

#include "imap_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"

static const char *const ev_names[] = {
	"MessageNew", "MessageExpunge", "FlagChange", "AnnotationChange",
	"MailboxName", "SubscriptionChange", "MailboxMetadataChange",
	"ServerMetadataChange"
};

const char *
imap_notify_event_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < sizeof(ev_names) / sizeof(ev_names[0]); i++)
		if (bit == (1u << i))
			return ev_names[i];
	return NULL;
}

static int
event_parse(const struct imap_arg *a, unsigned *ev_out)
{
	size_t i;

	if (a->type != IMAP_ARG_ATOM)
		return -1;
	for (i = 0; i < sizeof(ev_names) / sizeof(ev_names[0]); i++)
		if (str_casecmp(a->str, ev_names[i]) == 0) {
			*ev_out = 1u << i;
			return 0;
		}
	return -1;
}

static int
atom_is(const struct imap_arg *a, const char *word)
{
	return a->type == IMAP_ARG_ATOM && str_casecmp(a->str, word) == 0;
}

/* a deep copy of n arguments */
static struct imap_arg *
args_copy(const struct imap_arg *v, size_t n)
{
	struct imap_arg *c = xcalloc(n ? n : 1, sizeof(*c));
	size_t i;

	for (i = 0; i < n; i++) {
		c[i] = v[i];
		c[i].str = NULL;
		c[i].list = NULL;
		if (v[i].type == IMAP_ARG_LIST)
			c[i].list = args_copy(v[i].list, v[i].nlist);
		else {
			c[i].str = xmalloc(v[i].len + 1);
			memcpy(c[i].str, v[i].str, v[i].len);
			c[i].str[v[i].len] = '\0';
		}
	}
	return c;
}

/* The events argument: NONE or a non-empty list.  sel: the selected
 * mailbox's (MessageNew may be followed by fetch attributes). */
static int
events_parse(struct imap_notify_set *set, const struct imap_arg *a,
    int sel, unsigned *ev_out, const char **why)
{
	size_t i;
	unsigned ev = 0, one;

	*ev_out = 0;
	if (atom_is(a, "NONE"))
		return 0;
	if (a->type != IMAP_ARG_LIST || a->nlist == 0)
		return -1;
	for (i = 0; i < a->nlist; i++) {
		if (event_parse(&a->list[i], &one) == -1)
			return -1;
		ev |= one;
		if (one != IMAP_NOTIFY_NEW || i + 1 == a->nlist ||
		    a->list[i + 1].type != IMAP_ARG_LIST)
			continue;
		/* MessageNew (fetch-att ...): the selected mailbox only */
		i++;
		if (!sel || a->list[i].nlist == 0)
			return -1;
		if (imap_fetch_items_check(&a->list[i]) == -1) {
			const struct imap_arg *f = &a->list[i].list[0];

			set->why_item = f->type == IMAP_ARG_LIST ? "(" :
			    f->str;
			*why = "Invalid fetch-att list";
			return -1;
		}
		if (set->fetch != NULL)
			imap_args_free(set->fetch, 1);
		set->fetch = args_copy(&a->list[i], 1);
	}
	*ev_out = ev;
	set->used |= ev;
	return 0;
}

static int
selected_parse(struct imap_notify_set *set, const struct imap_arg *g,
    const char **why)
{
	unsigned both = IMAP_NOTIFY_NEW | IMAP_NOTIFY_EXPUNGE;

	if (set->selected != IMAP_NOTIFY_SEL_NONE) {
		*why = "Duplicate selected filter";
		return -1;
	}
	set->selected = atom_is(&g->list[0], "SELECTED") ?
	    IMAP_NOTIFY_SEL_NOW : IMAP_NOTIFY_SEL_DELAYED;
	if (g->nlist != 2 ||
	    events_parse(set, &g->list[1], 1, &set->sel_events, why) == -1)
		return -1;
	if ((set->sel_events & both) != 0 && (set->sel_events & both) != both) {
		*why = "MessageNew and MessageExpunge must be together";
		return -1;
	}
	if ((set->sel_events & (IMAP_NOTIFY_FLAGS | IMAP_NOTIFY_ANNOTATION)) &&
	    !(set->sel_events & IMAP_NOTIFY_NEW)) {
		*why = "FlagChange requires MessageNew and MessageExpunge";
		return -1;
	}
	return 0;
}

/* a mailbox name: an atom or a string without NULs; INBOX in any
 * case is INBOX */
static char *
name_copy(const struct imap_arg *a)
{
	const char *s = imap_arg_string(a);

	if (s == NULL)
		return NULL;
	return xstrdup(mailbox_is_inbox(s) ? "INBOX" : s);
}

static int
group_parse(struct imap_notify_set *set, const struct imap_arg *g,
    const char **why)
{
	static const struct {
		const char	*word;
		enum imap_notify_kind kind;
		int		 names;
	} kinds[] = {
		{ "PERSONAL", IMAP_NOTIFY_PERSONAL, 0 },
		{ "INBOXES", IMAP_NOTIFY_INBOXES, 0 },
		{ "SUBSCRIBED", IMAP_NOTIFY_SUBSCRIBED, 0 },
		{ "SUBTREE", IMAP_NOTIFY_SUBTREE, 1 },
		{ "MAILBOXES", IMAP_NOTIFY_MAILBOXES, 1 },
	};
	struct imap_notify_group *gr;
	const struct imap_arg *names;
	size_t k, i;

	if (g->type != IMAP_ARG_LIST || g->nlist == 0 ||
	    g->list[0].type != IMAP_ARG_ATOM)
		return -1;
	if (atom_is(&g->list[0], "SELECTED") ||
	    atom_is(&g->list[0], "SELECTED-DELAYED"))
		return selected_parse(set, g, why);
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (atom_is(&g->list[0], kinds[k].word))
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0]) ||
	    g->nlist != (size_t)(2 + kinds[k].names))
		return -1;
	set->groups = xreallocarray(set->groups, set->ngroups + 1,
	    sizeof(*set->groups));
	gr = &set->groups[set->ngroups++];
	memset(gr, 0, sizeof(*gr));
	gr->kind = kinds[k].kind;
	if (kinds[k].names) {
		names = &g->list[1];
		if (names->type == IMAP_ARG_LIST) {
			if (names->nlist == 0)
				return -1;
			gr->names = xcalloc(names->nlist, sizeof(char *));
			for (i = 0; i < names->nlist; i++) {
				gr->names[i] = name_copy(&names->list[i]);
				if (gr->names[i] == NULL)
					return -1;
				gr->nnames++;
			}
		} else {
			gr->names = xcalloc(1, sizeof(char *));
			if ((gr->names[0] = name_copy(names)) == NULL)
				return -1;
			gr->nnames = 1;
		}
	}
	return events_parse(set, &g->list[g->nlist - 1], 0, &gr->events, why);
}

int
imap_notify_parse(const struct imap_arg *args, size_t nargs,
    struct imap_notify_set *out, const char **why)
{
	size_t i = 1;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (nargs == 0)
		return -1;
	if (atom_is(&args[0], "NONE")) {
		out->none = 1;
		return 0;	/* dovecot reads no further */
	}
	if (!atom_is(&args[0], "SET"))
		return -1;
	if (i < nargs && atom_is(&args[i], "STATUS")) {
		out->status = 1;
		i++;
	}
	for (; i < nargs; i++)
		if (group_parse(out, &args[i], why) == -1)
			return -1;
	return 0;
}

void
imap_notify_set_free(struct imap_notify_set *set)
{
	size_t i, j;

	if (set == NULL)
		return;
	for (i = 0; i < set->ngroups; i++) {
		for (j = 0; j < set->groups[i].nnames; j++)
			free(set->groups[i].names[j]);
		free(set->groups[i].names);
	}
	free(set->groups);
	if (set->fetch != NULL)
		imap_args_free(set->fetch, 1);
	memset(set, 0, sizeof(*set));
}
