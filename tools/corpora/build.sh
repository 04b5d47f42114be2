#!/usr/bin/env bash
# Builds the labelled corpora of the discovery benchmark (issue 15): OUT_DIR/NAME.jsonl.gz, one
# {"text", "domain"} object per line. See tools/corpora/README.md.
#
#   tools/corpora/build.sh OUT_DIR [prose code mixture languages mansections]   (default: all)
#
#   CORPORA_CACHE  where downloaded .deb files are kept and unpacked (default OUT_DIR/.cache)
# Needs apt-get (packages are fetched with `apt-get download`, never installed) and dpkg-deb.
set -euo pipefail
[[ $# -ge 1 ]] || { sed -n '2,8p' "$0"; exit 2; }
exec /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/build.py" "$@"
