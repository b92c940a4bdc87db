/* Unit tests of util/: capture bounds, buffers, durations, uuid7 order,
 * numbering of repeated names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/base.h"
#include "util/buf.h"
#include "util/capture.h"
#include "util/kv.h"
#include "util/nameset.h"
#include "util/str.h"
#include "util/strmap.h"
#include "util/time.h"
#include "util/uuid.h"

static void capture_keeps_everything_under_the_limit(void **state)
{
	struct capture c;
	capture_init(&c, 16);
	capture_add(&c, "hello ", 6);
	capture_add(&c, "world", 5);
	int64_t dropped = -1;
	char *t = capture_text(&c, &dropped);
	assert_string_equal(t, "hello world");
	assert_int_equal(dropped, 0);
	free(t);
	capture_release(&c);
}

static void capture_gives_nul_bytes_as_replacement_characters(void **state)
{
	(void)state;
	struct capture c;
	capture_init(&c, 4);
	capture_add(&c, "a\0b\0", 4); /* head */
	capture_add(&c, "xxxx", 4);      /* dropped */
	capture_add(&c, "c\0\0d", 4);  /* tail */
	int64_t dropped;
	char *t = capture_text(&c, &dropped);
	assert_int_equal(dropped, 4);
	assert_string_equal(t, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\n[... 4 bytes dropped ...]\n"
			       "c\xEF\xBF\xBD\xEF\xBF\xBD" "d");
	free(t);
	capture_release(&c);
}

static void capture_of_utf8_cuts_between_characters(void **state)
{
	struct capture c;
	capture_init(&c, 5);
	for (int i = 0; i < 6; i++)
		capture_add(&c, "\xC3\xA9", 2); /* é: the cuts at 5 and 7 split one each */
	int64_t dropped;
	char *t = capture_text_utf8(&c, &dropped);
	assert_int_equal(dropped, 4);
	assert_string_equal(t, "\xC3\xA9\xC3\xA9\n[... 4 bytes dropped ...]\n\xC3\xA9\xC3\xA9");
	assert_true(str_utf8_valid(t));
	free(t);
	t = capture_text(&c, &dropped); /* bytes, cut where they fall */
	assert_int_equal(dropped, 2);
	assert_false(str_utf8_valid(t));
	free(t);
	capture_release(&c);
	/* nothing dropped: nothing cut */
	capture_init(&c, 3);
	capture_add(&c, "\xE2\x9C\x93\xE2\x9C\x93", 6);
	t = capture_text_utf8(&c, &dropped);
	assert_int_equal(dropped, 0);
	assert_string_equal(t, "\xE2\x9C\x93\xE2\x9C\x93");
	free(t);
	capture_release(&c);
}

static void capture_keeps_head_and_tail_and_counts_the_middle(void **state)
{
	struct capture c;
	capture_init(&c, 4);
	for (int i = 0; i < 10; i++) {
		char ch = (char)('0' + i);
		capture_add(&c, &ch, 1);
	}
	int64_t dropped;
	char *t = capture_text(&c, &dropped);
	assert_int_equal(dropped, 2);
	assert_string_equal(t, "0123\n[... 2 bytes dropped ...]\n6789");
	free(t);
	/* a chunk larger than the limit in one call */
	capture_add(&c, "abcdefghij", 10);
	t = capture_text(&c, &dropped);
	assert_int_equal(dropped, 12);
	assert_true(str_ends(t, "ghij"));
	free(t);
	capture_release(&c);
}

static void buf_grows_and_formats(void **state)
{
	struct buf b = BUF_INIT;
	assert_string_equal(b.data, "");
	for (int i = 0; i < 1000; i++)
		buf_addf(&b, "%d,", i);
	assert_true(str_starts(b.data, "0,1,2,"));
	assert_true(str_ends(b.data, "998,999,"));
	char *d = buf_detach(&b);
	assert_int_equal(b.len, 0);
	free(d);
}

static void durations_parse_units(void **state)
{
	int64_t ms;
	assert_true(time_parse_duration("30", &ms));
	assert_int_equal(ms, 30000);
	assert_true(time_parse_duration("500ms", &ms));
	assert_int_equal(ms, 500);
	assert_true(time_parse_duration("1.5s", &ms));
	assert_int_equal(ms, 1500);
	assert_true(time_parse_duration("2m", &ms));
	assert_int_equal(ms, 120000);
	assert_false(time_parse_duration("soon", &ms));
	assert_false(time_parse_duration("-1s", &ms));
	assert_false(time_parse_duration("5 parsecs", &ms));
}

static void iso_times_round_trip(void **state)
{
	int64_t ms;
	char s[40];
	assert_true(time_parse_iso("2026-11-23T10:30:00.123Z", &ms));
	time_iso(ms, s, sizeof(s));
	assert_string_equal(s, "2026-11-23T10:30:00.123Z");
	assert_true(time_parse_iso("2026-11-23T12:30:00+02:00", &ms));
	time_iso(ms, s, sizeof(s));
	assert_string_equal(s, "2026-11-23T10:30:00.000Z");
	assert_false(time_parse_iso("2026-13-01", &ms));
	/* Days a month does not have are refused, not carried into the next. */
	assert_false(time_parse_iso("2026-02-30T00:00:00Z", &ms));
	assert_false(time_parse_iso("2026-02-29", &ms));
	assert_true(time_parse_iso("2028-02-29", &ms));
	assert_false(time_parse_iso("2100-02-29", &ms));
	assert_true(time_parse_iso("2000-02-29", &ms));
	assert_false(time_parse_iso("2026-04-31", &ms));
	assert_true(time_parse_iso("2026-12-31T23:59:59Z", &ms));
	/* And offsets beyond a day's hours and minutes. */
	assert_false(time_parse_iso("2026-11-23T10:00:00+99:99", &ms));
	assert_false(time_parse_iso("2026-11-23T10:00:00+01:60", &ms));
	assert_true(time_parse_iso("2026-11-23T10:00:00-11:30", &ms));
}

static void uuid7_ids_increase_and_have_version_7(void **state)
{
	char a[UUID_STR_LEN], b[UUID_STR_LEN];
	uuid7_new(a, 0);
	for (int i = 0; i < 1000; i++) {
		uuid7_new(b, 0);
		assert_true(strcmp(a, b) < 0);
		assert_int_equal(b[14], '7');
		memcpy(a, b, sizeof(a));
	}
	assert_int_equal(strlen(a), 36);
}

static void uuid_bytes_round_trip_and_reject_junk(void **state)
{
	char a[UUID_STR_LEN], b[UUID_STR_LEN];
	unsigned char raw[16], other[16];
	uuid7_new(a, 0);
	assert_true(uuid_to_bytes(a, raw));
	uuid_from_bytes(raw, b);
	assert_string_equal(a, b);
	assert_true(uuid_to_bytes("01A20875-CE9F-7148-A461-66138256EF7F", other));
	assert_int_equal(other[0], 0x01);
	assert_int_equal(other[15], 0x7f);
	memcpy(other, raw, sizeof(raw));
	assert_false(uuid_to_bytes("01a20875-ce9f-7148-a461-66138256ef7", raw));
	assert_false(uuid_to_bytes("01a20875-ce9f-7148-a461-66138256ef7f0", raw));
	assert_false(uuid_to_bytes("01a20875xce9f-7148-a461-66138256ef7f", raw));
	assert_false(uuid_to_bytes("01a20875-ce9f-7148-a461-66138256ef7g", raw));
	assert_false(uuid_to_bytes("", raw));
	assert_memory_equal(raw, other, sizeof(raw)); /* untouched by a refusal */
}

static void kv_assignments_replace_and_reject_junk(void **state)
{
	struct kvlist l = KVLIST_INIT;
	struct error e = ERROR_INIT;
	assert_int_equal(kv_parse_assignment(&l, "a=1", "-c", &e), RC_OK);
	assert_int_equal(kv_parse_assignment(&l, "a=2=3", "-c", &e), RC_OK);
	assert_string_equal(kv_get(&l, "a"), "2=3");
	assert_int_equal(l.n, 1);
	assert_int_equal(kv_parse_assignment(&l, "=x", "-c", &e), RC_PARSE);
	assert_int_equal(kv_parse_assignment(&l, "novalue", "-c", &e), RC_PARSE);
	assert_non_null(strstr(e.msg, "novalue"));
	kv_release(&l);
}

static void distance_finds_near_names(void **state)
{
	assert_int_equal(str_distance("parse.basic", "parse.basik", 5), 1);
	assert_int_equal(str_distance("abc", "abc", 5), 0);
	assert_true(str_distance("a", "completely-different", 3) > 3);
}

/* Gives `name` a number through m and checks what came out. */
static void numbered_as(struct nameset *m, const char *name, const char *want)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, name);
	nameset_number(m, &b);
	assert_string_equal(b.data, want);
	buf_release(&b);
}

static void repeated_names_are_numbered_in_order(void **state)
{
	struct nameset m = NAMESET_INIT;
	numbered_as(&m, "x", "x");
	numbered_as(&m, "x", "x (2)");
	numbered_as(&m, "x (3)", "x (3)"); /* a name that looks numbered is taken as is */
	numbered_as(&m, "x", "x (4)");     /* and skipped when its turn comes */
	numbered_as(&m, "x (2)", "x (2) (2)");
	numbered_as(&m, "y", "y");
	/* The n-th repeat is found from the last number given, not by trying
	 * every one before it (100,000 repeats would take minutes). */
	for (int i = 5; i <= 100000; i++) {
		struct buf b = BUF_INIT;
		buf_adds(&b, "x");
		nameset_number(&m, &b);
		char want[32];
		snprintf(want, sizeof(want), "x (%d)", i);
		assert_string_equal(b.data, want);
		buf_release(&b);
	}
	/* x, x (2) ... x (100000), x (2) (2) and y */
	assert_int_equal(nameset_count(&m), 100000 + 2);
	nameset_release(&m);
}

/* Colours and cursor moves go, the text stays; what only looks like the
 * start of a sequence is kept. */
static void ansi_sequences_are_stripped(void **state)
{
	(void)state;
	char a[] = "Error: \033[2mexpect(\033[22m\033[31mreceived\033[39m\033[2m)\033[22m ok";
	assert_string_equal(str_strip_ansi(a), "Error: expect(received) ok");
	char b[] = "\033[1;38;5;196mred\033[0m \033[2K\033[?25lline";
	assert_string_equal(str_strip_ansi(b), "red line");
	char c[] = "lone \033 and \033[\001 and cut \033[12";
	assert_string_equal(str_strip_ansi(c), "lone \033 and \033[\001 and cut \033[12");
	char pic[] = "\xE2\x90\x9B[33mno GPU\xE2\x90\x9B[0m \xE2\x90\x9B alone";
	assert_string_equal(str_strip_ansi(pic), "no GPU \xE2\x90\x9B alone");
	char d[] = "";
	assert_string_equal(str_strip_ansi(d), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(capture_keeps_everything_under_the_limit),
		cmocka_unit_test(capture_keeps_head_and_tail_and_counts_the_middle),
		cmocka_unit_test(capture_of_utf8_cuts_between_characters),
		cmocka_unit_test(capture_gives_nul_bytes_as_replacement_characters),
		cmocka_unit_test(buf_grows_and_formats),
		cmocka_unit_test(durations_parse_units),
		cmocka_unit_test(iso_times_round_trip),
		cmocka_unit_test(uuid7_ids_increase_and_have_version_7),
		cmocka_unit_test(uuid_bytes_round_trip_and_reject_junk),
		cmocka_unit_test(kv_assignments_replace_and_reject_junk),
		cmocka_unit_test(distance_finds_near_names),
		cmocka_unit_test(repeated_names_are_numbered_in_order),
		cmocka_unit_test(ansi_sequences_are_stripped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
