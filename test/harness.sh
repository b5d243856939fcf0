# shellcheck shell=bash
#
# Test/demo harness library: starts a throwaway PostgreSQL 15 cluster and a
# local DynamoDB emulator (dynalite or moto_server) and stops them again when
# the calling shell exits.
#
# Usage (from a bash script, in the main shell, not inside $(...) or a pipe):
#
#   source test/harness.sh
#   harness_init "$workdir"     # installs the EXIT/INT/TERM cleanup trap
#   install_vault || [ $? -eq 77 ]  # 77: the Supabase Vault source is not beside the repository
#   start_postgres              # exports PGHOST PGPORT PGUSER PGDATABASE PG_BINDIR PG_LOG
#   start_dynalite              # exports DYNAMODB_ENDPOINT DYNAMODB_BACKEND
#   ...
#   stop_dynamodb
#   start_moto || [ $? -eq 77 ]  # 77: moto_server is not installed
#   start_fault_proxy           # exports FAULT_PROXY_ENDPOINT FAULT_PROXY_CONTROL
#   preload_wrappers            # restarts postgres with wrappers in shared_preload_libraries
#   unpreload_wrappers          # restarts it with the libraries it preloaded before
#   start_tls_proxy             # exports TLS_PROXY_ENDPOINT TLS_CA_FILE TLS_OTHER_CA_FILE
#
# The library does not change shell options; it works with or without
# `set -euo pipefail`. Functions report errors on stderr and return non-zero.
#
# Optional environment:
#   PG_BINDIR                  PostgreSQL server binaries
#                              (default /usr/lib/postgresql/15/bin)
#   DYNALITE_CREATE_TABLE_MS   dynalite --createTableMs (default 0)
#   DYNALITE_DELETE_TABLE_MS   dynalite --deleteTableMs (default 0)
#   DYNALITE_UPDATE_TABLE_MS   dynalite --updateTableMs (default 0)
#   MOTO_SERVER                moto_server command (default: moto_server on PATH)
#   HARNESS_START_TIMEOUT      seconds to wait for an emulator (default 30)

# Repository root (the directory holding package.json and node_modules).
HARNESS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export HARNESS_ROOT

HARNESS_WORKDIR=""
_HARNESS_PG_BASE=""        # directory holding data/, sock/ and postgres.log
_HARNESS_PG_TMPBASE=""     # set when _HARNESS_PG_BASE is a temp dir outside the work dir
_HARNESS_PG_DATA=""        # data directory of the running cluster
_HARNESS_PRELOAD_BEFORE=""  # shared_preload_libraries before preload_wrappers
_HARNESS_PG_AS_POSTGRES=0  # 1 when server commands run via runuser -u postgres
_HARNESS_DDB_PID=""        # pid of the running emulator
_HARNESS_DDB_KIND=""       # dynalite | moto
_HARNESS_LOGS=()           # log files to point at on failure
_HARNESS_CLEANED=0
_HARNESS_VAULT=0           # 1 once install_vault has installed Supabase Vault

_harness_err() {
    echo "harness: $*" >&2
}

_harness_add_log() {
    local f
    for f in "${_HARNESS_LOGS[@]+"${_HARNESS_LOGS[@]}"}"; do
        [ "$f" = "$1" ] && return 0
    done
    _HARNESS_LOGS+=("$1")
}

# Prints a free TCP port on 127.0.0.1, chosen by the OS (bind to port 0).
free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
    elif command -v node >/dev/null 2>&1; then
        node -e 'const s = require("net").createServer();
s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
    else
        _harness_err "free_port needs python3 or node"
        return 1
    fi
}

# harness_init <workdir>: creates and records the work dir and installs the
# cleanup trap on EXIT, INT and TERM. Replaces any existing traps for those.
harness_init() {
    if [ $# -ne 1 ] || [ -z "$1" ]; then
        _harness_err "usage: harness_init <workdir>"
        return 2
    fi
    mkdir -p "$1" || return 1
    HARNESS_WORKDIR="$(cd "$1" && pwd)" || return 1
    export HARNESS_WORKDIR
    # The services all listen on loopback: reached directly (by PostgreSQL's backends, the
    # loaders and the tests) even when the caller's environment names an HTTP proxy.
    no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}${NO_PROXY:+,$NO_PROXY}"
    export no_proxy
    _HARNESS_CLEANED=0
    trap '_harness_on_exit' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

_harness_require_init() {
    if [ -z "$HARNESS_WORKDIR" ]; then
        _harness_err "call harness_init <workdir> first"
        return 1
    fi
}

# Runs a PostgreSQL server command, as the postgres OS user when we are root.
# Runs from / so that an unreadable current directory does not matter.
_harness_pg_run() {
    if [ "$_HARNESS_PG_AS_POSTGRES" = 1 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

# install_vault: builds Supabase Vault with PGXS from its source tarball in the directory
# shared/vendor beside the repository (../shared/vendor/supabase_vault-*.tar.gz, the newest when
# there are several) and installs it into the PostgreSQL of PG_BINDIR. A cluster that
# start_postgres starts afterwards preloads it, with a root key made for the run. Exports
# VAULT_VERSION. Returns 77, with the reason in VAULT_SKIPPED, when the source is not there;
# any other failure (a build error) returns 1.
install_vault() {
    _harness_require_init || return 1
    local vendor
    vendor="$(cd "$HARNESS_ROOT/.." && pwd)/shared/vendor"
    local tarball=""
    if [ -d "$vendor" ]; then
        tarball="$(find "$vendor" -maxdepth 1 -name 'supabase_vault-*.tar.gz' | sort -V | tail -n 1)"
    fi
    if [ -z "$tarball" ]; then
        export VAULT_SKIPPED="the Supabase Vault source (supabase_vault-*.tar.gz) is not in $vendor"
        return 77
    fi
    local bindir="${PG_BINDIR:-/usr/lib/postgresql/15/bin}"
    local src="$HARNESS_WORKDIR/vault-src"
    local log="$HARNESS_WORKDIR/vault-build.log"
    _harness_add_log "$log"
    rm -rf "$src"
    mkdir -p "$src" || return 1
    if ! tar -xzf "$tarball" -C "$src" --strip-components=1 >"$log" 2>&1 ||
        ! make -C "$src" PG_CONFIG="$bindir/pg_config" >>"$log" 2>&1; then
        _harness_err "could not build Supabase Vault from $tarball, see $log"
        tail -n 20 "$log" >&2 || true
        return 1
    fi
    local install=(make -C "$src" install PG_CONFIG="$bindir/pg_config")
    [ "$(id -u)" = 0 ] || install=(sudo "${install[@]}")
    if ! "${install[@]}" >>"$log" 2>&1; then
        _harness_err "could not install Supabase Vault, see $log"
        tail -n 20 "$log" >&2 || true
        return 1
    fi
    VAULT_VERSION="$(sed -n "s/^default_version = '\(.*\)'$/\1/p" "$src/supabase_vault.control")"
    export VAULT_VERSION
    unset VAULT_SKIPPED
    _HARNESS_VAULT=1
    echo "harness: Supabase Vault $VAULT_VERSION installed from $tarball" >&2
}

# start_postgres: initdb a new cluster under $HARNESS_WORKDIR/pg and start it.
# Exports PGHOST (socket dir), PGPORT, PGUSER=postgres, PGDATABASE=postgres.
start_postgres() {
    _harness_require_init || return 1
    if [ -n "$_HARNESS_PG_DATA" ]; then
        _harness_err "postgres is already running (data dir $_HARNESS_PG_DATA)"
        return 1
    fi
    local bindir="${PG_BINDIR:-/usr/lib/postgresql/15/bin}"
    local b
    for b in initdb pg_ctl postgres; do
        if [ ! -x "$bindir/$b" ]; then
            _harness_err "$bindir/$b not found (set PG_BINDIR)"
            return 1
        fi
    done

    _HARNESS_PG_AS_POSTGRES=0
    if [ "$(id -u)" = 0 ]; then
        if ! id postgres >/dev/null 2>&1; then
            _harness_err "running as root but there is no 'postgres' OS user to run the server"
            return 1
        fi
        _HARNESS_PG_AS_POSTGRES=1
    fi

    local port
    port="$(free_port)" || return 1

    # The cluster lives in the work dir unless the postgres user cannot reach
    # it or the socket path would exceed the Unix socket path limit (107 bytes);
    # then a short temp dir is used and its log is copied back at cleanup.
    local base="$HARNESS_WORKDIR/pg"
    local sock_path="$base/sock/.s.PGSQL.$port"
    local reachable=1
    if [ "$_HARNESS_PG_AS_POSTGRES" = 1 ] \
        && ! runuser -u postgres -- test -x "$HARNESS_WORKDIR" 2>/dev/null; then
        reachable=0
    fi
    rm -rf "$base"
    if [ "$reachable" = 1 ] && [ "${#sock_path}" -le 107 ]; then
        mkdir -p "$base" || return 1
        _HARNESS_PG_TMPBASE=""
    else
        base="$(mktemp -d "${TMPDIR:-/tmp}/harness-pg.XXXXXX")" || return 1
        chmod 755 "$base"
        _HARNESS_PG_TMPBASE="$base"
    fi
    _HARNESS_PG_BASE="$base"
    mkdir -p "$base/data" "$base/sock" || return 1
    chmod 700 "$base/data"
    : >"$base/postgres.log"
    if [ "$_HARNESS_PG_AS_POSTGRES" = 1 ]; then
        chown -R postgres: "$base" || return 1
    fi
    _harness_add_log "$base/initdb.log"
    _harness_add_log "$base/postgres.log"

    if ! _harness_pg_run "$bindir/initdb" -D "$base/data" -U postgres \
        --auth=trust --encoding=UTF8 --no-locale --no-sync \
        >"$base/initdb.log" 2>&1; then
        _harness_err "initdb failed, see $base/initdb.log"
        return 1
    fi

    cat >>"$base/data/postgresql.conf" <<EOF

# Settings written by test/harness.sh for a throwaway test cluster.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$base/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
lc_messages = 'C'
log_min_messages = warning
EOF
    if [ "$_HARNESS_VAULT" = 1 ]; then
        # Supabase Vault reads its root key from the program vault.getkey_script names, which
        # prints 64 hex digits: a key made for this cluster, readable by its server only.
        local key
        key="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" || return 1
        printf '#!/bin/sh\necho %s\n' "$key" >"$base/vault-getkey"
        chmod 700 "$base/vault-getkey"
        if [ "$_HARNESS_PG_AS_POSTGRES" = 1 ]; then
            chown postgres: "$base/vault-getkey" || return 1
        fi
        cat >>"$base/data/postgresql.conf" <<EOF
shared_preload_libraries = 'supabase_vault'
vault.getkey_script = '$base/vault-getkey'
EOF
    fi

    _HARNESS_PG_DATA="$base/data"
    # The server would read the postgres user's ~/.aws/credentials when a test gives no
    # credentials; point it at a file that does not exist unless the caller chose one.
    export AWS_SHARED_CREDENTIALS_FILE="${AWS_SHARED_CREDENTIALS_FILE:-$base/no-aws-credentials}"
    if ! _harness_pg_run "$bindir/pg_ctl" -D "$base/data" -l "$base/postgres.log" \
        -w -t 60 start >"$base/pg_ctl.log" 2>&1; then
        _harness_err "pg_ctl start failed, see $base/pg_ctl.log and $base/postgres.log"
        cat "$base/pg_ctl.log" >&2 || true
        return 1
    fi

    export PGHOST="$base/sock"
    export PGPORT="$port"
    export PGUSER=postgres
    export PGDATABASE=postgres
    export PG_BINDIR="$bindir"
    export PG_LOG="$base/postgres.log"
    echo "harness: postgres running on 127.0.0.1:$port (socket dir $PGHOST, data $base/data)" >&2
}

# preload_wrappers: adds the wrappers library to shared_preload_libraries of the cluster
# started by start_postgres (keeping what is there) and restarts it, so that the capacity
# budgets live in shared memory.
preload_wrappers() {
    [ -n "$_HARNESS_PG_DATA" ] || { _harness_err "postgres is not running"; return 1; }
    local bindir="${PG_BINDIR:-/usr/lib/postgresql/15/bin}" libs
    libs="$("$bindir/psql" -X -At -d postgres -c 'show shared_preload_libraries')" || return 1
    _HARNESS_PRELOAD_BEFORE="$libs"
    libs="${libs:+$libs,}wrappers"
    echo "shared_preload_libraries = '$libs'" >>"$_HARNESS_PG_DATA/postgresql.conf"
    if ! _harness_pg_run "$bindir/pg_ctl" -D "$_HARNESS_PG_DATA" -l "$PG_LOG" -m fast \
        -w -t 60 restart >>"$_HARNESS_PG_DATA/../pg_ctl.log" 2>&1; then
        _harness_err "pg_ctl restart with wrappers preloaded failed, see $PG_LOG"
        return 1
    fi
}

# unpreload_wrappers: restarts the cluster with the shared_preload_libraries it had before
# preload_wrappers (the library is then loaded on first use, as the SQL tests expect).
unpreload_wrappers() {
    [ -n "$_HARNESS_PG_DATA" ] || { _harness_err "postgres is not running"; return 1; }
    local bindir="${PG_BINDIR:-/usr/lib/postgresql/15/bin}"
    echo "shared_preload_libraries = '${_HARNESS_PRELOAD_BEFORE:-}'" >>"$_HARNESS_PG_DATA/postgresql.conf"
    if ! _harness_pg_run "$bindir/pg_ctl" -D "$_HARNESS_PG_DATA" -l "$PG_LOG" -m fast \
        -w -t 60 restart >>"$_HARNESS_PG_DATA/../pg_ctl.log" 2>&1; then
        _harness_err "pg_ctl restart without wrappers preloaded failed, see $PG_LOG"
        return 1
    fi
}

# stop_postgres: stops the cluster started by start_postgres (immediate mode).
stop_postgres() {
    [ -n "$_HARNESS_PG_DATA" ] || return 0
    local data="$_HARNESS_PG_DATA"
    local bindir="${PG_BINDIR:-/usr/lib/postgresql/15/bin}"
    if [ -f "$data/postmaster.pid" ]; then
        if ! _harness_pg_run "$bindir/pg_ctl" -D "$data" -m immediate -w -t 30 stop \
            >>"$_HARNESS_PG_BASE/pg_ctl.log" 2>&1; then
            # pg_ctl could not stop it: signal the postmaster directly.
            local pid
            pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)"
            if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
                kill -QUIT "$pid" 2>/dev/null || true
                sleep 1
                kill -KILL "$pid" 2>/dev/null || true
            fi
        fi
    fi
    _HARNESS_PG_DATA=""
    unset PGHOST PGPORT
}

# Prints the pids of all descendants of the given pid (children first level
# first, then deeper).
_harness_descendants() {
    local child
    for child in $(pgrep -P "$1" 2>/dev/null || true); do
        echo "$child"
        _harness_descendants "$child"
    done
}

# Sends TERM to a process and its descendants, waits up to 10 s, then KILLs
# whatever is left.
_harness_kill_tree() {
    local root="$1"
    local pids
    pids="$root $(_harness_descendants "$root" | tr '\n' ' ')"
    local p
    for p in $pids; do
        kill -TERM "$p" 2>/dev/null || true
    done
    local i alive
    for ((i = 0; i < 100; i++)); do
        alive=0
        for p in $pids; do
            if kill -0 "$p" 2>/dev/null; then
                alive=1
                break
            fi
        done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    for p in $pids; do
        kill -KILL "$p" 2>/dev/null || true
    done
    # Reap the background job so no zombie is left behind.
    wait "$root" 2>/dev/null || true
}

# Waits until an HTTP server answers on 127.0.0.1:<port>, while the process
# <pid> is still alive. Any HTTP status counts as an answer. Uses curl, or
# bash's /dev/tcp when curl is missing.
# shellcheck disable=SC2016  # the single-quoted script reads its own $1
_harness_wait_http() {
    local pid="$1" port="$2" timeout="${3:-30}"
    local deadline=$((SECONDS + timeout))
    local body='{}'
    while [ "$SECONDS" -lt "$deadline" ]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            return 1
        fi
        if command -v curl >/dev/null 2>&1; then
            if curl -s -o /dev/null -m 2 -X POST \
                -H 'Content-Type: application/x-amz-json-1.0' \
                -H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
                --data "$body" "http://127.0.0.1:$port/"; then
                return 0
            fi
        elif timeout 2 bash -c '
                exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
                printf "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3
                head -c 5 <&3 | grep -q "^HTTP/"' _ "$port" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}

# Starts an emulator command in the background (arguments: kind, log file,
# port, command...), waits for it and exports DYNAMODB_ENDPOINT and
# DYNAMODB_BACKEND.
_harness_start_emulator() {
    local kind="$1" log="$2" port="$3"
    shift 3
    _harness_add_log "$log"
    echo "=== $(date '+%F %T') starting $kind on 127.0.0.1:$port: $*" >>"$log"
    (cd "$HARNESS_WORKDIR" && exec "$@") </dev/null >>"$log" 2>&1 &
    _HARNESS_DDB_PID=$!
    _HARNESS_DDB_KIND="$kind"
    if ! _harness_wait_http "$_HARNESS_DDB_PID" "$port" "${HARNESS_START_TIMEOUT:-30}"; then
        _harness_err "$kind did not start on 127.0.0.1:$port, see $log"
        tail -n 20 "$log" >&2 || true
        stop_dynamodb
        return 1
    fi
    export DYNAMODB_ENDPOINT="http://127.0.0.1:$port"
    export DYNAMODB_BACKEND="$kind"
    echo "harness: $kind running at $DYNAMODB_ENDPOINT (pid $_HARNESS_DDB_PID, log $log)" >&2
}

# start_dynalite [extra dynalite args...]: in-memory dynalite on a free port.
# A running emulator is stopped first.
start_dynalite() {
    _harness_require_init || return 1
    stop_dynamodb
    local bin="$HARNESS_ROOT/node_modules/.bin/dynalite"
    if [ ! -x "$bin" ]; then
        _harness_err "$bin not found: run 'npm ci' in $HARNESS_ROOT"
        return 1
    fi
    if ! command -v node >/dev/null 2>&1; then
        _harness_err "node is not installed"
        return 1
    fi
    local port
    port="$(free_port)" || return 1
    _harness_start_emulator dynalite "$HARNESS_WORKDIR/dynalite.log" "$port" \
        "$bin" --host 127.0.0.1 --port "$port" \
        --createTableMs "${DYNALITE_CREATE_TABLE_MS:-0}" \
        --deleteTableMs "${DYNALITE_DELETE_TABLE_MS:-0}" \
        --updateTableMs "${DYNALITE_UPDATE_TABLE_MS:-0}" \
        "$@"
}

# start_moto [extra moto_server args...]: moto_server on a free port.
# Returns 77 when moto_server is not installed. A running emulator is
# stopped first.
start_moto() {
    _harness_require_init || return 1
    local bin="${MOTO_SERVER:-moto_server}"
    if ! command -v "$bin" >/dev/null 2>&1; then
        _harness_err "moto_server is not installed"
        return 77
    fi
    stop_dynamodb
    local port
    port="$(free_port)" || return 1
    _harness_start_emulator moto "$HARNESS_WORKDIR/moto.log" "$port" \
        "$bin" -H 127.0.0.1 -p "$port" "$@"
}

# stop_dynamodb: stops the running emulator (if any) and unsets
# DYNAMODB_ENDPOINT and DYNAMODB_BACKEND.
stop_dynamodb() {
    if [ -n "$_HARNESS_DDB_PID" ]; then
        _harness_kill_tree "$_HARNESS_DDB_PID"
        echo "=== $(date '+%F %T') stopped" >>"$HARNESS_WORKDIR/$_HARNESS_DDB_KIND.log" 2>/dev/null || true
    fi
    _HARNESS_DDB_PID=""
    _HARNESS_DDB_KIND=""
    unset DYNAMODB_ENDPOINT DYNAMODB_BACKEND
}

_HARNESS_STALL_PID=""

# start_stalling_endpoint: a TCP listener on a free port that never accepts, so a request to it
# is sent and then waits forever (what a hung DynamoDB endpoint looks like). Exports
# STALL_ENDPOINT=http://127.0.0.1:PORT.
start_stalling_endpoint() {
    _harness_require_init || return 1
    local port
    port="$(free_port)" || return 1
    python3 -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
while True:
    time.sleep(3600)' "$port" </dev/null >>"$HARNESS_WORKDIR/stall.log" 2>&1 &
    _HARNESS_STALL_PID=$!
    local i
    for ((i = 0; i < 50; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
    export STALL_ENDPOINT="http://127.0.0.1:$port"
}

_HARNESS_PROXY_PID=""

# start_fault_proxy [extra fault_proxy.mjs args...]: the fault-injection proxy
# (test/fault_proxy.mjs) on free ports, forwarding to $DYNAMODB_ENDPOINT. Exports
# FAULT_PROXY_ENDPOINT (what a server's endpoint_url points at) and
# FAULT_PROXY_CONTROL (its control endpoint: POST /rules, DELETE /rules, POST
# /reset, GET /stats). A running proxy is stopped first; start it again after
# changing emulators.
start_fault_proxy() {
    _harness_require_init || return 1
    stop_fault_proxy
    if [ -z "${DYNAMODB_ENDPOINT:-}" ]; then
        _harness_err "start an emulator before the fault proxy"
        return 1
    fi
    local log="$HARNESS_WORKDIR/fault_proxy.log"
    local ready="$HARNESS_WORKDIR/fault_proxy.ready"
    _harness_add_log "$log"
    rm -f "$ready"
    echo "=== $(date '+%F %T') starting fault proxy to $DYNAMODB_ENDPOINT" >>"$log"
    node "$HARNESS_ROOT/test/fault_proxy.mjs" --upstream "$DYNAMODB_ENDPOINT" \
        --ready-file "$ready" "$@" </dev/null >>"$log" 2>&1 &
    _HARNESS_PROXY_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do
        [ -s "$ready" ] && break
        if ! kill -0 "$_HARNESS_PROXY_PID" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    if [ ! -s "$ready" ]; then
        _harness_err "the fault proxy did not start, see $log"
        tail -n 20 "$log" >&2 || true
        stop_fault_proxy
        return 1
    fi
    local line
    line="$(head -n 1 "$ready")"
    # "proxy URL control URL"
    FAULT_PROXY_ENDPOINT="$(echo "$line" | cut -d' ' -f2)"
    FAULT_PROXY_CONTROL="$(echo "$line" | cut -d' ' -f4)"
    export FAULT_PROXY_ENDPOINT FAULT_PROXY_CONTROL
    echo "harness: fault proxy at $FAULT_PROXY_ENDPOINT (control $FAULT_PROXY_CONTROL) to $DYNAMODB_ENDPOINT" >&2
}

# stop_fault_proxy: stops the fault proxy (if any) and unsets its variables.
stop_fault_proxy() {
    if [ -n "$_HARNESS_PROXY_PID" ]; then
        _harness_kill_tree "$_HARNESS_PROXY_PID"
    fi
    _HARNESS_PROXY_PID=""
    unset FAULT_PROXY_ENDPOINT FAULT_PROXY_CONTROL
}

_HARNESS_TLS_PID=""

# start_tls_proxy: an https front for the emulator (test/tls_proxy.mjs) with a certificate made
# for the run (for 127.0.0.1). Exports TLS_PROXY_ENDPOINT, TLS_CA_FILE (that certificate, which
# trusts it) and TLS_OTHER_CA_FILE (a certificate that did not sign it). The files are readable
# by the PostgreSQL server.
start_tls_proxy() {
    _harness_require_init || return 1
    stop_tls_proxy
    if [ -z "${DYNAMODB_ENDPOINT:-}" ]; then
        _harness_err "start an emulator before the TLS proxy"
        return 1
    fi
    local log="$HARNESS_WORKDIR/tls_proxy.log"
    local ready="$HARNESS_WORKDIR/tls_proxy.ready"
    local dir="${_HARNESS_PG_BASE:-$HARNESS_WORKDIR}/tls"
    _harness_add_log "$log"
    mkdir -p "$dir"
    chmod 755 "$dir"
    local name
    for name in cert other; do
        if [ ! -s "$dir/$name.pem" ]; then
            if ! openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
                -addext "subjectAltName=IP:127.0.0.1" -keyout "$dir/$name-key.pem" \
                -out "$dir/$name.pem" >>"$log" 2>&1; then
                _harness_err "could not make a test certificate, see $log"
                return 1
            fi
        fi
    done
    chmod 644 "$dir"/*.pem
    rm -f "$ready"
    echo "=== $(date '+%F %T') starting TLS proxy to $DYNAMODB_ENDPOINT" >>"$log"
    node "$HARNESS_ROOT/test/tls_proxy.mjs" --upstream "$DYNAMODB_ENDPOINT" \
        --key "$dir/cert-key.pem" --cert "$dir/cert.pem" --ready-file "$ready" \
        </dev/null >>"$log" 2>&1 &
    _HARNESS_TLS_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do
        [ -s "$ready" ] && break
        kill -0 "$_HARNESS_TLS_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [ ! -s "$ready" ]; then
        _harness_err "the TLS proxy did not start, see $log"
        tail -n 20 "$log" >&2 || true
        stop_tls_proxy
        return 1
    fi
    TLS_PROXY_ENDPOINT="$(head -n 1 "$ready" | cut -d' ' -f2)"
    TLS_CA_FILE="$dir/cert.pem"
    TLS_OTHER_CA_FILE="$dir/other.pem"
    export TLS_PROXY_ENDPOINT TLS_CA_FILE TLS_OTHER_CA_FILE
    echo "harness: TLS proxy at $TLS_PROXY_ENDPOINT to $DYNAMODB_ENDPOINT" >&2
}

# stop_tls_proxy: stops the TLS proxy (if any) and unsets its variables.
stop_tls_proxy() {
    if [ -n "$_HARNESS_TLS_PID" ]; then
        _harness_kill_tree "$_HARNESS_TLS_PID"
    fi
    _HARNESS_TLS_PID=""
    unset TLS_PROXY_ENDPOINT TLS_CA_FILE TLS_OTHER_CA_FILE
}

# harness_cleanup: stops everything started; safe to call more than once.
harness_cleanup() {
    stop_fault_proxy
    stop_tls_proxy
    if [ -n "$_HARNESS_STALL_PID" ]; then
        _harness_kill_tree "$_HARNESS_STALL_PID"
        _HARNESS_STALL_PID=""
    fi
    stop_dynamodb
    stop_postgres
    if [ -n "$_HARNESS_PG_TMPBASE" ]; then
        # Keep the server log next to the other logs, drop the temp cluster.
        mkdir -p "$HARNESS_WORKDIR/pg"
        cp -f "$_HARNESS_PG_TMPBASE"/*.log "$HARNESS_WORKDIR/pg/" 2>/dev/null || true
        rm -rf "$_HARNESS_PG_TMPBASE"
        local i
        for i in "${!_HARNESS_LOGS[@]}"; do
            _HARNESS_LOGS[i]="${_HARNESS_LOGS[i]/#$_HARNESS_PG_TMPBASE/$HARNESS_WORKDIR/pg}"
        done
        _HARNESS_PG_TMPBASE=""
    fi
}

_harness_on_exit() {
    local rc=$?
    if [ "$_HARNESS_CLEANED" = 0 ]; then
        _HARNESS_CLEANED=1
        harness_cleanup
        if [ "$rc" -ne 0 ] && [ "${#_HARNESS_LOGS[@]}" -gt 0 ]; then
            echo "harness: exit status $rc; logs:" >&2
            local f
            for f in "${_HARNESS_LOGS[@]}"; do
                [ -e "$f" ] && echo "  $f" >&2
            done
        fi
    fi
    return "$rc"
}
