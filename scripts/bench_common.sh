# Sourced by the corpus benchmarks (bench_store.sh, bench_verify.sh): after `bench_setup CORPUS`,
#   corpus  the corpus folder (absolute), here  the repository, bin  the crosshash binary (a
#   release build, built if missing), work  a temporary folder removed at exit,
#   names / datasets  the corpus's dataset folders and their NAME=FOLDER arguments, in the order
#   ground_truth.json lists them when it does (pairs name the earlier dataset first), else by name;
# the page cache is warmed, and `seconds CMD...` times a command (its output discarded).
bench_setup() {
  corpus=$(cd "$1" && pwd)
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  bin=${CROSSHASH_BIN:-$here/.build/release/crosshash}
  [ -x "$bin" ] || (cd "$here" && swift build -c release >/dev/null)
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mapfile -t names < <(find "$corpus" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
  if [ -f "$corpus/ground_truth.json" ]; then
    mapfile -t listed < <(python3 -c "import json,sys; print('\n'.join(json.load(open(sys.argv[1])).get('datasets', [])))" "$corpus/ground_truth.json")
    if [ -n "${listed[0]:-}" ]; then names=("${listed[@]}"); fi
  fi
  datasets=()
  for n in "${names[@]}"; do datasets+=("$n=$corpus/$n"); done
  cat $(find "$corpus" -type f) > /dev/null   # warm the page cache
}

seconds() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>&1; echo "$(date +%s.%N) - $s" | bc -l; }
