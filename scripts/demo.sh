#!/usr/bin/env bash
# The main job (README): set up, build crosshash in release mode and run the cross-dataset
# analysis. With NAME=FOLDER arguments it analyses those datasets; with none it first builds a
# small real 3-dataset demo corpus from pictures in Debian packages.
#   bash scripts/demo.sh                       # demo corpus -> demo-out/
#   bash scripts/demo.sh a=/data/a b=/data/b   # your datasets -> crosshash-out/
# Environment: CROSSHASH_OUT (output folder), CROSSHASH_DEVICE (auto, cpu, opencl, opencl:N).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"

swift build -c release >&2
bin="$(swift build -c release --show-bin-path)/crosshash"

if [ $# -eq 0 ]; then
  out=${CROSSHASH_OUT:-demo-out}
  work=${CROSSHASH_DEMO_DIR:-${TMPDIR:-/tmp}/crosshash-demo}
  rm -rf "$work/corpus"
  mkdir -p "$work/pictures"
  CROSSHASH_DEB_PACKAGES="${CROSSHASH_DEB_PACKAGES:-sway-backgrounds lomiri-wallpapers ukui-wallpapers mate-backgrounds}" \
    bash scripts/fetch_debian_images.sh "$work/pictures" 80 >&2
  python3 scripts/make_demo_corpus.py "$work/pictures" "$work/corpus" >&2
  set -- museum="$work/corpus/museum" archive="$work/corpus/archive" web="$work/corpus/web"
  truth="$work/corpus/ground_truth.json"
else
  out=${CROSSHASH_OUT:-crosshash-out}
  truth=""
fi

"$bin" analyze "$@" --out "$out" --device "${CROSSHASH_DEVICE:-auto}"
if [ -n "$truth" ]; then
  "$bin" evaluate --ground-truth "$truth" "$out"
fi
echo
echo "Report: $out/REPORT.md"
echo "        $out/report.html"
