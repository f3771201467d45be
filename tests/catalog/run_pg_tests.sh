#!/usr/bin/env bash
# The catalog tests against a throwaway PostgreSQL: initdb + pg_ctl (Debian's postgresql
# package) in a new temp directory, listening on 127.0.0.1 on a free port (trust auth), exports
# LAKE_TEST_PG_URI, runs lake_tests --gtest_filter='Catalog*:CommitCoordinator*' (both backends), and stops and
# deletes the server whatever happened.
#
#   tests/catalog/run_pg_tests.sh [LAKE_TESTS_BINARY] [extra gtest args...]
#
# LAKE_TESTS_BINARY defaults to build/release/tests/lake_tests. Exit code: lake_tests' (1 when
# the server could not be started). As root, the server runs as the 'postgres' user (PostgreSQL
# refuses to run as root). PG_BIN overrides /usr/lib/postgresql/<newest>/bin.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$root/build/release/tests/lake_tests}
[ $# -gt 0 ] && shift
[ -x "$bin" ] || { echo "run_pg_tests: '$bin' is not an executable lake_tests (build it first)" >&2; exit 1; }

pg_bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$pg_bin/initdb" ] && [ -x "$pg_bin/pg_ctl" ] ||
  { echo "run_pg_tests: no PostgreSQL server binaries (install the 'postgresql' package)" >&2; exit 1; }

as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "run_pg_tests: running as root but there is no 'postgres' user" >&2; exit 1; }
  as_pg=(runuser -u postgres --)
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/lake-pg-XXXXXX")
chmod 755 "$dir"
mkdir "$dir/data" "$dir/run"
[ ${#as_pg[@]} -gt 0 ] && chown postgres: "$dir/data" "$dir/run"
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # runs the EXIT trap

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=""
for _ in $(seq 1 50); do
  p=$((20000 + RANDOM % 20000))
  if port_free "$p"; then port=$p; break; fi
done
[ -n "$port" ] || { echo "run_pg_tests: no free port found" >&2; exit 1; }

t0=$(date +%s%N)
"${as_pg[@]}" "$pg_bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync \
  >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; echo "run_pg_tests: initdb failed" >&2; exit 1; }
# fsync off: a throwaway server; the tests check concurrency, not durability.
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/run/server.log" -w -t 60 \
  -o "-p $port -c listen_addresses=127.0.0.1 -k $dir/run -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
  start >/dev/null || { cat "$dir/run/server.log" >&2; echo "run_pg_tests: could not start PostgreSQL" >&2; exit 1; }
ms=$((($(date +%s%N) - t0) / 1000000))
echo "run_pg_tests: PostgreSQL up in $((ms / 1000)).$(printf %03d $((ms % 1000)))s on 127.0.0.1:$port ($dir)"

export LAKE_TEST_PG_URI="postgresql://postgres@127.0.0.1:$port/postgres"
export LAKE_HOME="$dir/lake-home"
set +e
"$bin" --gtest_filter='Catalog*:CommitCoordinator*' "$@"
rc=$?
set -e
exit $rc
