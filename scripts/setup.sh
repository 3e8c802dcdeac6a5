#!/usr/bin/env bash
# Installs what crosshash needs on a fresh Debian 12 (run as root, or with sudo available):
# the C libraries it links (codecs, cairo, SQLite for the hash store, OpenSSL's libcrypto for
# content digests; the sqlite3 shell for the store tests; libpq and a PostgreSQL 15 server for the
# PostgreSQL store and its tests, which start throwaway clusters with scripts/pg_server.sh), PoCL (a real OpenCL CPU device for tests), and the Python reference
# tools used by the conformance check, and Dask (the distributed-hashing recipe's test), and wrk (the load client of scripts/bench_serve_index.sh). Safe to re-run: it only installs what is missing.
set -euo pipefail

APT_PACKAGES=(libjpeg62-turbo-dev libpng-dev zlib1g-dev libtiff-dev libwebp-dev webp libtiff-tools imagemagick libcairo2-dev libsqlite3-dev libssl-dev sqlite3 curl
              libpq-dev postgresql-15
              pocl-opencl-icd ocl-icd-opencl-dev opencl-headers clinfo wrk)
PIP_PACKAGES=(pillow imagehash opencv-contrib-python-headless numpy scipy "dask[distributed]")

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${CROSSHASH_SKIP_PIP:-0}" != 1 ]; then
  if ! python3 -c "import PIL, imagehash, cv2, numpy, scipy, dask.distributed" 2>/dev/null; then
    echo "setup: installing Python reference tools (${PIP_PACKAGES[*]})" >&2
    python3 -m pip install -q "${PIP_PACKAGES[@]}" 2>/dev/null \
      || python3 -m pip install -q --break-system-packages "${PIP_PACKAGES[@]}"
  fi
fi

if ! command -v swift >/dev/null 2>&1; then
  for d in /opt/swift/usr/bin /usr/share/swift/usr/bin; do [ -x "$d/swift" ] && export PATH="$d:$PATH"; done
fi
command -v swift >/dev/null 2>&1 || { echo "setup: a Swift 6 toolchain is required (https://swift.org/install)" >&2; exit 1; }
