#!/usr/bin/env bash
# Crash and full-disk tests of the write path, with real `lake` processes killed by SIGKILL:
#  1. kills during the DuckDB COPY of large writes (random moments),
#  2. a kill at a fixed point between the data files and the commit
#     (LAKE_TEST_PAUSE_BEFORE_COMMIT),
#  3. kills of small writes at random moments with delta.checkpointInterval=2 (so during
#     commits and checkpoints),
# then checks that the table opens at the last acknowledged version (or later: a writer killed
# after its commit), that every acknowledged write is there in full and every killed one is
# there in full or not at all, that only unreferenced files are left, and that
# `lake vacuum --retain 0h --force` removes them (staging folders, log temp files) without
# changing what the table reads.
#  4. a full disk (8 MiB tmpfs; RLIMIT_FSIZE when mounting is not permitted): a write that does
#     not fit fails with one error line, commits nothing and leaves no file behind; a checkpoint
#     that does not fit leaves the commit standing with a warning.
# Usage: crash.sh path/to/lake   (LAKE_CRASH_SEED=N to replay a run; LAKE_CRASH_NO_TMPFS=1
# for the RLIMIT_FSIZE variant of the full disk; LAKE_CRASH_BIG_ROWS=N, default 1000000)
set -u
lake=$1
seed=${LAKE_CRASH_SEED:-$(( $(date +%s) % 100000 ))}
RANDOM=$seed
echo "crash.sh: seed $seed (LAKE_CRASH_SEED=$seed replays the kill times)"
work=$(mktemp -d)
mounted=""
cleanup() {
  [ -n "$mounted" ] && umount "$mounted" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
export TMPDIR=$work/tmp   # the checkpoint writer's temp files: counted below
mkdir -p "$TMPDIR"
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() {  # NAME GOT WANT
  if [ "$2" = "$3" ]; then ok "$1 ($2)"; else bad "$1: got '$2', want '$3'"; fi
}
ms() { date +%s%3N; }
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

t=$work/t
"$lake" create "$t" --schema "batch BIGINT NOT NULL, id BIGINT NOT NULL, pad VARCHAR" \
  --partition-by batch --property delta.checkpointInterval=2 >/dev/null ||
  { echo "FAIL create"; exit 1; }

declare -A want_rows   # batch -> rows it writes
declare -A acked       # batch -> 1 when `lake write` exited 0
last_acked_version=0
kills=0
batch=0
# write_batch ROWS [ENV...]: starts `lake write` of a new batch in the background; sets $pid.
write_batch() {
  local rows=$1
  shift
  batch=$((batch + 1))
  want_rows[$batch]=$rows
  env "$@" "$lake" write "$t" --quiet --json \
    --query "SELECT $batch::BIGINT AS batch, range AS id, md5(range::VARCHAR) AS pad FROM range($rows)" \
    >"$work/out.$batch" 2>"$work/err.$batch" &
  pid=$!
}
# finish: waits for $pid; records the batch as acknowledged when it exited 0.
finish() {
  wait "$pid"
  local rc=$?
  if [ "$rc" -eq 0 ]; then
    acked[$batch]=1
    local v
    v=$(json_version <"$work/out.$batch")
    [ "$v" -gt "$last_acked_version" ] && last_acked_version=$v
  elif [ "$rc" -eq 137 ]; then
    kills=$((kills + 1))
  else
    bad "batch $batch: lake write exited $rc: $(head -c 300 "$work/err.$batch")"
  fi
}
# The top-level "version" of `lake write --json` / `lake describe --json` (no python: its start
# time would skew the kill timing).
json_version() { grep -o '"version": *-\?[0-9]*' | head -1 | grep -o -- '-\?[0-9]*$'; }
table_version() { "$lake" describe "${1:-$t}" --json | json_version; }

# --- 1. kills during large writes ---------------------------------------------------------------
big=${LAKE_CRASH_BIG_ROWS:-1000000}
t0=$(ms)
"$lake" write "$t" --quiet --query "SELECT 0::BIGINT AS batch, range AS id, md5(range::VARCHAR) AS pad FROM range($big)" >/dev/null ||
  bad "the calibration write failed"
big_ms=$(($(ms) - t0))
want_rows[0]=$big
acked[0]=1
last_acked_version=1
echo "a $big-row write takes ${big_ms} ms"
for i in 1 2 3 4; do
  write_batch "$big"
  sleep_ms $((big_ms * (10 + RANDOM % 85) / 100))
  kill -9 "$pid" 2>/dev/null
  finish
done

# --- 2. a kill between the data files and the commit -------------------------------------------
v_before=$(table_version)
write_batch 300000 LAKE_TEST_PAUSE_BEFORE_COMMIT="$work/paused"
for _ in $(seq 600); do [ -e "$work/paused" ] && break; sleep 0.05; done
[ -e "$work/paused" ] && ok "writer paused before its commit" || bad "writer never reached the pause"
parquet_before=$(find "$t" -name '*.parquet' -not -path '*/_delta_log/*' | wc -l)
kill -9 "$pid"
finish
check "killed before commit: version unchanged" "$(table_version)" "$v_before"
[ -d "$t/batch=$batch" ] && ok "killed before commit: its data files were in place" ||
  bad "killed before commit: no data folder batch=$batch (parquet files: $parquet_before)"

# --- 3. kills of small writes with checkpointInterval=2 ---------------------------------------
t0=$(ms)
write_batch 1000
wait "$pid"
small_ms=$(($(ms) - t0))
acked[$batch]=1
[ -s "$work/out.$batch" ] || bad "the small calibration write failed: $(cat "$work/err.$batch")"
last_acked_version=$(json_version <"$work/out.$batch")
echo "a small write takes ${small_ms} ms"
for i in $(seq 20); do
  write_batch $((1000 + RANDOM % 1000))
  if [ $((i % 4)) -ne 0 ]; then  # 3 of 4 are killed at a random moment (mostly late: startup)
    sleep_ms $((small_ms * (5 + RANDOM % 100) / 100))
    kill -9 "$pid" 2>/dev/null
  fi
  finish
done
echo "batches: $batch, acknowledged: ${#acked[@]}, killed: $kills (checkpoints: $(ls "$t/_delta_log" | grep -c 'checkpoint.parquet$'))"

# --- checks ------------------------------------------------------------------------------------
verify() {  # LABEL: the table's version and rows per batch
  local label=$1 v
  v=$(table_version) || { bad "$label: the table does not open"; return; }
  if [ "$v" -ge "$last_acked_version" ]; then
    ok "$label: opens at version $v >= last acknowledged $last_acked_version"
  else
    bad "$label: opens at version $v < last acknowledged $last_acked_version"
  fi
  "$lake" scan "$t" --columns batch --format csv | tail -n +2 | sort | uniq -c >"$work/counts"
  local total=0 acked_total=0 torn=0 lost=0 present_killed=0
  declare -A got=()
  while read -r n b; do got[$b]=$n; total=$((total + n)); done <"$work/counts"
  for b in "${!want_rows[@]}"; do
    local g=${got[$b]:-0}
    if [ -n "${acked[$b]:-}" ]; then
      acked_total=$((acked_total + want_rows[$b]))
      [ "$g" -eq "${want_rows[$b]}" ] || { lost=$((lost + 1)); echo "  batch $b: $g rows, want ${want_rows[$b]} (acknowledged)"; }
    elif [ "$g" -ne 0 ]; then
      present_killed=$((present_killed + 1))
      [ "$g" -eq "${want_rows[$b]}" ] || { torn=$((torn + 1)); echo "  batch $b: $g of ${want_rows[$b]} rows (killed)"; }
    fi
  done
  check "$label: acknowledged writes lost or partial" "$lost" 0
  check "$label: killed writes partially present" "$torn" 0
  echo "  $label: $total rows = $acked_total acknowledged + the rows of $present_killed writes killed after their commit"
  scanned_total=$total
  [ "$label" = "after vacuum" ] && return
  # Every id once per batch (no duplicated file).
  local dups
  dups=$("$lake" scan "$t" --columns batch,id --format csv | tail -n +2 | sort | uniq -d | wc -l)
  check "$label: duplicated rows" "$dups" 0
}
verify "after the kills"
rows_before_vacuum=$scanned_total
ref=$("$lake" files "$t" --json | python3 -c "
import json,sys,urllib.parse
j=json.load(sys.stdin); fs=j['files'] if isinstance(j,dict) else j
print('\n'.join(sorted(urllib.parse.unquote(f['path']) for f in fs)))")
find "$t" -name '*.parquet' -not -path '*/_delta_log/*' -printf '%P\n' | sort >"$work/on_disk"
unref=$(comm -13 <(echo "$ref") "$work/on_disk" | wc -l)
missing=$(comm -23 <(echo "$ref") "$work/on_disk" | wc -l)
check "referenced files missing" "$missing" 0
echo "  unreferenced data files before vacuum: $unref (staging folders: $(find "$t" -maxdepth 1 -name '_lake_staging-*' | wc -l), log temp files: $(find "$t/_delta_log" -name '.*.tmp.*' | wc -l), checkpoint temp files in TMPDIR: $(find "$TMPDIR" -name 'lake-ckpt-*' | wc -l))"
# A crash leftover of each kind is also planted, in case no kill landed there this run.
mkdir -p "$t/_lake_staging-00000000-dead/batch=999"
echo junk >"$t/_lake_staging-00000000-dead/batch=999/data_0.parquet"
echo junk >"$t/_delta_log/.00000000000000000099.checkpoint.parquet.tmp.1.0.42"
sleep 0.01
"$lake" vacuum "$t" --retain 0h --force --full --json >"$work/vac" 2>"$work/vac.err" ||
  bad "vacuum failed: $(cat "$work/vac.err")"
find "$t" -name '*.parquet' -not -path '*/_delta_log/*' -printf '%P\n' | sort >"$work/on_disk"
check "unreferenced data files after vacuum" "$(comm -13 <(echo "$ref") "$work/on_disk" | wc -l)" 0
check "referenced files missing after vacuum" "$(comm -23 <(echo "$ref") "$work/on_disk" | wc -l)" 0
check "staging folders after vacuum" "$(find "$t" -maxdepth 1 -name '_lake_staging-*' | wc -l)" 0
check "log temp files after vacuum" "$(find "$t/_delta_log" -name '.*.tmp.*' | wc -l)" 0
verify "after vacuum"
check "rows unchanged by vacuum" "$scanned_total" "$rows_before_vacuum"

# --- 4. a full disk ----------------------------------------------------------------------------
d=$work/disk
mkdir -p "$d"
limit=()
if [ "${LAKE_CRASH_NO_TMPFS:-0}" != 1 ] && mount -t tmpfs -o size=8m tmpfs "$d" 2>/dev/null; then
  mounted=$d
  echo "full disk: an 8 MiB tmpfs"
else
  limit=(prlimit --fsize=$((8 * 1024 * 1024)) --)
  echo "full disk: cannot mount a tmpfs here; RLIMIT_FSIZE 8 MiB instead"
fi
f=$d/t
"$lake" create "$f" --schema "id BIGINT, pad VARCHAR" --property delta.checkpointInterval=2 >/dev/null ||
  bad "create on the small disk"
"$lake" write "$f" --quiet --query "SELECT range AS id, md5(range::VARCHAR) AS pad FROM range(1000)" >/dev/null ||
  bad "a small write on the small disk"
fv=$(table_version "$f")
files_before=$(find "$f" -type f | sort)
# ~3M rows of md5 text (incompressible, ~100 MB of Parquet): does not fit.
(trap '' XFSZ; exec "${limit[@]}" "$lake" write "$f" --quiet \
  --query "SELECT range AS id, md5(range::VARCHAR) || md5((range + 1)::VARCHAR) AS pad FROM range(3000000)") \
  >"$work/full.out" 2>"$work/full.err"
rc=$?
check "write on a full disk exits 1" "$rc" 1
err=$(cat "$work/full.err")
if [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && [[ "$err" == "lake: error: "* ]]; then
  ok "full disk: one error line: $err"
else
  bad "full disk: stderr is not one 'lake: error:' line: $err"
fi
check "full disk: version unchanged" \
  "$(table_version "$f")" "$fv"
check "full disk: files left behind" "$(comm -13 <(echo "$files_before") <(find "$f" -type f | sort) | wc -l)" 0
check "full disk: rows" "$("$lake" scan "$f" --format csv --columns id | tail -n +2 | wc -l)" 1000
# A checkpoint that does not fit: fill the disk (or lower the file size limit) so that the next
# commit's data file and JSON still fit but its checkpoint does not.
if [ -n "$mounted" ]; then
  avail=$(($(stat -f -c '%a*%S' "$d")))
  head -c $((avail - 3 * 4096)) /dev/zero >"$d/filler" 2>/dev/null
  climit=()
else
  climit=(prlimit --fsize=3000 --)
fi
(trap '' XFSZ; export TMPDIR=$d; exec "${climit[@]}" "$lake" write "$f" --quiet \
  --query "SELECT 5000 AS id, 'x' AS pad") >"$work/cp.out" 2>"$work/cp.err"
rc=$?
check "full disk at checkpoint: the write succeeds" "$rc" 0
grep -q "lake: warning: " "$work/cp.err" && ok "full disk at checkpoint: warning: $(head -c 200 "$work/cp.err")" ||
  bad "full disk at checkpoint: no warning (stderr: $(cat "$work/cp.err"); checkpoints: $(ls "$f/_delta_log" | grep -c checkpoint.parquet))"
rm -f "$d/filler"
check "full disk at checkpoint: version" \
  "$(table_version "$f")" "$((fv + 1))"
check "full disk at checkpoint: rows" "$("$lake" scan "$f" --format csv --columns id | tail -n +2 | wc -l)" 1001

echo "crash.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
