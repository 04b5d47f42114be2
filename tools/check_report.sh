#!/usr/bin/env bash
# Renders RUN_DIR/eval/report.html in headless Chromium and checks that the page's plots are in the
# rendered DOM, then takes a full-page screenshot to look at.
#
#   tools/check_report.sh RUN_DIR [SCREENSHOT.png]
#
# The screenshot defaults to RUN_DIR/eval/report.png and covers the top 4000 px; set
# REPORT_WINDOW_HEIGHT=9000 to see a longer page whole. Exit 0: every chart figure holds an SVG plot
# and every section is present; 1: a check failed; 2: bad arguments or no Chromium.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 RUN_DIR [SCREENSHOT.png]" >&2
  exit 2
fi
run_dir=$(cd "$1" && pwd)
report="$run_dir/eval/report.html"
screenshot=${2:-$run_dir/eval/report.png}
chromium=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}

[[ -f "$report" ]] || { echo "no $report; run 'chorus report --run $1' first" >&2; exit 2; }
[[ -n "$chromium" && -x "$chromium" ]] || { echo "no chromium on PATH (Debian: apt-get install -y chromium)" >&2; exit 2; }

profile=$(mktemp -d)
dom=$(mktemp)
trap 'rm -rf "$profile" "$dom"' EXIT
# No network, no first-run work, no GPU: the page must render from the file alone.
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars
       --window-size=1280,"${REPORT_WINDOW_HEIGHT:-4000}")

timeout 120 "$chromium" "${flags[@]}" --dump-dom "file://$report" > "$dom" 2>/dev/null
timeout 120 "$chromium" "${flags[@]}" --screenshot="$screenshot" "file://$report" >/dev/null 2>&1

count() { grep -o "$1" "$dom" | wc -l | tr -d ' '; }
figures=$(count '<figure class="chart')
plots=$(count '<svg[^>]*class="plot"')
paths=$(count '<path ')
failed=0
if [[ "$figures" -lt 1 ]]; then echo "FAIL: no chart figures in the rendered DOM"; failed=1; fi
if [[ "$plots" -ne "$figures" ]]; then echo "FAIL: $figures chart figures but $plots SVG plots"; failed=1; fi
if [[ "$paths" -lt $((figures * 10)) ]]; then echo "FAIL: only $paths SVG paths for $figures charts"; failed=1; fi
for section in headline domains routing training clusters configuration; do
  grep -q "<section id=\"$section\">" "$dom" || { echo "FAIL: section '$section' missing"; failed=1; }
done
if [[ ! -s "$screenshot" ]] || [[ "$(head -c 8 "$screenshot" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]]; then
  echo "FAIL: no PNG screenshot at $screenshot"; failed=1
fi
if [[ $failed -ne 0 ]]; then exit 1; fi
echo "ok: $plots plots in $figures chart figures rendered; screenshot $screenshot"
