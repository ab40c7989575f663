/*
 * rssfloor.c: the resident memory the daemon's libraries cost before it does
 * anything: load libcurl, libmicrohttpd, json-c and libsystemd (linked with
 * --no-as-needed, as the daemon links them) and run curl_global_init(), as
 * every libcurl user must.  Prints VmRSS in KiB.  bench/run reports it
 * next to the daemon's idle RSS, as the floor no code of ours can go under.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <microhttpd.h>

int
main(void)
{
	char line[256];
	long kib = -1;
	FILE *f;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	(void)MHD_is_feature_supported(MHD_FEATURE_EPOLL);
	f = fopen("/proc/self/status", "r");
	if (f == NULL)
		return 1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	fclose(f);
	curl_global_cleanup();
	if (kib < 0)
		return 1;
	printf("%ld\n", kib);
	return 0;
}
