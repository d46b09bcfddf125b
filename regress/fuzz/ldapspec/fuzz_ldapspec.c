/*
 * fuzz_ldapspec.c -- arbitrary bytes as the flags of an ldap K line
 * ("-k (uid=%0) -v mail:DN -b dc=example -h host ..."), read by the ldap
 * map class's parser (map_ldap_spec.c): it must end with a spec or an
 * error, and free what it made.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "map/map.h"
#include "map/map_ldap_int.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct map m;
	struct err err;
	char *args = malloc(size + 1);

	if (args == NULL)
		return 0;
	memcpy(args, data, size);
	args[size] = '\0';
	memset(&m, 0, sizeof(m));
	m.name = "fuzz";
	m.args = args;
	err_clear(&err);
	(void)ldap_spec_parse_map(&m, 0, NULL, &err);
	ldap_spec_parse_free(&m);
	free(m.append);		/* the generic map's, freed by map.c */
	free(m.tempappend);
	free(args);
	return 0;
}
