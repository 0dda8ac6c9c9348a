/*
 * cli.h - shared pieces of the cloudward command. The command is a client
 * of the public API only (like curl's src/): it includes <cloudward/...>
 * and nothing from the library's src/ folders.
 */
#ifndef CW_CLI_CLI_H
#define CW_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <cloudward/cloudward.h>

/* Exit codes, like linters. */
#define EXIT_OK       0
#define EXIT_FINDINGS 1
#define EXIT_USAGE    2

#define MAX_CATALOG_DIRS 16

/* Options every verb accepts. */
struct cli_common {
    const char *scope;   /* --scope FILE, default ./cloudward.yaml */
    const char *store;   /* --store DIR */
    const char *as_of;   /* --as-of DATE */
    const char *catalog_dirs[MAX_CATALOG_DIRS + 1]; /* --catalog-dir DIR */
    size_t ncatalog_dirs;
};

/* Long-option ids shared by the verbs, above any short option char. */
enum {
    OPT_SCOPE = 256,
    OPT_STORE,
    OPT_AS_OF,
    OPT_CATALOG_DIR,
    OPT_QUIET,
    OPT_ACTOR,
    OPT_FIRST_VERB_OPTION
};

/* --quiet: no summaries or progress, only results and errors. */
extern bool cli_quiet;

/* --actor: who acts, as every verb that writes records it (NULL: not
 * given; see cli_actor). */
extern const char *cli_actor_arg;

/* A note for the person at the terminal (what was written where, counts):
 * on stderr, so that stdout holds only results; nothing with --quiet. */
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The common options' entries of a verb's struct option table. */
#define CLI_COMMON_LONG_OPTIONS                                               \
    { "scope", required_argument, NULL, OPT_SCOPE },                          \
        { "store", required_argument, NULL, OPT_STORE },                      \
        { "as-of", required_argument, NULL, OPT_AS_OF },                      \
        { "catalog-dir", required_argument, NULL, OPT_CATALOG_DIR },      \
        { "quiet", no_argument, NULL, OPT_QUIET },                        \
        { "actor", required_argument, NULL, OPT_ACTOR }

/* Handles one of the common options; returns false if `opt` is not one. */
bool cli_common_option(struct cli_common *c, int opt, const char *arg);

/* Loads the catalogs (embedded + --catalog-dir + $CLOUDWARD_CATALOG_PATH);
 * prints the diagnostic and returns NULL on error. */
struct cw_catalogs *cli_load_catalogs(const struct cli_common *c);

/* The store folder: --store, else $CLOUDWARD_STORE, else .cloudward/
 * beside the scope file. */
void cli_store_dir(const struct cli_common *c, char *out, size_t n);

/* `s` as a JSON string (null for NULL). */
void cli_json_str(FILE *f, const char *s);

/* --format table|json: sets *json; prints the error and returns false
 * for anything else. */
bool cli_table_or_json(const char *arg, bool *json);

/*
 * The sub-verb of `cloudward VERB SUB ...` (argv[1]), one of `subs`
 * (NULL-terminated). Returns -1 with *sub set when it is one, and argv
 * moved on to it (optind reset) for getopt_long; otherwise prints the
 * help (-h, --help) or the usage error and returns the exit code to end
 * with.
 */
int cli_subverb(int *argc, char ***argv, const char *verb,
                const char *const *subs, const char *help, const char **sub);

/* The ledger's actor for this process: $CLOUDWARD_ACTOR, else
 * "uid:N@HOST"; never a login name. */
void cli_actor(char *out, size_t n);

/* Opens an input file for reading: stdin for "-", else a regular file
 * only (a FIFO would hang, a device never end); NULL with the error said. */
FILE *cli_open_input(const char *path);

/* A small text file (a key, a checkpoint) into buf[n], NUL-terminated,
 * through cli_open_input; false with the error said, also when it does
 * not fit. */
bool cli_read_small(const char *path, char *buf, size_t n);

/* "CATALOG ID" of `control` (a bare id or "catalog ID"); prints the error
 * and returns false when it names no control or several. */
bool cli_control_ref(const struct cw_catalogs *cats, const char *control,
                     char *out, size_t n);

/* Brings the store's ledger up to date with the scope and its decisions
 * (cw_ledger_record_scope). Without `create`, a store that has no ledger
 * yet is left alone. Prints the error and returns false on failure. */
bool cli_record_scope(const struct cw_scope *scope, const char *store,
                      bool create, size_t *changes);

/* Prints "cloudward: FILE:LINE:COL: message" to stderr. */
void cli_error_diag(const struct cw_diag *d);
/* Prints "cloudward: message" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int cmd_controls(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_soa(int argc, char **argv);
int cmd_matrix(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_evidence(int argc, char **argv);
int cmd_decisions(int argc, char **argv);
int cmd_results(int argc, char **argv);
int cmd_store(int argc, char **argv);
int cmd_tenant(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_admin(int argc, char **argv);
int cmd_webhook(int argc, char **argv);
int cmd_agent(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_alert(int argc, char **argv);
int cmd_register(int argc, char **argv);
/* Where a config scan found PII may live (scan config
 * --record-locations): cli_location_seen is the scan's on_location
 * (cw_config_options), cli_locations_save makes them locations records
 * of the store (cw_reg_input_locations) and says what it did. */
struct cli_locations {
    struct cw_pii_location *v;
    size_t n, cap;
    bool oom;
};
void cli_location_seen(void *arg, const char *address, const char *type,
                       const char *region, const char *file, unsigned line);
int cli_locations_save(const struct cli_locations *l,
                       const struct cli_common *c, const char *customers,
                       const char *source);
void cli_locations_free(struct cli_locations *l);
int cmd_registers(int argc, char **argv);
int cmd_oscal(int argc, char **argv);
int cmd_scope(int argc, char **argv);
int cmd_package(int argc, char **argv);
int cmd_drift(int argc, char **argv);
int cmd_score(int argc, char **argv);
/* `cloudward serve`: src/server/serve.c (its own module, on the public
 * API too; declared here so that the CLI needs none of its headers). */
int cw_serve(int argc, char **argv);
int cmd_completion(int argc, char **argv);

#endif
