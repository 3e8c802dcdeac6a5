#!/usr/bin/env bash
# Fuzzes the JPEG/PNG/GIF/BMP/WebP/TIFF decoders (Sources/CCodecs) with libFuzzer + AddressSanitizer +
# UndefinedBehaviorSanitizer, seeded with Tests/Fixtures/images/{jpeg,png,hostile,formats}.
#   scripts/fuzz.sh [seconds=60] [jobs=1]
# Exits non-zero when a crash, leak, sanitizer report or timeout is found; the reproducer is
# left in .build-fuzz/ (crash-*, leak-*, timeout-*). Re-run one with:
#   .build-fuzz/fuzz_decode .build-fuzz/crash-<hash>
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
jobs="${2:-1}"
out=.build-fuzz
mkdir -p "$out/corpus"

cc="${CC:-}"
if [[ -z "$cc" ]]; then
    for candidate in /opt/swift/usr/bin/clang clang; do
        if command -v "$candidate" >/dev/null 2>&1; then cc="$candidate"; break; fi
    done
fi
if [[ -z "$cc" ]]; then echo "fuzz.sh: no clang found (set CC)" >&2; exit 2; fi

"$cc" -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -fuse-ld=lld -ISources/CCodecs/include -ISources/CCodecs \
    fuzz/fuzz_decode.c Sources/CCodecs/decode.c Sources/CCodecs/jpeg_decode.c Sources/CCodecs/png_decode.c \
    Sources/CCodecs/png_pillow_chunks.c Sources/CCodecs/gif_decode.c Sources/CCodecs/bmp_decode.c \
    Sources/CCodecs/webp_decode.c Sources/CCodecs/tiff_decode.c \
    -ljpeg -lpng16 -lz -lwebpdemux -lwebp -ltiff -o "$out/fuzz_decode"

seeds=()
for dir in Tests/Fixtures/images/jpeg Tests/Fixtures/images/png Tests/Fixtures/images/hostile Tests/Fixtures/images/formats/*; do
    [[ -d "$dir" ]] && seeds+=("$dir")
done

# -rss_limit_mb: a decoder asking for more than this is a bug (inputs are capped at 4 Mpixel).
# Corpus growth goes to $out/corpus; seeds are only read.
parallel=()
if [[ "$jobs" -gt 1 ]]; then parallel=(-fork="$jobs"); fi
set +e
"$out/fuzz_decode" "$out/corpus" "${seeds[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
    "${parallel[@]}" -artifact_prefix="$out/" -print_final_stats=1
status=$?
set -e
if [[ $status -ne 0 ]]; then
    echo "fuzz.sh: libFuzzer found a problem (exit $status); see $out/crash-* / leak-* / timeout-*" >&2
    exit 1
fi
echo "fuzz.sh: no crash in ${seconds}s"
