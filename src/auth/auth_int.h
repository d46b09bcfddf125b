/*
 * auth_int.h -- what the files of src/auth share: the system functions
 * the program supplied with auth_set_sys().
 */
#ifndef AUTH_AUTH_INT_H
#define AUTH_AUTH_INT_H

#include "auth.h"

const struct auth_sys *auth_sys_get(void);

#endif
