#!/usr/bin/env bash
# Domain discovery on labelled corpora: Chorus's `prepare` + `cluster` (defaults, --experts = the
# number of labels) against scikit-learn's TF-IDF + TruncatedSVD(256) + KMeans (the c-BTM recipe,
# unbalanced) on the same documents; prints NMI, purity, balance and docs/s side by side.
#
#   tools/cluster_quality.sh CORPUS.jsonl.gz...         (the corpora of tools/corpora/build.sh)
#
#   SEEDS      Chorus's seeds (default "0 1 2"; the table shows median (min–max))
#   SK_SEEDS   scikit-learn's seeds (default "0": KMeans already restarts 10 times per seed)
#   SK_THREADS scikit-learn's OpenMP/BLAS threads (default 1: on a shared, oversubscribed machine two
#              threads wait on each other at every barrier; the table also gives CPU seconds)
#   SIDES      which sides to run (default "chorus sklearn"); the table reads what WORK holds
#   WORK       where the run directories and results go (default /tmp/chorus-cluster-quality)
#   CHORUS_HEAP  heap of the chorus runs (default here 1g)
# Each corpus's documents carry their label in the JSONL field "domain".
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seeds="${SEEDS:-0 1 2}"
sk_seeds="${SK_SEEDS:-0}"
sides="${SIDES:-chorus sklearn}"
sk_threads="${SK_THREADS:-1}"
work="${WORK:-/tmp/chorus-cluster-quality}"
py=/usr/bin/python3
export CHORUS_HEAP="${CHORUS_HEAP:-1g}"
[[ $# -gt 0 ]] || { sed -n '2,15p' "$0"; exit 2; }

now() { date +%s.%N; }
dirs=()
for corpus in "$@"; do
  name="$(basename "$corpus" .gz)"; name="${name%.jsonl}"
  dir="$work/$name"; mkdir -p "$dir"
  k="$($py "$root/tools/cluster_quality.py" labels "$corpus")"
  echo "== $name: K = $k" >&2
  if [[ " $sides " == *" chorus "* ]]; then
    rm -f "$dir"/chorus-seed*.json
    t0=$(now)
    "$root/chorus" prepare --run "$dir/run" --corpus "$corpus" --label-field domain --force >"$dir/prepare.log" 2>&1
    echo "   chorus prepare $(echo "$(now) - $t0" | bc) s" >&2
    for seed in $seeds; do
      t0=$(now)
      "$root/chorus" cluster --run "$dir/run" --experts "$k" --label-field domain --seed "$seed" --force \
        >"$dir/cluster-seed$seed.log" 2>&1
      seconds=$(echo "$(now) - $t0" | bc)
      $py -c 'import json,sys; s=json.load(open(sys.argv[1])); s["seconds"]=float(sys.argv[2]); json.dump(s, open(sys.argv[3],"w"))' \
        "$dir/run/clusters/summary.json" "$seconds" "$dir/chorus-seed$seed.json"
      echo "   chorus cluster seed $seed: $(grep -o 'NMI [0-9.]*, purity [0-9.]*' "$dir/cluster-seed$seed.log"), ${seconds} s" >&2
    done
  fi
  if [[ " $sides " == *" sklearn "* ]]; then
    # shellcheck disable=SC2086
    OMP_NUM_THREADS=$sk_threads OPENBLAS_NUM_THREADS=$sk_threads \
      $py "$root/tools/cluster_quality.py" sklearn "$corpus" "$dir/sklearn.json" $sk_seeds >&2
  fi
  dirs+=("$dir")
done
$py "$root/tools/cluster_quality.py" table "${dirs[@]}"
