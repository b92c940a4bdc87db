#include "util/base.h"

#include <ctype.h>
#include <time.h>

#include "util/time.h"

int64_t time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void time_iso(int64_t ms, char *out, size_t n)
{
	if (!ms) {
		if (n)
			out[0] = '\0';
		return;
	}
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(ms % 1000));
}

static bool digits(const char **p, int count, int *out)
{
	int v = 0;
	for (int i = 0; i < count; i++) {
		if (!isdigit((unsigned char)**p))
			return false;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return true;
}

bool time_parse_iso(const char *s, int64_t *ms)
{
	struct tm tm = { 0 };
	int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, off = 0;
	const char *p = s;
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d))
		return false;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			return false;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &sec))
				return false;
		}
		if (*p == '.') {
			p++;
			int scale = 100;
			while (isdigit((unsigned char)*p)) {
				frac += (*p - '0') * scale;
				scale /= 10;
				p++;
			}
		}
		if (*p == 'Z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
			if (!digits(&p, 2, &oh))
				return false;
			if (*p == ':')
				p++;
			if (isdigit((unsigned char)*p) && !digits(&p, 2, &om))
				return false;
			if (oh > 23 || om > 59)
				return false;
			off = sign * (oh * 60 + om);
		}
	}
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (*p || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mo - 1] + (mo == 2 && leap)) /* 2026-02-30 is no day, not 03-02 */
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	*ms = ((int64_t)t - (int64_t)off * 60) * 1000 + frac;
	return true;
}

bool time_parse_duration(const char *s, int64_t *ms)
{
	char *end;
	if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '.'))
		return false;
	double v = strtod(s, &end);
	double mult;
	if (!*end || !strcmp(end, "s"))
		mult = 1000;
	else if (!strcmp(end, "ms"))
		mult = 1;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		mult = 60000;
	else if (!strcmp(end, "h"))
		mult = 3600000;
	else if (!strcmp(end, "d"))
		mult = 86400000;
	else
		return false;
	if (v < 0 || v * mult > 9e15)
		return false;
	*ms = (int64_t)(v * mult + 0.5);
	return true;
}

bool time_parse_since(const char *s, int64_t now_ms, int64_t *ms)
{
	int64_t d;
	if (time_parse_iso(s, ms))
		return true;
	if (time_parse_duration(s, &d) && strpbrk(s, "smhd")) {
		*ms = now_ms - d;
		return true;
	}
	return false;
}

void time_human(int64_t ms, char *out, size_t n)
{
	if (ms < 1000)
		snprintf(out, n, "%dms", (int)ms);
	else if (ms < 60000)
		snprintf(out, n, "%.2fs", (double)ms / 1000);
	else if (ms < 3600000)
		snprintf(out, n, "%dm%02ds", (int)(ms / 60000), (int)(ms / 1000 % 60));
	else
		snprintf(out, n, "%dh%02dm", (int)(ms / 3600000), (int)(ms / 60000 % 60));
}
