#!/bin/bash
# Screenshots of the Compare tab with a recipe's published curve (Xu et al.'s five logs) beside
# the study's seed groups: docs/screenshot-compare-published-ce.png (SASRec-CE: the split
# recipe's runs in the store and Irl4Rec a) and -bce.png (SASRec-BCE v2).
#
#   bench/published/compare_shots.sh [STUDY_STORE] [BUILD_DIR]
#
# Works on copies of the store (only the finished runs of the groups shown are kept); the
# workbench's settings live in a temporary HOME, so the user's are untouched.
set -euo pipefail
cd "$(dirname "$0")/../.."
STORE=${1:-/tmp/irl4rec-baselines/runs.sqlite}
BUILD=${2:-build}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
shot() {  # name, recipe, SQL condition on runs.name of the runs to keep
  local name=$1 recipe=$2 keep=$3
  sqlite3 "$STORE" ".backup $TMP/$name.sqlite"
  sqlite3 "$TMP/$name.sqlite" "PRAGMA foreign_keys=ON; DELETE FROM runs WHERE status <> 'finished' OR NOT ($keep); VACUUM;"
  mkdir -p "$TMP/home/.config/irl4rec"
  printf '[compare]\npublishedCurve=%s\n' "$recipe" > "$TMP/home/.config/irl4rec/irl4rec.conf"
  HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/home/.config" xvfb-run -a -s "-screen 0 1600x1000x24" \
    "$BUILD/app/irl4rec-workbench" --db "$TMP/$name.sqlite" --tab compare \
    --screenshot "docs/screenshot-compare-published-$name.png"
  echo "docs/screenshot-compare-published-$name.png"
}
shot ce xu2024-sasrec-ce "name LIKE 'xu-ce-split-s%' OR name LIKE 'xu-irl-a-s%'"
shot bce xu2024-sasrec-bce "name LIKE 'xu-bce-s%'"
