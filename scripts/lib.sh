# Shared shell helpers for scripts/*: logging, apt installs, free ports, detached processes
# recorded by pid so that `stop` ends only what we started.
# shellcheck shell=bash

log() { echo "${IWP_LOG_PREFIX:-iwp}: $*" >&2; }
die() { log "$*"; exit 1; }

iwp_cache() { echo "${XDG_CACHE_HOME:-$HOME/.cache}/iwp"; }

# apt_install PKG... installs the Debian packages that are missing (one apt-get update per run).
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  if [ -z "${IWP_APT_UPDATED:-}" ]; then
    $sudo apt-get update -qq >&2 || true
    export IWP_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# free_port prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL [SECONDS]: polls until the URL answers with any HTTP status.
wait_http() {
  local url=$1 deadline=$(( $(date +%s) + ${2:-60} ))
  until curl -s -o /dev/null "$url"; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}

# start_bg NAME LOGFILE CMD...: starts CMD detached in its own session, records its pid.
start_bg() {
  local name=$1 logf=$2; shift 2
  mkdir -p "$IWP_TESTENV_DIR/pids" "$(dirname "$logf")"
  # 9>&- : the daemon must not inherit the testenv lock
  setsid "$@" >"$logf" 2>&1 < /dev/null 9>&- &
  echo $! > "$IWP_TESTENV_DIR/pids/$name.pid"
}

# alive PID: the process exists and has not exited. A daemon started by start_bg outlives
# the script that started it, so init reaps it once it exits, here up to 2 s later: until
# then it is a zombie, which `kill -0` still reaches.
alive() {
  local st
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }
  [ -n "$st" ] && [ "${st%% *}" != Z ]
}

# running NAME: true when the recorded process is alive.
running() {
  local f="$IWP_TESTENV_DIR/pids/$1.pid"
  [ -f "$f" ] && alive "$(cat "$f")"
}

# stop_bg NAME: ends the recorded process group (TERM, then KILL after 10 s).
stop_bg() {
  local f="$IWP_TESTENV_DIR/pids/$1.pid" pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if alive "$pid"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 200); do alive "$pid" || break; sleep 0.05; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

# env_set KEY VALUE: records a variable in the environment file tests source.
env_set() {
  local file="$IWP_TESTENV_DIR/env" tmp
  tmp=$(mktemp "$IWP_TESTENV_DIR/.env.XXXXXX")
  { [ -f "$file" ] && grep -v "^$1=" "$file"; printf '%s=%q\n' "$1" "$2"; } > "$tmp" || true
  mv "$tmp" "$file"
}
