/* exiter — workload A's test: does nothing and exits.
 *
 *     exiter [CODE]
 *
 * With CODE, exits with it. Without, takes the number in its own name
 * (run.sh hard-links this program as t0001 ... t2000): exits 1 when the
 * number is a multiple of 20 (5% of the tests fail), else 0. */
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1)
		return atoi(argv[1]);
	const char *name = strrchr(argv[0], '/');
	name = name ? name + 1 : argv[0];
	while (*name && (*name < '0' || *name > '9'))
		name++;
	long n = strtol(name, NULL, 10);
	return n > 0 && n % 20 == 0 ? 1 : 0;
}
