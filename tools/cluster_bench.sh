#!/usr/bin/env bash
# Runs the clustering benchmarks of docs/perf/cluster.md from a built worktree.
#   tools/cluster_bench.sh full 1000000 8 8 128 [MAX_ITER] # whole step on 1M generated docs (HEAP, default 1400m; GC, default G1:
#     with ParallelGC one array must fit the old generation, 2/3 of the heap, so the dense matrix needs -Xmx >= 1.5x its size)
#   tools/cluster_bench.sh export europarl /tmp/europarl.f32
#   tools/cluster_bench.sh kmeans /tmp/europarl.f32 256 128 100 2 1 2 3
#   tools/cluster_bench.sh europarl 4 8 16
# Needs `mvn -pl chorus-core -am test-compile` first. The class path is the module's build output plus
# its runtime jars from ~/.m2 (no install of the engine needed).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
m2="${M2_REPO:-$HOME/.m2/repository}"
jar() { ls "$m2/$1" | head -1; }
cp="$root/chorus-core/target/test-classes:$root/chorus-core/target/classes:$root/chorus-engine/target/classes"
cp="$cp:$(jar com/fasterxml/jackson/core/jackson-databind/2.23.0/jackson-databind-2.23.0.jar)"
cp="$cp:$(jar com/fasterxml/jackson/core/jackson-core/2.23.0/jackson-core-2.23.0.jar)"
cp="$cp:$(jar com/fasterxml/jackson/core/jackson-annotations/2.23/jackson-annotations-2.23.jar)"
cp="$cp:$(jar org/slf4j/slf4j-api/2.0.20/slf4j-api-2.0.20.jar)"
cp="$cp:$(jar org/apache/lucene/lucene-test-framework/9.12.3/lucene-test-framework-9.12.3.jar)"
exec java --add-modules=jdk.incubator.vector -Xss8m ${GC:--XX:+UseG1GC} "-Xmx${HEAP:-1400m}" \
  -cp "$cp" ai.chorus.core.cluster.ClusterBench "$@"
