#!/usr/bin/env bash
# Removes edge-agent: stops and disables the service, removes the units and the program files.
# Deployment history (the deployment root) goes too unless --keep-history; configuration
# (/etc/edge-agent) and the agent's logs only with --purge. See docs/install.md.
set -euo pipefail

PROG=uninstall-agent.sh
UNIT=edge-agent.service
RECOVER_UNIT=edge-agent-recover.service
DEFAULT_PREFIX=/opt/edge-agent
CONF_DIR=/etc/edge-agent
DEFAULT_ROOT_DIR=/opt/edge-agent/deployment-root
DEFAULT_LOG_DIR=/var/log/edge-agent
PROGRAM_ENTRIES="bin lib node share VERSION"

usage() {
  cat <<EOF
usage: $PROG [--keep-history] [--purge] [--prefix DIR] [--destdir DIR]

Stops and removes edge-agent. Run as root (sudo), except with --destdir.

  --keep-history   keep the deployment root (revisions, deployment logs, and the
                   cleanup records the next install of an application relies on)
  --purge          also remove the configuration ($CONF_DIR) and the agent's logs
  --prefix DIR     where the program was installed (default $DEFAULT_PREFIX)
  --destdir DIR    remove from DIR as a fake root; systemd is not touched. The DESTDIR
                   environment variable does the same.
  -h, --help       this text

Exit status: 0 removed (or nothing to remove), 1 failed, 2 wrong usage.
EOF
}

say() { printf '%s\n' "$*"; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}
usage_error() {
  printf '%s: %s (see --help)\n' "$PROG" "$*" >&2
  exit 2
}

keep_history=no
purge=no
prefix=$DEFAULT_PREFIX
destdir=${DESTDIR:-}
while [ $# -gt 0 ]; do
  case $1 in
    --keep-history) keep_history=yes && shift ;;
    --purge) purge=yes && shift ;;
    --prefix | --destdir)
      if [ $# -lt 2 ] || [ -z "$2" ]; then usage_error "$1 needs a value"; fi
      if [ "$1" = --prefix ]; then prefix=$2; else destdir=$2; fi
      shift 2
      ;;
    --prefix=*) prefix=${1#*=} && shift ;;
    --destdir=*) destdir=${1#*=} && shift ;;
    -h | --help) usage && exit 0 ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done
prefix=${prefix%/}
case $prefix in
  /?*) ;;
  *) usage_error "--prefix must be an absolute path other than /, got '$prefix'" ;;
esac
case $prefix in
  *[!A-Za-z0-9._/-]* | */../* | */..) usage_error "--prefix may hold only letters, digits and . _ - / (and no ..), got '$prefix'" ;;
esac
if [ -n "$destdir" ]; then
  [ -d "$destdir" ] || die "--destdir $destdir does not exist"
  destdir=$(cd "$destdir" && pwd -P)
  [ "$destdir" != / ] || destdir=
fi
D=$destdir
dest=$D$prefix
if [ -z "$D" ] && [ "$(id -u)" != 0 ]; then
  die "run as root (sudo $0 ...), or remove from a fake root with --destdir DIR"
fi

# conf_value KEY FILE: a top-level scalar of the agent config (as install-agent.sh reads it)
conf_value() {
  [ -f "$2" ] || return 0
  sed -n -E "s/^:?$1:[[:space:]]*['\"]?([^'\"#[:space:]][^'\"#]*[^'\"#[:space:]]|[^'\"#[:space:]])['\"]?[[:space:]]*(#.*)?\$/\\1/p" "$2" | tail -n 1
}

# looks_like_deployment_root DIR: empty, or holding the agent's own bookkeeping folders. A
# safety net before rm -rf of a path that came from a config file.
looks_like_deployment_root() {
  [ -d "$1" ] || return 1
  case $1 in / | /bin | /boot | /dev | /etc | /home | /lib | /opt | /proc | /root | /run | /sbin | /srv | /sys | /tmp | /usr | /var | /var/lib) return 1 ;; esac
  [ -z "$(ls -A "$1")" ] || [ -d "$1/deployment-instructions" ] || [ -d "$1/deployment-logs" ] || [ -d "$1/ongoing-deployment" ]
}

systemd_running() {
  [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1
}

# read before anything is removed
root_dir=$(conf_value root_dir "$D$CONF_DIR/agent.yml")
log_dir=$(conf_value log_dir "$D$CONF_DIR/agent.yml")
root_dir=${root_dir%/}
log_dir=${log_dir%/}
case $root_dir in /?*) ;; *) root_dir=$DEFAULT_ROOT_DIR ;; esac
case $log_dir in /?*) ;; *) log_dir=$DEFAULT_LOG_DIR ;; esac
removed=no

# ---------------------------------------------------------------------------- service
if [ -z "$D" ] && systemd_running; then
  systemctl stop $RECOVER_UNIT >/dev/null 2>&1 || true
  if systemctl is-active --quiet $UNIT; then
    say "stopping edge-agent: a running lifecycle event is allowed to finish first (up to TimeoutStopSec)"
  fi
  if systemctl cat $UNIT >/dev/null 2>&1; then
    systemctl disable --now --quiet $UNIT </dev/null || warn "systemctl disable --now $UNIT failed; removing the files anyway"
  fi
fi
for u in $UNIT $RECOVER_UNIT; do
  if [ -e "$D/etc/systemd/system/$u" ]; then
    rm -f "$D/etc/systemd/system/$u"
    say "removed /etc/systemd/system/$u"
    removed=yes
  fi
done
# local overrides (systemctl edit edge-agent) are configuration
if [ $purge = yes ] && [ -d "$D/etc/systemd/system/$UNIT.d" ]; then
  rm -rf "$D/etc/systemd/system/$UNIT.d"
  say "removed /etc/systemd/system/$UNIT.d"
fi
if [ -z "$D" ] && systemd_running; then
  systemctl daemon-reload
  systemctl reset-failed $UNIT $RECOVER_UNIT >/dev/null 2>&1 || true
fi

# ---------------------------------------------------------------------------- program files
link=$D/usr/local/bin/edge-agent
if [ -L "$link" ] && [ "$(readlink "$link")" = "$prefix/bin/edge-agent" ]; then
  rm -f "$link"
fi
if [ -d "$dest" ]; then
  for e in $PROGRAM_ENTRIES; do
    if [ -e "$dest/$e" ]; then
      rm -rf "${dest:?}/$e"
      removed=yes
    fi
  done
  rm -rf "$dest"/.staging.*
  say "removed the program from $prefix"
fi

# ---------------------------------------------------------------------------- history
if [ -d "$D$root_dir" ]; then
  if [ $keep_history = yes ]; then
    say "kept the deployment history in $root_dir"
  elif looks_like_deployment_root "$D$root_dir"; then
    rm -rf "${D}${root_dir:?}"
    say "removed the deployment history in $root_dir"
    removed=yes
  else
    warn "$root_dir does not look like an edge-agent deployment root; left in place"
  fi
fi
rmdir "$dest" 2>/dev/null || true

# ---------------------------------------------------------------------------- configuration, logs
if [ $purge = yes ]; then
  if [ -d "$D$CONF_DIR" ]; then
    rm -rf "${D}${CONF_DIR:?}"
    say "removed $CONF_DIR"
    removed=yes
  fi
  if [ -d "$D$log_dir" ]; then
    # only the agent's own files: log_dir may be a shared folder such as /var/log
    find "$D$log_dir" -maxdepth 1 -type f -name 'edge-agent*' -delete
    rmdir "$D$log_dir" 2>/dev/null || true
    say "removed the agent's logs from $log_dir"
    removed=yes
  fi
else
  [ -d "$D$CONF_DIR" ] && say "kept the configuration in $CONF_DIR (--purge removes it)"
fi
[ $removed = yes ] || say "edge-agent is not installed${D:+ in $D}: nothing to remove"
say "done"
