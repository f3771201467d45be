#!/usr/bin/env bash
# The S3 tests against a throwaway Ceph RADOS Gateway: starts one (scripts/ceph-rgw), exports
# LAKE_TEST_S3_* (and AWS_*) from its env file, runs lake_tests --gtest_filter='S3*', and stops
# the gateway whatever happened.
#
#   tests/s3/run_s3_tests.sh [LAKE_TESTS_BINARY] [extra gtest args...]
#
# LAKE_TESTS_BINARY defaults to build/release/tests/lake_tests. Exit code: lake_tests' (1 when
# the gateway could not be started). RGW_DIR overrides the cluster's directory (default: a new
# directory under $TMPDIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$root/build/release/tests/lake_tests}
[ $# -gt 0 ] && shift
[ -x "$bin" ] || { echo "run_s3_tests: '$bin' is not an executable lake_tests (build it first)" >&2; exit 1; }

dir=${RGW_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/lake-rgw-XXXXXX")}
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() { "$root/scripts/ceph-rgw" stop "$dir" >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM  # runs the EXIT trap

t0=$(date +%s%N)
"$root/scripts/ceph-rgw" start "$dir" >/dev/null || { echo "run_s3_tests: could not start the gateway (reason above)" >&2; exit 1; }
ms=$((($(date +%s%N) - t0) / 1000000))
echo "run_s3_tests: gateway up in $((ms / 1000)).$((ms % 1000 / 100))s ($dir)"
set -a
# shellcheck disable=SC1091
. "$dir/env"
set +a
export LAKE_TEST_S3_ENDPOINT="$AWS_ENDPOINT_URL"
export LAKE_TEST_S3_ACCESS_KEY="$AWS_ACCESS_KEY_ID"
export LAKE_TEST_S3_SECRET_KEY="$AWS_SECRET_ACCESS_KEY"
export LAKE_TEST_S3_REGION="$AWS_REGION"
export LAKE_HOME="$dir/lake-home"  # LocalPath's cache stays inside the throwaway directory

set +e
"$bin" --gtest_filter='S3*' "$@"
rc=$?
set -e
exit $rc
