/*
 * main.c -- mail.local, the local delivery agent sendmail's local mailer
 * runs; all of it is ml_main (run.c), which the delivery agent also
 * calls without executing this program when the cf names it.
 */
#include "maillocal/maillocal.h"

int
main(int argc, char **argv)
{
	ml_stdin_buffer();
	return ml_main(argc, argv);
}
