#!/usr/bin/env bash
# Fetch a small set of real pictures (JPEG/PNG wallpapers) from Debian packages.
#
#   scripts/fetch_debian_images.sh OUT_DIR [N]
#
# Downloads the packages with `apt-get download` into a cache (CROSSHASH_DEB_CACHE, default
# ~/.cache/crosshash-debs), extracts them there, and copies up to N (default 40) JPEG/PNG files,
# in sorted path order, into OUT_DIR (flat; names prefixed by package to avoid clashes).
# Works on Debian 12 as root or as a user; runs `apt-get update` once if a download fails.
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 OUT_DIR [N]" >&2
    exit 2
fi
out=$1
n=${2:-40}
cache=${CROSSHASH_DEB_CACHE:-$HOME/.cache/crosshash-debs}
packages=(${CROSSHASH_DEB_PACKAGES:-sway-backgrounds lomiri-wallpapers ukui-wallpapers})

mkdir -p "$cache" "$out"
cd "$cache"

download() {
    # apt-get download as root warns about the _apt sandbox; harmless, the files land here.
    apt-get download "$1" >/dev/null 2>&1
}

updated=0
for p in "${packages[@]}"; do
    if ! ls "$cache/${p}"_*.deb >/dev/null 2>&1; then
        if ! download "$p"; then
            if [ "$updated" = 0 ] && [ "$(id -u)" = 0 ]; then
                echo "apt-get download $p failed; running apt-get update" >&2
                apt-get update >/dev/null
                updated=1
            fi
            download "$p" || { echo "warning: cannot download $p, skipping" >&2; continue; }
        fi
    fi
    deb=$(ls "$cache/${p}"_*.deb | sort | tail -n 1)
    if [ ! -d "$cache/extract/$p" ]; then
        mkdir -p "$cache/extract/$p.tmp"
        dpkg-deb -x "$deb" "$cache/extract/$p.tmp"
        mv "$cache/extract/$p.tmp" "$cache/extract/$p"
    fi
done

if [ ! -d "$cache/extract" ]; then
    echo "error: no package could be downloaded (is this Debian with network access?)" >&2
    exit 1
fi

count=0
while IFS= read -r -d '' f; do
    [ "$count" -ge "$n" ] && break
    rel=${f#"$cache/extract/"}
    pkg=${rel%%/*}
    cp "$f" "$out/${pkg}__$(basename "$f")"
    count=$((count + 1))
done < <(find "$cache/extract" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) -print0 | sort -z)

echo "copied $count images into $out" >&2
[ "$count" -gt 0 ]
