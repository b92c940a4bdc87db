/* gen_junit — writes a JUnit XML file of N test cases, as a large Maven or
 * pytest job would: suites of 1,000 cases, times in seconds, 2% failures
 * carrying a message, a stack trace and some stdout, 1% skipped, and 0.5%
 * flaky cases with a Surefire <flakyFailure>.
 *
 *     gen_junit N > results.xml
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	static char buf[1 << 20];
	setvbuf(stdout, buf, _IOFBF, sizeof(buf));
	printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"bench\">\n");
	for (long i = 0; i < n; i++) {
		long suite = i / 1000;
		if (i % 1000 == 0)
			printf("  <testsuite name=\"org.example.module%ld.Suite%ld\" tests=\"1000\" "
			       "time=\"12.5\" timestamp=\"2026-11-23T10:00:00\">\n",
			       suite % 50, suite);
		const char *cls = "org.example.module";
		if (i % 50 == 7) {
			printf("    <testcase name=\"test_case_%ld\" classname=\"%s%ld.Suite%ld\" "
			       "time=\"0.%03ld\">\n"
			       "      <failure message=\"expected &lt;%ld&gt; but was &lt;%ld&gt;\" "
			       "type=\"org.opentest4j.AssertionFailedError\">expected &lt;%ld&gt; but "
			       "was &lt;%ld&gt;\n"
			       "\tat org.example.Suite%ld.test_case_%ld(Suite%ld.java:%ld)\n"
			       "\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0"
			       "(Native Method)\n</failure>\n"
			       "      <system-out><![CDATA[starting case %ld\nconnecting to "
			       "localhost:5432\nquery returned %ld rows\n]]></system-out>\n"
			       "    </testcase>\n",
			       i, cls, suite % 50, suite, i % 1000, i, i + 1, i, i + 1, suite, i,
			       suite, i % 400, i, i % 97);
		} else if (i % 100 == 3) {
			printf("    <testcase name=\"test_case_%ld\" classname=\"%s%ld.Suite%ld\" "
			       "time=\"0\"><skipped message=\"disabled on linux\"/></testcase>\n",
			       i, cls, suite % 50, suite);
		} else if (i % 200 == 11) {
			printf("    <testcase name=\"test_case_%ld\" classname=\"%s%ld.Suite%ld\" "
			       "time=\"0.%03ld\">\n"
			       "      <flakyFailure message=\"timeout\" type=\"java.net."
			       "SocketTimeoutException\">timed out after 5000 ms</flakyFailure>\n"
			       "    </testcase>\n",
			       i, cls, suite % 50, suite, i % 1000);
		} else {
			printf("    <testcase name=\"test_case_%ld\" classname=\"%s%ld.Suite%ld\" "
			       "time=\"0.%03ld\"/>\n",
			       i, cls, suite % 50, suite, i % 1000);
		}
		if (i % 1000 == 999 || i == n - 1)
			printf("  </testsuite>\n");
	}
	printf("</testsuites>\n");
	return fflush(stdout) == 0 ? 0 : 1;
}
