#!/bin/bash
# Optimized writes vs plain partitioned writes, through the CLI: 2,000,000 rows (id, a 64-char
# md5 string, a double) written with `lake write --partition-by p`, with and without
# --optimize-write, for 20 partitions at the default target (128 MB) and at 1 MB, and for 300
# partitions. Prints, per case, the median wall time of REPS runs and the resulting files
# (count, per partition, min / median / max size; the layout is the same in every run).
# Usage: bench/optimize_write_bench.sh [LAKE_BINARY] [REPS=5]
set -euo pipefail
lake=${1:-build/release/lake}
reps=${2:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rows() { echo "SELECT i::BIGINT AS id, md5(i::VARCHAR) || md5((i * 3)::VARCHAR) AS s, (hash(i) % 1000)::DOUBLE AS v, (hash(i) % $1)::INT AS p FROM range(2000000) t(i)"; }
layout() {  # DIR PARTITIONS
  find "$1" -name '*.parquet' -printf '%s\n' | sort -n | awk -v parts="$2" '{a[NR] = $1} END {
    printf "%d files, %.1f per partition, min %.2f MB, median %.2f MB, max %.2f MB",
      NR, NR / parts, a[1] / 1048576, a[int((NR + 1) / 2)] / 1048576, a[NR] / 1048576 }'
}
case_() {  # LABEL PARTITIONS ARGS...
  local label=$1 parts=$2
  shift 2
  local times=() t
  for ((r = 0; r < reps; r++)); do
    rm -rf "$work/t"
    local s e
    s=$(date +%s.%N)
    "$lake" write "$work/t" --query "$(rows "$parts")" --partition-by p --quiet "$@" >/dev/null
    e=$(date +%s.%N)
    times+=("$(echo "$e - $s" | bc)")
  done
  t=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
  printf '| %s | %.2f s | %s |\n' "$label" "$t" "$(layout "$work/t" "$parts")"
}
echo "| case | median time | files |"
echo "|---|---|---|"
case_ "20 partitions, target 128 MB" 20
case_ "20 partitions, target 128 MB, --optimize-write" 20 --optimize-write
case_ "20 partitions, target 1 MB" 20 --property delta.targetFileSize=1mb
case_ "20 partitions, target 1 MB, --optimize-write" 20 --property delta.targetFileSize=1mb --optimize-write
case_ "300 partitions, target 128 MB" 300
case_ "300 partitions, target 128 MB, --optimize-write" 300 --optimize-write
