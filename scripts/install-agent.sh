#!/usr/bin/env bash
# Installs or upgrades edge-agent on this machine (ARM64 Ubuntu 22.04/24.04, Raspberry Pi OS
# 64-bit, or any systemd Linux), or into a fake root with --destdir. Idempotent: running it
# again upgrades the program files in place and keeps config, logs and deployment history.
# See docs/install.md (also shipped as /opt/edge-agent/share/install.md).
set -euo pipefail
umask 022

PROG=install-agent.sh
UNIT=edge-agent.service
RECOVER_UNIT=edge-agent-recover.service
DEFAULT_PREFIX=/opt/edge-agent
CONF_DIR=/etc/edge-agent
OFFICIAL_ONPREM=/etc/codedeploy-agent/conf/codedeploy.onpremises.yml
DEFAULT_ROOT_DIR=/opt/edge-agent/deployment-root
DEFAULT_LOG_DIR=/var/log/edge-agent
MIN_NODE_MAJOR=20
# program entries of the package; everything else under the prefix (deployment-root) is kept
PROGRAM_ENTRIES="bin lib node share VERSION"

usage() {
  cat <<EOF
usage: $PROG [--tarball FILE] [--provisioning DIR|TAR] [--prefix DIR] [--destdir DIR] [--no-start]

Installs or upgrades edge-agent. Run as root (sudo), except with --destdir.

  --tarball FILE        the package, edge-agent-<version>-linux-<arch>.tar.gz (npm run package:agent);
                        not needed when running the install-agent.sh inside an unpacked package
  --provisioning SRC    a directory or tar archive with any of: agent.yml (or codedeployagent.yml),
                        onpremises.yml (or codedeploy.onpremises.yml), credentials, ca.pem,
                        edge-agent.env, and the IoT files iot-certificate.pem.crt,
                        iot-private.pem.key, iot-ca.pem (a fleetctl register bundle);
                        copied to $CONF_DIR (secrets mode 0600)
  --prefix DIR          where the program goes (default $DEFAULT_PREFIX)
  --destdir DIR         install into DIR as a fake root (image building, tests); systemd is not
                        touched. The DESTDIR environment variable does the same.
  --no-start            install, but do not enable or start the service
  -h, --help            this text

Exit status: 0 installed, 1 failed, 2 wrong usage.
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

# ---------------------------------------------------------------------------- arguments
tarball=
provisioning=
prefix=$DEFAULT_PREFIX
destdir=${DESTDIR:-}
start=yes
while [ $# -gt 0 ]; do
  case $1 in
    --tarball | --provisioning | --prefix | --destdir)
      if [ $# -lt 2 ] || [ -z "$2" ]; then usage_error "$1 needs a value"; fi
      case $1 in
        --tarball) tarball=$2 ;;
        --provisioning) provisioning=$2 ;;
        --prefix) prefix=$2 ;;
        --destdir) destdir=$2 ;;
      esac
      shift 2
      ;;
    --tarball=* | --provisioning=* | --prefix=* | --destdir=*)
      value=${1#*=}
      [ -n "$value" ] || usage_error "${1%%=*} needs a value"
      case $1 in
        --tarball=*) tarball=$value ;;
        --provisioning=*) provisioning=$value ;;
        --prefix=*) prefix=$value ;;
        --destdir=*) destdir=$value ;;
      esac
      shift
      ;;
    --no-start) start=no && shift ;;
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
  mkdir -p "$destdir" || die "cannot create --destdir $destdir"
  destdir=$(cd "$destdir" && pwd -P)
  [ "$destdir" != / ] || destdir=
fi
D=$destdir
dest=$D$prefix
is_root=no
[ "$(id -u)" = 0 ] && is_root=yes
if [ -z "$D" ] && [ $is_root = no ]; then
  die "run as root (sudo $0 ...), or install into a fake root with --destdir DIR"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/edge-agent-install.XXXXXX")
trap 'rm -rf "$work"' EXIT

# ---------------------------------------------------------------------------- helpers
# conf_value KEY FILE: the value of a top-level scalar KEY (or the official :KEY) in a YAML file,
# the last one winning as in the agent. Enough for the paths the installer needs.
conf_value() {
  [ -f "$2" ] || return 0
  sed -n -E "s/^:?$1:[[:space:]]*['\"]?([^'\"#[:space:]][^'\"#]*[^'\"#[:space:]]|[^'\"#[:space:]])['\"]?[[:space:]]*(#.*)?\$/\\1/p" "$2" | tail -n 1
}

# node_major NODE: prints the major version of NODE, fails when it does not run
node_major() {
  local v
  v=$("$1" --version 2>/dev/null) || return 1
  v=${v#v}
  v=${v%%.*}
  case $v in '' | *[!0-9]*) return 1 ;; esac
  printf '%s' "$v"
}

# put_file SRC DEST MODE: writes DEST atomically, never readable beyond MODE; prints what happened
put_file() {
  local src=$1 target=$2 mode=$3 tmp state
  if [ -f "$target" ] && cmp -s "$src" "$target"; then
    state=unchanged
  elif [ -e "$target" ]; then
    state=updated
  else
    state=installed
  fi
  if [ $state != unchanged ]; then
    tmp=$target.tmp.$$
    (umask 077 && cp "$src" "$tmp")
    chmod "$mode" "$tmp"
    [ $is_root = yes ] && chown 0:0 "$tmp"
    mv -f "$tmp" "$target"
  else
    chmod "$mode" "$target"
  fi
  say "  $state ${target#"$D"} (mode $mode)"
  [ $state = unchanged ] || changed=yes
}

# make_dir DIR MODE: creates DIR with MODE; an existing directory keeps the mode it has
make_dir() {
  if [ -d "$1" ]; then
    return 0
  fi
  mkdir -p "$1"
  chmod "$2" "$1"
  say "  created ${1#"$D"} (mode $2)"
}

# same_entry A B: both absent, or both present with the same content
same_entry() {
  if [ -e "$1" ] && [ -e "$2" ]; then
    diff -r -q "$1" "$2" >/dev/null 2>&1
  else
    [ ! -e "$1" ] && [ ! -e "$2" ]
  fi
}

systemd_running() {
  [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1
}

changed=no

# ---------------------------------------------------------------------------- the package
if [ -n "$tarball" ]; then
  [ -f "$tarball" ] || die "no such package file: $tarball"
  mkdir "$work/package"
  tar -xzf "$tarball" -C "$work/package" 2>"$work/tar.err" ||
    die "cannot unpack $tarball: $(head -n 3 "$work/tar.err") (expected edge-agent-<version>-linux-<arch>.tar.gz from npm run package:agent)"
  src=$work/package/opt/edge-agent
else
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
  if [ -f "$here/../lib/edge-agent.mjs" ] && [ -f "$here/../VERSION" ]; then
    src=$(cd "$here/.." && pwd -P)
  else
    die "no agent package: pass --tarball edge-agent-<version>-linux-<arch>.tar.gz (made by npm run package:agent), or run the install-agent.sh inside an unpacked package (opt/edge-agent/share/install-agent.sh)"
  fi
fi
what=${tarball:-$src}
for f in VERSION bin/edge-agent lib/edge-agent.mjs share/$UNIT share/$RECOVER_UNIT; do
  [ -f "$src/$f" ] || die "$what is not an edge-agent package: opt/edge-agent/$f is missing"
done
new_version=$(head -n 1 "$src/VERSION")
old_version=
[ -f "$dest/VERSION" ] && old_version=$(head -n 1 "$dest/VERSION")
same_place=no
if [ -d "$dest" ] && [ "$(cd "$src" && pwd -P)" = "$(cd "$dest" && pwd -P)" ]; then
  same_place=yes
fi

# ---------------------------------------------------------------------------- Node.js
# The same choice bin/edge-agent makes at run time: the distribution's node if new enough,
# else the runtime bundled in the package.
node_note=
if distro_node=$(command -v node 2>/dev/null) && major=$(node_major "$distro_node") && [ "$major" -ge $MIN_NODE_MAJOR ]; then
  node_note="$distro_node $("$distro_node" --version)"
elif [ -x "$src/node/bin/node" ] && major=$(node_major "$src/node/bin/node") && [ "$major" -ge $MIN_NODE_MAJOR ]; then
  node_note="bundled $("$src/node/bin/node" --version)"
else
  found="no node on PATH"
  if [ -n "${distro_node:-}" ]; then
    found="$distro_node $("$distro_node" --version 2>/dev/null || echo '(does not run)')"
  fi
  if [ -x "$src/node/bin/node" ]; then
    found="$found, and the bundled node does not run here"
    fix="Use the package built for this machine ($(uname -m))"
  else
    found="$found, and the package has no bundled Node.js"
    fix="Use a package built with --with-node (it carries its own runtime)"
  fi
  msg="edge-agent needs Node.js $MIN_NODE_MAJOR or newer: found $found. $fix, or install Node.js $MIN_NODE_MAJOR+ (the apt nodejs of Ubuntu 22.04/24.04 and Raspberry Pi OS bookworm is older)"
  if [ -n "$D" ]; then
    warn "$msg"
    node_note="none found on this machine (--destdir: not checked further)"
  else
    die "$msg"
  fi
fi

# ---------------------------------------------------------------------------- provisioning
# Checked before anything is installed: a bad bundle must not leave a half-done install.
prov_files=
if [ -n "$provisioning" ]; then
  if [ -d "$provisioning" ]; then
    pdir=$provisioning
  elif [ -f "$provisioning" ]; then
    mkdir "$work/provisioning"
    tar -xf "$provisioning" -C "$work/provisioning" --no-same-owner 2>"$work/tar.err" ||
      die "cannot unpack the provisioning bundle $provisioning: $(head -n 3 "$work/tar.err")"
    pdir=$work/provisioning
    # a bundle holding one folder: use that folder
    set -- "$pdir"/*
    if [ $# -eq 1 ] && [ -d "$1" ]; then pdir=$1; fi
  else
    die "no such provisioning bundle: $provisioning"
  fi
  # source names (ours, then the official agent's) -> installed name and mode
  for spec in agent.yml:agent.yml:0644 codedeployagent.yml:agent.yml:0644 \
    onpremises.yml:onpremises.yml:0600 codedeploy.onpremises.yml:onpremises.yml:0600 \
    credentials:credentials:0600 .aws_credentials:credentials:0600 \
    ca.pem:ca.pem:0644 edge-agent.env:edge-agent.env:0600 \
    iot-certificate.pem.crt:iot-certificate.pem.crt:0644 iot-private.pem.key:iot-private.pem.key:0600 \
    iot-ca.pem:iot-ca.pem:0644; do
    from=${spec%%:*}
    to=${spec#*:}
    to=${to%%:*}
    [ -f "$pdir/$from" ] || continue
    if [ -e "$work/seen.$to" ]; then
      die "the provisioning bundle has both $(cat "$work/seen.$to") and $from: keep one"
    fi
    printf '%s' "$from" >"$work/seen.$to"
    prov_files="$prov_files${prov_files:+
}$spec"
  done
  [ -n "$prov_files" ] || die "no provisioning files in $provisioning: expected one or more of agent.yml, onpremises.yml, credentials, ca.pem, edge-agent.env, iot-certificate.pem.crt, iot-private.pem.key, iot-ca.pem"
  for f in "$pdir"/* "$pdir"/.[!.]*; do
    [ -e "$f" ] || continue
    case ${f##*/} in
      agent.yml | codedeployagent.yml | onpremises.yml | codedeploy.onpremises.yml | credentials | .aws_credentials | ca.pem | edge-agent.env) ;;
      iot-certificate.pem.crt | iot-private.pem.key | iot-ca.pem) ;;
      *) warn "provisioning: ignored ${f##*/} (not a file edge-agent uses)" ;;
    esac
  done
fi

if [ -z "$D" ] && [ $start = yes ] && ! systemd_running; then
  die "systemd is not running on this machine, so the service cannot be started: re-run with --no-start to install only"
fi

# one installer at a time
mkdir -p "$dest"
if command -v flock >/dev/null 2>&1; then
  exec 9<"$dest"
  flock -n 9 || die "another $PROG is running for $dest"
fi

# ---------------------------------------------------------------------------- program files
say "edge-agent $new_version -> $prefix${D:+ (in $D)}"
chmod 0755 "$dest"
if [ $same_place = yes ]; then
  say "  program files already in place (running the installed $PROG)"
else
  # Stage next to the target, then swap entry by entry: a running agent keeps its loaded code,
  # and an interrupted run leaves a complete old or new entry that the next run fixes.
  rm -rf "$dest"/.staging.*
  stage=$dest/.staging.$$
  mkdir -p "$stage/old"
  for e in $PROGRAM_ENTRIES; do
    if [ -e "$src/$e" ]; then cp -R -p "$src/$e" "$stage/$e"; fi
  done
  if [ $is_root = yes ]; then
    chown -R 0:0 "$stage"
  fi
  chmod -R go-w "$stage"
  program_changed=no
  for e in $PROGRAM_ENTRIES; do
    same_entry "$src/$e" "$dest/$e" || program_changed=yes
  done
  for e in $PROGRAM_ENTRIES; do
    if [ -e "$dest/$e" ]; then mv "$dest/$e" "$stage/old/$e"; fi
    if [ -e "$stage/$e" ]; then mv "$stage/$e" "$dest/$e"; fi
  done
  rm -rf "$stage"
  if [ $program_changed = no ]; then
    say "  program files unchanged ($new_version)"
  elif [ -z "$old_version" ]; then
    say "  installed $new_version"
    changed=yes
  else
    say "  upgraded $old_version -> $new_version"
    changed=yes
  fi
fi
# a convenience for operators: edge-agent on PATH (never replaces a real file)
link=$D/usr/local/bin/edge-agent
if [ ! -e "$link" ] || [ -L "$link" ]; then
  mkdir -p "$D/usr/local/bin"
  ln -sfn "$prefix/bin/edge-agent" "$link"
fi

# ---------------------------------------------------------------------------- configuration
make_dir "$D$CONF_DIR" 0755
if [ -n "$provisioning" ]; then
  say "  provisioning from $provisioning"
  while IFS=: read -r from to mode; do
    put_file "$pdir/$from" "$D$CONF_DIR/$to" "$mode"
  done <<EOF
$prov_files
EOF
fi
# Secrets must be private and owned by root: the agent refuses to start otherwise.
for f in onpremises.yml credentials edge-agent.env iot-private.pem.key; do
  p=$D$CONF_DIR/$f
  [ -f "$p" ] || continue
  case $(stat -c %a "$p") in 600 | 400) ;; *)
    chmod 0600 "$p"
    say "  fixed the mode of $CONF_DIR/$f to 0600 (it holds secrets)"
    changed=yes
    ;;
  esac
  if [ $is_root = yes ] && [ "$(stat -c %u "$p")" != 0 ]; then
    chown 0:0 "$p"
    say "  made root the owner of $CONF_DIR/$f (it holds secrets)"
    changed=yes
  fi
done
onprem=$(conf_value on_premises_config_file "$D$CONF_DIR/agent.yml")
if [ -z "$onprem" ]; then
  onprem=$CONF_DIR/onpremises.yml
  [ -f "$D$onprem" ] || [ ! -f "$D$OFFICIAL_ONPREM" ] || onprem=$OFFICIAL_ONPREM
fi
if [ -f "$D$onprem" ]; then
  creds=$(conf_value aws_credentials_file "$D$onprem")
  if [ -n "$creds" ] && [ ! -f "$D$creds" ]; then
    warn "$onprem names aws_credentials_file $creds, which does not exist${D:+ in $D} (provisioned credentials go to $CONF_DIR/credentials)"
  fi
else
  warn "no on-premises identity at $onprem: the agent cannot start until there is one (re-run with --provisioning DIR holding onpremises.yml)"
fi

# ---------------------------------------------------------------------------- directories
agent_yml=$D$CONF_DIR/agent.yml
root_dir=$(conf_value root_dir "$agent_yml")
log_dir=$(conf_value log_dir "$agent_yml")
case $root_dir in /?*) root_dir=${root_dir%/} ;; '') root_dir=$DEFAULT_ROOT_DIR ;; *)
  warn "root_dir '$root_dir' in $CONF_DIR/agent.yml is not an absolute path; not creating it"
  root_dir=
  ;;
esac
case $log_dir in /?*) log_dir=${log_dir%/} ;; '') log_dir=$DEFAULT_LOG_DIR ;; *)
  warn "log_dir '$log_dir' in $CONF_DIR/agent.yml is not an absolute path; not creating it"
  log_dir=
  ;;
esac
# 0755 like the official agent: hooks with `runas: <user>` run scripts from the revision folder
# as that user, so the path to them must be searchable. Deployment history is kept on upgrades.
[ -z "$root_dir" ] || make_dir "$D$root_dir" 0755
# 0750: hook output can hold things only administrators should read (group adm reads it).
if [ -n "$log_dir" ] && [ ! -d "$D$log_dir" ]; then
  make_dir "$D$log_dir" 0750
  if [ $is_root = yes ] && getent group adm >/dev/null 2>&1; then chgrp adm "$D$log_dir"; fi
fi

# ---------------------------------------------------------------------------- systemd units
make_dir "$D/etc/systemd/system" 0755
for u in $UNIT $RECOVER_UNIT; do
  sed "s|/opt/edge-agent/|$prefix/|g" "$src/share/$u" >"$work/$u"
  put_file "$work/$u" "$D/etc/systemd/system/$u" 0644
done

# ---------------------------------------------------------------------------- start
if [ -n "$D" ]; then
  say "--destdir: systemd not touched; on the target: systemctl daemon-reload && systemctl enable --now $UNIT"
elif [ $start = no ]; then
  if systemd_running; then systemctl daemon-reload; fi
  if systemd_running && systemctl is-active --quiet $UNIT && [ $changed = yes ]; then
    say "--no-start: the running agent keeps the old version until: systemctl restart $UNIT"
  else
    say "--no-start: start it with: systemctl enable --now $UNIT"
  fi
else
  systemctl daemon-reload
  systemctl enable --quiet $UNIT </dev/null
  if systemctl is-active --quiet $UNIT; then
    if [ $changed = yes ]; then
      # --no-block: a running lifecycle event may take a while to finish (TimeoutStopSec)
      systemctl restart --no-block $UNIT </dev/null
      say "restart queued: the running agent finishes its current lifecycle event first (journalctl -u edge-agent -f)"
    else
      say "edge-agent is running; nothing changed"
    fi
  else
    systemctl reset-failed $UNIT >/dev/null 2>&1 || true
    if ! systemctl start $UNIT </dev/null; then
      die "edge-agent did not start: see journalctl -u edge-agent -n 50 (and $prefix/bin/edge-agent check-config)"
    fi
    # Type=simple: start returns once the process exists; a bad start shows within seconds
    sleep 3
    systemctl is-active --quiet $UNIT ||
      die "edge-agent stopped right after starting: see journalctl -u edge-agent -n 50 (and $prefix/bin/edge-agent check-config)"
    say "edge-agent started (journalctl -u edge-agent -f)"
  fi
fi
say "done: edge-agent $new_version, Node.js: $node_note"
