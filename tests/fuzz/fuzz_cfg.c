/* fuzz_cfg.c: libFuzzer target for the configuration-file parser. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * No file outside the input is read (no dotenv, no credential); a key is
 * set so that a good file loads completely.
 */
static char *fuzz_envp[] = {
	(char *)"HOME=/nonexistent",
	(char *)"XDG_CONFIG_HOME=/nonexistent",
	(char *)"XANADU_CLOUD_REFRESH_TOKEN=fuzz.refresh.token",
	NULL,
};

/*
 * The input is the file's text, handed to cfg_load as the system
 * configuration file through a memfd.  A loaded config must print; a
 * refused one must say why.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *argv[] = { (char *)"xcc-proxy", NULL };
	struct cfg_problems problems = { 0 };
	struct cfg_input in;
	struct cfg *cfg = NULL;
	char path[64];
	FILE *out;
	int fd, r;

	fd = memfd_create("fuzz-cfg", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&in, 0, sizeof(in));
	in.argc = 1;
	in.argv = argv;
	in.envp = fuzz_envp;
	in.system_config = path;
	r = cfg_load(&in, &cfg, &problems);
	if (r == 0) {
		if (cfg == NULL || problems.n != 0)
			abort();
		out = fopen("/dev/null", "w");
		if (out == NULL)
			abort();
		cfg_print(cfg, out);
		fclose(out);
		cfg_free(cfg);
	} else if (r == -EINVAL) {
		if (cfg != NULL || problems.n == 0)
			abort();
	} else if (r != -ENOMEM) {
		abort();
	}
	cfg_problems_clear(&problems);
	close(fd);
	return 0;
}
