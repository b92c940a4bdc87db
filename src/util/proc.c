#include "util/base.h"

#include <unistd.h>

#include "util/proc.h"

int64_t proc_start_time(pid_t pid)
{
	char path[64], line[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = '\0';
	/* The command name (field 2) may hold spaces and parentheses; the
	 * fields after it start after the last ')'. */
	char *p = strrchr(line, ')');
	if (!p)
		return -1;
	p++;
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	return p ? strtoll(p + 1, NULL, 10) : -1;
}

bool proc_alive(pid_t pid, int64_t start)
{
	if (pid <= 0)
		return false;
	int64_t now = proc_start_time(pid);
	return now >= 0 && (start <= 0 || now == start);
}

void proc_hostname(char *out, size_t n)
{
	if (gethostname(out, n) != 0 || !out[0])
		snprintf(out, n, "localhost");
	out[n - 1] = '\0';
}
