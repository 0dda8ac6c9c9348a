#!/usr/bin/env bash
# make-root.sh DIR - builds a small Ubuntu 24.04 root for
# tests/e2e/pack_ubuntu.sh: a server hardened along the built-in ubuntu-24.04
# pack, with planted misconfigurations (each marked PLANT) so that a good
# share of the checks fail. tests/cases/builtin-ubuntu-24.04/expected lists
# the verdict of every check, and of every rule a multi-rule check cites.
#
# As root the files belong to root. As another user they belong to that
# user, and the owner and group tests fail: the expected file writes those
# verdicts AS-ROOT:AS-OTHER.
set -euo pipefail
umask 022   # the modes below must not depend on the caller's umask
R=$1
mkdir -p "$R"
cd "$R"

d() { mkdir -p "$@"; }
# w PATH MODE: write stdin to PATH with MODE
w() { mkdir -p "$(dirname "$1")"; cat > "$1"; chmod "$2" "$1"; }

d etc/ssh/sshd_config.d etc/sysctl.d usr/lib/sysctl.d etc/security etc/pam.d \
  etc/sudoers.d etc/audit/rules.d etc/audit/plugins.d etc/default etc/modprobe.d \
  etc/apt/apt.conf.d etc/apt/sources.list.d etc/systemd/system/multi-user.target.wants \
  etc/systemd/system/sockets.target.wants etc/systemd/system/timers.target.wants \
  etc/systemd/journald.conf.d etc/systemd/coredump.conf.d etc/rsyslog.d \
  etc/profile.d etc/update-motd.d etc/ufw etc/apparmor.d etc/apparmor etc/postfix \
  usr/lib/systemd/system/sysinit.target.wants usr/sbin usr/bin boot/grub \
  var/lib/dpkg var/log/audit var/log/journal root home/alice tmp var/tmp

w etc/os-release 0644 <<'EOF'
PRETTY_NAME="Ubuntu 24.04.1 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
EOF

# ---- accounts ----------------------------------------------------------------
w etc/passwd 0644 <<'EOF'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
syslog:x:102:102::/nonexistent:/usr/sbin/nologin
sshd:x:104:65534::/run/sshd:/usr/sbin/nologin
_chrony:x:105:107:Chrony daemon,,,:/var/lib/chrony:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
alice:x:1000:1000:Alice:/home/alice:/bin/bash
EOF
w etc/passwd- 0644 < etc/passwd
# PLANT: a system account with a login shell (and a primary group, 60, that
# /etc/group lacks), and an account without a password
cat >> etc/passwd <<'EOF'
games:x:5:60:games:/usr/games:/bin/sh
bob:x:1001:1000:Bob:/home/bob:/bin/bash
EOF
w etc/group 0644 <<'EOF'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:syslog
shadow:x:42:
crontab:x:106:
syslog:x:102:
_chrony:x:107:
sudo:x:27:alice
nogroup:x:65534:
alice:x:1000:
EOF
w etc/group- 0644 < etc/group
H='$y$j9T$Qm2fJk8c1xYzAbCdEfGhI.$Zq1w2e3r4t5y6u7i8o9p0aSdFgHjKlZxCvBnM1234'
w etc/shadow 0640 <<EOF
root:$H:19800:7:60:7:30::
daemon:*:19800:0:99999:7:::
bin:*:19800:0:99999:7:::
sys:*:19800:0:99999:7:::
sync:*:19800:0:99999:7:::
syslog:*:19800:0:99999:7:::
sshd:!:19800::::::
_chrony:!:19800::::::
nobody:*:19800:0:99999:7:::
alice:$H:19800:1:365:7:30::
EOF
w etc/shadow- 0640 < etc/shadow
cat >> etc/shadow <<'EOF'
games:*:19800:0:99999:7:::
bob::19800:1:365:7:30::
EOF
w etc/gshadow 0640 <<'EOF'
root:*::
adm:*::syslog
shadow:*::
crontab:!::
sudo:*::alice
alice:!::
EOF
w etc/gshadow- 0644 < etc/gshadow        # PLANT: the gshadow backup is world-readable
# The shadow files belong to group shadow (gid 42), as Ubuntu ships them;
# only root can give them that group.
chgrp 42 etc/shadow etc/shadow- etc/gshadow etc/gshadow- 2>/dev/null || true
w etc/shells 0644 <<'EOF'
/bin/sh
/bin/bash
/usr/bin/bash
/bin/dash
EOF
w etc/security/opasswd 0600 < /dev/null
w etc/security/opasswd.old 0644 < /dev/null  # PLANT: world-readable history
w etc/login.defs 0644 <<'EOF'
MAIL_DIR        /var/mail
PASS_MAX_DAYS   365
PASS_MIN_DAYS   1
PASS_WARN_AGE   7
UMASK           027
ENCRYPT_METHOD  SHA256
EOF
# PLANT above: SHA256 password hashes
w etc/default/useradd 0644 <<'EOF'
SHELL=/bin/bash
INACTIVE=30
EOF
w etc/profile 0644 <<'EOF'
if [ "${PS1-}" ]; then
  PS1='\u@\h:\w\$ '
fi
umask 022
for i in /etc/profile.d/*.sh; do [ -r "$i" ] && . "$i"; done
EOF
# PLANT above: /etc/profile sets umask 022
w etc/profile.d/tmout.sh 0644 <<'EOF'
readonly TMOUT=900
export TMOUT
EOF
w etc/bash.bashrc 0644 <<'EOF'
[ -z "$PS1" ] && return
EOF

# ---- SSH ----
# PLANT below: sshd_config says PermitUserEnvironment yes; the drop-in's "no"
# comes first and wins, but the file still says yes.----------------------------------------------------------------
w etc/ssh/sshd_config 0600 <<'EOF'
Include /etc/ssh/sshd_config.d/*.conf
KbdInteractiveAuthentication no
UsePAM yes
PermitUserEnvironment yes
X11Forwarding yes
PrintMotd no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
w etc/ssh/sshd_config.d/50-hardening.conf 0600 <<'EOF'
PermitRootLogin no
PermitEmptyPasswords no
HostbasedAuthentication no
IgnoreRhosts yes
MaxAuthTries 4
LoginGraceTime 60
ClientAliveInterval 15
ClientAliveCountMax 3
LogLevel VERBOSE
PermitUserEnvironment no
DisableForwarding yes
GSSAPIAuthentication no
MaxSessions 10
MaxStartups 10:30:60
Banner /etc/issue.net
Ciphers aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr,chacha20-poly1305@openssh.com
MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512,hmac-sha2-256
KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,ecdh-sha2-nistp521,ecdh-sha2-nistp384,ecdh-sha2-nistp256,diffie-hellman-group-exchange-sha256
AllowGroups sudo
PasswordAuthentication no
EOF
w etc/ssh/ssh_host_ed25519_key 0600 <<< 'not a key'
w etc/ssh/ssh_host_ed25519_key.pub 0644 <<< 'ssh-ed25519 AAAA test'
w etc/ssh/ssh_host_rsa_key 0640 <<< 'not a key'   # PLANT: group-readable host key
w etc/ssh/ssh_host_rsa_key.pub 0644 <<< 'ssh-rsa AAAA test'

# ---- PAM ----------------------------------------------------------------------
w etc/pam.d/common-auth 0644 <<'EOF'
auth    required                        pam_faillock.so preauth
auth    [success=2 default=ignore]      pam_unix.so
auth    [default=die]                   pam_faillock.so authfail
auth    requisite                       pam_deny.so
auth    required                        pam_permit.so
EOF
w etc/pam.d/common-account 0644 <<'EOF'
account [success=1 new_authtok_reqd=done default=ignore] pam_unix.so
account requisite                       pam_deny.so
account required                        pam_permit.so
account required                        pam_faillock.so
EOF
w etc/pam.d/common-password 0644 <<'EOF'
password requisite                      pam_pwquality.so retry=3
password requisite                      pam_pwhistory.so remember=24 enforce_for_root try_first_pass use_authtok
password [success=1 default=ignore]     pam_unix.so obscure use_authtok try_first_pass yescrypt remember=5
password requisite                      pam_deny.so
password required                       pam_permit.so
EOF
# PLANT above: pam_unix keeps its own history (remember=5)
w etc/pam.d/common-session 0644 <<'EOF'
session [default=1]                     pam_permit.so
session requisite                       pam_deny.so
session required                        pam_permit.so
session required                        pam_unix.so
EOF
w etc/pam.d/common-session-noninteractive 0644 < etc/pam.d/common-session
w etc/pam.d/su 0644 <<'EOF'
auth       sufficient pam_rootok.so
auth       required   pam_wheel.so use_uid group=sugroup
@include common-auth
@include common-account
@include common-session
EOF
echo 'sugroup:x:1001:' >> etc/group
echo 'wheel:x:0:' >> etc/group   # PLANT: a second group with gid 0
w etc/security/pwquality.conf 0644 <<'EOF'
minlen = 14
minclass = 4
difok = 2
maxrepeat = 3
maxsequence = 3
dictcheck = 1
enforcing = 1
enforce_for_root
EOF
w etc/security/faillock.conf 0644 <<'EOF'
deny = 5
unlock_time = 900
EOF
# PLANT above: faillock.conf neither denies root nor sets root_unlock_time
w etc/security/pwhistory.conf 0644 <<'EOF'
remember = 24
EOF
w etc/security/limits.conf 0644 <<'EOF'
*               hard    core            0
EOF

# ---- sudo -------------------------------------------------------------------------
w etc/sudoers 0440 <<'EOF'
Defaults        env_reset
Defaults        use_pty
Defaults        logfile="/var/log/sudo.log"
Defaults        timestamp_timeout=15
root    ALL=(ALL:ALL) ALL
%sudo   ALL=(ALL:ALL) ALL
@includedir /etc/sudoers.d
EOF
w etc/sudoers.d/90-backup 0440 <<'EOF'
backup ALL=(root) NOPASSWD: /usr/bin/rsync
EOF
# PLANT above: a NOPASSWD rule

# ---- kernel parameters and modules ------------------------------------------------
w etc/sysctl.d/60-hardening.conf 0644 <<'EOF'
net.ipv4.ip_forward = 0
net.ipv6.conf.all.forwarding = 0
net.ipv4.conf.all.send_redirects = 0
net.ipv4.conf.default.send_redirects = 0
net.ipv4.icmp_ignore_bogus_error_responses = 1
net.ipv4.icmp_echo_ignore_broadcasts = 1
net.ipv4.conf.all.accept_redirects = 0
net.ipv4.conf.default.accept_redirects = 0
net.ipv6.conf.all.accept_redirects = 0
net.ipv6.conf.default.accept_redirects = 0
net.ipv4.conf.all.secure_redirects = 0
net.ipv4.conf.default.secure_redirects = 0
net.ipv4.conf.all.rp_filter = 1
net.ipv4.conf.all.accept_source_route = 0
net.ipv4.conf.default.accept_source_route = 0
net.ipv6.conf.all.accept_source_route = 0
net.ipv6.conf.default.accept_source_route = 0
net.ipv4.conf.all.log_martians = 1
net.ipv4.conf.default.log_martians = 1
net.ipv4.tcp_syncookies = 1
net.ipv6.conf.all.accept_ra = 0
kernel.randomize_va_space = 2
kernel.yama.ptrace_scope = 1
kernel.kptr_restrict = 2
kernel.dmesg_restrict = 1
fs.protected_hardlinks = 1
fs.protected_symlinks = 1
fs.suid_dumpable = 0
EOF
# PLANT above: no net.ipv6.conf.default.accept_ra; default.rp_filter stays
# at systemd's 2 (below)
w usr/lib/sysctl.d/50-default.conf 0644 <<'EOF'
net.ipv4.conf.default.rp_filter = 2
net.ipv4.conf.*.rp_filter = 2
-net.ipv4.conf.all.rp_filter
EOF
mods=(cramfs freevxfs hfs hfsplus jffs2 squashfs usb-storage dccp tipc rds sctp)
for m in "${mods[@]}"; do
  printf 'install %s /bin/false\nblacklist %s\n' "$m" "$m" > "etc/modprobe.d/$m.conf"
done
echo 'install udf /bin/false' > etc/modprobe.d/udf.conf   # PLANT: udf is not blacklisted
# PLANT: /etc/sysctl.conf (read last) turns forwarding back on for IPv4
w etc/sysctl.conf 0644 <<< 'net.ipv4.ip_forward = 1'
# PLANT: overlay is left loadable (a container host might need it)

# The kernel ships overlay, udf and cramfs as modules. PLANT: overlay stays
# loadable, udf has its install line but no blacklist line.
K=usr/lib/modules/6.8.0-45-generic
d "$K"
printf '%s\n' kernel/fs/overlayfs/overlay.ko.zst: kernel/fs/udf/udf.ko.zst: \
  kernel/fs/cramfs/cramfs.ko.zst: > "$K/modules.dep"

# ---- boot ------------------------------------------------------------------------
w boot/grub/grub.cfg 0600 <<'EOF'
set superusers="root"
password_pbkdf2 root grub.pbkdf2.sha512.10000.0011.2233
menuentry 'Ubuntu' {
	linux	/boot/vmlinuz-6.8.0-45-generic root=UUID=1234 ro apparmor=1 security=apparmor audit=1
}
EOF
# PLANT above: the boot entry has no audit_backlog_limit
w etc/default/grub 0644 <<'EOF'
GRUB_CMDLINE_LINUX="apparmor=1 security=apparmor audit=1 audit_backlog_limit=8192"
EOF

# ---- banners -----------------------------------------------------------------------
w etc/issue 0644 <<< 'Authorised use only. All activity may be monitored and reported.'
w etc/issue.net 0664 <<< 'Authorised use only. All activity may be monitored and reported.'
# PLANT above: issue.net is group-writable
w etc/motd 0644 <<< 'Welcome to Ubuntu 24.04 LTS (\v)'   # PLANT: names the release
w etc/update-motd.d/00-header 0755 <<< '#!/bin/sh'   # PLANT: the dynamic header runs

# ---- cron and at -------------------------------------------------------------------
w etc/crontab 0600 <<< 'SHELL=/bin/sh'
for x in cron.d cron.hourly cron.daily cron.weekly; do d "etc/$x"; chmod 0700 "etc/$x"; done
d etc/cron.monthly; chmod 0755 etc/cron.monthly   # PLANT: cron.monthly is readable by all
w etc/cron.allow 0644 <<< 'root'    # PLANT: cron.allow is readable by all

# ---- audit -----------------------------------------------------------------------
w etc/audit/auditd.conf 0640 <<'EOF'
log_file = /var/log/audit/audit.log
log_group = adm
max_log_file = 8
max_log_file_action = keep_logs
space_left_action = email
action_mail_acct = root
admin_space_left_action = halt
disk_full_action = halt
disk_error_action = halt
EOF
A='-a always,exit -F arch'
U='-F auid>=1000 -F auid!=unset'
w etc/audit/rules.d/50-cis.rules 0640 <<EOF
-w /etc/sudoers -p wa -k scope
-w /etc/sudoers.d -p wa -k scope
$A=b64 -C euid!=uid -F auid!=unset -S execve -k user_emulation
$A=b32 -C euid!=uid -F auid!=unset -S execve -k user_emulation
-w /var/log/sudo.log -p wa -k sudo_log_file
$A=b64 -S adjtimex,settimeofday -k time-change
$A=b32 -S adjtimex,settimeofday -k time-change
$A=b64 -S clock_settime -k time-change
$A=b32 -S clock_settime -k time-change
-w /etc/localtime -p wa -k time-change
$A=b64 -S sethostname,setdomainname -k system-locale
$A=b32 -S sethostname,setdomainname -k system-locale
-w /etc/issue -p wa -k system-locale
-w /etc/issue.net -p wa -k system-locale
-w /etc/hosts -p wa -k system-locale
-w /etc/networks -p wa -k system-locale
-w /etc/netplan/ -p wa -k system-locale
$A=b64 -S creat,open,openat,truncate,ftruncate -F exit=-EACCES $U -k access
$A=b64 -S creat,open,openat,truncate,ftruncate -F exit=-EPERM $U -k access
$A=b32 -S creat,open,openat,truncate,ftruncate -F exit=-EACCES $U -k access
$A=b32 -S creat,open,openat,truncate,ftruncate -F exit=-EPERM $U -k access
-w /etc/group -p wa -k identity
-w /etc/passwd -p wa -k identity
-w /etc/gshadow -p wa -k identity
-w /etc/shadow -p wa -k identity
-w /etc/security/opasswd -p wa -k identity
-w /etc/nsswitch.conf -p wa -k identity
-w /etc/pam.conf -p wa -k identity
-w /etc/pam.d -p wa -k identity
$A=b64 -S chmod,fchmod,fchmodat $U -k perm_mod
$A=b64 -S chown,fchown,lchown,fchownat $U -k perm_mod
$A=b32 -S chmod,fchmod,fchmodat $U -k perm_mod
$A=b32 -S lchown,fchown,chown,fchownat $U -k perm_mod
$A=b64 -S setxattr,lsetxattr,fsetxattr,removexattr,lremovexattr,fremovexattr $U -k perm_mod
$A=b32 -S setxattr,lsetxattr,fsetxattr,removexattr,lremovexattr,fremovexattr -k perm_mod
$A=b32 -S mount $U -k mounts
$A=b64 -S mount $U -k mounts
-w /var/run/utmp -p wa -k session
-w /var/log/wtmp -p wa -k session
-w /var/log/btmp -p wa -k session
-w /var/log/lastlog -p wa -k logins
-w /run/faillock -p wa -k logins
$A=b64 -S rename,unlink,unlinkat,renameat $U -k delete
$A=b32 -S rename,unlink,unlinkat,renameat $U -k delete
-w /etc/apparmor/ -p wa -k MAC-policy
-w /etc/apparmor.d/ -p wa -k MAC-policy
-a always,exit -F path=/usr/bin/chcon -F perm=x $U -k perm_chng
-a always,exit -F path=/usr/bin/setfacl -F perm=x $U -k perm_chng
-a always,exit -F path=/usr/bin/chacl -F perm=x $U -k perm_chng
-a always,exit -F path=/usr/sbin/usermod -F perm=x $U -k usermod
$A=b64 -S init_module,finit_module,delete_module $U -k kernel_modules
-a always,exit -S all -F path=/usr/bin/kmod -F perm=x $U -k kernel_modules
EOF
# PLANT above: the b32 xattr rule has no auid filter; faillock is watched
# under /run only; the module syscalls only for b64
w etc/audit/rules.d/99-finalize.rules 0640 <<< '-e 2'
w etc/audit/audit.rules 0640 < /dev/null
w etc/audit/plugins.d/syslog.conf 0644 <<< 'active = no'   # PLANT: group owner is fine, but see the log
chmod 0750 var/log/audit
w var/log/audit/audit.log 0640 < /dev/null
w var/log/audit/audit.log.1 0644 < /dev/null    # PLANT: an old audit log readable by all
for t in auditctl aureport ausearch autrace auditd augenrules; do w "usr/sbin/$t" 0755 <<< '#!/bin/sh'; done

# ---- logging and time ----------------------------------------------------------------
w etc/systemd/journald.conf 0644 <<'EOF'
[Journal]
Storage=persistent
Compress=yes
EOF
# PLANT above: ForwardToSyslog is not set though rsyslog is installed
w etc/rsyslog.conf 0644 <<'EOF'
module(load="imuxsock")
$FileCreateMode 0640
$IncludeConfig /etc/rsyslog.d/*.conf
EOF
w etc/rsyslog.d/50-default.conf 0644 <<'EOF'
auth,authpriv.*                 /var/log/auth.log
*.*;auth,authpriv.none          -/var/log/syslog
EOF
w var/log/syslog 0640 < /dev/null
w var/log/auth.log 0644 < /dev/null   # PLANT: auth.log is readable by all
w var/log/sudo.log 0600 < /dev/null
w etc/systemd/timesyncd.conf 0644 <<'EOF'
[Time]
NTP=ntp.ubuntu.com
FallbackNTP=ntp.example.org
EOF
w etc/systemd/coredump.conf 0644 <<'EOF'
[Coredump]
Storage=none
ProcessSizeMax=0
EOF

# ---- firewall, AppArmor, apt ----------------------------------------------------------
w etc/ufw/ufw.conf 0644 <<< 'ENABLED=yes'
w etc/default/ufw 0644 <<'EOF'
IPV6=no
DEFAULT_INPUT_POLICY="DROP"
DEFAULT_OUTPUT_POLICY="ACCEPT"
DEFAULT_FORWARD_POLICY="DROP"
EOF
# PLANT above: ufw leaves IPv6 alone
w etc/apt/sources.list.d/extra.list 0644 <<< 'deb [trusted=yes] http://repo.example.org/ubuntu noble main'  # PLANT
w etc/apt/apt.conf.d/20auto-upgrades 0644 <<'EOF'
APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";
EOF
w etc/apt/sources.list.d/ubuntu.sources 0644 <<'EOF'
Types: deb
URIs: http://archive.ubuntu.com/ubuntu
Suites: noble noble-updates
Components: main
Signed-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg
EOF
w etc/postfix/main.cf 0644 <<'EOF'
myhostname = host.example.org
inet_interfaces = all
EOF
# PLANT above: postfix listens on every interface

# ---- mounts ----------------------------------------------------------------------
w etc/fstab 0644 <<'EOF'
UUID=1111 /               ext4 defaults 0 1
UUID=2222 /home           ext4 defaults,nodev 0 2
UUID=3333 /var            ext4 defaults,nodev,nosuid 0 2
UUID=4444 /var/log        ext4 defaults,nodev,nosuid,noexec 0 2
UUID=5555 /var/log/audit  ext4 defaults,nodev,nosuid,noexec 0 2
tmpfs     /tmp            tmpfs defaults,nodev,nosuid 0 0
tmpfs     /dev/shm        tmpfs defaults,nodev,nosuid,noexec 0 0
EOF
# PLANT above: /home lacks nosuid, /tmp lacks noexec, /var/tmp is no mount

# ---- systemd units ------------------------------------------------------------------
U=usr/lib/systemd/system
for u in ssh.service cron.service rsyslog.service auditd.service systemd-timesyncd.service \
    ufw.service apparmor.service avahi-daemon.service avahi-daemon.socket cups.service \
    cups.socket cups.path systemd-journald.service apt-daily.timer apt-daily-upgrade.timer \
    postfix.service rsync.service ctrl-alt-del.target; do
  echo '[Unit]' > "$U/$u"
done
for u in ssh.service cron.service rsyslog.service auditd.service systemd-timesyncd.service \
    ufw.service apparmor.service avahi-daemon.service postfix.service rsync.service; do
  ln -s "/$U/$u" "etc/systemd/system/multi-user.target.wants/$u"
done
# PLANT above: avahi-daemon and the rsync daemon are installed and enabled
ln -s "/$U/avahi-daemon.socket" etc/systemd/system/sockets.target.wants/avahi-daemon.socket
ln -s "/$U/systemd-journald.service" "$U/sysinit.target.wants/systemd-journald.service"
for u in apt-daily.timer apt-daily-upgrade.timer; do
  ln -s "/$U/$u" "etc/systemd/system/timers.target.wants/$u"
done
# cups is installed but masked: not in use, though the package is there
for u in cups.service cups.socket cups.path ctrl-alt-del.target; do
  ln -s /dev/null "etc/systemd/system/$u"
done

# ---- packages ------------------------------------------------------------------------
pkgs=(base-files bash openssh-server sudo auditd audispd-plugins libpam-pwquality libpam-modules cron
  rsyslog systemd systemd-timesyncd ufw apparmor apparmor-utils aide unattended-upgrades
  systemd-coredump postfix avahi-daemon cups telnet rsync at)
# PLANT above: the telnet client is installed; avahi-daemon, cups and rsync
# too; at without /etc/at.allow
for p in "${pkgs[@]}"; do
  printf 'Package: %s\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0\n\n' "$p"
done > var/lib/dpkg/status
printf 'Package: nginx\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1.0\n\n' \
  >> var/lib/dpkg/status

# ---- the file tree --------------------------------------------------------------------
d usr/lib/x86_64-linux-gnu var/lib/aide
w var/lib/aide/aide.db 0600 < /dev/null
chmod 1777 tmp var/tmp
w usr/bin/passwd 4755 <<< '#!/bin/sh'
w usr/bin/su 4755 <<< '#!/bin/sh'
w usr/bin/sudo 4755 <<< '#!/bin/sh'
w usr/local/bin/helper 4755 <<< '#!/bin/sh'   # PLANT: an unexpected set-uid program
w etc/app.conf 0666 <<< 'key=value'           # PLANT: a world-writable file
w home/alice/.profile 0644 <<< ': profile'
w home/alice/.rhosts 0600 <<< 'build.example.org alice'   # PLANT: a user trusts another host
w root/.bashrc 0600 <<< 'umask 027'
