#!/usr/bin/env bash
# Installs the optional tools some tests compare against (Debian packages). Without them those
# tests are skipped with a message saying so; everything else needs only a JDK and Maven.
#   python3-torch, python3-numpy      the PyTorch reference for the engine's loss and gradients
#   libopenblas0-openmp, libjemalloc2 make the PyTorch peer benchmark meaningful (tools/bench_vs_peer.sh)
#   python3-sklearn                   the k-means benchmark reference (tools/)
#   chromium                          renders the HTML report in a test (tools/check_report.sh)
# and the official openai npm client (pinned in tools/openai-client) that chorus serve is tested with.
set -euo pipefail

openai_client="$(cd "$(dirname "$0")" && pwd)/openai-client"
if [[ ! -d "$openai_client/node_modules/openai" ]]; then
  if command -v npm >/dev/null; then
    echo "install-test-deps: npm ci in $openai_client" >&2
    (cd "$openai_client" && npm ci --no-audit --no-fund --loglevel=error) \
      || echo "install-test-deps: npm ci failed; the openai client test will be skipped" >&2
  else
    echo "install-test-deps: no npm; the openai client test will be skipped" >&2
  fi
fi
packages=(python3-torch python3-numpy python3-sklearn libopenblas0-openmp libjemalloc2 chromium)
if /usr/bin/python3 -c 'import torch, numpy, sklearn' 2>/dev/null && [[ -x /usr/bin/chromium ]]; then
  exit 0
fi
if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
  echo "install-test-deps: not root or no apt-get; skipping ${packages[*]} (the tests that need them will be skipped)" >&2
  exit 0
fi
echo "install-test-deps: apt-get install ${packages[*]}" >&2
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null; }; then
  echo "install-test-deps: apt-get failed; the tests that need these packages will be skipped" >&2
fi
