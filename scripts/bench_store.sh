#!/usr/bin/env bash
# The hash store on a benchmark corpus (make_corpus.py layout: one folder per dataset), every
# figure measured in this run, page cache warm for all (each run is preceded by one untimed read):
#   first run with a new store vs --no-store (and vs PEER_BINARY, e.g. a build without the store),
#   second run on the unchanged corpus, a fourth dataset of new images added, a folder renamed.
# Usage: scripts/bench_store.sh CORPUS [PEER_BINARY]
set -euo pipefail
source "$(dirname "$0")/bench_common.sh"
bench_setup "${1:?usage: bench_store.sh CORPUS [PEER_BINARY]}"
peer=${2:-}

counts() { python3 -c "import json,sys; f=json.load(open(sys.argv[1]))['files']; print(f\"decoded {f['decoded']}, reused {f['reused']}, errors {f['errors']}\")" "$1/manifest.json"; }
dcounts() { python3 -c "import json,sys; d=[d for d in json.load(open(sys.argv[1]))['datasets'] if d['name']==sys.argv[2]][0]['files']; print(f\"decoded {d['decoded']}, reused {d['reused']}, errors {d['errors']}\")" "$1/manifest.json" "$2"; }
ratio() { echo "scale=3; $1 / $2" | bc -l; }

echo "crosshash store benchmark: ${#names[@]} datasets in $corpus ($(find "$corpus" -type f | wc -l) files), $(nproc) cores"
nostore=$(seconds "$bin" analyze "${datasets[@]}" --out "$work/nostore" --no-store)
first=$(seconds "$bin" analyze "${datasets[@]}" --out "$work/first" --store "$work/store.sqlite")
second=$(seconds "$bin" analyze "${datasets[@]}" --out "$work/second" --store "$work/store.sqlite")
printf '  --no-store (decode all)     %7.2f s\n' "$nostore"
printf '  first run, new store        %7.2f s   %sx --no-store   (%s)\n' "$first" "$(ratio "$first" "$nostore")" "$(counts "$work/first")"
if [ -n "$peer" ]; then
  peer_s=$(seconds "$peer" analyze "${datasets[@]}" --out "$work/peer")
  printf '  peer %-22s %7.2f s   first run = %sx the peer\n' "$(basename "$peer")" "$peer_s" "$(ratio "$first" "$peer_s")"
fi
printf '  second run, unchanged       %7.2f s   %sx the first run   (%s)\n' "$second" "$(ratio "$second" "$first")" "$(counts "$work/second")"
same=yes
for f in $(cd "$work/first" && find . -type f ! -name manifest.json | sort); do
  cmp -s "$work/first/$f" "$work/second/$f" && cmp -s "$work/first/$f" "$work/nostore/$f" || { same=no; echo "  differs: $f"; }
done
echo "  outputs byte-identical (first, second, --no-store; all but manifest.json): $same"

# A fourth dataset: half known content (copies), half new content (the same files with bytes
# appended after the image data, which decoders ignore: new digests, same pictures).
mkdir -p "$work/fourth"
i=0
for f in $(find "$corpus/${names[0]}" -type f | sort | head -40); do
  ext=${f##*.}
  cp "$f" "$work/fourth/known_$i.$ext"; printf 'new' | cat "$f" - > "$work/fourth/new_$i.$ext"; i=$((i + 1))
done
fourth=$(seconds "$bin" analyze "${datasets[@]}" "fourth=$work/fourth" --out "$work/four" --store "$work/store.sqlite")
printf '  + fourth dataset (%d files)  %7.2f s   (%s; the fourth alone: %s)\n' "$((i * 2))" "$fourth" "$(counts "$work/four")" "$(dcounts "$work/four" fourth)"

cp -r "$corpus/${names[-1]}" "$work/renamed"
renamed=$(seconds "$bin" analyze "${datasets[@]:0:${#datasets[@]}-1}" "renamed=$work/renamed" --out "$work/ren" --store "$work/store.sqlite")
printf '  last dataset copied and renamed %5.2f s   (renamed alone: %s)\n' "$renamed" "$(dcounts "$work/ren" renamed)"

images=$(python3 -c "import json,sys; print(sum(d['images'] for d in json.load(open(sys.argv[1]))['datasets']))" "$work/first/manifest.json")
"$bin" analyze "${datasets[@]}" --out "$work/size" --store "$work/size.sqlite" >/dev/null 2>&1
sqlite3 "$work/size.sqlite" 'pragma wal_checkpoint(truncate);' >/dev/null
size=$(stat -c %s "$work/size.sqlite")
echo "  store size: $size bytes for $images images = $((size / images)) bytes per image (thumbnails and charts included)"
