# Sourced by .ci/run: a throwaway PostgreSQL for the tests that run on every database backend.
#
# start_test_postgres starts a server from the local binaries (initdb, pg_ctl, postgres) in a temporary
# directory, listening on 127.0.0.1 only, stops it and removes everything on exit, and exports
# SALESBOT_TEST_POSTGRES_URL. When it can't, it says why and returns 1; the tests then run on SQLite only.
# PostgreSQL refuses to run as root: as root, the server runs as an unprivileged user (the `postgres`
# account if there is one, else a `salesbot-ci` system user created for the purpose).

_pg_bindir() {
  local dir candidate
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
    return 0
  fi
  if command -v pg_config >/dev/null 2>&1; then
    dir="$(pg_config --bindir)"
    [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  fi
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/pg_ctl" ] && [ -x "$candidate/initdb" ] && dir="$candidate"
  done
  [ -n "${dir:-}" ] && { echo "$dir"; return 0; }
  return 1
}

_pg_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop_test_postgres() {
  if [ -n "${_PG_DATA:-}" ] && [ -f "$_PG_DATA/postmaster.pid" ]; then
    $_PG_AS "$_PG_BIN/pg_ctl" -D "$_PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  [ -n "${_PG_TMP:-}" ] && rm -rf "$_PG_TMP"
  _PG_DATA="" _PG_TMP=""
}

start_test_postgres() {
  if [ -n "${SALESBOT_TEST_POSTGRES_URL:-}" ]; then
    echo "PostgreSQL tests: using the server in SALESBOT_TEST_POSTGRES_URL."
    return 0
  fi
  _PG_BIN="$(_pg_bindir)" || {
    echo "PostgreSQL tests: not run (no PostgreSQL server binaries: initdb, pg_ctl). SQLite only."
    return 1
  }
  _PG_AS=""
  local user="" port
  if [ "$(id -u)" = "0" ]; then
    if id postgres >/dev/null 2>&1; then
      user=postgres
    else
      user=salesbot-ci
      id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user" \
        >/dev/null 2>&1 || {
        echo "PostgreSQL tests: not run (running as root and could not create an unprivileged user). SQLite only."
        return 1
      }
    fi
    command -v runuser >/dev/null 2>&1 || {
      echo "PostgreSQL tests: not run (running as root without runuser to drop privileges). SQLite only."
      return 1
    }
    _PG_AS="runuser -u $user --"
  fi
  _PG_TMP="$(mktemp -d)"
  trap stop_test_postgres EXIT
  trap 'exit 130' INT TERM HUP  # so the EXIT trap stops the server on Ctrl-C or kill too
  chmod 755 "$_PG_TMP"
  mkdir "$_PG_TMP/pg"
  [ -n "$user" ] && chown "$user" "$_PG_TMP/pg"
  _PG_DATA="$_PG_TMP/pg/data"
  if ! $_PG_AS "$_PG_BIN/initdb" -D "$_PG_DATA" -A trust -U salesbot -E UTF8 --no-sync \
    >"$_PG_TMP/initdb.log" 2>&1; then
    echo "PostgreSQL tests: not run (initdb failed: $(tail -n 3 "$_PG_TMP/initdb.log" | tr '\n' ' ')). SQLite only."
    stop_test_postgres
    return 1
  fi
  port="$(_pg_free_port)"
  if ! $_PG_AS "$_PG_BIN/pg_ctl" -D "$_PG_DATA" -l "$_PG_TMP/pg/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k $_PG_TMP/pg -F -c max_connections=100" start >/dev/null 2>&1; then
    echo "PostgreSQL tests: not run (the server did not start: $(tail -n 3 "$_PG_TMP/pg/server.log" 2>/dev/null | tr '\n' ' ')). SQLite only."
    stop_test_postgres
    return 1
  fi
  export SALESBOT_TEST_POSTGRES_URL="postgresql://salesbot@127.0.0.1:$port/postgres"
  echo "PostgreSQL tests: throwaway server $("$_PG_BIN/postgres" --version 2>/dev/null) on 127.0.0.1:$port."
}
