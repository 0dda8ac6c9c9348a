#!/usr/bin/env bash
# make-root.sh DIR - builds a small Debian-like root with planted
# misconfigurations for tests/e2e/host.sh. Every plant is named in
# probes.yaml by the check that must catch it.
set -euo pipefail
R=$1
mkdir -p "$R"
cd "$R"
mkdir -p etc/ssh/sshd_config.d etc/sysctl.d usr/lib/sysctl.d etc/security/pwquality.conf.d \
  etc/pam.d etc/sudoers.d etc/audit/rules.d usr/bin usr/local/bin usr/share/zoneinfo \
  var/lib/dpkg usr/lib/systemd/system etc/systemd/system/multi-user.target.wants \
  etc/modprobe.d usr/lib/modules/6.1.0-test tmp var/share opt
ln -s usr/lib lib                       # merged /usr, a relative link
ln -s /usr/share/zoneinfo/UTC etc/localtime   # absolute: must stay in the root
echo "TZif" > usr/share/zoneinfo/UTC
ln -s /../../../../etc/shadow etc/escape-link # cannot climb out of the root

cat > etc/os-release <<'EOF'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
ID=debian
VERSION_ID="12"
EOF
cat > etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
games:x:5:60:games:/usr/games:/bin/sh
toor:x:0:0::/root:/bin/bash
alice:x:1000:1000::/home/alice:/bin/bash
EOF
cat > etc/group <<'EOF'
root:x:0:
daemon:x:1:
games:x:60:
shadow:x:42:alice
alice:x:1000:
EOF
cat > etc/shadow <<'EOF'
root:$y$j9T$salt$hash:19000:0:99999:7:::
daemon:*:19000:0:99999:7:::
games:*:19000:0:99999:7:::
toor:!:19000:0:99999:7:::
alice::19000:0:90:7:30::
EOF
chmod 0640 etc/shadow
chgrp 42 etc/shadow 2>/dev/null || true

# sshd: the drop-in comes first through Include, so its value wins.
cat > etc/ssh/sshd_config <<'EOF'
Include /etc/ssh/sshd_config.d/*.conf
PermitRootLogin yes
X11Forwarding yes
Match User alice
    PasswordAuthentication yes
EOF
chmod 0644 etc/ssh/sshd_config
printf 'PermitRootLogin no\nMaxAuthTries 10\n' > etc/ssh/sshd_config.d/10-local.conf

# sysctl: sysctl.conf reads as 99-sysctl.conf; 99-zz-local.conf sorts later.
printf 'net.ipv4.ip_forward = 0\nkernel.randomize_va_space=2\n' > etc/sysctl.conf
printf 'net.ipv4.ip_forward = 1\n' > etc/sysctl.d/99-zz-local.conf
printf 'kernel.randomize_va_space = 0\n' > usr/lib/sysctl.d/10-defaults.conf
printf 'net.ipv4.tcp_syncookies=0\n' > usr/lib/sysctl.d/50-same.conf
printf 'net.ipv4.tcp_syncookies = 1\n' > etc/sysctl.d/50-same.conf

printf 'PASS_MAX_DAYS 99999\nPASS_MAX_DAYS 90\nUMASK 022\n' > etc/login.defs
printf 'minlen = 8\n' > etc/security/pwquality.conf
printf 'minlen = 14\n' > etc/security/pwquality.conf.d/50-site.conf
cat > etc/journald.conf <<'EOF'
[Journal]
Storage=persistent
[Other]
Compress=no
EOF

cat > etc/pam.d/common-password <<'EOF'
password [success=1 default=ignore] pam_unix.so obscure yescrypt
password requisite pam_deny.so
EOF
printf 'auth [success=1 default=ignore] pam_unix.so nullok\n' > etc/pam.d/common-auth
printf '@include common-auth\naccount include common-account\n' > etc/pam.d/sshd

cat > etc/sudoers <<'EOF'
Defaults env_reset
#Defaults use_pty
@includedir /etc/sudoers.d
EOF
printf 'ops ALL=(ALL) NOPASSWD: ALL\n' > etc/sudoers.d/ops
printf 'Defaults use_pty\n' > etc/sudoers.d/ignored.bak

printf '# -w /etc/sudoers -p wa -k scope\n-w   /etc/passwd -p wa -k identity\n' \
  > etc/audit/rules.d/50-scope.rules

printf 'x\n' > etc/ww.conf && chmod 0666 etc/ww.conf
chmod 1777 tmp                          # world-writable, sticky: not reported
printf 'x\n' > tmp/scratch && chmod 0666 tmp/scratch  # inside it: reported
chmod 0777 var/share
mkdir var/share/inner && chmod 0777 var/share/inner   # nested: both reported
mkdir srv srv/sticky-only && chmod 2775 srv && chmod 1755 srv/sticky-only
printf 'x\n' > srv/team.conf && chmod 0664 srv/team.conf  # group-writable only
printf '#!/bin/sh\n' > usr/bin/passwd && chmod 4755 usr/bin/passwd
printf '#!/bin/sh\n' > usr/local/bin/backdoor && chmod 4755 usr/local/bin/backdoor
printf 'x\n' > opt/orphan
if [ "$(id -u)" = 0 ]; then chown 4242:4242 opt/orphan; fi

cat > var/lib/dpkg/status <<'EOF'
Package: openssh-server
Status: install ok installed
Version: 1:9.2p1-2

Package: telnetd
Status: deinstall ok config-files
Version: 0.17

Package: auditd
Status: install ok installed

Package: rsh-server
Status: hold ok installed
EOF

printf '[Unit]\n' > usr/lib/systemd/system/auditd.service
printf '[Unit]\n' > usr/lib/systemd/system/avahi-daemon.service
printf '[Unit]\n' > usr/lib/systemd/system/rsync.service
ln -s /lib/systemd/system/auditd.service etc/systemd/system/multi-user.target.wants/auditd.service
ln -s /dev/null etc/systemd/system/rsync.service

cat > etc/fstab <<'EOF'
# <file system> <mount point> <type> <options> <dump> <pass>
/dev/sda1 / ext4 defaults 0 1
tmpfs /tmp tmpfs defaults,nosuid 0 0
/dev/sda2 /var/tmp ext4 nodev,nosuid,noexec 0 2
/dev/sda3 none swap sw 0 0
EOF

printf 'install cramfs /bin/false\nblacklist cramfs\ninstall udf /bin/true\n' > etc/modprobe.d/cis.conf
cat > usr/lib/modules/6.1.0-test/modules.dep <<'EOF'
kernel/fs/cramfs/cramfs.ko.xz:
kernel/fs/udf/udf.ko.xz: kernel/lib/crc-itu-t.ko.xz
kernel/drivers/usb/storage/usb-storage.ko.xz:
EOF
printf 'Debian GNU/Linux \\r\n' > etc/issue.net
printf 'kernel/fs/hfsplus/hfsplus.ko\n' > usr/lib/modules/6.1.0-test/modules.builtin
printf 'net.ipv4.conf.default.rp_filter = 2\nnet.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.all.rp_filter\n' \
  > usr/lib/sysctl.d/50-default.conf
