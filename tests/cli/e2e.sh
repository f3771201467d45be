#!/usr/bin/env bash
# End-to-end tests of the lake CLI: real commands on copies of conformance tables, checking
# output, exit codes and one-line errors. Usage: e2e.sh path/to/lake
set -u
lake=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
conf="$src/../shared/conformance/tables"
if [ ! -d "$conf" ]; then
  echo "########################################################################"
  echo "# SKIPPED: CLI end-to-end tests need ../shared/conformance (not found)"
  echo "########################################################################"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
# expect_rc NAME RC CMD...: runs CMD, stores stdout/stderr in $out/$err, checks the exit code.
expect_rc() {
  local name=$1 want=$2
  shift 2
  "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  out=$(cat "$work/out")
  err=$(cat "$work/err")
  if [ "$rc" -eq "$want" ]; then ok "$name (exit $rc)"; else bad "$name: exit $rc, want $want; stderr: $err"; fi
}
contains() {  # NAME HAYSTACK NEEDLE
  case "$2" in *"$3"*) ok "$1" ;; *) bad "$1: '$3' not in: $(echo "$2" | head -c 400)" ;; esac
}
one_line_error() {  # NAME: stderr is exactly one 'lake: error:' line
  if [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && [[ "$err" == "lake: error: "* ]]; then
    ok "$1 prints one error line"
  else
    bad "$1: stderr is not one 'lake: error:' line: $err"
  fi
}
json_get() {  # JSON EXPR (python expression over j)
  python3 -c "import json,sys; j=json.loads(sys.stdin.read()); print($2)" <<<"$1"
}

cp -r "$conf/delta-golden/data-reader-partition-values" "$work/pv"
cp -r "$conf/delta-golden/time-travel-start-start20-start40" "$work/tt"
cp -r "$conf/delta-golden/basic-with-inserts-deletes-checkpoint" "$work/cp"

# describe
expect_rc "describe --json" 0 "$lake" describe "$work/pv" --json
contains "describe --json has partition columns" "$(json_get "$out" "j['partition_columns']")" "as_int"
contains "describe --json version" "$(json_get "$out" "j['version']")" "0"
expect_rc "describe (text)" 0 "$lake" describe "file://$work/pv"
contains "describe text shows schema" "$out" "as_big_decimal: decimal"
expect_rc "describe --version of a time-travel table" 0 "$lake" describe "$work/tt" --version 1 --json
contains "describe --version 1" "$(json_get "$out" "(j['version'], j['num_files'])")" "(1, "

# history
expect_rc "history" 0 "$lake" history "$work/tt"
contains "history lists version 2" "$out" "2 "
expect_rc "history --json" 0 "$lake" history "$work/tt" --json
contains "history --json newest first" "$(json_get "$out" "[c['version'] for c in j]")" "[2, 1, 0]"

# scan: formats, projection, limit, time travel
expect_rc "scan csv" 0 "$lake" scan "$work/tt" --format csv
rows_latest=$(($(printf '%s\n' "$out" | wc -l) - 1))
expect_rc "scan --version 0" 0 "$lake" scan "$work/tt" --version 0 --format csv
rows_v0=$(($(printf '%s\n' "$out" | wc -l) - 1))
if [ "$rows_v0" -gt 0 ] && [ "$rows_latest" -gt "$rows_v0" ]; then ok "time travel sees fewer rows at v0 ($rows_v0 < $rows_latest)"; else bad "time travel rows v0=$rows_v0 latest=$rows_latest"; fi
expect_rc "scan --limit 3 jsonl" 0 "$lake" scan "$work/tt" --format jsonl --limit 3
contains "jsonl rows" "$(printf '%s\n' "$out" | wc -l)" "3"
expect_rc "scan --columns" 0 "$lake" scan "$work/pv" --columns as_int,as_string --format csv
contains "projection header" "$(printf '%s\n' "$out" | head -1)" "as_int,as_string"
expect_rc "scan table format" 0 "$lake" scan "$work/pv" --columns as_int --where "as_int = 1"
contains "table format header" "$out" "as_int"
expect_rc "scan to parquet" 0 "$lake" scan "$work/cp" --format parquet --output "$work/o.parquet"
contains "parquet magic" "$(head -c 4 "$work/o.parquet")" "PAR1"
expect_rc "scan --timestamp now" 0 "$lake" scan "$work/tt" --timestamp "2099-01-01 00:00:00" --format csv
contains "scan at a future timestamp = latest" "$(($(printf '%s\n' "$out" | wc -l) - 1))" "$rows_latest"

# files and pruning
expect_rc "files --json" 0 "$lake" files "$work/pv" --json
total=$(json_get "$out" "len(j['files'])")
expect_rc "files --where on a partition" 0 "$lake" files "$work/pv" --where "as_int = 1" --json
kept=$(json_get "$out" "len(j['files'])")
if [ "$kept" -lt "$total" ] && [ "$kept" -ge 1 ]; then ok "partition pruning keeps $kept of $total"; else bad "pruning kept $kept of $total"; fi

# explain
expect_rc "explain --json" 0 "$lake" explain "$work/pv" --where "as_int = 1" --json
contains "explain counts partition skips" "$(json_get "$out" "(j['files_total'], j['files_after_partition_pruning'], j['skipped_by_partition'])")" "($total, $kept, $((total - kept)))"
expect_rc "explain text" 0 "$lake" explain "$work/pv" --where "as_int = 1"
contains "explain text shows stages" "$out" "after stats skipping"
expect_rc "explain needs --where" 2 "$lake" explain "$work/pv"

# errors: one line, non-zero
expect_rc "missing table" 1 "$lake" describe "$work/nope"
one_line_error "missing table"
contains "missing table message" "$err" "_delta_log"
expect_rc "unknown flag" 2 "$lake" scan "$work/pv" --bogus
expect_rc "bad format" 2 "$lake" scan "$work/pv" --format xml
one_line_error "bad format"
expect_rc "version does not exist" 1 "$lake" describe "$work/tt" --version 99
one_line_error "version does not exist"
expect_rc "unknown column in --where" 1 "$lake" scan "$work/pv" --where "no_such_col = 1"
one_line_error "unknown column"
expect_rc "timestamp before the first commit" 1 "$lake" scan "$work/tt" --timestamp "2000-01-01"
one_line_error "early timestamp"
cp -r "$work/tt" "$work/corrupt"
echo '{"add": {"path": "x.parquet", "partitionValues": {}, "size": oops' >>"$work/corrupt/_delta_log/00000000000000000002.json"
expect_rc "corrupt log line" 1 "$lake" describe "$work/corrupt"
one_line_error "corrupt log line"
contains "corrupt line names file and line" "$err" "00000000000000000002.json"
expect_rc "corrupt table at an older version still opens" 0 "$lake" describe "$work/corrupt" --version 1

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
