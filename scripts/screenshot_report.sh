#!/usr/bin/env bash
# Screenshot of a crosshash report.html in headless Chromium, to check how it renders.
#   bash scripts/screenshot_report.sh OUT_DIR PNG [WIDTHxHEIGHT]
# Installs chromium with apt-get when it is missing (needs root). Fails when the screenshot is
# missing or empty.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 OUT_DIR PNG [WIDTHxHEIGHT]" >&2
  exit 2
fi
out_dir=$1
png=$2
size=${3:-1280x2000}
html="$out_dir/report.html"
[ -f "$html" ] || { echo "no report.html in $out_dir (run crosshash analyze first)" >&2; exit 1; }

browser=""
for name in chromium chromium-browser google-chrome; do
  if command -v "$name" >/dev/null 2>&1; then browser=$name; break; fi
done
if [ -z "$browser" ]; then
  echo "chromium not found; installing it with apt-get" >&2
  apt-get install -y chromium >/dev/null || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; }
  browser=chromium
fi

abs_html=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
abs_png=$(cd "$(dirname "$png")" 2>/dev/null && pwd)/$(basename "$png") || { echo "folder of $png does not exist" >&2; exit 1; }
rm -f "$abs_png"
# A throwaway profile keeps the run independent of any user profile and lock files.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
  --window-size="${size/x/,}" --screenshot="$abs_png" "file://$abs_html" >/dev/null 2>&1 || true

if [ ! -s "$abs_png" ]; then
  echo "screenshot failed: $abs_png is missing or empty" >&2
  exit 1
fi
echo "$abs_png"
