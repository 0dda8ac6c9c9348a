/*
 * serve.h - `cloudward serve` (serve.c): the HTTP server, built on the
 * public API only.
 */
#ifndef CW_SERVER_SERVE_H
#define CW_SERVER_SERVE_H

/* Runs the server with the arguments after "serve"; returns the exit
 * status once it has stopped (SIGTERM, SIGINT). */
int cw_serve(int argc, char **argv);

/* For the request fuzzer (fuzz/fuzz_http.c): the server's state for
 * `store`, a daemon that listens on nothing (connections are handed to
 * it with MHD_add_connection), and its stop. */
struct MHD_Daemon;
int serve_init(const char *store);
struct MHD_Daemon *serve_unlistened(void);
void serve_finish(struct MHD_Daemon *d);

#endif
