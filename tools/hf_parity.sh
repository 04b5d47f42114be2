#!/usr/bin/env bash
# Checks Chorus against the Hugging Face stack in two halves, because the machine that has Python
# transformers/tokenizers (e.g. a `device` GPU machine) need not be the one that trains:
#
#   tools/hf_parity.sh dump RUN_DIR OUT_DIR   # here: Chorus's logits for RUN's seed, first two experts and merged models
#                                             # (plus two generated models: tied head, other rope_theta/eps),
#                                             # and Chorus's ids for held-out Europarl and synthetic text under
#                                             # RUN's tokenizer and a fresh 8,192 one
#                                             # and, for each of RUN's folders that carries its tokenizer, the
#                                             # folder alone plus `chorus score --bos --json` on a fixed text
#   tools/hf_parity.sh check OUT_DIR          # there: transformers logits (1e-4), tokenizers ids and decodes, and
#                                             # AutoTokenizer/AutoModelForCausalLM on each folder alone vs chorus score
#
# OUT_DIR is self-contained (model folders are copied in; paths are relative), so it can be moved.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
usage() { echo "usage: tools/hf_parity.sh dump RUN_DIR OUT_DIR | check OUT_DIR" >&2; exit 2; }
case "${1:-}" in
  dump)
    run=${2:-}; out=${3:-}; [ -n "$run" ] && [ -n "$out" ] || usage
    [ -f "$run/tokenizer.json" ] && [ -d "$run/seed" ] || { echo "error: $run is not a trained run (no tokenizer.json or seed/)" >&2; exit 2; }
    (cd "$root" && mvn -B -q -pl chorus-core -am test-compile dependency:build-classpath \
        -Dmdep.outputFile="$root/chorus-core/target/test-classpath.txt" >/dev/null)
    cp_core="$root/chorus-core/target/test-classes:$root/chorus-core/target/classes:$(cat "$root/chorus-core/target/test-classpath.txt")"
    java_cmd=(java --add-modules=jdk.incubator.vector -Xmx2g)
    mkdir -p "$out/logits" "$out/tokenizer-run" "$out/tokenizer-8192"
    models=()
    # the seed, two experts, and the run's merged models (chorus merge), if any
    jobs=(seed experts/e00 experts/e01)
    for m in "$run"/merged/*/; do [ -f "$m/model.safetensors" ] && jobs+=("merged/$(basename "$m")"); done
    for job in "${jobs[@]}"; do
      [ -d "$run/$job" ] || continue
      name=$(echo "$job" | tr / -); mkdir -p "$out/logits/$name"
      cp "$run/$job/config.json" "$run/$job/model.safetensors" "$out/logits/$name/"
      models+=("$out/logits/$name")
    done
    "${java_cmd[@]}" -cp "$root/chorus-engine/target/test-classes:$root/chorus-engine/target/classes" \
        ai.chorus.engine.model.HfLogitsDump "$out/logits" "${models[@]}" 2>&1 | grep -v '^WARNING'
    # each folder alone (as a user would copy it away), with chorus's scores to compare from_pretrained against
    mkdir -p "$out/folders"
    text="The Commission welcomes the report. Die Kommission begrüßt den Bericht. La Commission salue le rapport."
    for job in "${jobs[@]}"; do
      [ -f "$run/$job/tokenizer_config.json" ] || { echo "skipped $job: written before folders carried their tokenizer" >&2; continue; }
      name=$(echo "$job" | tr / -); mkdir -p "$out/folders/$name"
      cp "$run/$job"/{config.json,model.safetensors,tokenizer.json,tokenizer_config.json,generation_config.json} "$out/folders/$name/"
      CHORUS_HEAP=1g "$root/chorus" score --model "$out/folders/$name" --bos --json --text "$text" \
          | python3 -c 'import json, sys; s = json.load(sys.stdin); s["text"] = sys.argv[1]; print(json.dumps(s))' "$text" \
          > "$out/folders/$name.score.json"
    done
    cp "$run/tokenizer.json" "$out/tokenizer-run/"
    for t in tokenizer-run tokenizer-8192; do
      "${java_cmd[@]}" -cp "$cp_core" ai.chorus.core.tokenizer.TokenizerParityDump "$out/$t" 2000 1000 2>&1 \
          | grep -v -e '^WARNING' -e '^SLF4J'
    done
    ;;
  check)
    out=${2:-}; [ -n "$out" ] || usage
    python3 -c "import sys, torch, transformers, tokenizers; print('python', sys.version.split()[0], 'torch', torch.__version__, 'transformers', transformers.__version__, 'tokenizers', tokenizers.__version__)"
    status=0
    # transformers prints a progress bar per load; keep the verdict lines
    python3 "$root/tools/check_hf_logits.py" "$out/logits" 2>&1 | grep -v 'Loading weights' || status=1
    for t in tokenizer-run tokenizer-8192; do
      if ! line=$(python3 "$root/tools/check_tokenizer.py" "$out/$t" | tail -1); then status=1; fi
      echo "$t: $line"
    done
    python3 "$root/tools/check_hf_safetensors.py" "$out/logits/experts-e00" --forward 2>&1 | grep -v 'Loading weights' | tail -3 || status=1
    if [ -d "$out/folders" ]; then
      python3 "$root/tools/check_hf_folder.py" "$out/folders" 2>&1 | grep -v 'Loading weights' || status=1
    fi
    exit $status
    ;;
  *) usage ;;
esac
