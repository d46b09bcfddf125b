/*
 * fuzz_imapmsg.c -- arbitrary bytes as a stored message: the MIME tree,
 * ENVELOPE, BODY and BODYSTRUCTURE, and BODY[section] and BINARY[section]
 * for a few part specs, as FETCH would ask for them, the message as
 * APPEND's literal8, and as SEARCH reads it (decoded text, header keys,
 * i;unicode-casemap, charsets).  Nothing may crash or loop.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap/imap_int.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const specs[] = {
		"", "1", "2", "1.1", "1.2.3", "HEADER", "TEXT", "1.MIME",
		"2.HEADER", "2.TEXT", "1.1.1.1.1"
	};
	struct strarr names = { 0 };
	struct imap_msg m;
	struct buf b;
	size_t i;

	imap_msg_init(&m, (const char *)data, size);
	buf_init(&b, 0);
	imap_msg_parse(&m);
	imap_envelope(&b, m.text.data ? m.text.data : "", m.root.hdr_len);
	imap_bodystructure(&b, &m, 0);
	imap_bodystructure(&b, &m, 1);
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		int bin;

		buf_reset(&b);
		(void)imap_section(&m, specs[i], &b);
		buf_reset(&b);
		if (imap_binary_decodes(specs[i]))
			(void)imap_binary_section(&m, specs[i], &b, &bin);
	}
	buf_reset(&b);
	imap_binary_convert((const char *)data, size, &b);
	strarr_push(&names, "Subject");
	(void)imap_section_fields(&m, "", &names, 0, &b);
	(void)imap_section_fields(&m, "2", &names, 1, &b);
	strarr_free(&names);
	{
		struct imap_msgtext t;
		char *z = strndup((const char *)data, size);

		imap_msgtext_make(&m, &t);
		imap_msgtext_free(&t);
		(void)imap_hdr_search(m.text.data ? m.text.data : "",
		    m.root.hdr_len, "From", "\xc3\x89", 1);
		buf_reset(&b);
		imap_casemap((const char *)data, size, &b);
		buf_reset(&b);
		(void)imap_utf8_from("KOI8-R", (const char *)data, size, &b);
		if (z != NULL)
			imap_decode_words_utf8(z, &b);
		free(z);
	}
	buf_free(&b);
	imap_msg_free(&m);
	return 0;
}
