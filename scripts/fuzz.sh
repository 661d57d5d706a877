#!/usr/bin/env bash
# usage: scripts/fuzz.sh [SECONDS [TARGET...]]   (docs/RELIABILITY.md "Fuzzing")
# Builds the libFuzzer targets with clang (Debian: clang, libfuzzer-14-dev) into build-fuzz/ and
# runs each for SECONDS (default 60) on a corpus seeded from datasets/fixtures. Crashes land in
# build-fuzz/crashes/<target>/; turn each into a fixture and a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=build-fuzz
mkdir -p "$out"
qt_flags=$(pkg-config --cflags --libs Qt6Core)
flags="-std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I. -fPIC"
build() {  # target sources...
  local target=$1; shift
  clang++ $flags "$@" $qt_flags -o "$out/$target"
}
if ! command -v clang++ >/dev/null || ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "fuzz.sh: needs clang and libFuzzer: apt-get install -y clang libfuzzer-14-dev" >&2
  exit 2
fi
build fuzz_literal_parser tests/fuzz/fuzz_literal_parser.cpp core/data/literal_parser.cpp
readers="core/data/sequence_text_reader.cpp core/data/recbole_reader.cpp core/data/amazon_reader.cpp
  core/data/reader_common.cpp core/data/input_file.cpp core/data/literal_parser.cpp
  core/data/dataset.cpp core/common/files.cpp core/common/error.cpp"
build fuzz_sequence_text -DFUZZ_FORMAT=1 tests/fuzz/fuzz_reader.cpp $readers -lz
build fuzz_recbole -DFUZZ_FORMAT=2 tests/fuzz/fuzz_reader.cpp $readers -lz
build fuzz_amazon -DFUZZ_FORMAT=3 tests/fuzz/fuzz_reader.cpp $readers -lz
common="core/common/error.cpp core/common/files.cpp core/common/run_values.cpp"
build fuzz_config tests/fuzz/fuzz_config.cpp core/train/train_config.cpp $common
# The sweep spec resolves recipe names through the recipes compiled in under :/recipes.
{ echo '<RCC><qresource prefix="/recipes">'
  for f in resources/recipes/*.json; do echo "<file alias=\"$(basename "$f")\">$PWD/$f</file>"; done
  echo '</qresource></RCC>'; } > "$out/recipes.qrc"
/usr/lib/qt6/libexec/rcc -name recipes "$out/recipes.qrc" -o "$out/qrc_recipes.cpp"
build fuzz_sweep_spec tests/fuzz/fuzz_sweep_spec.cpp core/train/sweep_spec.cpp core/train/recipes.cpp core/train/config_keys.cpp \
  core/train/train_config.cpp "$out/qrc_recipes.cpp" $common
store="core/store/run_store.cpp core/store/run_repository.cpp core/store/metric_repository.cpp
  core/store/artifact_repository.cpp core/store/schema.cpp core/store/sql_util.cpp core/store/owner.cpp"
build fuzz_store_open tests/fuzz/fuzz_store_open.cpp $store $common $(pkg-config --cflags --libs Qt6Sql)

seed() {  # target files...
  local target=$1; shift
  mkdir -p "$out/corpus/$target" "$out/crashes/$target"
  for f in "$@"; do
    [ -f "$f" ] && head -c 4096 "$f" > "$out/corpus/$target/seed-$(basename "$f")-$(echo "$f" | md5sum | cut -c1-8)"
  done
  return 0
}
seed fuzz_literal_parser datasets/synthetic/iid_item2attributes.json \
  datasets/fixtures/seqtext/tiny_item2attributes.json
# One seed per line of the Amazon fixtures: JSON reviews and Python-literal metadata.
i=0
for gz in datasets/fixtures/amazon/*.json.gz; do
  zcat "$gz" | head -20 | while IFS= read -r line; do
    i=$((i + 1)); printf '%s' "$line" > "$out/corpus/fuzz_literal_parser/seed-$(basename "$gz" .json.gz)-$i"
  done
done

# Reader seeds: main file, a NUL byte, the sidecar.
joined() { cat "$1"; printf '\0'; [ -f "$2" ] && cat "$2"; return 0; }
mkdir -p "$out/corpus/fuzz_sequence_text" "$out/corpus/fuzz_recbole" "$out/corpus/fuzz_amazon"
for t in fuzz_sequence_text fuzz_recbole fuzz_amazon; do mkdir -p "$out/crashes/$t"; done
joined datasets/fixtures/seqtext/tiny.txt datasets/fixtures/seqtext/tiny_item2attributes.json \
  > "$out/corpus/fuzz_sequence_text/seed-tiny"
head -c 20000 datasets/synthetic/iid.txt > "$out/corpus/fuzz_sequence_text/seed-iid"
joined datasets/fixtures/recbole/tiny/tiny.inter datasets/fixtures/recbole/tiny/tiny.item \
  > "$out/corpus/fuzz_recbole/seed-tiny"
{ zcat datasets/fixtures/amazon/reviews_Tiny_5.json.gz | head -c 20000; printf '\0';
  zcat datasets/fixtures/amazon/meta_Tiny.json.gz | head -c 20000; } > "$out/corpus/fuzz_amazon/seed-tiny"

# Configurations: the shipped recipes' configs, the sweep examples' bases, a stored run's config.
mkdir -p "$out/corpus/fuzz_config" "$out/corpus/fuzz_sweep_spec" "$out/corpus/fuzz_store_open"
for t in fuzz_config fuzz_sweep_spec fuzz_store_open; do mkdir -p "$out/crashes/$t"; done
for f in resources/recipes/*.json; do
  python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["config"]))' "$f" \
    > "$out/corpus/fuzz_config/seed-$(basename "$f")" 2>/dev/null || true
done
cp docs/examples/*.json bench/sweeps/*.json "$out/corpus/fuzz_sweep_spec/" 2>/dev/null || true
cp bench/sweeps/*.json "$out/corpus/fuzz_config/" 2>/dev/null || true
# Stores: a fresh one with a finished run (the CLI, when built), and an empty file.
if [ -x build/app/irl4rec ] && [ ! -s "$out/corpus/fuzz_store_open/seed-run.sqlite" ]; then
  tmp=$(mktemp -d)
  build/app/irl4rec train --data datasets/synthetic/iid.txt --db "$tmp/s.sqlite" --hidden 8 \
    --layers 1 --heads 1 --epochs 1 --max-length 10 --quiet >/dev/null 2>&1 || true
  sqlite3 "$tmp/s.sqlite" 'PRAGMA wal_checkpoint(TRUNCATE); DELETE FROM embeddings;
    DELETE FROM projections; DELETE FROM labels; DELETE FROM metrics WHERE step > 20;' 2>/dev/null || true
  sqlite3 "$tmp/s.sqlite" 'VACUUM;' 2>/dev/null || true
  [ -s "$tmp/s.sqlite" ] && cp "$tmp/s.sqlite" "$out/corpus/fuzz_store_open/seed-run.sqlite"
  rm -rf "$tmp"
fi
: > "$out/corpus/fuzz_store_open/seed-empty"

targets=("${@:2}")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_literal_parser fuzz_sequence_text fuzz_recbole fuzz_amazon
                                     fuzz_config fuzz_sweep_spec fuzz_store_open)
for target in "${targets[@]}"; do
  echo "== $target, ${seconds} s"
  "$out/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/crashes/$target/" -print_final_stats=1 \
    "$out/corpus/$target" 2>&1 | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss|.*cov:)" | tail -4
done
