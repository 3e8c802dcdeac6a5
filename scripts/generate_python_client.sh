#!/usr/bin/env bash
# Generates the Python client clients/python/crosshash_client/ from the service's OpenAPI
# document (Sources/Service/openapi.json, the one `crosshash serve` embeds and serves) with a
# pinned openapi-python-client, formatted by a pinned ruff; installs both from PyPI when missing.
# The generated tree is replaced whole: hand-written code lives beside it (clients/python/).
#
#   bash scripts/generate_python_client.sh           # regenerate after editing openapi.json
#   bash scripts/generate_python_client.sh --check   # exit 1 when the committed client is stale
#
# The generator must print no warning: one means part of the document was left out of the client.
set -euo pipefail
cd "$(dirname "$0")/.."

GENERATOR_VERSION=0.29.1
RUFF_VERSION=0.17.6
DOC=Sources/Service/openapi.json
CONFIG=clients/python/generator-config.yaml
TARGET=clients/python/crosshash_client

CHECK=0
case "${1:-}" in
    --check) CHECK=1 ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

# Installed at exactly the pinned version? (A different generator or ruff writes other code.)
pinned() {
    python3 -c 'import importlib.metadata as m, sys; sys.exit(m.version(sys.argv[1]) != sys.argv[2])' "$1" "$2" 2>/dev/null
}
if ! pinned openapi-python-client "$GENERATOR_VERSION" || ! pinned ruff "$RUFF_VERSION"; then
    echo "generate_python_client.sh: installing openapi-python-client==$GENERATOR_VERSION and ruff==$RUFF_VERSION from PyPI" >&2
    PKGS=("openapi-python-client==$GENERATOR_VERSION" "ruff==$RUFF_VERSION")
    python3 -m pip install -q "${PKGS[@]}" 2>/dev/null \
        || python3 -m pip install -q --break-system-packages "${PKGS[@]}"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/crosshash-pyclient.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
if ! python3 -m openapi_python_client generate --path "$DOC" --meta none --config "$CONFIG" \
        --output-path "$TMP/crosshash_client" >"$TMP/generator.log" 2>&1; then
    echo "generate_python_client.sh: openapi-python-client could not generate the client:" >&2
    cat "$TMP/generator.log" >&2
    exit 1
fi
# Its only line on success is "Generating <path>"; anything else is a warning about the document.
if grep -v '^Generating ' "$TMP/generator.log" | grep -q .; then
    echo "generate_python_client.sh: openapi-python-client warned about $DOC (fix the document):" >&2
    cat "$TMP/generator.log" >&2
    exit 1
fi

if [ "$CHECK" = 1 ]; then
    if ! diff -r -x __pycache__ "$TARGET" "$TMP/crosshash_client" >"$TMP/diff.txt" 2>&1; then
        echo "generate_python_client.sh: $TARGET is stale (it differs from what $DOC generates); run: bash scripts/generate_python_client.sh" >&2
        head -n 40 "$TMP/diff.txt" >&2
        exit 1
    fi
    echo "generate_python_client.sh: $TARGET is up to date (openapi-python-client $GENERATOR_VERSION)"
    exit 0
fi
rm -rf "$TARGET"
mv "$TMP/crosshash_client" "$TARGET"
echo "generate_python_client.sh: generated $TARGET from $DOC (openapi-python-client $GENERATOR_VERSION, $(find "$TARGET" -name '*.py' | wc -l) files)"
