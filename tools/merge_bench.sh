#!/usr/bin/env bash
# The larger-than-heap merge benchmark of docs/perf/merge.md. Needs the models of tools/MergeBenchModels.java
# in DIR (seed/ + experts/e00..e02, 1.98 GB each):
#   mvn -B -q -pl chorus-engine -am compile
#   java -Xmx1g --class-path chorus-engine/target/classes tools/MergeBenchModels.java /tmp/merge-bench 9 3
#   tools/merge_bench.sh /tmp/merge-bench 3        # REPS (default 3); HEAP (default 512m)
# Each rep: chorus merge average (3 inputs) and ties (3 inputs + the seed) in a HEAP heap, then the same output
# bytes copied with cp (+ sync, as the merge fsyncs) and the three inputs read with cat.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$1"; reps="${2:-3}"; heap="${HEAP:-512m}"
printf 'method: average\nmodels: [e00, e01, e02]\nparameters: {weighting: uniform}\n' > "$dir/average.yaml"
"$root/chorus" --version >/dev/null   # build first, outside the timings
for rep in $(seq "$reps"); do
  echo "== rep $rep, load $(cut -d' ' -f1-3 /proc/loadavg)"
  for m in average ties; do
    if [[ $m == average ]]; then what=(--recipe "$dir/average.yaml"); else what=(--method ties); fi
    /usr/bin/time -f "$m: process wall %e s, user %U s, sys %S s" env CHORUS_HEAP="$heap" \
      "$root/chorus" merge --run "$dir" "${what[@]}" --out "$dir/merged/$m" --force 2>&1 | grep -v '^merge '
  done
  /usr/bin/time -f "cp: wall %e s, user %U s, sys %S s" cp "$dir/experts/e00/model.safetensors" "$dir/copy.safetensors"
  /usr/bin/time -f "sync: wall %e s" sync "$dir/copy.safetensors"
  rm "$dir/copy.safetensors"
  /usr/bin/time -f "cat 3 inputs: wall %e s" cat "$dir"/experts/e0*/model.safetensors > /dev/null
done
