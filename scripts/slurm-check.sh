#!/usr/bin/env bash
# make slurm-check: a small VAE sweep with an AIS reference (experiments/slurm-check.experiment),
# run once on this machine and once as a 4-shard `sbatch --array` job of experiments/slurm/sweep.sbatch
# on a real Slurm, then merged. Checks that the merged run equals the single run in every column
# but `seconds` (the CSV, the bias intervals and the reference), and that the shards' total time is
# at most 1.3 times the single run's. Uses the Slurm that SLURM_CONF names if it answers, else
# brings up scripts/slurm-local.sh for the check and stops it afterwards.
set -euo pipefail

shards=${JVI_SLURM_SHARDS:-4}
experiment=experiments/slurm-check.experiment
bin=${JVI_BIN:-.build/release}
out=${JVI_SLURM_CHECK_DIR:-.build/slurm-check}
limit=1.3

rm -rf "$out"
mkdir -p "$out"
say() { echo "slurm-check: $*" >&2; }

started_local=no
if ! { [ -n "${SLURM_CONF:-}" ] && sinfo -h >/dev/null 2>&1; }; then
  scripts/slurm-local.sh start
  started_local=yes
  eval "$(scripts/slurm-local.sh env)"
fi
cleanup() { if [ "$started_local" = yes ]; then scripts/slurm-local.sh stop; fi; }
trap cleanup EXIT

say "single run on this machine"
"$bin/jvi-sweep" --experiment "$experiment" --run-id single --results "$out" --threads 2

say "$shards shards as sbatch --array=1-$shards"
sbatch --wait --array=1-"$shards" --output="$out/shard-%a.out" --export=ALL,JVI_BIN="$bin" \
  experiments/slurm/sweep.sbatch "$experiment" sharded "$out" || {
  say "the array job failed; its logs:"
  tail -n 20 "$out"/shard-*.out >&2
  exit 1
}
"$bin/jvi-sweep" --experiment "$experiment" --merge sharded --results "$out"

python3 - "$out/slurm-check" "$limit" <<'PY'
import csv, json, sys
folder, limit = sys.argv[1], float(sys.argv[2])
def rows(path):
    with open(path, newline="") as f:
        table = list(csv.reader(f))
    header = table[0]
    keep = [i for i, name in enumerate(header) if name != "seconds"]
    return [[r[i] for i in keep] for r in table]
failures = []
for suffix in ["csv", "intervals.csv", "reference.csv"]:
    a, b = rows(f"{folder}/single.{suffix}"), rows(f"{folder}/sharded.{suffix}")
    if a != b:
        diff = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        failures.append(f"{suffix}: row {diff} differs ({len(a)} and {len(b)} rows)")
    else:
        print(f"slurm-check: {suffix}: {len(a) - 1} rows identical but for seconds")
single = json.load(open(f"{folder}/single.manifest.json"))
merged = json.load(open(f"{folder}/sharded.manifest.json"))
one = single["seconds"]["total"]
total = merged["shard_seconds_total"]
ratio = total / one
each = ", ".join("%.1f" % s["seconds"] for s in merged["shard_layout"])
print(f"slurm-check: single run {one:.1f} s; {merged['shards']} shards {total:.1f} s in all ({each}); "
      f"ratio {ratio:.2f} (limit {limit})")
if ratio > limit:
    failures.append(f"the shards took {ratio:.2f} x the single run (limit {limit})")
for f in failures:
    print("slurm-check: FAILED: " + f, file=sys.stderr)
sys.exit(1 if failures else 0)
PY
say "passed"
