#!/usr/bin/env bash
# The merge sweep of docs/perf/merge.md on a COPY of a finished run (it writes RUN/merged/ and RUN/eval/):
#   1. every method with its defaults (chorus merge --method ...; slerp on the two largest experts),
#   2. a small grid (task-arithmetic λ, TIES density × λ, DARE p × λ, with and without TIES, slerp t),
#   3. chorus eval --split valid: every merged model scored on the validation documents,
#   4. prints the validation perplexities sorted, best first, with their 95 % intervals against dense;
#      choose (on validation only: the protocol of docs/perf/mix.md), then run step 5 by hand:
#   5. keep only the chosen folders under RUN/merged/, chorus eval (test) and chorus report.
# Usage: tools/merge_sweep.sh RUN SLERP_A SLERP_B     e.g. tools/merge_sweep.sh /tmp/demo-merge e02 e01
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
run="$1"; a="$2"; b="$3"
chorus() { "$root/chorus" "$@"; }
recipes="$run/recipes"
mkdir -p "$recipes"

for m in average task-arithmetic ties dare; do
  chorus merge --run "$run" --method "$m" --force
done
printf 'method: slerp\nmodels: [%s, %s]\n' "$a" "$b" > "$recipes/slerp.yaml"
chorus merge --run "$run" --recipe "$recipes/slerp.yaml" --force

recipe() {  # NAME METHOD "PARAMETERS (YAML flow mapping body)"
  printf 'method: %s\nmodels: [%s]\nparameters: {%s}\n' "$2" "$experts" "$3" > "$recipes/$1.yaml"
  chorus merge --run "$run" --recipe "$recipes/$1.yaml" --force
}
experts="$(ls "$run/experts" | paste -sd, | sed 's/,/, /g')"
recipe average-uniform average "weighting: uniform"
for l in 0.05 0.1 0.15 0.25 0.35 0.5; do recipe "ta-l$l" task-arithmetic "lambda: $l"; done
for d in 0.2 0.5 0.8; do for l in 0.25 0.5 1.0 1.5; do recipe "ties-d$d-l$l" ties "density: $d, lambda: $l"; done; done
for p in 0.5 0.9; do
  for l in 0.1 0.25 0.5; do recipe "dare-p$p-l$l" dare "drop: $p, lambda: $l"; done
  for l in 0.25 1.0; do recipe "dareties-p$p-l$l" dare "drop: $p, lambda: $l, ties: true"; done
done
for t in 0.1 0.3 0.7; do
  printf 'method: slerp\nmodels: [%s, %s]\nparameters: {t: %s}\n' "$a" "$b" "$t" > "$recipes/slerp-t$t.yaml"
  chorus merge --run "$run" --recipe "$recipes/slerp-t$t.yaml" --force
done

chorus eval --run "$run" --split valid --json > "$run/eval/valid.json"
python3 - "$run/eval/valid.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ppl, ci = r["perplexity"], r.get("vs_dense_ci95", {})
for k, v in sorted(ppl.items(), key=lambda kv: kv[1]):
    band = f"  [{ci[k][0]:+.1f}, {ci[k][1]:+.1f}] % vs dense" if k in ci else ""
    print(f"{v:10.2f}  {k}{band}")
PY
