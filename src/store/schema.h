/* schema — the migrations embedded in the binary (generated from
 * store/schema/NNNN_<what>.sql by scripts/embed-sql.sh). Applied in order by
 * the backends; the table schema_version records the highest applied. */
#ifndef ASSAY_STORE_SCHEMA_H
#define ASSAY_STORE_SCHEMA_H

struct schema_migration {
	int version;      /* NNNN from the file name; 0 ends the array */
	const char *name; /* "0001_init" */
	const char *sql;
};

extern const struct schema_migration schema_migrations[];

#endif
