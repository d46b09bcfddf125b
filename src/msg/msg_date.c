/*
 * msg_date.c -- the dates a message carries: the RFC 5322 form sendmail
 * writes in Date: and Received: ("GMT" for a zero offset, else the
 * offset and the zone's name), and $t, the UTC stamp of Message-Id.
 */
#include <stdio.h>
#include <time.h>

#include "msg.h"

void
msg_arpadate(time_t t, struct buf *out)
{
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	long off;

	(void)localtime_r(&t, &tm);
	(void)buf_printf(out, "%s, %d %s %d %02d:%02d:%02d ",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	off = tm.tm_gmtoff / 60;
	if (off == 0) {
		(void)buf_adds(out, "GMT");
		return;
	}
	(void)buf_printf(out, "%c%02ld%02ld", off < 0 ? '-' : '+',
	    (off < 0 ? -off : off) / 60, (off < 0 ? -off : off) % 60);
	if (tm.tm_zone != NULL && tm.tm_zone[0] != '\0')
		(void)buf_printf(out, " (%s)", tm.tm_zone);
}

void
msg_tdate(time_t t, char out[32])
{
	struct tm tm;

	(void)gmtime_r(&t, &tm);
	(void)snprintf(out, 32, "%04d%02d%02d%02d%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}
