/*
 * serve.h - `cloudward serve` (serve.c): the HTTP server, built on the
 * public API only.
 */
#ifndef CW_SERVER_SERVE_H
#define CW_SERVER_SERVE_H

/* Runs the server with the arguments after "serve"; returns the exit
 * status once it has stopped (SIGTERM, SIGINT). */
int cw_serve(int argc, char **argv);

#endif
