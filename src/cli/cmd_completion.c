/*
 * cmd_completion.c - `cloudward completion bash|zsh|fish`: a script that
 * completes verbs, sub-verbs, options and file names. Install it with
 * `cloudward completion bash > /etc/bash_completion.d/cloudward` (or source
 * it from a shell's start-up file). The word lists are written once here,
 * from the verbs' own tables; tests/e2e/cli.sh checks the bash script by
 * running it.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char verbs[] = "controls init soa matrix scan query log evidence "
                            "decisions results store tenant token webhook "
                            "register registers oscal scope package drift score "
                            "agent monitor alert "
                            "admin "
                            "serve "
                            "completion "
                            "version";

/* verb: its sub-verbs */
static const char *const subs[][2] = {
    { "controls", "list show" },
    { "scan", "host config" },
    { "log", "append show verify prove checkpoint consistency vkey check" },
    { "evidence", "add list verify export" },
    { "decisions", "record history" },
    { "results", "list show diff" },
    { "store", "migrate" },
    { "tenant", "add list" },
    { "token", "create revoke list" },
    { "webhook", "set list remove" },
    { "register", "contracts locations subprocessors disclosures breaches "
                  "instructions returns temp-erasure principal-requests "
                  "restorations user-records" },
    { "registers", "due import" },
    { "oscal", "catalog profile component ssp assessment-results poam all" },
    { "scope", "import-provider" },
    { "package", "vkey verify" },
    { "agent", "token list revoke enroll run status" },
    { "monitor", "check sweep" },
    { "alert", "list assign ack resolve" },
    { "admin", "user" },
    { "completion", "bash zsh fish" },
};

static const char common_opts[] = "--scope --store --catalog-dir --as-of "
                                  "--quiet --actor --help --format --output";

/* verb: options of its own */
static const char *const opts[][2] = {
    { "controls", "--catalog --clause --cloud --pii --role" },
    { "init", "--organisation --role --service-model --pii --no-pii --force" },
    { "soa", "--expiring-days --as-recorded" },
    { "matrix", "--service-model --expiring-days --as-recorded" },
    { "scan", "--root --pack --fail-on --no-save --type --jobs --sarif-all "
              "--record-locations --customers" },
    { "log", "--action --target --tenant --outcome --reason --details "
             "--from --batch --size --vkey --checkpoint --offset --limit" },
    { "evidence", "--control --effective --expires --follow" },
    { "store", "--from --to" },
    { "tenant", "--name" },
    { "token", "--name --role --tenant --days" },
    { "webhook", "--tenant --url --provider" },
    { "agent", "--expires-in --server --token --dir --pack --host --interval "
               "--cacert --root --queue-max --send-only" },
    { "monitor", "--config" },
    { "alert", "--state --limit" },
    { "register", "--file --id --at --tenant" },
    { "registers", "--within --at --tenant" },
    { "oscal", "--catalog --pack" },
    { "package", "--vkey --since" },
    { "drift", "--since --within --fail-on" },
    { "score", "--by --explain --catalog --actions --history --since" },
};

static const char help[] =
    "usage: cloudward completion bash|zsh|fish\n"
    "\n"
    "Prints a completion script for the shell: verbs, sub-verbs, options\n"
    "and file names. For example:\n"
    "  cloudward completion bash > /etc/bash_completion.d/cloudward\n"
    "  cloudward completion fish > ~/.config/fish/completions/cloudward.fish\n"
    "  echo 'source <(cloudward completion zsh)' >> ~/.zshrc\n";

static void bash(void)
{
    size_t i;

    printf("# bash completion for cloudward (cloudward completion bash)\n"
           "_cloudward() {\n"
           "  local cur=${COMP_WORDS[COMP_CWORD]} verb=${COMP_WORDS[1]}\n"
           "  local subs='' opts='%s'\n"
           "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
           "    COMPREPLY=($(compgen -W '%s' -- \"$cur\"))\n"
           "    return\n"
           "  fi\n"
           "  case $verb in\n",
           common_opts, verbs);
    for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
        printf("    %s) subs='%s' ;;\n", subs[i][0], subs[i][1]);
    printf("  esac\n  case $verb in\n");
    for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
        printf("    %s) opts=\"$opts %s\" ;;\n", opts[i][0], opts[i][1]);
    printf("  esac\n"
           "  if [ \"$COMP_CWORD\" -eq 2 ] && [ -n \"$subs\" ]; then\n"
           "    COMPREPLY=($(compgen -W \"$subs\" -- \"$cur\"))\n"
           "    return\n"
           "  fi\n"
           "  case $cur in\n"
           "    -*) COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\")) ;;\n"
           "    *) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
           "  esac\n"
           "}\n"
           "complete -o filenames -F _cloudward cloudward\n");
}

static void fish(void)
{
    size_t i;
    char buf[512], *w, *save = NULL;

    printf("# fish completion for cloudward (cloudward completion fish)\n"
           "complete -c cloudward -f -n __fish_use_subcommand -a '%s'\n",
           verbs);
    for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
        printf("complete -c cloudward -f -n '__fish_seen_subcommand_from %s' "
               "-a '%s'\n",
               subs[i][0], subs[i][1]);
    snprintf(buf, sizeof(buf), "%s", common_opts);
    for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
        printf("complete -c cloudward -l %s\n", w + 2);
    for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        snprintf(buf, sizeof(buf), "%s", opts[i][1]);
        save = NULL;
        for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
            printf("complete -c cloudward -n '__fish_seen_subcommand_from "
                   "%s' -l %s\n",
                   opts[i][0], w + 2);
    }
}

int cmd_completion(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "bash") == 0) {
        bash();
        return EXIT_OK;
    }
    if (argc == 2 && strcmp(argv[1], "zsh") == 0) {
        /* zsh runs the bash function through its bashcompinit layer. */
        printf("autoload -U +X bashcompinit && bashcompinit\n");
        bash();
        return EXIT_OK;
    }
    if (argc == 2 && strcmp(argv[1], "fish") == 0) {
        fish();
        return EXIT_OK;
    }
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
                      strcmp(argv[1], "--help") == 0)) {
        fputs(help, stdout);
        return EXIT_OK;
    }
    fputs(help, stderr);
    return EXIT_USAGE;
}
