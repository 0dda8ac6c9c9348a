#!/usr/bin/env bash
# make-sticky-root.sh DIR - builds a second, small root for
# tests/e2e/host.sh whose only world-writable directory (/tmp) has the
# sticky bit: world-writable-dirs-without-sticky must pass there. Beside
# it, modes one bit away from each tree finding, none of which is one:
# group-writable files and directories, a sticky directory nobody else may
# write, set-gid and set-uid directories; and one set-gid file, the only
# finding. Every entry belongs to an account and a group of the root's
# own /etc/passwd and /etc/group, whoever builds it.
set -euo pipefail
R=$1
mkdir -p "$R"
cd "$R"
mkdir -p etc tmp srv/team srv/sticky-only srv/setuid-dir usr/bin
uid=$(id -u) gid=$(id -g)
{
  echo "root:x:0:0:root:/root:/bin/bash"
  [ "$uid" = 0 ] || echo "builder:x:$uid:$gid::/nonexistent:/usr/sbin/nologin"
} > etc/passwd
{
  echo "root:x:0:"
  [ "$gid" = 0 ] || echo "builder:x:$gid:"
} > etc/group

chmod 1777 tmp                                  # the one world-writable dir
printf 'x\n' > tmp/private && chmod 0600 tmp/private
chmod 0775 srv/team                             # group-writable only
chmod 1755 srv/sticky-only                      # sticky, not writable
chmod 2775 srv                                  # set-gid directory
chmod 4755 srv/setuid-dir                       # set-uid directory
printf 'x\n' > srv/team/notes && chmod 0664 srv/team/notes
printf '#!/bin/sh\n' > usr/bin/wall && chmod 2755 usr/bin/wall
printf '#!/bin/sh\n' > usr/bin/ls && chmod 0755 usr/bin/ls
