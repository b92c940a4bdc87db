/* sleeper — workload B's test: sleeps MS milliseconds (nanosleep) and exits 0.
 *
 *     sleeper MS
 *
 * Not /bin/sleep, so that every test costs the same small spawn. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	return 0;
}
