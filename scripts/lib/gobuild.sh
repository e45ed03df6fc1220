# Shared helpers of the scripts that build real tools from the Go module proxy
# (install-pulumi, install-kube). Sourced, never run:
#
#   SCRIPT_NAME=install-kube  GOCACHE_NAME=go-build-kube
#   source "$(dirname "${BASH_SOURCE[0]}")/lib/gobuild.sh"
#
# Sets CACHE (absolute), BIN_DIR, SRC_DIR, LOG_DIR; defines log, die, elapsed,
# take_lock, run_logged, setup_go (exports GOPATH/GOMODCACHE/GOCACHE under the
# cache, nothing in ~/go) and drop_gocache. Each script has its own Go build
# cache (GOCACHE_NAME) because each deletes it after a successful build: a
# shared one would vanish under a build running in the other script.

CACHE="${VMSCRAPE_CACHE:-$HOME/.cache/vmscrape}"
mkdir -p "$CACHE"
CACHE="$(cd "$CACHE" && pwd -P)"
BIN_DIR="$CACHE/bin"
SRC_DIR="$CACHE/src"
LOG_DIR="$CACHE/log"
: "${SCRIPT_NAME:=$(basename "$0")}"
: "${GOCACHE_NAME:=go-build}"

START=$SECONDS
log() { printf '%s %s: %s\n' "$(date '+%H:%M:%S')" "$SCRIPT_NAME" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
elapsed() { local s=$(( SECONDS - $1 )); printf '%dm%02ds' $(( s / 60 )) $(( s % 60 )); }

BG_PIDS=()
_gobuild_cleanup() { # stop our own background jobs (and their direct children) on early exit
  local p
  for p in ${BG_PIDS[@]+"${BG_PIDS[@]}"}; do
    if kill -0 "$p" 2>/dev/null; then
      if command -v pgrep >/dev/null 2>&1; then kill $(pgrep -P "$p") 2>/dev/null || true; fi
      kill "$p" 2>/dev/null || true
    fi
  done
}
trap _gobuild_cleanup EXIT

# One run at a time per cache dir and script: a second caller waits for the first.
take_lock() {
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$CACHE/.$SCRIPT_NAME.lock"
  flock -n 9 || { log "another $SCRIPT_NAME holds $CACHE/.$SCRIPT_NAME.lock; waiting"; flock 9; }
}

# Run a command, logging a heartbeat every minute; output goes to a log file.
run_logged() { # $1 = label, $2 = log file, rest = command
  local label=$1 logf=$2 t0=$SECONDS pid n=0
  shift 2
  "$@" >"$logf" 2>&1 &
  pid=$!
  BG_PIDS+=("$pid")
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    n=$(( n + 1 ))
    if (( n % 60 == 0 )); then log "  ... $label still running ($(elapsed "$t0"))"; fi
  done
  if ! wait "$pid"; then
    tail -n 40 "$logf" >&2 || true
    die "$label failed after $(elapsed "$t0"); full log: $logf"
  fi
  log "$label done in $(elapsed "$t0")"
}

GO_READY=
setup_go() {
  [[ -n $GO_READY ]] && return
  GO="${GO:-$(command -v go || true)}"
  [[ -z $GO && -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go
  [[ -n $GO ]] || die "Go is needed to build ${1:-these tools} (https://go.dev/dl/), or put them on PATH."
  export GOPATH="$CACHE/go"
  export GOMODCACHE="$GOPATH/pkg/mod"
  export GOCACHE="$CACHE/$GOCACHE_NAME"
  export GOWORK=off GO111MODULE=on CGO_ENABLED=0
  # -modcacherw: keep the module cache deletable with a plain `rm -rf`.
  GOFLAGS="$("$GO" env GOFLAGS) -modcacherw -buildvcs=false"
  export GOFLAGS
  mkdir -p "$GOPATH" "$GOCACHE" "$BIN_DIR" "$SRC_DIR" "$LOG_DIR"
  log "using $("$GO" version) ($GO); GOPATH=$GOPATH GOCACHE=$GOCACHE"
  GO_READY=1
}

# After a successful build: the build cache is large and only speeds up rebuilds.
drop_gocache() {
  [[ -n $GO_READY && ${VMSCRAPE_KEEP_GOCACHE:-} != 1 ]] || return 0
  log "removing the Go build cache $GOCACHE ($(du -sh "$GOCACHE" 2>/dev/null | cut -f1)); the module cache stays"
  rm -rf "$GOCACHE"
}
