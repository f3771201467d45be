#!/usr/bin/env bash
# End-to-end tests of the interactive `lake sql` shell, driven through a pseudo-terminal with
# util-linux `script` (so libedit runs for real: line editing, history, tab completion).
# Usage: shell_e2e.sh path/to/lake. Exit 77 (skipped) without `script`.
set -u
lake=$1
if ! command -v script >/dev/null 2>&1; then
  echo "SKIPPED: shell e2e tests need util-linux 'script' for a pseudo-terminal"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LAKE_HOME="$work/home"
unset LAKE_CATALOG LAKE_WAREHOUSE
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
contains() {  # NAME HAYSTACK NEEDLE
  case "$2" in *"$3"*) ok "$1" ;; *) bad "$1: '$3' not in: $(echo "$2" | tail -c 1500)" ;; esac
}
not_contains() {
  case "$2" in *"$3"*) bad "$1: '$3' unexpectedly in output" ;; *) ok "$1" ;; esac
}
# shell FILE: types each line of FILE into `lake sql` on a pty once the shell is up (a pause
# between lines, so the shell reads them as a user would type them); the transcript (prompts, echo, output) in $out.
# `exec`: script runs the command through $SHELL -c; a non-interactive dash left as lake's
# parent dies of the Ctrl-C the pty sends to the whole foreground group, and script then
# reports 130 though lake went on and exited 0 (CI's $SHELL is /bin/sh).
shell() {
  : >"$work/transcript"
  {
    # Type only once the shell has started (its banner is out): a key typed earlier lands on a
    # cooked-mode pty, where Ctrl-C is a SIGINT to a process that has no handler yet.
    for _ in $(seq 600); do
      grep -q "lake SQL shell" "$work/transcript" 2>/dev/null && break
      sleep 0.1
    done
    sleep 0.3
    while IFS= read -r line || [ -n "$line" ]; do
      printf '%s\r' "$line"
      sleep 0.3
    done <"$1"
    sleep 1
  } | timeout 120 script -qfec "exec $lake sql" /dev/null >"$work/transcript" 2>&1
  rc=$?
  out=$(tr -d '\r' <"$work/transcript")
}

# 1. The walkthrough: the partitioned events table, inserts, a partition filter, time travel,
#    history; a statement spread over lines; an error that does not end the session.
cat >"$work/s1" <<'SQL'
CREATE NAMESPACE sales;
CREATE TABLE sales.events (id BIGINT, day DATE, kind VARCHAR)
  USING DELTA
  PARTITIONED BY (day);
INSERT INTO sales.events VALUES (1, DATE '2026-11-01', 'click'), (2, DATE '2026-11-01', 'view');
INSERT INTO sales.events VALUES (3, DATE '2026-11-02', 'click');
SELECT id, kind FROM sales.events WHERE day = DATE '2026-11-02';
SELECT count(*) AS v1_rows FROM sales.events VERSION AS OF 1;
SELECT count(*) AS latest_rows FROM sales.events;
SELECT * FROM sales.nosuch;
OPTIMIZE sales.events;
DESCRIBE HISTORY sales.events;
.quit
SQL
shell "$work/s1"
[ "$rc" -eq 0 ] && ok "shell exits 0 on .quit" || bad "shell exit code $rc: $out"
contains "prompt" "$out" "lake> "
contains "continuation prompt" "$out" "  ... "
contains "create table" "$out" "created table sales.events"
contains "insert" "$out" "inserted into sales.events: version 2, 1 row(s)"
contains "partition filter row" "$out" "3  | click"
contains "partition filter one row" "$out" "(1 row)"
contains "time travel" "$out" "$(printf 'v1_rows\n-------\n2')"
contains "latest" "$out" "$(printf 'latest_rows\n-----------\n3')"
contains "error keeps the session" "$out" "lake: error:"
contains "optimize runs" "$out" "numFilesRemoved"
contains "history WRITE" "$out" "WRITE"
contains "history CREATE TABLE" "$out" "CREATE TABLE"
contains "history rows" "$out" "(3 rows)"
[ -f "$LAKE_HOME/sql_history" ] && ok "history file written" || bad "no $LAKE_HOME/sql_history"
# libedit's history file escapes spaces as \040.
contains "history file holds the multi-line statement" "$(sed 's/\\040/ /g' "$LAKE_HOME/sql_history" 2>/dev/null)" "kind VARCHAR)   USING DELTA   PARTITIONED BY (day);"

# 2. Tab completion of a catalog table name and of a keyword; history recall (up arrow).
printf 'sel\t count(*) AS completed FROM sales.ev\t;\n\033[A\n.quit\n' | sed 's/$//' >"$work/s2"
shell "$work/s2"
contains "tab completion" "$out" "$(printf 'completed\n---------\n3')"
n=$(grep -c '^3 *$' <<<"$out")
[ "$n" -ge 2 ] && ok "up arrow recalls the last statement" || bad "history recall: $n results in: $(tail -c 800 <<<"$out")"

# 3. Ctrl-C abandons a half-typed statement and keeps the shell.
printf 'SELECT 1\n\003\nSELECT 42 AS answer;\n.quit\n' >"$work/s3"
shell "$work/s3"
[ "$rc" -eq 0 ] && ok "Ctrl-C does not end the shell" || bad "Ctrl-C: exit $rc"
contains "Ctrl-C clears the buffer" "$out" "$(printf 'answer\n------\n42')"
not_contains "Ctrl-C: no merged statement" "$out" "lake: error"

# 3b. Ctrl-C while a query runs cancels it (DuckDB interrupt) and keeps the shell.
printf 'SELECT sum(i) AS never FROM range(1000000000000) t(i);\n\003\nSELECT 43 AS after_cancel;\n.quit\n' >"$work/s3b"
shell "$work/s3b"
[ "$rc" -eq 0 ] && ok "Ctrl-C cancels a running query, shell stays" || bad "cancel: exit $rc"
contains "cancel message" "$out" "lake: cancelled"
contains "next statement runs after cancel" "$out" "$(printf 'after_cancel\n------------\n43')"
not_contains "cancelled query printed no result" "$out" "never
"

# 4. Piped (not a terminal) input runs as a script.
printf 'SELECT count(*) AS piped FROM sales.events;\n' | "$lake" sql >"$work/o3" 2>&1
contains "piped script" "$(cat "$work/o3")" "$(printf 'piped\n-----\n3')"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
