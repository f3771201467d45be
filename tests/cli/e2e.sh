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

# LAKE_E2E_S3=1: the same checks on tables in S3 (AWS_* and LAKE_E2E_S3_BUCKET from the
# environment; tests/s3/run_s3_tests.sh sets them against its throwaway RGW). The local copies
# are uploaded with the hidden 'lake store-copy' to s3://$bucket/<run prefix>/<name>.
s3=${LAKE_E2E_S3:-0}
s3base=""
if [ "$s3" = 1 ]; then
  s3base="s3://${LAKE_E2E_S3_BUCKET:-lake-test}/e2e-$$-$RANDOM"
  echo "e2e: tables under $s3base"
fi
# up NAME: the location of the table copied to $work/NAME (uploaded first in S3 mode).
up() {
  if [ "$s3" = 1 ]; then
    "$lake" store-copy --create-bucket "$work/$1" "$s3base/$1" >/dev/null || { echo "FAIL upload $1" >&2; return 1; }
    echo "$s3base/$1"
  else
    echo "$work/$1"
  fi
}
# down LOCATION DIR: a local copy of a table (for inspecting files).
down() {
  if [ "$s3" = 1 ]; then "$lake" store-copy "$1" "$2" >/dev/null; else rm -rf "$2"; cp -r "$1" "$2"; fi
}

cp -r "$conf/delta-golden/data-reader-partition-values" "$work/pv"
cp -r "$conf/delta-golden/time-travel-start-start20-start40" "$work/tt"
cp -r "$conf/delta-golden/basic-with-inserts-deletes-checkpoint" "$work/cp"
pv=$(up pv)
tt=$(up tt)
cp_=$(up cp)
if [ "$s3" = 1 ]; then pv_uri=$pv; nope=$s3base/nope; else pv_uri="file://$work/pv"; nope=$work/nope; fi

# describe
expect_rc "describe --json" 0 "$lake" describe "$pv" --json
contains "describe --json has partition columns" "$(json_get "$out" "j['partition_columns']")" "as_int"
contains "describe --json version" "$(json_get "$out" "j['version']")" "0"
expect_rc "describe (text)" 0 "$lake" describe "$pv_uri"
contains "describe text shows schema" "$out" "as_big_decimal: decimal"
expect_rc "describe --version of a time-travel table" 0 "$lake" describe "$tt" --version 1 --json
contains "describe --version 1" "$(json_get "$out" "(j['version'], j['num_files'])")" "(1, "

# history
expect_rc "history" 0 "$lake" history "$tt"
contains "history lists version 2" "$out" "2 "
expect_rc "history --json" 0 "$lake" history "$tt" --json
contains "history --json newest first" "$(json_get "$out" "[c['version'] for c in j]")" "[2, 1, 0]"

# scan: formats, projection, limit, time travel
expect_rc "scan csv" 0 "$lake" scan "$tt" --format csv
rows_latest=$(($(printf '%s\n' "$out" | wc -l) - 1))
expect_rc "scan --version 0" 0 "$lake" scan "$tt" --version 0 --format csv
rows_v0=$(($(printf '%s\n' "$out" | wc -l) - 1))
if [ "$rows_v0" -gt 0 ] && [ "$rows_latest" -gt "$rows_v0" ]; then ok "time travel sees fewer rows at v0 ($rows_v0 < $rows_latest)"; else bad "time travel rows v0=$rows_v0 latest=$rows_latest"; fi
expect_rc "scan --limit 3 jsonl" 0 "$lake" scan "$tt" --format jsonl --limit 3
contains "jsonl rows" "$(printf '%s\n' "$out" | wc -l)" "3"
expect_rc "scan --columns" 0 "$lake" scan "$pv" --columns as_int,as_string --format csv
contains "projection header" "$(printf '%s\n' "$out" | head -1)" "as_int,as_string"
expect_rc "scan table format" 0 "$lake" scan "$pv" --columns as_int --where "as_int = 1"
contains "table format header" "$out" "as_int"
expect_rc "scan to parquet" 0 "$lake" scan "$cp_" --format parquet --output "$work/o.parquet"
contains "parquet magic" "$(head -c 4 "$work/o.parquet")" "PAR1"
expect_rc "scan --timestamp now" 0 "$lake" scan "$tt" --timestamp "2099-01-01 00:00:00" --format csv
contains "scan at a future timestamp = latest" "$(($(printf '%s\n' "$out" | wc -l) - 1))" "$rows_latest"

# files and pruning
expect_rc "files --json" 0 "$lake" files "$pv" --json
total=$(json_get "$out" "len(j['files'])")
expect_rc "files --where on a partition" 0 "$lake" files "$pv" --where "as_int = 1" --json
kept=$(json_get "$out" "len(j['files'])")
if [ "$kept" -lt "$total" ] && [ "$kept" -ge 1 ]; then ok "partition pruning keeps $kept of $total"; else bad "pruning kept $kept of $total"; fi

# explain
expect_rc "explain --json" 0 "$lake" explain "$pv" --where "as_int = 1" --json
contains "explain counts partition skips" "$(json_get "$out" "(j['files_total'], j['files_after_partition_pruning'], j['skipped_by_partition'])")" "($total, $kept, $((total - kept)))"
expect_rc "explain text" 0 "$lake" explain "$pv" --where "as_int = 1"
contains "explain text shows stages" "$out" "after stats skipping"
expect_rc "explain needs --where" 2 "$lake" explain "$pv"

# errors: one line, non-zero
expect_rc "missing table" 1 "$lake" describe "$nope"
one_line_error "missing table"
contains "missing table message" "$err" "_delta_log"
expect_rc "unknown flag" 2 "$lake" scan "$pv" --bogus
expect_rc "bad format" 2 "$lake" scan "$pv" --format xml
one_line_error "bad format"
expect_rc "version does not exist" 1 "$lake" describe "$tt" --version 99
one_line_error "version does not exist"
expect_rc "unknown column in --where" 1 "$lake" scan "$pv" --where "no_such_col = 1"
one_line_error "unknown column"
expect_rc "timestamp before the first commit" 1 "$lake" scan "$tt" --timestamp "2000-01-01"
one_line_error "early timestamp"
cp -r "$work/tt" "$work/corrupt"
echo '{"add": {"path": "x.parquet", "partitionValues": {}, "size": oops' >>"$work/corrupt/_delta_log/00000000000000000002.json"
corrupt=$(up corrupt)
expect_rc "corrupt log line" 1 "$lake" describe "$corrupt"
one_line_error "corrupt log line"
contains "corrupt line names file and line" "$err" "00000000000000000002.json"
expect_rc "corrupt table at an older version still opens" 0 "$lake" describe "$corrupt" --version 1

# checkpoint: write one of the latest version, then read the table from it alone (all commits
# up to that version deleted): same rows, _last_checkpoint pointing at it.
checkpoint_roundtrip() {  # NAME SOURCE_TABLE
  local name=$1 t="$work/ck-$1" loc
  cp -r "$2" "$t"
  rm -f "$t"/_delta_log/*.checkpoint*.parquet "$t"/_delta_log/_last_checkpoint "$t"/_delta_log/*.crc
  loc=$(up "ck-$1")
  expect_rc "$name: scan before checkpoint" 0 "$lake" scan "$loc" --format csv
  local before
  before=$(printf '%s\n' "$out" | sort)
  expect_rc "$name: checkpoint" 0 "$lake" checkpoint "$loc" --json
  local v files size
  v=$(json_get "$out" "j['version']")
  files=$(json_get "$out" "j['numOfAddFiles']")
  size=$(json_get "$out" "j['size']")
  # Inspect (and below prune) a local copy of what the checkpoint wrote.
  local c="$work/ckc-$1"
  down "$loc" "$c"
  contains "$name: checkpoint file exists" "$(ls "$c/_delta_log")" "$(printf '%020d' "$v").checkpoint.parquet"
  contains "$name: _last_checkpoint points at it" "$(json_get "$(cat "$c/_delta_log/_last_checkpoint")" "(j['version'], j['size'], j['numOfAddFiles'])")" "($v, $size, $files)"
  expect_rc "$name: files after checkpoint" 0 "$lake" files "$loc" --json
  contains "$name: same number of files" "$(json_get "$out" "len(j['files'])")" "$files"
  for f in "$c"/_delta_log/*.json; do
    local base
    base=$(basename "$f" .json)
    if [ "$((10#$base))" -le "$v" ]; then rm "$f"; fi
  done
  loc=$(up "ckc-$1")
  expect_rc "$name: scan from the checkpoint alone" 0 "$lake" scan "$loc" --format csv
  if [ "$(printf '%s\n' "$out" | sort)" == "$before" ]; then
    ok "$name: same rows from the checkpoint ($(($(printf '%s\n' "$before" | wc -l) - 1)) rows)"
  else
    bad "$name: rows differ after checkpoint"
  fi
}
checkpoint_roundtrip partitions "$conf/delta-golden/data-reader-partition-values"
checkpoint_roundtrip timetravel "$conf/delta-golden/time-travel-start-start20-start40"
checkpoint_roundtrip dv "$conf/delta-golden/dv-partitioned-with-checkpoint"
expect_rc "checkpoint text output" 0 "$lake" checkpoint "$cp_"
contains "checkpoint prints version and files" "$out" "checkpoint at version"
expect_rc "checkpoint of a missing table" 1 "$lake" checkpoint "$nope"
one_line_error "checkpoint of a missing table"
# create / write (in S3 mode the written tables are on S3: data files are uploaded)
if [ "$s3" = 1 ]; then tbase=$s3base; else tbase=$work; fi
w="$tbase/wt"
ver() { "$lake" describe "$1" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['version'])"; }
# local_of LOC: a local directory holding the table's objects (a fresh download in S3 mode).
local_of() {
  if [ "$s3" = 1 ]; then
    rm -rf "$work/_dl"; "$lake" store-copy "$1" "$work/_dl" >/dev/null && echo "$work/_dl"
  else echo "$1"; fi
}
nfiles() { find "$(local_of "$1")" -name '*.parquet' | wc -l; }
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
contains "partition folders" "$(ls "$(local_of "$w")")" "country=us"
files_before=$(nfiles "$w")
expect_rc "write refuses a bad value" 1 "$lake" write "$w" --from "$work/bad.csv" --quiet
one_line_error "bad value"
contains "bad value names the column and the rule" "$err" "violates column 'price': cast to DECIMAL(10,2) (source type VARCHAR)"
expect_rc "write refuses NULL in NOT NULL" 1 "$lake" write "$w" --from "$work/nulls.csv" --quiet
contains "NOT NULL message" "$err" "2 rows break the table's rules; nothing was written (column 'id': NOT NULL: 2)"
expect_rc "write refuses an extra column" 1 "$lake" write "$w" --query "SELECT 1 AS id, 'us' AS country, 1.0 AS price, 2 AS bogus" --quiet
contains "extra column message" "$err" "extra source column(s) 'bogus' (integer)"
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
# lake alter: schema evolution (metadata-only commits), on a table of its own
ev="$work/ev"
expect_rc "create for alter" 0 "$lake" create "$ev" --schema "id BIGINT NOT NULL, country VARCHAR, price DECIMAL(10,2)"
expect_rc "write for alter" 0 "$lake" write "$ev" --from "$work/good.csv" --quiet
expect_rc "alter add-column" 0 "$lake" alter "$ev" add-column "note VARCHAR COMMENT 'free text'" --after id
contains "add-column summary" "$out" "added column 'note' (string)"
contains "old rows read the new column as NULL" "$("$lake" scan "$ev" --format csv --columns note | tail -n +2 | sort -u | tr '\n' ' ')" " "
expect_rc "alter rename-column" 0 "$lake" alter "$ev" rename-column note remark
expect_rc "alter drop-column" 0 "$lake" alter "$ev" drop-column remark
expect_rc "alter change-type refused" 1 "$lake" alter "$ev" change-type price INT
one_line_error "change-type refused"
contains "change-type names the column and the rule" "$err" "column 'price': cannot change type decimal(10,2) to integer"
expect_rc "alter change-type widen" 0 "$lake" alter "$ev" change-type price "DECIMAL(12,2)"
expect_rc "alter add-constraint refused by existing rows" 1 "$lake" alter "$ev" add-constraint cheap "price < 1"
contains "add-constraint names a row" "$err" "existing row"
expect_rc "alter add-constraint" 0 "$lake" alter "$ev" add-constraint positive "price > 0"
expect_rc "write breaking a constraint" 1 "$lake" write "$ev" --query "SELECT 30 AS id, 'us' AS country, -1 AS price" --quiet
contains "constraint violation message" "$err" "violates CHECK constraint positive (price > 0)"
expect_rc "write --bad-rows quarantine" 0 "$lake" write "$ev" --query "SELECT 31 AS id, 'us' AS country, -1 AS price UNION ALL SELECT 32, 'us', 5" --bad-rows "quarantine:$work/quarantine" --quiet
contains "quarantine summary" "$out" "quarantined 1 bad row(s)"
expect_rc "write --bad-rows quarantine: casts and NOT NULL" 0 "$lake" write "$ev" --query "SELECT * FROM (VALUES ('34', 'us', '1.5'), ('35', 'us', 'abc'), (NULL, 'us', '2')) t(id, country, price)" --bad-rows "quarantine:$work/quarantine2" --quiet
contains "cast/null quarantine summary" "$out" "quarantined 2 bad row(s)"
contains "cast/null quarantine rules" "$("$lake" scan "$work/quarantine2" --format csv --columns _lake_rule | tail -n +2 | sort | tr '\n' '/')" "\"column 'price': cast to DECIMAL(12,2) (source type VARCHAR)\"/column 'id': NOT NULL/"
# identity columns: generated values, the high-water mark, explicit values refused
expect_rc "create with an identity column" 0 "$lake" create "$work/ident" --schema "id BIGINT GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 10), v VARCHAR" --json
contains "identity needs writer 6" "$(json_get "$out" "(j['minReaderVersion'], j['minWriterVersion'])")" "(1, 6)"
expect_rc "write generates identity values" 0 "$lake" write "$work/ident" --query "SELECT 'a' AS v UNION ALL SELECT 'b'" --quiet
expect_rc "write more identity values" 0 "$lake" write "$work/ident" --query "SELECT 'c' AS v" --quiet
contains "identity values" "$("$lake" scan "$work/ident" --format csv --columns id | tail -n +2 | sort | tr '\n' ' ')" "100 110 120 "
contains "high-water mark committed with the data" "$(cat "$work/ident/_delta_log/00000000000000000002.json")" 'delta.identity.highWaterMark\":120'
expect_rc "explicit identity value refused" 1 "$lake" write "$work/ident" --query "SELECT 5::BIGINT AS id, 'x' AS v" --quiet
one_line_error "explicit identity value"
contains "explicit identity refusal names the column" "$err" "column 'id' is an identity column GENERATED ALWAYS"
# four concurrent writer processes on the identity table: every commit but one per round conflicts
# on the high-water mark and re-runs; no id is generated twice.
for i in 1 2 3 4; do
  "$lake" write "$work/ident" --query "SELECT 'p$i' AS v FROM range(5)" --quiet >/dev/null 2>"$work/ident_err$i" &
done
wait
ids=$("$lake" scan "$work/ident" --format csv --columns id | tail -n +2 | sort -n)
contains "concurrent identity writers: all rows" "$(printf '%s\n' "$ids" | wc -l)" "23"
contains "concurrent identity writers: no duplicate ids" "$(printf '%s\n' "$ids" | uniq -d | wc -l)" "0"
contains "concurrent identity writers: mark = largest id" "$(cat "$(ls "$work"/ident/_delta_log/0*.json | tail -1)")" "delta.identity.highWaterMark\\\":$(printf '%s\n' "$ids" | tail -1)"
expect_rc "write --merge-schema" 0 "$lake" write "$ev" --query "SELECT 33 AS id, 'us' AS country, 2 AS price, 'x' AS extra" --merge-schema --quiet
expect_rc "alter set-property" 0 "$lake" alter "$ev" set-property owner=e2e
expect_rc "alter unknown action" 2 "$lake" alter "$ev" frobnicate
expect_rc "create --from a CSV" 0 "$lake" create "$tbase/fromcsv" --from "$work/good.csv" --partition-by country --json
contains "create --from infers types" "$(json_get "$out" "j['schemaString']")" '"name":"price","type":"double"'
expect_rc "checkpoint a written table" 0 "$lake" checkpoint "$w"
contains "rows after checkpoint" "$(rows "$w")" "3"
expect_rc "write creates a table from JSON lines" 0 "$lake" write "$tbase/j" --from "$work/rows.jsonl" --quiet
contains "created from source" "$out" "committed version 0"
expect_rc "scan the created table" 0 "$lake" scan "$tbase/j" --format csv
contains "created table rows" "$(printf '%s\n' "$out" | wc -l)" "3"
# vacuum of the written table (on S3 in S3 mode): the overwritten and replaced files go, the
# latest version reads the same rows.
rows_w=$("$lake" scan "$w" --format csv --columns id | tail -n +2 | sort -n | tr '\n' ' ')
files_w=$(nfiles "$w")
sleep 0.1
expect_rc "vacuum the written table" 0 "$lake" vacuum "$w" --retain 0h --force --json
deleted_w=$(json_get "$out" "j['num_files']")
if [ "$deleted_w" -gt 0 ]; then ok "vacuum of the written table deleted $deleted_w files"; else bad "vacuum of the written table deleted nothing"; fi
contains "vacuum leaves the live files" "$(nfiles "$w")" "$((files_w - deleted_w))"
contains "rows after vacuum of the written table" "$("$lake" scan "$w" --format csv --columns id | tail -n +2 | sort -n | tr '\n' ' ')" "$rows_w"

# vacuum and the catalog run on local tables (their S3 behaviour is covered by unit tests).
if [ "$s3" != 1 ]; then
# vacuum: a fresh copy has nothing to delete (every version is within the window); a window
# shorter than the table's retention is refused without --force; with --force and a 0h window
# the tombstoned files go and the latest version still reads the same rows.
cp -r "$conf/delta-golden/basic-with-inserts-deletes-checkpoint" "$work/vac"
expect_rc "vacuum --dry-run --json" 0 "$lake" vacuum "$work/vac" --dry-run --json
contains "vacuum dry run on a fresh table deletes nothing" "$(json_get "$out" "(j['dry_run'], j['num_files'], j['retention_ms'])")" "(True, 0, 604800000)"
expect_rc "vacuum --lite --dry-run" 0 "$lake" vacuum "$work/vac" --lite --dry-run
contains "vacuum lite dry run text" "$out" "dry run: would delete 0 files"
versions_before=$(ls "$work/vac/_delta_log" | grep -c '\.json$')
expect_rc "vacuum --retain 0h refused" 1 "$lake" vacuum "$work/vac" --retain 0h
one_line_error "vacuum --retain 0h"
contains "vacuum refusal says how to override" "$err" "--force"
contains "vacuum refusal names the table retention" "$err" "deletedFileRetentionDuration"
expect_rc "vacuum bad --retain" 1 "$lake" vacuum "$work/vac" --retain soon
one_line_error "vacuum bad --retain"
expect_rc "vacuum --lite --full" 2 "$lake" vacuum "$work/vac" --lite --full
one_line_error "vacuum --lite --full"
expect_rc "vacuum of a missing table" 1 "$lake" vacuum "$work/nope"
one_line_error "vacuum of a missing table"
if [ "$(ls "$work/vac/_delta_log" | grep -c '\.json$')" -eq "$versions_before" ]; then ok "refused and dry-run vacuums commit nothing"; else bad "vacuum committed on a dry run or refusal"; fi
expect_rc "scan before vacuum" 0 "$lake" scan "$work/vac" --format csv
rows_before=$(printf '%s\n' "$out" | sort)
sleep 0.1
expect_rc "vacuum --retain 0h --force --dry-run" 0 "$lake" vacuum "$work/vac" --retain 0h --force --dry-run --json
would=$(json_get "$out" "j['num_files']")
if [ "$would" -gt 0 ]; then ok "vacuum 0h dry run lists $would files"; else bad "vacuum 0h dry run lists nothing"; fi
expect_rc "vacuum --retain 0h --force" 0 "$lake" vacuum "$work/vac" --retain 0h --force --json
contains "vacuum deletes what the dry run listed" "$(json_get "$out" "j['num_files']")" "$would"
expect_rc "scan after vacuum" 0 "$lake" scan "$work/vac" --format csv
if [ "$(printf '%s\n' "$out" | sort)" == "$rows_before" ]; then ok "latest version reads the same rows after vacuum"; else bad "rows differ after vacuum"; fi
expect_rc "history after vacuum" 0 "$lake" history "$work/vac" --json
contains "vacuum commits VACUUM START/END" "$(json_get "$out" "[c['operation'] for c in j][:2]")" "['VACUUM END', 'VACUUM START']"
expect_rc "vacuum text output" 0 "$lake" vacuum "$work/vac" --retain 0h --force
contains "vacuum text says deleted" "$out" "deleted 0 files"
# catalog (SQLite in a throwaway LAKE_HOME)
export LAKE_HOME="$work/home"
unset LAKE_CATALOG LAKE_WAREHOUSE
expect_rc "catalog create-namespace" 0 "$lake" catalog create-namespace Sales
expect_rc "catalog create-namespace twice" 1 "$lake" catalog create-namespace sales
contains "catalog duplicate namespace message" "$err" "namespace 'sales' already exists"
one_line_error "catalog duplicate namespace"
expect_rc "catalog register" 0 "$lake" catalog register sales.PV "$work/pv"
contains "catalog register prints the version" "$out" "registered sales.pv at $work/pv (v0"
expect_rc "catalog create-table managed" 0 "$lake" catalog create-table sales.later --comment "soon"
contains "catalog managed location" "$out" "$work/home/warehouse/sales/later"
expect_rc "catalog bad name" 1 "$lake" catalog create-table sales.bad-name
contains "catalog bad name message" "$err" "letters, digits and '_'"
expect_rc "catalog set-property" 0 "$lake" catalog set-property sales.pv owner=ana tier=gold
expect_rc "catalog comment" 0 "$lake" catalog comment sales.pv "partition values"
expect_rc "catalog tables --json" 0 "$lake" catalog tables sales --json
contains "catalog tables --json" "$(json_get "$out" "[(t['name'], t['summary']['version'], t['properties'].get('owner')) for t in j]")" "[('sales.later', -1, None), ('sales.pv', 0, 'ana')]"
expect_rc "describe through the catalog" 0 "$lake" describe sales.pv --json
contains "describe ns.table reads the log" "$(json_get "$out" "j['table']")" "$work/pv"
expect_rc "scan through the catalog" 0 "$lake" scan SALES.PV --columns as_int --format csv --limit 1
expect_rc "history through the catalog (--catalog after)" 0 "$lake" history sales.pv --catalog "$work/home/catalog.db"
expect_rc "catalog describe" 0 "$lake" catalog describe sales.pv
contains "catalog describe shows the entry and the log" "$out" "property:    tier = gold"
contains "catalog describe shows the log" "$out" "from the log"
expect_rc "catalog rename" 0 "$lake" catalog rename sales.pv sales.pv2
expect_rc "describe of a dropped name" 1 "$lake" describe sales.pv
contains "unknown catalog name message" "$err" "neither a table path nor a table in the catalog"
expect_rc "catalog sync" 0 "$lake" catalog sync
contains "catalog sync output" "$out" "sync: 0 refreshed, 2 unchanged, 0 failed"
expect_rc "catalog drop-namespace non-empty" 1 "$lake" catalog drop-namespace sales
contains "catalog drop-namespace refuses" "$err" "is not empty (2 tables)"
expect_rc "catalog drop-table" 0 "$lake" catalog drop-table sales.pv2
expect_rc "catalog drop-table --purge of a managed table" 0 "$lake" catalog drop-table sales.later --purge
if [ -e "$work/home/warehouse/sales/later" ]; then bad "purge left the managed folder"; else ok "purge removed the managed folder"; fi
if [ -d "$work/pv/_delta_log" ]; then ok "drop without purge keeps the data"; else bad "drop removed data"; fi
expect_rc "catalog namespaces" 0 "$lake" catalog namespaces
contains "catalog namespaces output" "$out" "sales (0 tables)"
expect_rc "catalog drop-namespace" 0 "$lake" catalog drop-namespace sales
# lake sql -c / -f (the same throwaway catalog)
expect_rc "sql -c create" 0 "$lake" sql -c "CREATE NAMESPACE web; CREATE TABLE web.events (id BIGINT, day DATE, kind VARCHAR) PARTITIONED BY (day)"
contains "sql -c create message" "$out" "created table web.events at $work/home/warehouse/web/events (version 0)"
expect_rc "sql -c insert" 0 "$lake" sql -c "INSERT INTO web.events VALUES (1, DATE '2026-11-01', 'click'), (2, DATE '2026-11-02', 'view'); INSERT INTO web.events (id, kind, day) SELECT 3, 'buy', DATE '2026-11-02'"
contains "sql -c insert message" "$out" "inserted into web.events: version 2, 1 row(s)"
# CLI commands accept the catalog name and refresh its cached summary after they commit
expect_rc "write by catalog name" 0 "$lake" write web.events --query "SELECT 9 AS id, DATE '2026-11-03' AS day, 'x' AS kind" --quiet
expect_rc "catalog summary after a CLI write" 0 "$lake" catalog tables web --json
contains "catalog summary follows the CLI commit" "$(json_get "$out" "[(t['name'], t['summary']['version']) for t in j]")" "[('web.events', 3)]"
expect_rc "sql sees the CLI write" 0 "$lake" sql --format csv -c "SELECT count(*) AS n FROM web.events WHERE id = 9"
contains "sql sees the CLI write" "$out" "1"
expect_rc "delete the CLI-written row again" 0 "$lake" write web.events --replace-where "day = DATE '2026-11-03'" --query "SELECT 9 AS id, DATE '2026-11-03' AS day, 'x' AS kind WHERE false" --quiet
expect_rc "sql -c csv with a partition filter" 0 "$lake" sql --format csv -c "SELECT id, kind FROM web.events WHERE day = DATE '2026-11-02' ORDER BY id"
contains "sql csv rows" "$out" "$(printf 'id,kind\n2,view\n3,buy')"
expect_rc "sql -c jsonl time travel" 0 "$lake" sql --format jsonl -c "SELECT count(*) AS n FROM web.events VERSION AS OF 1"
contains "sql jsonl" "$out" '{"n":2}'
expect_rc "sql parquet output" 0 "$lake" sql --format parquet --output "$work/sql.parquet" -c "SELECT * FROM web.events"
expect_rc "sql reads the parquet back" 0 "$lake" sql --format csv -c "SELECT count(*) AS n FROM read_parquet('$work/sql.parquet')"
contains "sql parquet rows" "$out" "$(printf 'n\n3')"
printf 'DESCRIBE HISTORY web.events;\n-- a comment; with a semicolon\nSHOW TABLES IN web;\n' >"$work/q.sql"
expect_rc "sql -f" 0 "$lake" sql -f "$work/q.sql"
contains "sql -f history" "$out" "CREATE TABLE"
contains "sql -f show tables" "$out" "$work/home/warehouse/web/events"
# identity columns through the SQL shell, in a namespace of their own
expect_rc "sql create table with identity" 0 "$lake" sql -c "CREATE NAMESPACE idn; CREATE TABLE idn.ids (id BIGINT GENERATED BY DEFAULT AS IDENTITY (START WITH -1 INCREMENT BY -1), v INT)"
expect_rc "write to the sql identity table" 0 "$lake" write idn.ids --query "SELECT 7 AS v UNION ALL SELECT 8" --quiet
expect_rc "sql reads generated ids" 0 "$lake" sql --format csv -c "SELECT id FROM idn.ids ORDER BY id"
contains "sql identity ids" "$out" "$(printf 'id\n-2\n-1')"
expect_rc "sql insert into an identity table" 0 "$lake" sql --format csv -c "INSERT INTO idn.ids (v) VALUES (9); SELECT id, v FROM idn.ids ORDER BY id"
contains "sql insert generates the next id" "$out" "$(printf 'id,v\n-3,9\n-2')"
expect_rc "sql drop the identity table" 0 "$lake" sql -c "DROP TABLE idn.ids PURGE; DROP NAMESPACE idn"
# INSERTs in lake sql leave due checkpoints to the background writer; lake sql waits for them
# before it exits
expect_rc "sql checkpointed table" 0 "$lake" sql -c "CREATE NAMESPACE cpn; CREATE TABLE cpn.t (id BIGINT) TBLPROPERTIES ('delta.checkpointInterval' = '2'); INSERT INTO cpn.t VALUES (1); INSERT INTO cpn.t VALUES (2); INSERT INTO cpn.t VALUES (3)"
contains "sql background checkpoint written before exit" "$(ls "$work/home/warehouse/cpn/t/_delta_log")" "00000000000000000002.checkpoint.parquet"
case "$err" in *warning*) bad "sql background checkpoint: no warning ($err)" ;; *) ok "sql background checkpoint: no warning" ;; esac
expect_rc "sql reads the checkpointed table" 0 "$lake" sql --format csv -c "SELECT sum(id) AS s FROM cpn.t"
contains "sql checkpointed rows" "$out" "$(printf 's\n6')"
expect_rc "sql drop the checkpointed table" 0 "$lake" sql -c "DROP TABLE cpn.t PURGE; DROP NAMESPACE cpn"
expect_rc "catalog summary after sql writes" 0 "$lake" catalog tables web --json
contains "sql writes refresh the summary" "$(json_get "$out" "[(t['name'], t['summary']['version'], t['summary']['num_files']) for t in j]")" "[('web.events', 4, 3)]"
expect_rc "sql stops at the first error" 1 "$lake" sql -c "SELECT 1 AS a; SELECT * FROM web.nope VERSION AS OF 1; CREATE NAMESPACE never"
one_line_error "sql error"
contains "sql error names the statement" "$err" "statement 2"
expect_rc "sql did not run past the error" 0 "$lake" sql -c "SHOW NAMESPACES"
not_in() { case "$2" in *"$3"*) bad "$1" ;; *) ok "$1" ;; esac; }
not_in "sql: no statement after the error ran" "$out" "never"
expect_rc "sql optimize" 0 "$lake" sql -c "OPTIMIZE web.events ZORDER BY (id)"
contains "sql optimize reports metrics" "$out" "numFilesRemoved"
expect_rc "sql rows unchanged by optimize" 0 "$lake" sql --format csv -c "SELECT count(*) AS n FROM web.events"
contains "sql rows unchanged by optimize" "$out" "3"
expect_rc "sql alter add column" 0 "$lake" sql -c "ALTER TABLE web.events ADD COLUMN c INT"
contains "sql alter message" "$out" "added column 'c'"
expect_rc "sql alter narrowing refused" 1 "$lake" sql -c "ALTER TABLE web.events ALTER COLUMN id TYPE INT"
one_line_error "sql alter narrowing refused"
# A commit made by path (here a relative one) refreshes the catalog entry at that location too.
expect_rc "catalog summary before a write by path" 0 "$lake" catalog tables web --json
version_before=$(json_get "$out" "j[0]['summary']['version']")
lake_abs=$(readlink -f "$lake")
expect_rc "write by path to a catalog table" 0 sh -c "cd '$work/home' && '$lake_abs' write warehouse/web/events/ --query \"SELECT 10 AS id, DATE '2026-11-04' AS day, 'y' AS kind, 1 AS c\" --quiet"
expect_rc "describe the path" 0 "$lake" describe "$work/home/warehouse/web/events" --json
path_version=$(json_get "$out" "j['version']")
expect_rc "catalog summary after a write by path" 0 "$lake" catalog tables web --json
contains "write by path refreshes the catalog summary" "$(json_get "$out" "[t['summary']['version'] for t in j]")" "[$path_version]"
[ "$path_version" -gt "$version_before" ] && ok "the write by path made a new version" || bad "no new version: $version_before -> $path_version"
expect_rc "sql syntax error" 1 "$lake" sql -c "SELEC 1"
one_line_error "sql syntax error"
expect_rc "sql drop table purge" 0 "$lake" sql -c "DROP TABLE web.events PURGE; DROP NAMESPACE web"
expect_rc "catalog: unsupported URI" 1 "$lake" --catalog "mysql://x" catalog namespaces
one_line_error "catalog unsupported URI"
unset LAKE_HOME
fi

# optimize: small appends compacted per partition in one OPTIMIZE commit; a second run commits
# nothing; --where on a data column is refused; z-order by a partition column is refused;
# z-order after another append. In S3 mode on S3 (inputs read through the cache, the new files
# uploaded before the commit); the rows stay the same throughout.
opt="$tbase/opt"
sorted_rows() { "$lake" scan "$1" --format csv | tail -n +2 | sort | md5sum; }
for i in 1 2 3; do
  "$lake" write "$opt" --query "SELECT i::BIGINT AS id, i % 7 AS u, ['a','b'][1 + i % 2] AS p FROM range($i * 50) t(i)" --partition-by p >/dev/null 2>&1
done
rows_opt=$(sorted_rows "$opt")
expect_rc "optimize --json" 0 "$lake" optimize "$opt" --json
contains "optimize compacts 6 files into 2" "$(json_get "$out" "(j['version'], j['files_removed'], j['files_added'], j['rows'])")" "(3, 6, 2, 300)"
contains "optimize progress on stderr" "$err" "optimize: committing"
contains "optimize keeps the rows" "$(sorted_rows "$opt")" "$rows_opt"
contains "optimize leaves the live files" "$("$lake" files "$opt" | grep -c parquet)" "2"
expect_rc "optimize again" 0 "$lake" optimize "$opt"
contains "second optimize is a no-op" "$out" "nothing to optimize at version 3"
expect_rc "optimize --where data column" 1 "$lake" optimize "$opt" --where "u > 1"
one_line_error "optimize --where data column"
contains "optimize --where names the data column" "$err" "'u' is a data column"
expect_rc "optimize --zorder-by partition column" 1 "$lake" optimize "$opt" --zorder-by p
contains "zorder by partition column refused" "$err" "is a partition column"
"$lake" write "$opt" --query "SELECT i::BIGINT AS id, i % 5 AS u, ['a','b'][1 + i % 2] AS p FROM range(1000, 1040) t(i)" >/dev/null 2>&1
rows_opt=$(sorted_rows "$opt")
expect_rc "optimize --zorder-by" 0 "$lake" optimize "$opt" --zorder-by u,id --json
contains "z-order rewrites both partitions" "$(json_get "$out" "(j['version'], j['files_removed'], j['rows'])")" "(5, 4, 340)"
contains "z-order keeps the rows" "$(sorted_rows "$opt")" "$rows_opt"
expect_rc "history shows OPTIMIZE" 0 "$lake" history "$opt"
contains "history shows OPTIMIZE" "$out" "OPTIMIZE"

# optimize on a column-mapped table (renamed column: physical name 'id', logical 'ident'): the
# rewritten files keep the physical layout, so the table reads the same. Row tracking is
# refused before anything is rewritten.
if [ "$s3" != 1 ]; then
expect_rc "create with column mapping" 0 "$lake" create "$work/cm" --schema "id BIGINT, p VARCHAR" --partition-by p --property delta.columnMapping.mode=name
for i in 1 2 3; do
  "$lake" write "$work/cm" --query "SELECT (i + $i * 100)::BIGINT AS id, ['a','b'][1 + i % 2] AS p FROM range(10) t(i)" >/dev/null 2>&1
done
expect_rc "rename a mapped column" 0 "$lake" alter "$work/cm" rename-column id ident
expect_rc "optimize a column-mapped table" 0 "$lake" optimize "$work/cm" --json
contains "column-mapped optimize compacts 6 files into 2" "$(json_get "$out" "(j['files_removed'], j['files_added'], j['rows'])")" "(6, 2, 30)"
expect_rc "scan the optimized column-mapped table" 0 "$lake" scan "$work/cm" --columns ident --where "ident >= 300" --format csv
contains "column-mapped rows after optimize" "$(($(printf '%s\n' "$out" | wc -l) - 1))" "10"
cp -r "$conf/delta-rs/table_with_liquid_clustering" "$work/rt"
expect_rc "optimize a liquid-clustered table" 1 "$lake" optimize "$work/rt"
one_line_error "optimize a liquid-clustered table"
contains "liquid refusal names the feature" "$err" "writer feature 'liquid'"
# Row tracking: created with delta.enableRowTracking=true, two appends, OPTIMIZE; the scan shows
# the user's columns only (not the hidden materialized row id / commit version columns).
expect_rc "create with row tracking" 0 "$lake" create "$work/rtc" --schema "id BIGINT" --property delta.enableRowTracking=true
contains "row tracking protocol" "$out" "rowTracking"
for i in 1 2; do
  expect_rc "append $i to a row-tracking table" 0 "$lake" write "$work/rtc" --query "SELECT (i + $i * 100)::BIGINT AS id FROM range(10) t(i)"
done
expect_rc "optimize a row-tracking table" 0 "$lake" optimize "$work/rtc" --json
contains "row-tracking optimize compacts 2 files into 1" "$(json_get "$out" "(j['files_removed'], j['files_added'], j['rows'])")" "(2, 1, 20)"
expect_rc "scan the optimized row-tracking table" 0 "$lake" scan "$work/rtc" --format csv
contains "row-tracking scan has the user's column only" "$(printf '%s\n' "$out" | head -n 1)" "id"
contains "row-tracking scan rows" "$(($(printf '%s\n' "$out" | wc -l) - 1))" "20"
if printf '%s\n' "$out" | head -n 1 | grep -q "_row-"; then bad "row-tracking scan shows a materialized column"; else ok "row-tracking scan hides the materialized columns"; fi
fi
# Row tracking enabled on a table with files: protocol upgrade, baseRowId backfill, property.
expect_rc "create a table without row tracking" 0 "$lake" create "$work/rtb" --schema "id BIGINT"
for i in 1 2; do
  expect_rc "append $i before enabling row tracking" 0 "$lake" write "$work/rtb" --query "SELECT (i + $i * 100)::BIGINT AS id FROM range(10) t(i)"
done
expect_rc "enable row tracking on a table with files" 0 "$lake" alter "$work/rtb" set-property delta.enableRowTracking=true
contains "enabling row tracking backfills both files" "$out" "backfilled for 2 files"
contains "the backfill commit" "$(cat "$work/rtb/_delta_log/00000000000000000004.json")" '"operation":"ROW TRACKING BACKFILL"'
contains "backfilled files have baseRowId" "$(grep -c '"baseRowId"' "$work/rtb/_delta_log/00000000000000000004.json")" "2"
expect_rc "enable row tracking again" 0 "$lake" alter "$work/rtb" set-property delta.enableRowTracking=true
contains "enabling again changes nothing" "$out" "nothing to change"
expect_rc "append after enabling row tracking" 0 "$lake" write "$work/rtb" --query "SELECT 7::BIGINT AS id"
expect_rc "scan after enabling row tracking" 0 "$lake" scan "$work/rtb" --format csv
contains "rows after enabling row tracking" "$(($(printf '%s\n' "$out" | wc -l) - 1))" "21"

# optimized writes: --optimize-write cuts each partition into files near delta.targetFileSize
# (a plain partitioned write gives one file per partition whatever its size).
expect_rc "write --optimize-write" 0 "$lake" write "$work/ow" --query "SELECT i::BIGINT AS id, md5(i::VARCHAR) AS s, ['a','b'][1 + i % 2] AS p FROM range(200000) t(i)" --partition-by p --property delta.targetFileSize=512kb --optimize-write --json
contains "optimized write: several files per partition" "$(json_get "$out" "(j['rows'], j['files_added'] >= 4)")" "(200000, True)"
expect_rc "files of the optimized write" 0 "$lake" files "$work/ow" --json
contains "optimized write: files between target/4 and 1.75 x target" "$(json_get "$out" "all(512*1024//4 <= f['size'] <= 512*1024*7//4 for f in j['files'])")" "True"

# scan --stats: cache counters on stderr (a warm second scan on S3 hits the cache only)
expect_rc "scan --stats" 0 "$lake" scan "$pv" --format csv --stats
if [ "$s3" = 1 ]; then
  expect_rc "scan --stats warm" 0 "$lake" scan "$pv" --format csv --stats
  contains "warm scan: all hits" "$err" "0 misses (hit rate 100.0%), 0 B fetched"
else
  contains "scan --stats on a local table" "$err" "local store, no cache"
fi

# S3 settings without the AWS_* variables: the --s3-* flags, and a catalog table's own s3.*
# properties (credentials included; never printed).
if [ "$s3" = 1 ]; then
  noenv() { env -u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_S3 -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN "$@"; }
  expect_rc "--s3-endpoint flag" 0 env -u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_S3 "$lake" describe "$pv" --json --s3-endpoint "$AWS_ENDPOINT_URL" --s3-addressing-style path
  contains "--s3-endpoint flag reads the table" "$(json_get "$out" "j['version']")" "0"
  export LAKE_HOME="$work/s3home"
  expect_rc "s3 catalog namespace" 0 "$lake" catalog create-namespace s3ns
  expect_rc "s3 catalog register" 0 "$lake" catalog register s3ns.pv "$pv"
  for kv in "s3.endpoint=$AWS_ENDPOINT_URL" "s3.access-key-id=$AWS_ACCESS_KEY_ID" "s3.secret-access-key=$AWS_SECRET_ACCESS_KEY"; do
    "$lake" catalog set-property s3ns.pv "$kv" >/dev/null
  done
  expect_rc "scan with the table's own s3 settings" 0 noenv "$lake" scan s3ns.pv --format csv --columns as_int --limit 1
  contains "table settings reach the store" "$out" "as_int"
  expect_rc "catalog describe with a secret" 0 "$lake" catalog describe s3ns.pv
  contains "secret masked" "$out" "s3.secret-access-key = ****"
  not_in() { case "$2" in *"$3"*) bad "$1" ;; *) ok "$1" ;; esac; }
  not_in "secret never printed" "$out" "$AWS_SECRET_ACCESS_KEY"
  expect_rc "catalog tables --json with a secret" 0 "$lake" catalog tables s3ns --json
  not_in "secret never printed in json" "$out" "$AWS_SECRET_ACCESS_KEY"
  unset LAKE_HOME
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
