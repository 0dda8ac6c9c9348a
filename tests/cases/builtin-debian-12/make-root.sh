#!/usr/bin/env bash
# make-root.sh DIR - builds a small Debian 12 root for tests/e2e/pack_debian.sh:
# a host hardened along the built-in debian-12 pack, with planted
# misconfigurations (marked PLANT below) so that a good share of its checks
# fail. tests/cases/builtin-debian-12/expected lists the verdict of every
# check and of every rule a multi-rule check cites.
#
# Run as root, the files belong to root; run as another user they belong to
# that user, and the owner and group checks fail (the expected file writes
# such verdicts ROOT:OTHER).
set -euo pipefail
R=$1
mkdir -p "$R"
cd "$R"
mkdir -p etc/ssh/sshd_config.d etc/sysctl.d usr/lib/sysctl.d etc/security \
  etc/pam.d etc/sudoers.d etc/audit/rules.d etc/audit/plugins.d etc/default \
  etc/modprobe.d etc/apt/apt.conf.d etc/apt/sources.list.d etc/systemd/system \
  etc/cron.d etc/cron.daily etc/cron.hourly etc/cron.weekly etc/cron.monthly \
  etc/chrony/sources.d etc/profile.d etc/rsyslog.d etc/systemd/journald.conf.d \
  usr/lib/systemd/system etc/systemd/system/multi-user.target.wants \
  etc/systemd/system/sockets.target.wants \
  usr/lib/modules/6.1.0-18-amd64/kernel/fs usr/bin usr/sbin boot/grub \
  var/lib/dpkg var/lib/aide var/log/audit root home/alice tmp var/tmp

cat > etc/os-release <<'EOF'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
ID=debian
VERSION_ID="12"
EOF
echo 12.5 > etc/debian_version

# ---- accounts -------------------------------------------------------------
cat > etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
_apt:x:42:65534::/nonexistent:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
sshd:x:100:65534::/run/sshd:/usr/sbin/nologin
games:x:5:60:games:/usr/games:/bin/sh
alice:x:1000:1000:Alice:/home/alice:/bin/bash
EOF
cp etc/passwd etc/passwd-
cat > etc/group <<'EOF'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
shadow:x:42:
games:x:60:
sudo:x:27:alice
nogroup:x:65534:
alice:x:1000:
EOF
cp etc/group etc/group-
cat > etc/shadow <<'EOF'
root:$y$j9T$abcdefghijklmnopqrstu.$ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmno12:19700:1:365:7:30::
daemon:*:19700:0:99999:7:::
bin:*:19700:0:99999:7:::
sys:*:19700:0:99999:7:::
sync:*:19700:0:99999:7:::
_apt:*:19700:0:99999:7:::
nobody:*:19700:0:99999:7:::
sshd:!:19700::::::
games:*:19700:0:99999:7:::
alice:$y$j9T$abcdefghijklmnopqrstu.$ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmno12:19700:1:365:7:30::
EOF
cp etc/shadow etc/shadow-
cat > etc/gshadow <<'EOF'
root:*::
adm:*::
shadow:*::
sudo:*::alice
alice:!::
EOF
cp etc/gshadow etc/gshadow-
chmod 0644 etc/passwd etc/passwd- etc/group
chmod 0640 etc/shadow etc/shadow- etc/gshadow
chmod 0664 etc/group-        # PLANT perm-group-backup: group-writable backup
chmod 0644 etc/gshadow-      # PLANT perm-gshadow-backup: world-readable backup
if [ "$(id -u)" = 0 ]; then
  chgrp 42 etc/shadow etc/shadow- etc/gshadow etc/gshadow-
fi
mkdir -p etc/security
touch etc/security/opasswd
chmod 0600 etc/security/opasswd
cat > etc/shells <<'EOF'
/bin/sh
/bin/bash
/usr/bin/bash
EOF

cat > etc/login.defs <<'EOF'
MAIL_DIR        /var/mail
PASS_MAX_DAYS   365
PASS_MIN_DAYS   1
PASS_WARN_AGE   7
UMASK           027
ENCRYPT_METHOD  YESCRYPT
EOF
cat > etc/default/useradd <<'EOF'
SHELL=/bin/sh
INACTIVE=30
EOF
cat > etc/profile <<'EOF'
PATH="/usr/local/bin:/usr/bin:/bin"
export PATH
umask 027
readonly TMOUT=900
export TMOUT
EOF
cat > etc/bash.bashrc <<'EOF'
umask 027
EOF
cat > root/.profile <<'EOF'
PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
umask 027
EOF
chmod 0700 root

# ---- packages and services ------------------------------------------------
pkgs="openssh-server auditd audispd-plugins sudo rsyslog cron libpam-pwquality
  apparmor grub-common systemd chrony nftables aide telnet postfix gdm3" # PLANT pkg-telnet-client
: > var/lib/dpkg/status
for p in $pkgs; do
  printf 'Package: %s\nStatus: install ok installed\nVersion: 1.0\n\n' "$p" >> var/lib/dpkg/status
done
for u in ssh.service auditd.service rsyslog.service cron.service chrony.service \
         nftables.service apparmor.service; do
  printf '[Unit]\nDescription=%s\n' "$u" > usr/lib/systemd/system/$u
done
for u in ssh.service auditd.service rsyslog.service cron.service chrony.service \
         apparmor.service nftables.service; do
  ln -s /usr/lib/systemd/system/$u etc/systemd/system/multi-user.target.wants/$u
done

# ---- SSH ------------------------------------------------------------------
cat > etc/ssh/sshd_config <<'EOF'
Include /etc/ssh/sshd_config.d/*.conf
PermitRootLogin no
PermitEmptyPasswords no
MaxAuthTries 4
LoginGraceTime 60
ClientAliveInterval 300
ClientAliveCountMax 3
X11Forwarding no
AllowTcpForwarding no
DisableForwarding yes
HostbasedAuthentication no
IgnoreRhosts yes
PermitUserEnvironment no
Banner /etc/issue.net
LogLevel INFO
MaxStartups 10:30:60
MaxSessions 10
UsePAM yes
GSSAPIAuthentication no
AllowGroups sudo
KerberosAuthentication no
StrictModes yes
IgnoreUserKnownHosts yes
PrintLastLog yes
PubkeyAuthentication yes
MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com
Ciphers aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr
EOF
# PLANT ssh-compression: a drop-in read first turns compression on
echo 'Compression yes' > etc/ssh/sshd_config.d/10-legacy.conf
# PLANT ssh-rekey-limit: no RekeyLimit anywhere (the built-in default fails)
chmod 0600 etc/ssh/sshd_config etc/ssh/sshd_config.d/10-legacy.conf
echo 'PRIVATE' > etc/ssh/ssh_host_ed25519_key
echo 'ssh-ed25519 AAAA' > etc/ssh/ssh_host_ed25519_key.pub
chmod 0600 etc/ssh/ssh_host_ed25519_key
chmod 0644 etc/ssh/ssh_host_ed25519_key.pub

# ---- PAM and sudo ---------------------------------------------------------
cat > etc/pam.d/common-auth <<'EOF'
auth	required	pam_faillock.so preauth
auth	[success=1 default=ignore]	pam_unix.so
auth	[default=die]	pam_faillock.so authfail
auth	requisite	pam_deny.so
auth	required	pam_permit.so
EOF
cat > etc/pam.d/common-account <<'EOF'
account	[success=1 new_authtok_reqd=done default=ignore]	pam_unix.so
account	requisite	pam_deny.so
account	required	pam_permit.so
account	required	pam_faillock.so
EOF
cat > etc/pam.d/common-password <<'EOF'
password	requisite	pam_pwquality.so retry=3
password	requisite	pam_pwhistory.so remember=24 enforce_for_root use_authtok
password	[success=1 default=ignore]	pam_unix.so obscure use_authtok try_first_pass yescrypt
password	requisite	pam_deny.so
password	required	pam_permit.so
EOF
cat > etc/pam.d/common-session <<'EOF'
session	[default=1]	pam_permit.so
session	requisite	pam_deny.so
session	required	pam_permit.so
session	required	pam_unix.so
EOF
cat > etc/pam.d/su <<'EOF'
auth       sufficient pam_rootok.so
auth       required   pam_wheel.so use_uid group=sugroup
@include common-auth
EOF
echo 'sugroup:x:1001:' >> etc/group
cat > etc/security/pwquality.conf <<'EOF'
minlen = 14
minclass = 4
difok = 2
maxrepeat = 3
enforce_for_root
EOF
cat > etc/security/faillock.conf <<'EOF'
deny = 5
unlock_time = 900
even_deny_root
EOF
cat > etc/sudoers <<'EOF'
Defaults	env_reset
Defaults	use_pty
Defaults	logfile="/var/log/sudo.log"
Defaults	timestamp_timeout=15
root	ALL=(ALL:ALL) ALL
%sudo	ALL=(ALL:ALL) ALL
@includedir /etc/sudoers.d
EOF
# PLANT sudo-no-nopasswd
echo 'alice ALL=(ALL) NOPASSWD: /usr/bin/apt' > etc/sudoers.d/alice
chmod 0440 etc/sudoers etc/sudoers.d/alice

# ---- files, banners, boot -------------------------------------------------
echo 'Authorised use only.' > etc/issue
echo 'Authorised use only.' > etc/issue.net
echo 'Debian GNU/Linux 12 \n \l' > etc/motd      # PLANT banner: OS details in motd
chmod 0644 etc/issue etc/issue.net etc/motd
cat > etc/default/grub <<'EOF'
GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_CMDLINE_LINUX_DEFAULT="quiet"
GRUB_CMDLINE_LINUX="apparmor=1 security=apparmor audit=1 audit_backlog_limit=8192 spectre_v2=on slab_nomerge=yes iommu=force mce=0 nosmep"
EOF
# PLANT grub-no-nosmep; grub-l1tf and the other missing arguments
cat > boot/grub/grub.cfg <<'EOF'
set superusers="admin"
password_pbkdf2 admin grub.pbkdf2.sha512.10000.ABC
EOF
chmod 0600 boot/grub/grub.cfg
echo 'ffffffff81000000 T _text' > boot/System.map-6.1.0-18-amd64
chmod 0644 boot/System.map-6.1.0-18-amd64     # PLANT perm-system-map
cat > boot/config-6.1.0-18-amd64 <<'EOF'
CONFIG_BUG=y
CONFIG_DEBUG_LIST=y
CONFIG_MODULE_SIG=y
CONFIG_MODULE_SIG_ALL=y
# CONFIG_MODULE_SIG_FORCE is not set
CONFIG_MODULE_SIG_SHA512=y
CONFIG_MODULE_SIG_HASH="sha512"
CONFIG_MODULE_SIG_KEY="certs/signing_key.pem"
CONFIG_RANDOMIZE_BASE=y
CONFIG_RANDOMIZE_MEMORY=y
CONFIG_SLUB_DEBUG=y
CONFIG_DEFAULT_MMAP_MIN_ADDR=65536
CONFIG_PAGE_TABLE_ISOLATION=y
CONFIG_RETPOLINE=y
CONFIG_PANIC_ON_OOPS=y
CONFIG_PANIC_TIMEOUT=0
CONFIG_SECCOMP=y
CONFIG_SECCOMP_FILTER=y
CONFIG_SECURITY=y
CONFIG_SECURITY_YAMA=y
CONFIG_SYN_COOKIES=y
# CONFIG_ACPI_CUSTOM_METHOD is not set
CONFIG_BINFMT_MISC=m
# CONFIG_COMPAT_BRK is not set
CONFIG_DEBUG_FS=y
# CONFIG_DEVKMEM is not set
CONFIG_HIBERNATION=n
CONFIG_IPV6=y
EOF
# PLANT kernel-config-*: MODULE_SIG_FORCE and DEBUG_CREDENTIALS unset,
# BINFMT_MISC, DEBUG_FS and IPV6 built

# ---- kernel parameters and modules ----------------------------------------
cat > etc/sysctl.d/60-hardening.conf <<'EOF'
net.ipv4.ip_forward = 0
net.ipv6.conf.all.forwarding = 0
net.ipv4.conf.all.send_redirects = 0
net.ipv4.conf.default.send_redirects = 0
net.ipv4.conf.all.accept_redirects = 0
net.ipv4.conf.default.accept_redirects = 0
net.ipv6.conf.all.accept_redirects = 0
net.ipv6.conf.default.accept_redirects = 0
net.ipv4.conf.all.secure_redirects = 0
net.ipv4.conf.default.secure_redirects = 0
net.ipv4.conf.all.accept_source_route = 0
net.ipv4.conf.default.accept_source_route = 0
net.ipv6.conf.all.accept_source_route = 0
net.ipv6.conf.default.accept_source_route = 0
net.ipv4.conf.all.log_martians = 1
net.ipv4.conf.default.log_martians = 1
net.ipv4.conf.all.rp_filter = 1
net.ipv4.conf.default.rp_filter = 1
net.ipv4.tcp_syncookies = 1
net.ipv4.icmp_echo_ignore_broadcasts = 1
net.ipv4.icmp_ignore_bogus_error_responses = 1
net.ipv6.conf.all.accept_ra = 0
net.ipv6.conf.default.accept_ra = 0
kernel.randomize_va_space = 2
kernel.yama.ptrace_scope = 1
fs.suid_dumpable = 0
kernel.kptr_restrict = 1
kernel.dmesg_restrict = 1
net.ipv4.conf.all.accept_local = 0
net.ipv4.conf.all.arp_filter = 0
net.ipv4.conf.all.arp_ignore = 0
net.ipv4.conf.all.shared_media = 0
net.ipv4.conf.default.shared_media = 0
kernel.panic_on_oops = 1
EOF
# PLANT sysctl-route-localnet
echo 'net.ipv4.conf.all.route_localnet = 1' > etc/sysctl.d/70-containers.conf
cat > usr/lib/sysctl.d/99-protect-links.conf <<'EOF'
fs.protected_fifos = 1
fs.protected_hardlinks = 1
fs.protected_regular = 2
fs.protected_symlinks = 1
EOF
: > usr/lib/modules/6.1.0-18-amd64/modules.dep
for m in cramfs freevxfs hfs hfsplus jffs2 udf squashfs usb-storage dccp tipc rds sctp uvcvideo; do
  echo "kernel/fs/$m.ko:" >> usr/lib/modules/6.1.0-18-amd64/modules.dep
done
: > usr/lib/modules/6.1.0-18-amd64/modules.builtin
for m in cramfs freevxfs hfs hfsplus jffs2 udf usb-storage dccp tipc rds sctp; do
  printf 'install %s /bin/false\nblacklist %s\n' "$m" "$m" >> etc/modprobe.d/cis.conf
done
# PLANT kmod-squashfs: blacklisted only; kmod-uvcvideo: nothing
echo 'blacklist squashfs' >> etc/modprobe.d/cis.conf

# ---- core dumps, AppArmor -------------------------------------------------
mkdir -p etc/security/limits.d
echo '* hard core 0' > etc/security/limits.d/core.conf
touch etc/security/limits.conf

# ---- audit ----------------------------------------------------------------
cat > etc/audit/auditd.conf <<'EOF'
log_file = /var/log/audit/audit.log
log_format = ENRICHED
log_group = adm
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 8
num_logs = 5
name_format = NONE
max_log_file_action = keep_logs
space_left_action = email
action_mail_acct = root
admin_space_left_action = single
disk_full_action = SUSPEND
disk_error_action = SYSLOG
local_events = yes
write_logs = yes
overflow_action = SYSLOG
EOF
# PLANT auditd-disk-full-*: SUSPEND; auditd-name-format: NONE
chmod 0640 etc/audit/auditd.conf
cat > etc/audit/plugins.d/syslog.conf <<'EOF'
active = no
direction = out
path = /sbin/audisp-syslog
EOF
# PLANT auditd-syslog-plugin: inactive
cat > etc/audit/rules.d/50-scope.rules <<'EOF'
-w /etc/sudoers -p wa -k scope
-w /etc/sudoers.d -p wa -k scope
EOF
cat > etc/audit/rules.d/50-time.rules <<'EOF'
-a always,exit -F arch=b64 -S adjtimex,settimeofday -k time-change
-a always,exit -F arch=b32 -S adjtimex,settimeofday -k time-change
-a always,exit -F arch=b64 -S clock_settime -k time-change
-a always,exit -F arch=b32 -S clock_settime -k time-change
-w /etc/localtime -p wa -k time-change
EOF
# PLANT audit-time-change: clock_settime without a0=0 (the CIS form passes,
# the SSG rule fails); audit-time-stime: no stime rule
cat > etc/audit/rules.d/50-network.rules <<'EOF'
-a always,exit -F arch=b64 -S sethostname,setdomainname -k system-locale
-a always,exit -F arch=b32 -S sethostname,setdomainname -k system-locale
-w /etc/issue -p wa -k system-locale
-w /etc/issue.net -p wa -k system-locale
-w /etc/hosts -p wa -k system-locale
-w /etc/networks -p wa -k system-locale
-w /etc/hostname -p wa -k system-locale
-w /etc/network -p wa -k system-locale
EOF
cat > etc/audit/rules.d/50-identity.rules <<'EOF'
-w /etc/group -p wa -k identity
-w /etc/passwd -p wa -k identity
-w /etc/gshadow -p wa -k identity
-w /etc/shadow -p wa -k identity
-w /etc/security/opasswd -p wa -k identity
EOF
cat > etc/audit/rules.d/50-logins.rules <<'EOF'
-w /var/log/lastlog -p wa -k logins
-w /var/run/faillock -p wa -k logins
-w /var/run/utmp -p wa -k session
-w /var/log/wtmp -p wa -k session
-w /var/log/btmp -p wa -k session
EOF
# PLANT audit-login-records-all: no tallylog watch
cat > etc/audit/rules.d/50-perm_mod.rules <<'EOF'
-a always,exit -F arch=b64 -S chmod,fchmod,fchmodat -F auid>=1000 -F auid!=unset -F key=perm_mod
-a always,exit -F arch=b32 -S chmod,fchmod,fchmodat -F auid>=1000 -F auid!=unset -F key=perm_mod
-a always,exit -F arch=b64 -S chown,fchown,fchownat,lchown -F auid>=1000 -F auid!=unset -F key=perm_mod
-a always,exit -F arch=b32 -S chown,fchown,fchownat,lchown -F auid>=1000 -F auid!=unset -F key=perm_mod
-a always,exit -F arch=b64 -S setxattr,lsetxattr,fsetxattr,removexattr,lremovexattr,fremovexattr -F auid>=1000 -F auid!=unset -F key=perm_mod
EOF
# PLANT audit-perm-mod: the xattr calls have no b32 rule
cat > etc/audit/rules.d/50-mounts.rules <<'EOF'
-a always,exit -F arch=b32 -S mount -F auid>=1000 -F auid!=unset -k mounts
-a always,exit -F arch=b64 -S mount -F auid>=1000 -F auid!=unset -k mounts
-a always,exit -F arch=b32 -S umount,umount2 -F auid>=1000 -F auid!=unset -k mounts
-a always,exit -F arch=b64 -S umount2 -F auid>=1000 -F auid!=unset -k mounts
EOF
cat > etc/audit/rules.d/50-delete.rules <<'EOF'
-a always,exit -F arch=b64 -S rename,unlink,unlinkat,renameat -F auid>=1000 -F auid!=unset -k delete
-a always,exit -F arch=b32 -S rename,unlink,unlinkat,renameat -F auid>=1000 -F auid!=unset -k delete
EOF
# PLANT audit-deletions-rmdir: no rmdir
cat > etc/audit/rules.d/50-access.rules <<'EOF'
-a always,exit -F arch=b64 -S creat,open,openat,truncate,ftruncate -F exit=-EACCES -F auid>=1000 -F auid!=unset -k access
-a always,exit -F arch=b64 -S creat,open,openat,truncate,ftruncate -F exit=-EPERM -F auid>=1000 -F auid!=unset -k access
-a always,exit -F arch=b32 -S creat,open,openat,truncate,ftruncate -F exit=-EACCES -F auid>=1000 -F auid!=unset -k access
-a always,exit -F arch=b32 -S creat,open,openat,truncate,ftruncate -F exit=-EPERM -F auid>=1000 -F auid!=unset -k access
EOF
# PLANT audit-access-denied-handles: no open_by_handle_at
cat > etc/audit/rules.d/50-modules.rules <<'EOF'
-a always,exit -F arch=b64 -S init_module,finit_module,delete_module -F auid>=1000 -F auid!=unset -k kernel_modules
-a always,exit -F arch=b32 -S init_module,finit_module -F auid>=1000 -F auid!=unset -k kernel_modules
-a always,exit -F path=/usr/bin/kmod -F perm=x -F auid>=1000 -F auid!=unset -k kernel_modules
EOF
# PLANT audit-kernel-modules: delete_module has no b32 rule (SSG), the CIS form holds
cat > etc/audit/rules.d/50-privileged.rules <<'EOF'
-a always,exit -F path=/usr/sbin/poweroff -F auid>=1000 -F auid!=unset -k privileged
-a always,exit -F path=/usr/sbin/reboot -F auid>=1000 -F auid!=unset -k privileged
-a always,exit -F path=/usr/sbin/shutdown -F auid>=1000 -F auid!=unset -k privileged
-a always,exit -F path=/usr/sbin/init -F auid>=1000 -F auid!=unset -k privileged
EOF
cat > etc/audit/rules.d/50-MAC-policy.rules <<'EOF'
-w /etc/apparmor/ -p wa -k MAC-policy
-w /etc/apparmor.d/ -p wa -k MAC-policy
EOF
echo '-e 2' > etc/audit/rules.d/99-finalize.rules
chmod 0640 etc/audit/rules.d/*.rules
chmod 0640 etc/audit/plugins.d/syslog.conf
ln -s usr/sbin sbin
for t in auditctl aureport ausearch autrace auditd augenrules; do
  printf '#!/bin/sh\n' > usr/sbin/$t
  chmod 0755 usr/sbin/$t
done
chmod 0775 usr/sbin/aureport          # PLANT audit-tools-perms: group-writable
# PLANT audit-elevated-actions, audit-chcon, audit-setfacl, audit-chacl: no rules
echo '-w /var/log/sudo.log -p wa -k sudo_log_file' > etc/audit/rules.d/50-sudo.rules
echo '-a always,exit -F path=/usr/sbin/usermod -F perm=x -F auid>=1000 -F auid!=unset -k usermod' \
  > etc/audit/rules.d/50-usermod.rules
chmod 0640 etc/audit/rules.d/*.rules
chmod 0750 var/log/audit
touch var/log/audit/audit.log
chmod 0600 var/log/audit/audit.log

# ---- logging --------------------------------------------------------------
cat > etc/systemd/journald.conf <<'EOF'
[Journal]
Storage=persistent
Compress=yes
ForwardToSyslog=yes
EOF
cat > etc/rsyslog.conf <<'EOF'
module(load="imuxsock")
$FileOwner root
$FileGroup adm
$FileCreateMode 0640
$DefaultNetstreamDriver gtls
$ActionSendStreamDriverMode 1
*.* @@loghost.example.org:514
*.*;auth,authpriv.none  -/var/log/syslog
auth,authpriv.*         /var/log/auth.log
EOF
chmod 0755 var/log
touch var/log/syslog var/log/auth.log var/log/messages
chmod 0640 var/log/syslog var/log/auth.log
chmod 0644 var/log/messages     # PLANT log-messages-file, log-file-perms
# PLANT rsyslog-forward-tls: no $ActionSendStreamDriverAuthMode
if [ "$(id -u)" = 0 ]; then chgrp 4 var/log/syslog var/log/auth.log; fi

# ---- cron, time, apt, aide ------------------------------------------------
echo 'SHELL=/bin/sh' > etc/crontab
chmod 0600 etc/crontab
chmod 0700 etc/cron.d etc/cron.daily etc/cron.hourly etc/cron.weekly etc/cron.monthly
echo root > etc/cron.allow
chmod 0640 etc/cron.allow
cat > etc/chrony/chrony.conf <<'EOF'
pool 2.debian.pool.ntp.org iburst
sourcedir /etc/chrony/sources.d
EOF
cat > etc/apt/sources.list <<'EOF'
deb http://deb.debian.org/debian bookworm main
deb http://security.debian.org/debian-security bookworm-security main
EOF
echo 'APT::Get::AllowUnauthenticated "false";' > etc/apt/apt.conf.d/99security
touch var/lib/aide/aide.db.new
printf '#!/bin/sh\n' > etc/cron.daily/aide
mkdir -p etc/aide
for t in auditctl auditd ausearch aureport autrace; do   # PLANT aide-audit-tools: no augenrules
  echo "/sbin/$t p+i+n+u+g+s+b+acl+xattrs+sha512"
done > etc/aide/aide.conf
chmod 0700 etc/cron.daily/aide
# PLANT aide-database: aide.db was never copied into place

mkdir -p etc/postfix
echo 'inet_interfaces = all' > etc/postfix/main.cf   # PLANT mta-local-only

# ---- GNOME display manager -----------------------------------------------
mkdir -p etc/gdm3 etc/dconf/db/gdm.d etc/dconf/db/local.d/locks
printf '[daemon]\n\n[xdmcp]\nEnable=true\n' > etc/gdm3/daemon.conf   # PLANT gdm-xdmcp-disabled
cat > etc/dconf/db/gdm.d/01-banner-message <<'DCONF'
[org/gnome/login-screen]
banner-message-enable=true
banner-message-text='Authorised use only'
disable-user-list=true
DCONF
printf '[org/gnome/desktop/session]\nidle-delay=uint32 900\n[org/gnome/desktop/screensaver]\nlock-delay=uint32 5\n' \
  > etc/dconf/db/local.d/00-screensaver
printf '/org/gnome/desktop/session/idle-delay\n/org/gnome/desktop/screensaver/lock-delay\n' \
  > etc/dconf/db/local.d/locks/00-screensaver
printf '[org/gnome/desktop/media-handling]\nautomount=false\nautomount-open=false\n' \
  > etc/dconf/db/local.d/00-media-automount
# PLANT gdm-automount-locked, gdm-autorun-never, gdm-autorun-locked: not set

# ---- mounts and firewall --------------------------------------------------
cat > etc/fstab <<'EOF'
UUID=0a1b  /         ext4  defaults  0 1
UUID=2c3d  /home     ext4  defaults,nodev,nosuid  0 2
UUID=4e5f  /var      ext4  defaults  0 2
tmpfs      /tmp      tmpfs defaults,nodev,nosuid,noexec  0 0
tmpfs      /dev/shm  tmpfs defaults,nodev,nosuid  0 0
EOF
# PLANT mount-dev-shm-options: no noexec on /dev/shm
cat > etc/nftables.conf <<'EOF'
#!/usr/sbin/nft -f
flush ruleset
table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    iif "lo" accept
    ip saddr 127.0.0.0/8 counter drop
    ct state established,related accept
    tcp dport 22 accept
  }
  chain forward { type filter hook forward priority 0; policy drop; }
  chain output { type filter hook output priority 0; policy accept; }
}
EOF
# PLANT nftables-loopback: no ::1 rule; nftables-default-deny: output accepts

# ---- whole-tree plants -----------------------------------------------------
chmod 0755 tmp var/tmp
chmod 1777 tmp var/tmp
echo x > usr/bin/tool
chmod 0755 usr/bin/tool
echo 'data' > home/alice/notes
chmod 0666 home/alice/notes      # PLANT world-writable-files
chmod 0750 home/alice
