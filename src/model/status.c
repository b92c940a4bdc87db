#include "util/base.h"

#include <strings.h>

#include "model/status.h"

static const char *const status_names[RS__COUNT] = {
	"passed", "failed", "error", "blocked", "skipped", "invalid", "untested", "retest",
};

const char *status_name(enum result_status s)
{
	return (unsigned)s < RS__COUNT ? status_names[s] : "unknown";
}

bool status_parse(const char *name, enum result_status *out)
{
	for (int i = 0; i < RS__COUNT; i++) {
		if (!strcasecmp(name, status_names[i])) {
			*out = (enum result_status)i;
			return true;
		}
	}
	return false;
}

bool status_is_negative(enum result_status s)
{
	return s == RS_FAILED || s == RS_ERROR || s == RS_BLOCKED || s == RS_INVALID;
}

static const struct {
	enum lifecycle lc;
	const char *name;
	const char *label;
} lifecycles[] = {
	{ LC_QUEUED, "queued", "Queued" },
	{ LC_INITIALIZING, "initializing", "Initializing..." },
	{ LC_INITIALIZED, "initialization_completed", "Initialization completed" },
	{ LC_UPGRADING, "upgrading", "Upgrading..." },
	{ LC_UPGRADED, "upgrade_completed", "Upgrade completed" },
	{ LC_INSTALLING, "installing_dependencies", "Installing dependencies..." },
	{ LC_INSTALLED, "install_dependencies_completed", "Install dependencies completed" },
	{ LC_IN_PROGRESS, "in_progress", "In progress..." },
	{ LC_COMPLETED, "completed", "Completed" },
	{ LC_COMPLETED_FAILURES, "completed_with_failures", "Completed with failures" },
	{ LC_CANCELLING, "cancelling", "Cancelling..." },
	{ LC_CANCELLED, "cancelled", "Cancelled" },
	{ LC_FAILED, "failed", "Failed" },
};

const char *lifecycle_name(enum lifecycle lc)
{
	for (size_t i = 0; i < ARRAY_SIZE(lifecycles); i++)
		if (lifecycles[i].lc == lc)
			return lifecycles[i].name;
	return "unknown";
}

const char *lifecycle_label(enum lifecycle lc)
{
	for (size_t i = 0; i < ARRAY_SIZE(lifecycles); i++)
		if (lifecycles[i].lc == lc)
			return lifecycles[i].label;
	return "Unknown";
}

bool lifecycle_is_valid(int code)
{
	for (size_t i = 0; i < ARRAY_SIZE(lifecycles); i++)
		if ((int)lifecycles[i].lc == code)
			return true;
	return false;
}

bool lifecycle_parse(const char *name, enum lifecycle *out)
{
	char *end;
	long code = strtol(name, &end, 10);
	if (*name && !*end) {
		if (!lifecycle_is_valid((int)code))
			return false;
		*out = (enum lifecycle)code;
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(lifecycles); i++) {
		if (!strcasecmp(name, lifecycles[i].name)) {
			*out = lifecycles[i].lc;
			return true;
		}
	}
	return false;
}

bool lifecycle_is_terminal(enum lifecycle lc)
{
	return lc == LC_COMPLETED || lc == LC_COMPLETED_FAILURES || lc == LC_CANCELLED ||
	       lc == LC_FAILED;
}

static const char *const verdict_names[V__COUNT] = {
	"running", "passed", "failed", "cancelled", "error",
};

const char *verdict_name(enum verdict v)
{
	return (unsigned)v < V__COUNT ? verdict_names[v] : "unknown";
}

bool verdict_parse(const char *name, enum verdict *out)
{
	for (int i = 0; i < V__COUNT; i++) {
		if (!strcasecmp(name, verdict_names[i])) {
			*out = (enum verdict)i;
			return true;
		}
	}
	return false;
}

enum verdict verdict_of(enum lifecycle lc)
{
	switch (lc) {
	case LC_COMPLETED:
		return V_PASSED;
	case LC_COMPLETED_FAILURES:
		return V_FAILED;
	case LC_CANCELLED:
		return V_CANCELLED;
	case LC_FAILED:
		return V_ERROR;
	default:
		return V_RUNNING;
	}
}

enum lifecycle lifecycle_for_counts(const int64_t counts[RS__COUNT])
{
	for (int i = 0; i < RS__COUNT; i++)
		if (counts[i] && status_is_negative((enum result_status)i))
			return LC_COMPLETED_FAILURES;
	return LC_COMPLETED;
}
