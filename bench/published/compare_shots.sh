#!/bin/bash
# Screenshots of the Compare tab with a recipe's published curve (Xu et al.'s five logs) beside
# the study's seed groups, from the committed result files alone (`irl4rec runs import
# bench/results/*.json` into a temporary store), so a fresh clone renders the same figures:
#   docs/screenshot-compare-published-ce.png   SASRec-CE split recipe and Irl4Rec a, 5 seeds each
#   docs/screenshot-compare-published-bce.png  SASRec-BCE (v2, and their log's settings when run)
#
#   bench/published/compare_shots.sh [BUILD_DIR]
#
# The workbench's settings live in a temporary HOME, so the user's are untouched.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
shot() {  # name, recipe, result files
  local name=$1 recipe=$2
  shift 2
  "$BUILD/app/irl4rec" runs import "$@" --db "$TMP/$name.sqlite"
  mkdir -p "$TMP/home/.config/irl4rec"
  printf '[compare]\npublishedCurve=%s\n' "$recipe" > "$TMP/home/.config/irl4rec/irl4rec.conf"
  HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/home/.config" xvfb-run -a -s "-screen 0 1600x1000x24" \
    "$BUILD/app/irl4rec-workbench" --db "$TMP/$name.sqlite" --tab compare \
    --screenshot "docs/screenshot-compare-published-$name.png"
  echo "docs/screenshot-compare-published-$name.png"
}
shopt -s nullglob
shot ce xu2024-sasrec-ce bench/results/xu-ce-split-s[0-9].json bench/results/xu-irl-a-s[0-9].json
shot bce xu2024-sasrec-bce bench/results/xu-bce-s[0-9].json bench/results/xu-bce-log-s[0-9].json
