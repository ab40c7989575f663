/* check_main.h: the main() every Check test program shares. */
#ifndef XCC_CHECK_MAIN_H
#define XCC_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

/*
 * Run one suite and exit non-zero when any test failed.  CK_FORK follows
 * the environment (CK_FORK=no under valgrind), as Check documents.
 */
#define CHECK_MAIN(suite_fn)						\
	int								\
	main(void)							\
	{								\
		SRunner *sr = srunner_create(suite_fn());		\
		int failed;						\
									\
		srunner_run_all(sr, CK_ENV);				\
		failed = srunner_ntests_failed(sr);			\
		srunner_free(sr);					\
		return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;	\
	}

#endif
