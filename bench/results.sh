#!/usr/bin/env bash
# Re-runnable accuracy results for docs/RESULTS.md (issue 3).
#
#   bench/results.sh [BUILD_DIR] [OUT_DIR] [only...]
#
# Runs every configuration below one after the other (never two trainings at once), writes
# one JSON object per run to OUT_DIR/<name>.json (stdout of `irl4rec train --json`) and its
# progress log to OUT_DIR/<name>.log, skipping runs whose JSON already exists, then renders
# docs/RESULTS.md with bench/results_table.py. Pass run names to run only those.
set -u
BUILD=${1:-build-train}
OUT=${2:-/tmp/irl4rec-results}
shift $(( $# > 2 ? 2 : $# ))
ONLY=("$@")
CLI="$BUILD/app/irl4rec"
BEAUTY=${BEAUTY:-../shared/datasets/amazon/Beauty.txt}
IID=datasets/synthetic/iid.txt
SHIFTED=datasets/synthetic/shifted.txt
mkdir -p "$OUT"

# Shared settings: S3-Rec's SASRec sizes, Adam 1e-3, batch 256, seed 42, 1 thread,
# validation every 2 epochs, early stop after 10 epochs without a validation NDCG@10 gain.
COMMON=(--hidden 64 --layers 2 --heads 2 --max-length 50 --lr 1e-3 --batch 256 --seed 42
        --threads 1 --eval-every 2 --patience 10)

want() {
  [ ${#ONLY[@]} -eq 0 ] && return 0
  local n; for n in "${ONLY[@]}"; do [ "$n" = "$1" ] && return 0; done; return 1
}

run() {  # name, then arguments of `irl4rec train`
  local name=$1; shift
  want "$name" || return 0
  if [ -s "$OUT/$name.json" ]; then echo "skip $name (done)"; return 0; fi
  echo "$(date -u +%H:%M:%S) start $name: $*"
  "$CLI" train "$@" --json --no-store --checkpoint "$OUT/$name.pt" >"$OUT/$name.json.tmp" 2>"$OUT/$name.log"
  local rc=$?
  [ -s "$OUT/$name.json.tmp" ] && mv "$OUT/$name.json.tmp" "$OUT/$name.json"
  echo "$(date -u +%H:%M:%S) end $name (exit $rc)"
}

reference() {  # name, model
  want "$1" || return 0
  [ -s "$OUT/$1.json" ] && return 0
  "$CLI" eval --data "$BEAUTY" --reference "$2" --json >"$OUT/$1.json" 2>"$OUT/$1.log"
}

# --- sanity and popularity (seconds)
reference ref-constant constant
reference ref-random random
reference ref-pop pop

# Epoch budgets are capped so that the whole script fits in about 1.5 hours on a quiet
# 2-core machine (runs early-stop before the cap when validation stops improving).
# --- SASRec with the strong loss (Irl4Rec beside it below: same loss, sizes, seed)
run sasrec-sce      --data "$BEAUTY" --model baseline --encoder sasrec --loss sampled-ce --negatives 256 --epochs 80 "${COMMON[@]}"

# --- synthetic shift benchmark: train on iid, test on iid and on the shifted targets
SYN=(--hidden 64 --layers 2 --heads 2 --max-length 50 --lr 1e-3 --batch 256 --seed 42 --threads 1
     --eval-every 1 --patience 15 --epochs 30 --loss sampled-ce --negatives 128 --test-data "$SHIFTED")
run syn-sasrec      --data "$IID" --model baseline --encoder sasrec "${SYN[@]}"
run syn-irl-a       --data "$IID" --model irl4rec --encoder sasrec --alpha 0.1 --beta 1e-4 --gamma 0.01 "${SYN[@]}"
run syn-irl-b       --data "$IID" --model irl4rec --encoder sasrec --alpha 0.5 --beta 1e-3 --gamma 1 "${SYN[@]}"

# --- Irl4Rec beside the SASRec sampled-CE baseline
run irl-sce-a       --data "$BEAUTY" --model irl4rec --encoder sasrec --loss sampled-ce --negatives 256 --alpha 0.1 --beta 1e-4 --gamma 0.01 --epochs 30 "${COMMON[@]}"

# --- the classic baselines
run gru4rec-sce     --data "$BEAUTY" --model baseline --encoder gru4rec --layers 1 --loss sampled-ce --negatives 256 --epochs 30 --hidden 64 --lr 1e-3 --batch 256 --seed 42 --threads 1 --eval-every 2 --patience 10
run bert4rec-sce    --data "$BEAUTY" --model baseline --encoder bert4rec --loss sampled-ce --negatives 256 --dropout 0.2 --epochs 30 "${COMMON[@]}"
run sasrec-bce      --data "$BEAUTY" --model baseline --encoder sasrec --loss bce --epochs 100 "${COMMON[@]}"
run irl-sce-b       --data "$BEAUTY" --model irl4rec --encoder sasrec --loss sampled-ce --negatives 256 --alpha 0.5 --beta 1e-3 --gamma 0.1 --epochs 30 "${COMMON[@]}"

if [ -f bench/results_table.py ]; then python3 bench/results_table.py "$OUT" > docs/RESULTS.md.new && mv docs/RESULTS.md.new docs/RESULTS.md; fi
