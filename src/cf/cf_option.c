/*
 * cf_option.c -- O lines and -O/-o: the option names sendmail 8.17
 * knows (with their one-letter forms), their values, and the options a
 * non-root user may set on the command line.
 */
#include <ctype.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "cf_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define SAFE	1

static const struct cf_option_desc options[] = {
	{ "SevenBitInput", '7', SAFE }, { "EightBitMode", '8', SAFE },
	{ "AliasFile", 'A', 0 }, { "AliasWait", 'a', 0 },
	{ "BlankSub", 'B', 0 }, { "MinFreeBlocks", 'b', SAFE },
	{ "CheckpointInterval", 'C', SAFE }, { "HoldExpensive", 'c', 0 },
	{ "DeliveryMode", 'd', SAFE }, { "ErrorHeader", 'E', 0 },
	{ "ErrorMode", 'e', SAFE }, { "TempFileMode", 'F', 0 },
	{ "SaveFromLine", 'f', 0 }, { "MatchGECOS", 'G', 0 },
	{ "HelpFile", 'H', 0 }, { "MaxHopCount", 'h', 0 },
	{ "ResolverOptions", 'I', 0 }, { "IgnoreDots", 'i', SAFE },
	{ "ForwardPath", 'J', 0 }, { "SendMimeErrors", 'j', SAFE },
	{ "ConnectionCacheSize", 'k', 0 },
	{ "ConnectionCacheTimeout", 'K', 0 }, { "UseErrorsTo", 'l', 0 },
	{ "LogLevel", 'L', SAFE }, { "MeToo", 'm', SAFE },
	{ "CheckAliases", 'n', 0 }, { "OldStyleHeaders", 'o', SAFE },
	{ "DaemonPortOptions", 'O', 0 }, { "PrivacyOptions", 'p', SAFE },
	{ "PostmasterCopy", 'P', 0 }, { "QueueFactor", 'q', 0 },
	{ "QueueDirectory", 'Q', 0 }, { "DontPruneRoutes", 'R', 0 },
	{ "Timeout", 'r', 0 }, { "StatusFile", 'S', 0 },
	{ "SuperSafe", 's', SAFE }, { "QueueTimeout", 'T', 0 },
	{ "TimeZoneSpec", 't', 0 }, { "UserDatabaseSpec", 'U', 0 },
	{ "DefaultUser", 'u', 0 }, { "FallbackMXhost", 'V', 0 },
	{ "Verbose", 'v', SAFE }, { "TryNullMXList", 'w', 0 },
	{ "QueueLA", 'x', 0 }, { "RefuseLA", 'X', 0 },
	{ "RecipientFactor", 'y', 0 }, { "ForkEachJob", 'Y', 0 },
	{ "ClassFactor", 'z', 0 }, { "RetryFactor", 'Z', 0 },
	{ "QueueSortOrder", 0, SAFE }, { "HostsFile", 0, 0 },
	{ "MinQueueAge", 0, SAFE }, { "DefaultCharSet", 0, SAFE },
	{ "ServiceSwitchFile", 0, 0 }, { "DialDelay", 0, SAFE },
	{ "NoRecipientAction", 0, SAFE }, { "SafeFileEnvironment", 0, 0 },
	{ "MaxMessageSize", 0, 0 }, { "ColonOkInAddr", 0, SAFE },
	{ "MaxQueueRunSize", 0, SAFE }, { "MaxDaemonChildren", 0, 0 },
	{ "DontExpandCnames", 0, 0 }, { "MustQuoteChars", 0, 0 },
	{ "SmtpGreetingMessage", 0, 0 }, { "UnixFromLine", 0, 0 },
	{ "OperatorChars", 0, 0 }, { "DontInitGroups", 0, 0 },
	{ "SingleLineFromHeader", 0, SAFE }, { "AllowBogusHELO", 0, SAFE },
	{ "ConnectionRateThrottle", 0, 0 }, { "UnsafeGroupWrites", 0, 0 },
	{ "DoubleBounceAddress", 0, 0 }, { "HostStatusDirectory", 0, 0 },
	{ "SingleThreadDelivery", 0, 0 }, { "RunAsUser", 0, 0 },
	{ "RrtImpliesDsn", 0, 0 }, { "PidFile", 0, 0 },
	{ "DontBlameSendmail", 0, 0 }, { "DontProbeInterfaces", 0, 0 },
	{ "MaxRecipientsPerMessage", 0, 0 }, { "DeadLetterDrop", 0, 0 },
	{ "MaxAliasRecursion", 0, 0 }, { "ConnectOnlyTo", 0, 0 },
	{ "TrustedUser", 0, 0 }, { "MaxMimeHeaderLength", 0, 0 },
	{ "ControlSocketName", 0, 0 }, { "MaxHeadersLength", 0, 0 },
	{ "ProcessTitlePrefix", 0, 0 }, { "DefaultAuthInfo", 0, 0 },
	{ "AuthMechanisms", 0, 0 }, { "ClientPortOptions", 0, 0 },
	{ "DataFileBufferSize", 0, 0 }, { "XscriptFileBufferSize", 0, 0 },
	{ "LDAPDefaultSpec", 0, 0 }, { "ServerCertFile", 0, 0 },
	{ "ServerKeyFile", 0, 0 }, { "ClientCertFile", 0, 0 },
	{ "ClientKeyFile", 0, 0 }, { "CACertFile", 0, 0 },
	{ "CACertPath", 0, 0 }, { "DHParameters", 0, 0 },
	{ "InputMailFilters", 0, 0 }, { "Milter", 0, 0 },
	{ "AuthOptions", 0, 0 }, { "QueueFileMode", 0, 0 },
	{ "CertFingerprintAlgorithm", 0, 0 }, { "CipherList", 0, 0 },
	{ "RandFile", 0, 0 }, { "TLSSrvOptions", 0, 0 },
	{ "BadRcptThrottle", 0, 0 }, { "DeliverByMin", 0, 0 },
	{ "MaxQueueChildren", 0, 0 }, { "MaxRunnersPerQueue", 0, 0 },
	{ "DirectSubmissionModifiers", 0, 0 }, { "NiceQueueRun", 0, 0 },
	{ "SharedMemoryKey", 0, 0 }, { "AuthMaxBits", 0, 0 },
	{ "MailboxDatabase", 0, 0 }, { "UseMSP", 0, 0 },
	{ "DelayLA", 0, 0 }, { "FastSplit", 0, 0 },
	{ "SoftBounce", 0, 0 }, { "SharedMemoryKeyFile", 0, 0 },
	{ "RejectLogInterval", 0, 0 }, { "RequiresDirfsync", 0, 0 },
	{ "ConnectionRateWindowSize", 0, 0 }, { "CRLFile", 0, 0 },
	{ "FallbackSmartHost", 0, 0 }, { "AuthRealm", 0, 0 },
	{ "CRLPath", 0, 0 }, { "HeloName", 0, 0 },
	{ "MaxNOOPCommands", 0, 0 }, { "BadRcptShutdown", 0, 0 },
	{ "BadRcptShutdownGood", 0, 0 }, { "ServerSSLOptions", 0, 0 },
	{ "ClientSSLOptions", 0, 0 }, { "MaxQueueAge", 0, 0 },
	{ "RejectNUL", 0, 0 }, { "UseCompressedIPv6Addresses", 0, 0 },
	{ "SSLEngine", 0, 0 }, { "SSLEnginePath", 0, 0 },
	{ "TLSFallbacktoClear", 0, 0 }, { "SetCertAltnames", 0, 0 },
	{ "SmtpUTF8", 0, 0 }, { "StrictTransportSecurity", 0, 0 },
	{ "CipherSuites", 0, 0 },
};
#define NOPTIONS	(sizeof(options) / sizeof(options[0]))

/* vendor options other builds know; warned about and ignored */
static const char *const foreign_options[] = {
	"InetQoS", "UseIPv6", "ExtendedHostStatus", NULL
};

/* options whose occurrences add up instead of replacing */
static int
cumulative(const char *name)
{
	/* PrivacyOptions: each line adds its flags, as in sendmail */
	return strcmp(name, "DaemonPortOptions") == 0 ||
	    strcmp(name, "ClientPortOptions") == 0 ||
	    strcmp(name, "PrivacyOptions") == 0;
}

int
cf_option_index(const char *name)
{
	size_t i, n;
	const char *dot = strchr(name, '.');

	n = dot ? (size_t)(dot - name) : strlen(name);
	for (i = 0; i < NOPTIONS; i++)
		if (strlen(options[i].name) == n &&
		    str_ncasecmp(options[i].name, name, n) == 0)
			return (int)i;
	return -1;
}

int
cf_option_index_short(int c)
{
	size_t i;

	for (i = 0; i < NOPTIONS; i++)
		if (options[i].shortname == c)
			return (int)i;
	return -1;
}

/* option values: "Name" or "Timeout.x" keys, kept in cf->opt pairs */
static char **
opt_slot(struct cf *cf, const char *key, int create)
{
	size_t n = 0;

	if (cf->opt != NULL)
		for (; cf->opt[n] != NULL; n += 2)
			if (str_casecmp(cf->opt[n], key) == 0)
				return &cf->opt[n + 1];
	if (!create)
		return NULL;
	cf->opt = xreallocarray(cf->opt, n + 3, sizeof(char *));
	cf->opt[n] = xstrdup(key);
	cf->opt[n + 1] = NULL;
	cf->opt[n + 2] = NULL;
	return &cf->opt[n + 1];
}

const char *
cf_option_value(struct cf *cf, const char *name)
{
	return cf_opt(cf, name);
}

const char *
cf_opt(struct cf *cf, const char *name)
{
	char **v = opt_slot(cf, name, 0);

	return v != NULL ? *v : NULL;
}

long
cf_time_value(const char *v, int unit)
{
	long total = 0, n, mult;
	char *end;

	if (v == NULL)
		return 0;
	while (*v != '\0') {
		n = strtol(v, &end, 10);
		if (end == v)
			return -1;
		switch (*end != '\0' ? *end : unit) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		case 'w': mult = 7 * 86400; break;
		default: return -1;
		}
		total += n * mult;
		v = *end != '\0' ? end + 1 : end;
	}
	return total;
}

long
cf_time_option(struct cf *cf, const char *name, long def)
{
	long t = cf_time_value(cf_opt(cf, name), 's');

	return t > 0 ? t : def;
}

long
cf_log_level(struct cf *cf)
{
	return cf_opt_long(cf, "LogLevel", 9);
}

long
cf_opt_long(struct cf *cf, const char *name, long dflt)
{
	const char *v = cf_opt(cf, name);
	long n;

	if (v == NULL || str_to_long(v, &n) == -1)
		return dflt;
	return n;
}

static void
opt_store(struct cf *cf, int idx, const char *sub, const char *value)
{
	char key[256], **slot;
	const char *name = options[idx].name;

	(void)snprintf(key, sizeof(key), "%s%s%s", name, sub ? "." : "",
	    sub ? sub : "");
	slot = opt_slot(cf, key, 1);
	if (*slot != NULL && cumulative(name)) {
		struct buf b;

		buf_init(&b, 0);
		(void)buf_printf(&b, "%s\n%s", *slot, value);
		free(*slot);
		*slot = buf_steal(&b);
	} else {
		free(*slot);
		*slot = xstrdup(value);
	}
	/* options that live on as macros */
	if (strcmp(name, "OperatorChars") == 0) {
		cf_macdefine(cf, 'o', value);
		cf->tok_ready = 0;
	} else if (strcmp(name, "SmtpGreetingMessage") == 0)
		cf_macdefine(cf, 'e', value);
	else if (strcmp(name, "UnixFromLine") == 0)
		cf_macdefine(cf, 'l', value);
}

/* options whose values are times ("5m", "1h30m") */
static int
is_time_option(const char *name)
{
	static const char *const names[] = {
		"Timeout", "MinQueueAge", "MaxQueueAge", "QueueTimeout",
		"ConnectionCacheTimeout", "DialDelay", "RejectLogInterval",
		NULL
	};
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (str_casecmp(names[i], name) == 0)
			return 1;
	return 0;
}

/* The unit letter that is not s m h d w, or 0 when the time is fine. */
static int
bad_time_unit(const char *v)
{
	while (*v != '\0') {
		while (isdigit((unsigned char)*v))
			v++;
		if (*v == '\0')
			return 0;
		if (strchr("smhdw", *v) == NULL)
			return (unsigned char)*v;
		v++;
	}
	return 0;
}

/*
 * The user options: "user[:group]" (TrustedUser: a user alone), each
 * a number (a leading digit) or a name that must exist; sendmail calls
 * DefaultUser by its letter.
 */
static void
check_user(struct cf *cf, const char *name, const char *val)
{
	const char *label = strcmp(name, "DefaultUser") == 0 ? "u" : name;
	const char *colon = NULL;
	char *user;

	if (strcmp(name, "TrustedUser") != 0)
		colon = strchr(val, ':');
	user = colon ? xstrndup(val, (size_t)(colon - val)) : xstrdup(val);
	if (!isdigit((unsigned char)user[0]) && getpwnam(user) == NULL)
		cf_syserr(cf, "readcf: option %s: unknown user %s", label,
		    user);
	else if (colon != NULL && colon[1] != '\0' &&
	    !isdigit((unsigned char)colon[1]) && getgrnam(colon + 1) == NULL)
		cf_syserr(cf, "readcf: option %s: unknown group %s", label,
		    colon + 1);
	free(user);
}

/*
 * Values sendmail refuses while reading; the messages and statuses are
 * its own.  A bad DeliveryMode ends the program (EX_USAGE).
 */
static void
check_value(struct cf *cf, int idx, const char *sub, const char *val)
{
	const char *name = options[idx].name;
	int c, times;

	if (strcmp(name, "DefaultUser") == 0 ||
	    strcmp(name, "RunAsUser") == 0 || strcmp(name, "TrustedUser") == 0)
		check_user(cf, name, val);
	else if (strcmp(name, "DeliveryMode") == 0) {
		if (*val != '\0' && strchr("ibqdIBQD", *val) == NULL) {
			cf_syserr(cf, "Unknown delivery mode %c", *val);
			cf->exitstat = 64;
			cf->fatal = 1;
		}
	} else if (strcmp(name, "QueueSortOrder") == 0) {
		if (strchr("hpftrmnsHPFTRMNS", *val) == NULL || *val == '\0')
			cf_syserr(cf, "Invalid queue sort order \"%s\"", val);
	} else if (is_time_option(name) && (c = bad_time_unit(val)) != 0) {
		/* sendmail parses the two queue timeouts twice */
		times = sub != NULL && (str_has_prefix_nocase(sub,
		    "queuereturn") || str_has_prefix_nocase(sub,
		    "queuewarn")) ? 2 : 1;
		while (times-- > 0)
			cf_usrerr(cf, NULL, "Invalid time unit `%c'", c);
	}
}

/* Sets one option from "Name=value"; 0 or -1 (unknown, reported). */
static int
setoption_long(struct cf *cf, const char *nv)
{
	char name[256];
	const char *eq, *val, *sub;
	size_t n;
	int idx, i;

	nv = str_skip_ws(nv);
	eq = strchr(nv, '=');
	n = eq ? (size_t)(eq - nv) : strlen(nv);
	while (n > 0 && (nv[n - 1] == ' ' || nv[n - 1] == '\t'))
		n--;
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, nv, n);
	name[n] = '\0';
	val = eq ? str_skip_ws(eq + 1) : "";
	idx = cf_option_index(name);
	if (idx < 0) {
		for (i = 0; foreign_options[i] != NULL; i++)
			if (str_casecmp(foreign_options[i], name) == 0) {
				char where[128];

				cf_where(cf, where, sizeof(where));
				cf_message(cf, "%sreadcf: option %s is a "
				    "vendor extension; ignored", where, name);
				return 0;
			}
		cf_syserr(cf, "readcf: unknown option name %s", name);
		return -1;
	}
	sub = strchr(name, '.');
	check_value(cf, idx, sub ? sub + 1 : NULL, val);
	opt_store(cf, idx, sub ? sub + 1 : NULL, val);
	return 0;
}

/* "O Name=value" or "Oxvalue" (the line without its 'O'). */
void
cf_setoption_line(struct cf *cf, const char *line)
{
	if (line[0] == ' ' || line[0] == '\t') {
		(void)setoption_long(cf, line);
		return;
	}
	if (line[0] == '\0') {
		cf_syserr(cf, "readcf: null option name");
		return;
	}
	(void)cf_option_short(cf, (unsigned char)line[0], line + 1);
}

int
cf_option_short(struct cf *cf, int c, const char *value)
{
	const char *end;
	int idx, id;

	if (c == 'M') {		/* old form of D: OMxvalue */
		id = cf_macid(cf, value, &end);
		if (id != 0)
			cf_macdefine(cf, id, end);
		return 0;
	}
	idx = cf_option_index_short(c);
	if (idx < 0) {
		cf_syserr(cf, "readcf: unknown option name 0x%x", c);
		return -1;
	}
	if (c == 'u' || c == 'd')
		check_value(cf, idx, NULL, value);
	opt_store(cf, idx, NULL, value);
	return 0;
}

int
cf_option_set(struct cf *cf, const char *nv)
{
	return setoption_long(cf, nv);
}
