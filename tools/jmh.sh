#!/usr/bin/env bash
# Runs the engine's JMH benchmarks (chorus-engine/src/test/java/ai/chorus/engine/bench/*Benchmark.java):
# compiles the engine and its tests (the JMH annotation processor generates the harness), then starts JMH
# with any JMH arguments given, e.g.
#   tools/jmh.sh Matmul                       # every matmul form and shape of config S, one thread
#   tools/jmh.sh TrainStep -p threads=2       # one training step of S on two threads
#   tools/jmh.sh -h                           # JMH's own options
set -euo pipefail
cd "$(dirname "$0")/.."
cp_file="$PWD/chorus-engine/target/jmh.classpath"
mvn -B -o -q -pl chorus-engine test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >&2
exec java --add-modules=jdk.incubator.vector \
  -cp "chorus-engine/target/test-classes:chorus-engine/target/classes:$(cat "$cp_file")" \
  org.openjdk.jmh.Main "$@"
