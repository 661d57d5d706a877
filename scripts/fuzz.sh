#!/usr/bin/env bash
# usage: scripts/fuzz.sh [SECONDS]   (docs/RELIABILITY.md "Fuzzing")
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

for target in fuzz_literal_parser fuzz_sequence_text fuzz_recbole fuzz_amazon; do
  echo "== $target, ${seconds} s"
  "$out/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/crashes/$target/" -print_final_stats=1 \
    "$out/corpus/$target" 2>&1 | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss|.*cov:)" | tail -4
done
