#!/usr/bin/env bash
# GIF / BMP / TIFF / WebP parity with Pillow 13 + imagehash + OpenCV.
#
#   scripts/format_parity.sh [CORPUS_DIR]
#
# Builds the format corpus with scripts/make_format_corpus.py (about 8200 files from Pillow,
# ImageMagick, cwebp, tiffcp, hand-written BMP and TIFF layouts, TIFF orientations, PNGs on
# Pillow's chunk limits, Debian's /usr/share, and damaged copies: damaged/, damaged_classes/)
# unless CORPUS_DIR already holds one, then runs scripts/conformance.sh on it, which prints
#   phash: N/M identical (P%)   and every mismatching file.
# Passes when both hashes are identical on >= 99% of the files and every mismatch is a damaged
# file (damaged/, damaged_classes/): intact files must all agree. Known damaged-file differences come from the
# libtiff version (Debian 12: 4.5.0; Pillow 13's wheel: 4.7.x) decoding corrupt strips
# differently (see README, "Formats"). Environment: as scripts/conformance.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# The default corpus folder is named by the generator's digest: a changed generator builds anew.
dir=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/crosshash-format-corpus-$(sha256sum "$here/make_format_corpus.py" | cut -c1-12)}
if [ -z "$(ls -A "$dir" 2>/dev/null)" ]; then
    python3 "$here/make_format_corpus.py" "$dir" || { echo "error: cannot build the format corpus" >&2; exit 2; }
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
bash "$here/conformance.sh" "$dir" > "$out"
rc=$?
set -e
cat "$out"
[ "$rc" -le 1 ] || exit "$rc"
python3 - "$out" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
ok = True
for alg, n, m in re.findall(r"^(\w+): (\d+)/(\d+) identical", text, re.M):
    if int(n) < 0.99 * int(m):
        print(f"format parity: {alg} {n}/{m} is under 99%", file=sys.stderr); ok = False
for line in text.splitlines():
    if line.startswith("  ") and ":" in line and not line.strip().startswith(("damaged/", "damaged_classes/")):
        print(f"format parity: an intact file differs: {line.strip()}", file=sys.stderr); ok = False
sys.exit(0 if ok else 1)
PY
