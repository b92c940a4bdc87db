#!/bin/sh
# real_tools.sh — what real test tools write, as assay reads it. Each tool
# found on this machine runs a small project of its own (a passing, a
# failing and a skipped test at least) and writes its JUnit XML or TAP; the
# file is imported, and the tests, statuses and first lines of the messages
# assay recorded are compared with what the tool meant. A few also run
# under `assay run` with their protocol. A tool that is not installed is a
# SKIP: scripts/install-deps.sh installs ctest, GoogleTest, bats, pytest,
# Kyua, Meson and Catch2 on Debian 12; node:test and cargo are used when
# present. The versions met are printed as TAP comments. Files of tools
# only npm has (Jest, Vitest, Mocha, Playwright) were written by them once
# and are kept in tests/data/junit/real.
. "$(dirname "$0")/lib.sh"

db=$T/real.db

# rows TITLE: "test|status|first line of the message" of the run titled
# TITLE, in recording order.
rows() {
	sql "$db" "select test || '|' || status || '|' ||
		coalesce(substr(message, 1, instr(message || char(10), char(10)) - 1), '')
		from results where run_id = (select id from test_runs where title = '$1')
		order by seq"
}

# same TITLE: the run titled TITLE recorded exactly the rows in $T/want.
same() {
	rows "$1" >"$T/got"
	diff -u "$T/want" "$T/got"
}

# imports TITLE FILE: FILE imports as a run titled TITLE.
imports() {
	expect_code 0 "$1: its file imports" "$ASSAY" import -q --db "$db" --title "$1" "$2"
}

has() { command -v "$1" >/dev/null 2>&1; }
# version LABEL CMD...: prints the version CMD reports, as a TAP comment.
version() { _l=$1; shift; echo "# $_l: $("$@" 2>&1 | head -1)"; }

# ---- CTest (--output-junit, CMake 3.21 and later) ----
if has cmake && has ctest; then
	version ctest ctest --version
	mkdir -p "$T/ctest"
	cat >"$T/ctest/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.21)
project(demo NONE)
enable_testing()
add_test(NAME adds COMMAND sh -c "echo adding")
add_test(NAME crashes COMMAND sh -c "echo 'boom <&>' >&2; exit 3")
add_test(NAME needs_gpu COMMAND sh -c "echo no GPU; exit 77")
set_tests_properties(needs_gpu PROPERTIES SKIP_RETURN_CODE 77)
add_test(NAME later COMMAND true)
set_tests_properties(later PROPERTIES DISABLED TRUE)
EOF
	(cd "$T/ctest" && cmake -S . -B b >/dev/null && cd b &&
		ctest --output-junit out.xml >/dev/null 2>&1)
	imports ctest "$T/ctest/b/out.xml"
	cat >"$T/want" <<'EOF'
adds|passed|
crashes|failed|
needs_gpu|skipped|SKIP_RETURN_CODE=77
later|skipped|
EOF
	check "ctest: each test by its name; a skip code and a disabled test are skipped" same ctest
	ok_if "ctest: a test's output is kept" \
		"[ \"\$(sql '$db' \"select stdout_text from results where test = 'crashes'\")\" = 'boom <&>' ]"
else
	skip "ctest" "cmake is not installed"
fi

# ---- GoogleTest (--gtest_output=xml) ----
if has g++ && [ -f /usr/include/gtest/gtest.h ]; then
	mkdir -p "$T/gtest"
	cat >"$T/gtest/math_test.cc" <<'EOF'
#include <gtest/gtest.h>
TEST(Math, Adds) { EXPECT_EQ(2, 1 + 1); }
TEST(Math, Fails) { EXPECT_EQ(3, 1 + 1) << "sum is off"; }
TEST(Math, Skips) { GTEST_SKIP() << "not on this box"; }
TEST(Math, DISABLED_Later) {}
class Param : public ::testing::TestWithParam<int> {};
TEST_P(Param, Positive) { EXPECT_GT(GetParam(), 0); }
INSTANTIATE_TEST_SUITE_P(Small, Param, ::testing::Values(1, -2));
EOF
	if (cd "$T/gtest" && g++ -o math_test math_test.cc -lgtest -lgtest_main -pthread); then
		echo "# gtest: $(dpkg-query -W -f='${Version}' libgtest-dev 2>/dev/null)"
		(cd "$T/gtest" && ./math_test --gtest_output=xml:out.xml >/dev/null)
		imports gtest "$T/gtest/out.xml"
		cat >"$T/want" <<'EOF'
Math/Adds|passed|
Math/Fails|failed|math_test.cc:3: Expected equality of these values:
Math/Skips|skipped|math_test.cc:4: not on this box
Math/DISABLED_Later|skipped|
Small/Param/Positive/0|passed|
Small/Param/Positive/1|failed|math_test.cc:7: Expected: (GetParam()) > (0), actual: -2 vs 0
EOF
		check "gtest: suite/test, parameterised as GoogleTest names them" same gtest
		ok_if "gtest: a failure keeps the whole assertion" \
			"sql '$db' \"select message from results where test = 'Math/Fails'\" | grep -qx 'sum is off'"
	else
		notok "gtest: the test program builds"
	fi
else
	skip "gtest" "g++ or libgtest-dev is not installed"
fi

# ---- bats (its JUnit formatter, TAP and TAP 13) ----
if has bats; then
	version bats bats --version
	mkdir -p "$T/bats"
	cat >"$T/bats/demo.bats" <<'EOF'
#!/usr/bin/env bats
@test "addition works" {
  [ $((1 + 1)) -eq 2 ]
}
@test "a failing check" {
  echo "about to fail"
  [ 1 -eq 2 ]
}
@test "skipped for now" {
  skip "needs network"
}
EOF
	(cd "$T/bats" && bats --formatter junit demo.bats >out.xml
		bats --tap demo.bats >bats.tap; bats --formatter tap13 demo.bats >bats13.tap)
	imports bats-junit "$T/bats/out.xml"
	cat >"$T/want" <<'EOF'
demo.bats/addition works|passed|
demo.bats/a failing check|failed|(in test file demo.bats, line 7)
demo.bats/skipped for now|skipped|needs network
EOF
	check "bats junit: file/test" same bats-junit
	imports bats-tap "$T/bats/bats.tap"
	cat >"$T/want" <<'EOF'
bats/addition works|passed|
bats/a failing check|failed|(in test file demo.bats, line 7)
bats/skipped for now|skipped|SKIP: needs network
bats|failed|1 of 3 TAP tests failed: a failing check
EOF
	check "bats TAP: the failure's comment lines are its message" same bats-tap
	imports bats-tap13 "$T/bats/bats13.tap"
	cat >"$T/want" <<'EOF'
bats13/addition works|passed|
bats13/a failing check|failed|(in test file demo.bats, line 7)
bats13/skipped for now|skipped|SKIP: needs network
bats13|failed|1 of 3 TAP tests failed: a failing check
EOF
	check "bats TAP 13: the YAML block's message is the message" same bats-tap13
else
	skip "bats" "bats is not installed"
fi

# ---- pytest (xunit2, its default, and xunit1) ----
if /usr/bin/python3 -m pytest --version >/dev/null 2>&1; then
	version pytest /usr/bin/python3 -m pytest --version
	mkdir -p "$T/pytest"
	cat >"$T/pytest/test_demo.py" <<'EOF'
import sys
import pytest

def test_adds():
    assert 1 + 1 == 2

def test_fails():
    print("some output")
    assert 1 + 1 == 3, "sum is off"

@pytest.mark.skip(reason="not on CI")
def test_skipped():
    pass

@pytest.mark.xfail(reason="known bug")
def test_xfail():
    assert False

@pytest.mark.parametrize("n", [1, -2])
def test_positive(n):
    assert n > 0

class TestGroup:
    def test_in_class(self):
        assert True

@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")

def test_setup_error(broken):
    pass
EOF
	cat >"$T/want" <<'EOF'
test_demo/test_adds|passed|
test_demo/test_fails|failed|AssertionError: sum is off
test_demo/test_skipped|skipped|not on CI
test_demo/test_xfail|skipped|known bug
test_demo/test_positive[1]|passed|
test_demo/test_positive[-2]|failed|assert -2 > 0
test_demo.TestGroup/test_in_class|passed|
test_demo/test_setup_error|error|failed on setup with "RuntimeError: fixture broke"
EOF
	for family in xunit2 xunit1; do
		(cd "$T/pytest" && /usr/bin/python3 -m pytest -q -p no:cacheprovider \
			-o junit_family=$family -o junit_logging=system-out \
			--junitxml=$family.xml >/dev/null 2>&1)
		imports "pytest-$family" "$T/pytest/$family.xml"
		check "pytest $family: module/test, class tests under module.Class" same "pytest-$family"
	done
	ok_if "pytest: captured output is the test's stdout" \
		"sql '$db' \"select stdout_text from results where test = 'test_demo/test_fails'\" | grep -q 'some output'"
else
	skip "pytest" "python3-pytest is not installed"
fi

# ---- Kyua (report-junit) ----
if has kyua; then
	echo "# kyua: $(dpkg-query -W -f='${Version}' kyua 2>/dev/null)"
	mkdir -p "$T/kyua"
	cat >"$T/kyua/Kyuafile" <<'EOF'
syntax(2)
test_suite("demo")
plain_test_program{name="pass_test"}
plain_test_program{name="fail_test"}
EOF
	printf '#!/bin/sh\necho all good\n' >"$T/kyua/pass_test"
	# Kyua declares ISO-8859-1 and writes the program's UTF-8 as it is
	printf '#!/bin/sh\necho "broken <here> & \303\251" >&2\nexit 1\n' >"$T/kyua/fail_test"
	chmod +x "$T/kyua/pass_test" "$T/kyua/fail_test"
	# Kyua keeps its results under ~/.kyua: in $T here
	(export HOME="$T/kyua"; cd "$T/kyua" && kyua test >/dev/null 2>&1
		kyua report-junit --output=out.xml)
	imports kyua "$T/kyua/out.xml"
	cat >"$T/want" <<'EOF'
fail_test/main|failed|Returned non-success exit status 1
pass_test/main|passed|
EOF
	check "kyua: program/case" same kyua
	ok_if "kyua: UTF-8 under an ISO-8859-1 declaration reads as UTF-8" \
		"sql '$db' \"select stderr_text from results where test = 'fail_test/main'\" | grep -q 'broken <here> & é'"
else
	skip "kyua" "kyua is not installed"
fi

# ---- Meson (meson-logs/testlog.junit.xml) ----
if has meson && has ninja; then
	version meson meson --version
	mkdir -p "$T/meson"
	cat >"$T/meson/meson.build" <<'EOF'
project('demo', 'c')
sh = find_program('sh')
test('adds', sh, args: ['-c', 'echo ok'])
test('fails', sh, args: ['-c', 'echo "bad <x>" >&2; exit 1'], suite: 'core')
test('skips', sh, args: ['-c', 'exit 77'], suite: ['core', 'extra'])
test('expected fail', sh, args: ['-c', 'exit 1'], should_fail: true)
test('tapper', sh, args: files('tap.sh'), protocol: 'tap')
EOF
	printf 'echo 1..3\necho ok 1 first\necho not ok 2 second\necho "ok 3 third # SKIP later"\n' \
		>"$T/meson/tap.sh"
	(cd "$T/meson" && meson setup b >/dev/null 2>&1 && meson test -C b >/dev/null 2>&1)
	imports meson "$T/meson/b/meson-logs/testlog.junit.xml"
	cat >"$T/want" <<'EOF'
demo/adds|passed|
demo/core/fails|failed|
demo/core+extra/skips|skipped|
demo/expected fail|passed|
demo/tapper/1 first|passed|
demo/tapper/2 second|failed|
demo/tapper/3 third|skipped|
EOF
	check "meson: project/suites/test, a TAP test's points below it" same meson
	ok_if "meson: the TAP test's output is the suite output of its points' parent" \
		"[ \"\$(sql '$db' \"select suite from suite_outputs o join test_runs r on r.id = o.run_id where r.title = 'meson'\")\" = demo/tapper ]"
else
	skip "meson" "meson or ninja is not installed"
fi

# ---- Catch2 (its JUnit reporter) ----
if has g++ && [ -f /usr/include/catch2/catch.hpp ]; then
	mkdir -p "$T/catch"
	cat >"$T/catch/catch_demo.cpp" <<'EOF'
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#include <stdexcept>
TEST_CASE("adds", "[math]") { REQUIRE(1 + 1 == 2); }
TEST_CASE("fails <here>", "[math]") { INFO("context " << 42); CHECK(1 + 1 == 3); }
TEST_CASE("sections", "[math]") {
	SECTION("first") { REQUIRE(true); }
	SECTION("second") { REQUIRE(2 < 1); }
}
TEST_CASE("throws") { throw std::runtime_error("boom"); }
EOF
	if (cd "$T/catch" && g++ -o catch_demo catch_demo.cpp); then
		echo "# catch2: $(dpkg-query -W -f='${Version}' catch2 2>/dev/null)"
		(cd "$T/catch" && ./catch_demo -r junit -o out.xml >/dev/null)
		imports catch2 "$T/catch/out.xml"
		cat >"$T/want" <<'EOF'
catch_demo/catch_demo.global/adds|passed|
catch_demo/catch_demo.global/fails <here>|failed|1 + 1 == 3
catch_demo/catch_demo.global/sections/first|passed|
catch_demo/catch_demo.global/sections/second|failed|2 < 1
catch_demo/catch_demo.global/throws|error|FAILED:
EOF
		check "catch2: sections as test/section, the text's layout left out" same catch2
	else
		notok "catch2: the test program builds"
	fi
else
	skip "catch2" "g++ or catch2 is not installed"
fi

# ---- Perl's Test::More (TAP with a subtest, SKIP and TODO) ----
if perl -MTest::More -e1 2>/dev/null; then
	mkdir -p "$T/perl"
	cat >"$T/perl/basic.t" <<'EOF'
use strict; use warnings;
use Test::More;
ok(1, 'first works');
is(1 + 2, 4, 'adds numbers');
SKIP: { skip "no network", 1; ok(0, 'fetches'); }
TODO: { local $TODO = "not done"; ok(0, 'future feature'); }
subtest 'grouped' => sub {
    plan tests => 2;
    ok(1, 'inner one');
    is_deeply([1], [2], 'inner two');
};
done_testing();
EOF
	(cd "$T/perl" && perl basic.t >perl.tap 2>/dev/null)
	imports perl "$T/perl/perl.tap"
	cat >"$T/want" <<'EOF'
perl/first works|passed|
perl/adds numbers|failed|
perl/3|skipped|SKIP: no network
perl/future feature|skipped|TODO: not done
perl/grouped/inner one|passed|
perl/grouped/inner two|failed|
perl/grouped|failed|
perl|failed|3 of 7 TAP tests failed: adds numbers, grouped/inner two, grouped
EOF
	check "Test::More: a subtest's points under its name, SKIP and TODO" same perl
else
	skip "Test::More" "perl is not installed"
fi

# ---- node:test (its TAP and JUnit reporters) ----
if has node && node --test-reporter=junit -e 1 >/dev/null 2>&1; then
	version node node --version
	mkdir -p "$T/node"
	cat >"$T/node/demo.test.mjs" <<'EOF'
import test from 'node:test';
import assert from 'node:assert';
test('adds', () => { assert.strictEqual(1 + 1, 2); });
test('fails', () => { assert.strictEqual(1 + 1, 3); });
test('skips', { skip: 'not today' }, () => {});
test('group', async (t) => {
  await t.test('inner ok', () => {});
  await t.test('inner bad', () => { throw new Error('inner <boom> & more'); });
});
EOF
	(cd "$T/node" && node --test --test-reporter=tap demo.test.mjs >node.tap 2>/dev/null
		node --test --test-reporter=junit demo.test.mjs >node.xml 2>/dev/null)
	imports node-tap "$T/node/node.tap"
	cat >"$T/want" <<'EOF'
node/adds|passed|
node/fails|failed|Expected values to be strictly equal:
node/skips|skipped|SKIP: not today
node/group/inner ok|passed|
node/group/inner bad|failed|inner <boom> & more
node/group|failed|1 subtest failed
node|failed|3 of 6 TAP tests failed: fails, group/inner bad, group
EOF
	check "node:test TAP: the YAML error is the message, a passing point has none" same node-tap
	ok_if "node:test TAP: a failure keeps the rest of its block, not its duration" \
		"sql '$db' \"select message from results where test = 'node/fails'\" | grep -q '^stack:' &&
		 ! sql '$db' \"select message from results where test = 'node/fails'\" | grep -q duration_ms"
	imports node-junit "$T/node/node.xml"
	cat >"$T/want" <<'EOF'
test/adds|passed|
test/fails|failed|Expected values to be strictly equal:2 !== 3
test/skips|skipped|not today
group/test/inner ok|passed|
group/test/inner bad|failed|inner <boom> & more
EOF
	check "node:test JUnit" same node-junit
else
	skip "node:test" "node 20 or later is not installed"
fi

# ---- cargo test (libtest's JUnit format, offline) ----
if has cargo && (cd "$T" && cargo new --lib -q --offline crate_demo >/dev/null 2>&1); then
	version cargo cargo --version
	cat >"$T/crate_demo/src/lib.rs" <<'EOF'
#[cfg(test)]
mod tests {
    #[test]
    fn adds() { assert_eq!(1 + 1, 2); }
    #[test]
    fn fails() { assert_eq!(1 + 1, 3, "sum is off"); }
    #[test]
    #[should_panic]
    fn panics() { panic!("expected"); }
}
EOF
	(cd "$T/crate_demo" && RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$T/crate_demo/target" \
		cargo test -q --offline -- --test-threads=1 -Z unstable-options --format junit \
		>out.xml 2>/dev/null)
	imports cargo "$T/crate_demo/out.xml"
	cat >"$T/want" <<'EOF'
test/tests/adds|passed|
test/tests/fails|failed|
test/tests/panics|passed|
EOF
	check "cargo test: module path/test" same cargo
else
	skip "cargo test" "cargo is not installed"
fi

# ---- JUnit files of npm tools, as they wrote them (tests/data/junit/real) ----
real=$(cd "$(dirname "$0")/../.." && pwd)/tests/data/junit/real
imports jest "$real/jest-30.5.2_jest-junit-17.0.0.xml"
cat >"$T/want" <<'EOF'
math/math adds|passed|
math/math fails <here> & there|failed|Error: expect(received).toBe(expected) // Object.is equality
math/math skipped one|skipped|
math/math later thing|passed|
math/math nested deep|passed|
math/top level throws|failed|Error: boom
EOF
check "jest-junit: the describe and title once, no space before a test outside any describe" \
	same jest
imports vitest "$real/vitest-4.1.12.xml"
cat >"$T/want" <<'EOF'
v/math.test.mjs/math > adds|passed|
v/math.test.mjs/math > fails <here> & there|failed|expected 2 to be 3 // Object.is equality
v/math.test.mjs/math > skipped one|skipped|
v/math.test.mjs/math > later thing|skipped|
v/math.test.mjs/math > nested > deep|passed|
v/math.test.mjs/top level throws|failed|boom
EOF
check "vitest: file/describe > title" same vitest
imports mocha "$real/mocha-10.8.2_mocha-junit-reporter-2.2.1.xml"
cat >"$T/want" <<'EOF'
top level throws|failed|boom
math/math adds|passed|
math/math fails <here> & there|failed|Expected values to be strictly equal:  2 !== 3 
nested/math nested deep|passed|
EOF
check "mocha-junit-reporter: the full title once, its 'Root Suite' left out" same mocha
imports playwright "$real/playwright-1.65.2.xml"
cat >"$T/want" <<'EOF'
math.spec.ts/math › adds|passed|
math.spec.ts/math › fails <here> & there|failed|expect(received).toBe(expected) // Object.is equality
math.spec.ts/math › skipped one|skipped|
math.spec.ts/math › later thing|skipped|
math.spec.ts/math › flaky|passed|
math.spec.ts/top level throws|error|boom
EOF
check "playwright: file/describe › title, fixme skipped" same playwright
# Ant's <junit> task with its XML formatter (JUnit 4.13, Java 17): one file
# per class, the class's log at suite level
cat >"$T/want.ant" <<'EOF'
com.acme.CartTest/throwsOnNull|error|cart is null & void
com.acme.CartTest/needsNetwork|skipped|no network here
com.acme.CartTest/appliesCoupon|skipped|pricing service down
com.acme.CartTest/addsAnItem|passed|
com.acme.CartTest/totalsWithTax|failed|total <with> tax expected:<110> but was:<105>
EOF
cp "$T/want.ant" "$T/want"
imports ant "$real/ant-1.10.13_junit-4.13.2.xml"
check "ant: Class/method, assumptions and @Ignore skipped, errors apart from failures" same ant
ok_if "ant: the class's log is the suite's output" \
	"[ \"\$(sql '$db' \"select o.suite || '|' || rtrim(o.stdout_text, char(10)) || '|' || rtrim(o.stderr_text, char(10)) from suite_outputs o join test_runs r on r.id = o.run_id where r.title = 'ant'\")\" = 'com.acme.CartTest|cart log: adding|tax table missing' ]"
# gotestsum --junitfile (Go 1.19): "Failed" over each test's framed log
cat >"$T/want.go" <<'EOF'
example.com/shop/cart/TestTotals|failed|cart_test.go:16: total <with> tax: got 105, want 110
example.com/shop/cart/TestTable/n=-2|failed|cart_test.go:27: -2 is negative
example.com/shop/cart/TestTable|failed|Failed
example.com/shop/cart/TestSkipped|skipped|cart_test.go:20: pricing service down
example.com/shop/cart/TestAdds|passed|
example.com/shop/cart/TestTable/n=1|passed|
EOF
cp "$T/want.go" "$T/want"
imports gotestsum "$real/gotestsum-1.8.2_go-1.19.8.xml"
check "gotestsum: package/test/subtest, the test's own log line as the message" same gotestsum
if has go && has gotestsum; then
	version go go version
	mkdir -p "$T/go/cart"
	printf 'module example.com/shop\n\ngo 1.19\n' >"$T/go/go.mod"
	cp "$real/src/go.cart_test.go" "$T/go/cart/cart_test.go"
	(cd "$T/go" && GOFLAGS=-mod=mod GOCACHE="$T/go/.cache" GOPATH="$T/go/.path" \
		gotestsum --junitfile out.xml ./... >/dev/null 2>&1)
	imports gotestsum-live "$T/go/out.xml"
	sort "$T/want.go" >"$T/want"
	ok_if "gotestsum, run here: the same" "rows gotestsum-live | sort | diff -u '$T/want' -"
else
	skip "gotestsum, run here" "go or gotestsum is not installed"
fi
if has ant && [ -f /usr/share/java/junit4.jar ] && [ -f /usr/share/java/ant-junit4.jar ]; then
	version ant ant -version
	mkdir -p "$T/ant/src/com/acme"
	cp "$real/src/ant.CartTest.java" "$T/ant/src/com/acme/CartTest.java"
	cp "$real/src/ant.build.xml" "$T/ant/build.xml"
	(cd "$T/ant" && ant -q >/dev/null 2>&1)
	imports ant-live "$T/ant/reports/TEST-com.acme.CartTest.xml"
	cp "$T/want.ant" "$T/want"
	check "ant, run here: the same" same ant-live
else
	skip "ant, run here" "ant, junit4 or ant-optional is not installed"
fi

# CTRF from the same tools' CTRF reporters (tests/data/ctrf/real)
ctrf=$(cd "$(dirname "$0")/../.." && pwd)/tests/data/ctrf/real
imports jest-ctrf "$ctrf/jest-30.5.2_jest-ctrf-json-reporter-0.0.11.json"
cat >"$T/want" <<'EOF'
math.test.js > math/math adds|passed|
math.test.js > math/math fails <here> & there|failed|Error: expect(received).toBe(expected) // Object.is equality
math.test.js > math/math skipped one|skipped|
math.test.js > math/math later thing|skipped|
math.test.js > math > nested/math nested deep|passed|
math.test.js/top level throws|failed|Error: boom
EOF
check "jest CTRF: pending and todo ('other') are skipped" same jest-ctrf
imports playwright-ctrf "$ctrf/playwright-1.65.2_playwright-ctrf-json-reporter-0.0.29.json"
cat >"$T/want" <<'EOF'
math.spec.ts/top level throws|failed|Error: boom
math.spec.ts/top level throws|failed|Error: boom
math.spec.ts > math/adds|passed|
math.spec.ts > math/fails <here> & there|failed|Error: expect(received).toBe(expected) // Object.is equality
math.spec.ts > math/fails <here> & there|failed|Error: expect(received).toBe(expected) // Object.is equality
math.spec.ts > math/skipped one|skipped|
math.spec.ts > math/later thing|skipped|
math.spec.ts > math/flaky|failed|Error: expect(received).toBe(expected) // Object.is equality
math.spec.ts > math/flaky|passed|
EOF
check "playwright CTRF: retries are attempts, colours left out of the messages" same playwright-ctrf
ok_if "playwright CTRF: the test that passed on its retry is passed and flaky" \
	"[ \"\$(sql '$db' \"select r.status || '|' || r.attempt from results r join test_runs t on t.id = r.run_id where t.title = 'playwright-ctrf' and r.test = 'math.spec.ts > math/flaky' and r.superseded = 0\")\" = 'passed|2' ]"

# ---- what assay exports of them reads back the same ----
for title in $(sql "$db" "select title from test_runs order by started_at"); do
	for fmt in junit ctrf; do
		run=$(sql "$db" "select id from test_runs where title = '$title'")
		"$ASSAY" export "$run" --db "$db" --format $fmt -o "$T/back.$fmt" >/dev/null &&
			"$ASSAY" import -q --db "$db" --title "back-$fmt-$title" "$T/back.$fmt" \
				>/dev/null 2>"$T/err"
		rows "$title" | sort >"$T/want"
		ok_if "$title: its $fmt export imports with the same tests, statuses and messages" \
			"rows 'back-$fmt-$title' | sort | diff -u '$T/want' -"
	done
done

# ---- the same tools under `assay run` ----
mkdir -p "$T/cat"
{
	echo "project: real-tools"
	echo "tests:"
	if [ -x "$T/gtest/math_test" ]; then
		echo "  gtest:"
		echo "    command: '$T/gtest/math_test --gtest_output=xml:\$ASSAY_JUNIT_FILE'"
		echo "    protocol: junit"
	fi
	if has bats; then
		echo "  bats:"
		echo "    command: bats --tap $T/bats/demo.bats"
		echo "    protocol: tap"
	fi
	if [ -f "$T/pytest/test_demo.py" ]; then
		echo "  pytest:"
		echo "    command: 'cd $T/pytest && /usr/bin/python3 -m pytest -q -p no:cacheprovider --junitxml=\$ASSAY_JUNIT_FILE'"
		echo "    protocol: junit"
	fi
} >"$T/cat/assay.yaml"
if grep -q protocol "$T/cat/assay.yaml"; then
	expect_code 1 "assay run of the tools' own runners: some failed" \
		"$ASSAY" run -q --db "$T/run.db" --catalog "$T/cat/assay.yaml" --title tools
	sub_rows() {
		sql "$T/run.db" "select test || '|' || status from results where parent = '$1' order by seq"
	}
	if [ -x "$T/gtest/math_test" ]; then
		printf '%s\n' 'gtest/Math/Adds|passed' 'gtest/Math/Fails|failed' 'gtest/Math/Skips|skipped' \
			'gtest/Math/DISABLED_Later|skipped' 'gtest/Small/Param/Positive/0|passed' \
			'gtest/Small/Param/Positive/1|failed' >"$T/want"
		ok_if "assay run: GoogleTest's cases are the gtest test's sub-results" \
			"sub_rows gtest >'$T/got'; diff -u '$T/want' '$T/got'"
	fi
	if has bats; then
		printf '%s\n' 'bats/addition works|passed' 'bats/a failing check|failed' \
			'bats/skipped for now|skipped' >"$T/want"
		ok_if "assay run: bats' TAP points are the bats test's sub-results" \
			"sub_rows bats >'$T/got'; diff -u '$T/want' '$T/got'"
	fi
	if [ -f "$T/pytest/test_demo.py" ]; then
		printf '%s\n' 'pytest/test_demo/test_adds|passed' 'pytest/test_demo/test_fails|failed' \
			'pytest/test_demo/test_skipped|skipped' 'pytest/test_demo/test_xfail|skipped' \
			'pytest/test_demo/test_positive[1]|passed' \
			'pytest/test_demo/test_positive[-2]|failed' \
			'pytest/test_demo.TestGroup/test_in_class|passed' \
			'pytest/test_demo/test_setup_error|error' >"$T/want"
		ok_if "assay run: pytest's cases are the pytest test's sub-results" \
			"sub_rows pytest >'$T/got'; diff -u '$T/want' '$T/got'"
	fi
else
	skip "assay run of the tools" "none of gtest, bats, pytest is installed"
fi

done_testing
