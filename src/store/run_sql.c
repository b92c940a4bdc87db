/* run_sql — see run_sql.h. */
#include "util/base.h"

#include "model/status.h"
#include "store/run_sql.h"
#include "util/buf.h"

void run_sql_build(char mark, char **select, char **update)
{
	struct buf sel = BUF_INIT, upd = BUF_INIT;
	buf_adds(&sel, "SELECT " RUN_FIXED_COLUMNS);
	buf_adds(&upd, "UPDATE test_runs SET ");
	for (int sub = 0; sub < 2; sub++) {
		for (int i = 0; i < RS__COUNT; i++) {
			const char *pre = sub ? "sub_n_" : "n_";
			const char *name = status_name((enum result_status)i);
			buf_addf(&sel, ", r.%s%s", pre, name);
			buf_addf(&upd, "%s%s%s = %s%s + %c%d", sub || i ? ", " : "", pre, name, pre,
				 name, mark, sub * RS__COUNT + i + 1);
		}
	}
	buf_adds(&sel, " FROM test_runs r JOIN projects p ON p.id = r.project_id");
	buf_addf(&upd, ", n_flaky = n_flaky + %c%d WHERE id = %c%d", mark, 2 * RS__COUNT + 1,
		 mark, 2 * RS__COUNT + 2);
	*select = buf_detach(&sel);
	*update = buf_detach(&upd);
}
