/*
 * mbox_deliver.h -- appending delivered mail to an mbox the way
 * sendmail's mail.local does: the message turned into its mbox form
 * (From_ line, ">From " escaping, a Content-Length: header, the blank
 * line after it), then appended with fsync and cut back to the old size
 * when a write fails.  Locking (mbox_lock_take) and the safety checks
 * on the file stay with the caller, which knows whose mailbox it is.
 */
#ifndef MAILBOX_MBOX_DELIVER_H
#define MAILBOX_MBOX_DELIVER_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "lib/buf.h"

/* flags of mbox_format_message */
#define MBOX_FMT_NO_CLEN	0x01	/* no Content-Length: header */

/*
 * Appends to out the stored form of one message:
 *   "From <from> <date>\n"  date as ctime(3) gives it, in local time;
 *   the message, its CRLF line ends made LF, every line that begins
 *     with "From " written as ">From ", the Content-Length: headers it
 *     brought left out, a LF added after an unterminated last line;
 *   "Content-Length: <n>\n" at the end of the header (n: the bytes
 *     stored after the blank line that ends the header, 0 when there is
 *     no such line), unless MBOX_FMT_NO_CLEN;
 *   "\n", the line that separates it from the next message.
 * An empty message is stored as an empty line.  CR or LF inside from
 * become spaces.  -1 when out's maximum would be passed.
 */
int	mbox_format_message(struct buf *out, const char *from, time_t when,
	    const char *msg, size_t len, unsigned flags);

/* What mbox_append_fd could not do */
#define MBOX_APPEND_EWRITE	(-1)
#define MBOX_APPEND_EFSYNC	(-2)
#define MBOX_APPEND_EPARTIAL	(-3)	/* and the cut back failed too */

/*
 * Writes img at the end of the mbox open for writing on fd, then fsyncs
 * it when sync is set.  On a failed write or fsync the file is cut back
 * to the size it had, errno is kept, and MBOX_APPEND_EWRITE or
 * MBOX_APPEND_EFSYNC returned (MBOX_APPEND_EPARTIAL when the cut itself
 * failed and part of the message is left in the file); 0 on success.
 * *off_out (may be NULL) gets the offset the message starts at.
 */
int	mbox_append_fd(int fd, const char *img, size_t len, int sync,
	    off_t *off_out);

#endif
