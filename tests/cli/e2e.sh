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

# checkpoint: write one of the latest version, then read the table from it alone (all commits
# up to that version deleted): same rows, _last_checkpoint pointing at it.
checkpoint_roundtrip() {  # NAME SOURCE_TABLE
  local name=$1 t="$work/ck-$1"
  cp -r "$2" "$t"
  rm -f "$t"/_delta_log/*.checkpoint*.parquet "$t"/_delta_log/_last_checkpoint "$t"/_delta_log/*.crc
  expect_rc "$name: scan before checkpoint" 0 "$lake" scan "$t" --format csv
  local before
  before=$(printf '%s\n' "$out" | sort)
  expect_rc "$name: checkpoint" 0 "$lake" checkpoint "$t" --json
  local v files size
  v=$(json_get "$out" "j['version']")
  files=$(json_get "$out" "j['numOfAddFiles']")
  size=$(json_get "$out" "j['size']")
  contains "$name: checkpoint file exists" "$(ls "$t/_delta_log")" "$(printf '%020d' "$v").checkpoint.parquet"
  contains "$name: _last_checkpoint points at it" "$(json_get "$(cat "$t/_delta_log/_last_checkpoint")" "(j['version'], j['size'], j['numOfAddFiles'])")" "($v, $size, $files)"
  expect_rc "$name: files after checkpoint" 0 "$lake" files "$t" --json
  contains "$name: same number of files" "$(json_get "$out" "len(j['files'])")" "$files"
  for f in "$t"/_delta_log/*.json; do
    local base
    base=$(basename "$f" .json)
    if [ "$((10#$base))" -le "$v" ]; then rm "$f"; fi
  done
  expect_rc "$name: scan from the checkpoint alone" 0 "$lake" scan "$t" --format csv
  if [ "$(printf '%s\n' "$out" | sort)" == "$before" ]; then
    ok "$name: same rows from the checkpoint ($(($(printf '%s\n' "$before" | wc -l) - 1)) rows)"
  else
    bad "$name: rows differ after checkpoint"
  fi
}
checkpoint_roundtrip partitions "$conf/delta-golden/data-reader-partition-values"
checkpoint_roundtrip timetravel "$conf/delta-golden/time-travel-start-start20-start40"
checkpoint_roundtrip dv "$conf/delta-golden/dv-partitioned-with-checkpoint"
expect_rc "checkpoint text output" 0 "$lake" checkpoint "$work/cp"
contains "checkpoint prints version and files" "$out" "checkpoint at version"
expect_rc "checkpoint of a missing table" 1 "$lake" checkpoint "$work/nope"
one_line_error "checkpoint of a missing table"
# create / write
w="$work/wt"
ver() { "$lake" describe "$1" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['version'])"; }
nfiles() { find "$1" -name '*.parquet' | wc -l; }
rows() { "$lake" scan "$1" --format csv ${2:+--where "$2"} | tail -n +2 | wc -l; }
printf 'id,country,price\n1,us,1.50\n2,fr,2.25\n3,de,3\n' >"$work/good.csv"
printf 'id,country,price\n4,us,1.50\n5,fr,abc\n6,de,xyz\n' >"$work/bad.csv"
printf 'id,country,price\n7,us,1\n,fr,2\n,de,3\n' >"$work/nulls.csv"
printf '{"id": 1, "ts": "2024-01-01 10:00:00", "tags": ["a"], "s": {"a": 1}}\n{"id": 2, "ts": null, "tags": [], "s": null}\n' >"$work/rows.jsonl"
expect_rc "create" 0 "$lake" create "$w" --schema "id BIGINT NOT NULL, country VARCHAR, price DECIMAL(10,2), ts TIMESTAMPTZ" --partition-by country --property delta.dataSkippingNumIndexedCols=3 --comment "e2e table"
contains "create prints protocol" "$out" "protocol 1/2"
contains "created at version 0" "$(ver "$w")" "0"
expect_rc "create again refused" 1 "$lake" create "$w" --schema "id INT"
one_line_error "create again"
contains "create again says exists" "$err" "already exists"
expect_rc "create with a bad type" 1 "$lake" create "$work/bad_t" --schema "id BIGINT, t TIME"
one_line_error "create with a bad type"
if [ ! -e "$work/bad_t/_delta_log" ]; then ok "bad create leaves no log"; else bad "bad create left a log"; fi
expect_rc "create timestamp_ntz table" 0 "$lake" create "$work/ntz" --schema "id INT, t TIMESTAMP" --json
contains "timestamp_ntz needs 3/7" "$(json_get "$out" "(j['minReaderVersion'], j['minWriterVersion'])")" "(3, 7)"
expect_rc "write append" 0 "$lake" write "$w" --from "$work/good.csv"
contains "append committed v1" "$out" "committed version 1"
contains "append progress on stderr" "$err" "writing Parquet"
contains "append rows" "$(rows "$w")" "3"
contains "partition folders" "$(ls "$w")" "country=us"
files_before=$(nfiles "$w")
expect_rc "write refuses a bad value" 1 "$lake" write "$w" --from "$work/bad.csv" --quiet
one_line_error "bad value"
contains "bad value names the column" "$err" "column 'price': value 'abc' is not DECIMAL(10,2)"
expect_rc "write refuses NULL in NOT NULL" 1 "$lake" write "$w" --from "$work/nulls.csv" --quiet
contains "NOT NULL message" "$err" "column 'id' is NOT NULL but 2 rows have NULL"
expect_rc "write refuses an extra column" 1 "$lake" write "$w" --query "SELECT 1 AS id, 'us' AS country, 1.0 AS price, 2 AS bogus" --quiet
contains "extra column message" "$err" "source column 'bogus' is not in the table schema"
contains "refused writes leave the version" "$(ver "$w")" "1"
contains "refused writes leave no files" "$(nfiles "$w")" "$files_before"
expect_rc "write --json" 0 "$lake" write "$w" --query "SELECT 4 AS id, 'us' AS country, 4.5 AS price" --json --quiet
contains "write --json" "$(json_get "$out" "(j['version'], j['rows'], j['files_added'])")" "(2, 1, 1)"
expect_rc "replace-where" 0 "$lake" write "$w" --query "SELECT 10 AS id, 'us' AS country, 9.99 AS price" --replace-where "country = 'us'" --quiet
contains "replace-where replaced the partition" "$(rows "$w" "country = 'us'")" "1"
contains "replace-where kept the others" "$(rows "$w")" "3"
expect_rc "replace-where refuses rows outside" 1 "$lake" write "$w" --query "SELECT 11 AS id, 'fr' AS country, 1 AS price" --replace-where "country = 'us'" --quiet
contains "replace-where message" "$err" "do"
contains "refused replace-where leaves the version" "$(ver "$w")" "3"
expect_rc "replace-where on a data column rewrites" 0 "$lake" write "$w" --query "SELECT 12 AS id, 'fr' AS country, 7.0 AS price" --replace-where "price > 2.5" --quiet
contains "data-column replace-where" "$("$lake" scan "$w" --format csv --columns id | tail -n +2 | sort -n | tr '\n' ' ')" "2 12 "
expect_rc "txn app id" 0 "$lake" write "$w" --query "SELECT 20 AS id, 'de' AS country, 1 AS price" --txn-app-id app1 --txn-version 5 --quiet
v_txn=$(ver "$w")
expect_rc "txn app id replay skipped" 0 "$lake" write "$w" --query "SELECT 20 AS id, 'de' AS country, 1 AS price" --txn-app-id app1 --txn-version 5 --quiet
contains "replay says nothing written" "$out" "nothing written"
contains "replay leaves the version" "$(ver "$w")" "$v_txn"
expect_rc "mode error on an existing table" 1 "$lake" write "$w" --from "$work/good.csv" --mode error --quiet
expect_rc "mode ignore on an existing table" 0 "$lake" write "$w" --from "$work/good.csv" --mode ignore --quiet
contains "ignore leaves the version" "$(ver "$w")" "$v_txn"
expect_rc "overwrite" 0 "$lake" write "$w" --from "$work/good.csv" --mode overwrite --quiet
contains "overwrite rows" "$(rows "$w")" "3"
expect_rc "create --from a CSV" 0 "$lake" create "$work/fromcsv" --from "$work/good.csv" --partition-by country --json
contains "create --from infers types" "$(json_get "$out" "j['schemaString']")" '"name":"price","type":"double"'
expect_rc "write to s3 refused" 1 "$lake" write "s3://bucket/t" --from "$work/good.csv" --quiet
one_line_error "write to s3"
expect_rc "checkpoint a written table" 0 "$lake" checkpoint "$w"
contains "rows after checkpoint" "$(rows "$w")" "3"
expect_rc "write creates a table from JSON lines" 0 "$lake" write "$work/j" --from "$work/rows.jsonl" --quiet
contains "created from source" "$out" "committed version 0"
expect_rc "scan the created table" 0 "$lake" scan "$work/j" --format csv
contains "created table rows" "$(printf '%s\n' "$out" | wc -l)" "3"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
