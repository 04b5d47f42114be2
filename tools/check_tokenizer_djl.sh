#!/usr/bin/env bash
# Compares Chorus's BPE ids with Hugging Face's Rust `tokenizers` where Python `tokenizers` is not
# installable: DJL's tokenizers jar (Maven Central) bundles the Rust library for linux-x86_64.
#   tools/check_tokenizer_djl.sh OUT_DIR        (OUT_DIR from TokenizerParityDump: tokenizer.json + parity.jsonl)
set -euo pipefail
out=${1:?usage: tools/check_tokenizer_djl.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/pom.xml" <<'POM'
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId><artifactId>djl-check</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>ai.djl.huggingface</groupId><artifactId>tokenizers</artifactId><version>0.38.0</version></dependency>
  </dependencies>
</project>
POM
mvn -B -q -f "$work/pom.xml" dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >/dev/null
java -cp "$(cat "$work/cp.txt")" "$here/CheckTokenizerDjl.java" "$out/tokenizer.json" "$out/parity.jsonl"
