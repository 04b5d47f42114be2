#!/usr/bin/env bash
# Installs the independent references some tests compare against (Debian packages, one by one) and the
# official openai npm client. Without them those tests are skipped with a message saying so — or, under
# CI=true, fail with one line naming what is missing; everything else needs only a JDK and Maven.
#   python3-torch, python3-numpy      the PyTorch reference for the engine's loss and gradients
#   libopenblas0-openmp, libjemalloc2 make the PyTorch peer benchmark meaningful (tools/bench_vs_peer.sh)
#   python3-sklearn                   the k-means benchmark reference (tools/)
#   chromium                          renders the HTML report in a test (tools/check_report.sh)
#   nodejs, npm                       run the official openai client (pinned in tools/openai-client)
#                                     that chorus serve is tested with
# Ends with the list of what could not be installed; exits 1 if anything failed and CI=true (so CI fails
# loudly), 0 with a warning otherwise.
set -uo pipefail

say() { echo "install-test-deps: $*" >&2; }

python=/usr/bin/python3
# How to tell whether each package is already there: what the tests use, not just dpkg's word.
present() {
  case "$1" in
    python3-torch) "$python" -c 'import torch' 2>/dev/null ;;
    python3-numpy) "$python" -c 'import numpy' 2>/dev/null ;;
    python3-sklearn) "$python" -c 'import sklearn' 2>/dev/null ;;
    chromium) [[ -x /usr/bin/chromium ]] ;;
    nodejs) command -v node >/dev/null ;;
    npm) command -v npm >/dev/null ;;
    *) [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]] ;;
  esac
}

packages=(python3-torch python3-numpy python3-sklearn libopenblas0-openmp libjemalloc2 chromium nodejs npm)
missing=()
for p in "${packages[@]}"; do
  present "$p" || missing+=("$p")
done

failed=()
if [[ ${#missing[@]} -gt 0 ]]; then
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
    say "not root or no apt-get: cannot install ${missing[*]}"
    failed+=("${missing[@]}")
  else
    say "apt-get update"
    apt-get update -qq || say "apt-get update failed; trying the installs anyway"
    for p in "${missing[@]}"; do
      # One package at a time: a package this Debian lacks must not keep the others out.
      say "apt-get install $p"
      if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null \
          || ! present "$p"; then
        say "$p: not installed"
        failed+=("$p")
      fi
    done
  fi
fi

openai_client="$(cd "$(dirname "$0")" && pwd)/openai-client"
if [[ ! -d "$openai_client/node_modules/openai" ]]; then
  if command -v npm >/dev/null; then
    say "npm ci in $openai_client"
    if ! (cd "$openai_client" && npm ci --no-audit --no-fund --loglevel=error) \
        || [[ ! -d "$openai_client/node_modules/openai" ]]; then
      failed+=("openai-npm-client")
    fi
  else
    failed+=("openai-npm-client")
  fi
fi

if [[ ${#failed[@]} -eq 0 ]]; then
  say "all present: ${packages[*]} openai-npm-client"
  exit 0
fi
say "FAILED: ${failed[*]}"
if [[ "${CI:-}" == true ]]; then
  say "CI=true: the tests that need them would fail; fix the installs above"
  exit 1
fi
say "warning: the tests that need them will be skipped (under CI=true they fail)"
exit 0
