#!/usr/bin/env bash
# slurm-down-all.sh ROOT - stop every test cluster under ROOT (one folder each, as the real-Slurm
# tests create them through core/slurm/testing/cluster.ts) by pid, with slurm-down.sh.
# .ci/run calls it on exit so a test that crashed before its afterAll leaves no daemon behind.
set -uo pipefail
root=${1:?usage: slurm-down-all.sh ROOT}
here=$(cd "$(dirname "$0")" && pwd)
status=0
for dir in "$root"/*/; do
  [ -d "$dir/run" ] || continue
  ls "$dir"/run/*.pid >/dev/null 2>&1 || continue
  echo "[slurm-down-all] stopping the cluster in $dir" >&2
  SLURM_TEST_DIR=${dir%/} bash "$here/slurm-down.sh" || status=1
done
exit $status
