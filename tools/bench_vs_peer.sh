#!/usr/bin/env bash
# Builds the engine, then runs the PyTorch peer and Chorus on the same bench config, alternating,
# and prints both absolute numbers and the ratios (Chorus / peer).
#   tools/bench_vs_peer.sh [S|M|L] [threads=2] [steps=20] [repeats=3]
# Needs Debian's /usr/bin/python3 with torch (see ../shared/peers/README.md). Run on a quiet machine:
# each run also records the 1-minute load average it started under.
set -euo pipefail
cfg=${1:-S}; threads=${2:-2}; steps=${3:-20}; repeats=${4:-3}; warmup=3
root=$(cd "$(dirname "$0")/.." && pwd)
peer="$root/../shared/peers/torch_llama_bench.py"
[ -f "$peer" ] || { echo "error: peer not found at $peer" >&2; exit 2; }
case "$cfg" in
  S) flags="--vocab 8192 --dim 128 --layers 4 --heads 4 --ffn 384 --seq 128 --batch 16" ;;
  M) flags="--vocab 8192 --dim 256 --layers 6 --heads 8 --ffn 768 --seq 256 --batch 8" ;;
  L) flags="--vocab 16384 --dim 512 --layers 8 --heads 8 --ffn 1536 --seq 256 --batch 4" ;;
  *) echo "error: config must be S, M or L" >&2; exit 2 ;;
esac
(cd "$root" && mvn -B -q -pl chorus-engine -am compile -DskipTests >/dev/null 2>&1) || { echo "error: build failed" >&2; exit 1; }
java_cmd=(java --add-modules=jdk.incubator.vector -Xms4g -Xmx4g -XX:+AlwaysPreTouch -XX:+UseTransparentHugePages
          -cp "$root/chorus-engine/target/classes" ai.chorus.engine.bench.TrainBench)
out=$(mktemp -d)
for r in $(seq "$repeats"); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/python3 "$peer" $flags --steps "$steps" --warmup "$warmup" --threads "$threads" \
    | sed "s/}\$/,\"load\":$load}/" >> "$out/peer_train.jsonl"
  /usr/bin/python3 "$peer" $flags --steps "$steps" --warmup "$warmup" --threads "$threads" --mode infer \
    >> "$out/peer_infer.jsonl"
  load=$(cut -d' ' -f1 /proc/loadavg)
  "${java_cmd[@]}" --config "$cfg" --threads "$threads" --warmup "$warmup" --steps "$steps" --json 2> >(grep -v "^WARNING: Using incubator modules" >&2) \
    | sed "s/}\$/,\"load\":$load}/" >> "$out/chorus.jsonl"
done
/usr/bin/python3 - "$out" "$cfg" "$threads" <<'PY'
import json, statistics, sys
d, cfg, threads = sys.argv[1], sys.argv[2], sys.argv[3]
rows = lambda f: [json.loads(l) for l in open(f"{d}/{f}") if l.strip()]
pt, pi, ch = rows("peer_train.jsonl"), rows("peer_infer.jsonl"), rows("chorus.jsonl")
for r in pt: print("peer   train", json.dumps({k: r[k] for k in ("tokens_per_s", "ms_per_step", "loss_first", "loss_last", "load")}))
for r in pi: print("peer   infer", json.dumps({k: r[k] for k in ("tokens_per_s", "ms_per_step")}))
for r in ch: print("chorus      ", json.dumps({k: r[k] for k in ("tokens_per_s", "ms_per_step", "infer_tokens_per_s", "matmul_gflops", "train_gflops", "loss_first", "loss_last", "allocated_bytes_per_step", "load")}))
med = lambda xs: statistics.median(xs)
pt_med, pi_med = med([r["tokens_per_s"] for r in pt]), med([r["tokens_per_s"] for r in pi])
ct_med, ci_med = med([r["tokens_per_s"] for r in ch]), med([r["infer_tokens_per_s"] for r in ch])
pt_max, ct_max = max(r["tokens_per_s"] for r in pt), max(r["tokens_per_s"] for r in ch)
print(f"config {cfg}, {threads} threads, {len(ch)} runs each (median; best)")
print(f"train tok/s: chorus {ct_med:.0f} ({ct_max:.0f})  peer {pt_med:.0f} ({pt_max:.0f})  ratio {ct_med/pt_med:.2f}x ({ct_max/pt_max:.2f}x best/best)")
print(f"infer tok/s: chorus {ci_med:.0f}  peer {pi_med:.0f}  ratio {ci_med/pi_med:.2f}x")
print(f"matmul GFLOP/s (lm_head shape, chorus): {med([r['matmul_gflops'] for r in ch]):.1f}")
PY
rm -rf "$out"
