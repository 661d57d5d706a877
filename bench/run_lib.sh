# Shared by bench/results.sh and bench/baselines.sh (sourced): resumable named runs of
# `irl4rec train`. The sourcing script sets CLI, OUT (where <name>.json lands), ONLY (names or
# groups to run; empty = all) and optionally LOGS (logs, store, checkpoints and training
# states; default OUT), CHECKPOINTS=1 (write <name>.pt beside the log) and RUN_EXTRA (an array
# of flags added to every run).
#
# Every run is resumable: its training state is kept in LOGS/<name>.state after each epoch
# (`irl4rec train --state`), so a run killed with the session continues from its last epoch when
# the script is started again, with the numbers the uninterrupted run would have had. The state
# is removed when the run finishes.

want() {  # a name, or the GROUP the run belongs to
  [ ${#ONLY[@]} -eq 0 ] && return 0
  local n; for n in "${ONLY[@]}"; do [ "$n" = "$1" ] || [ "$n" = "${GROUP:-}" ] && return 0; done; return 1
}

run() {  # name, then arguments of `irl4rec train`
  local name=$1; shift
  want "$name" || return 0
  local logs=${LOGS:-$OUT}
  if [ -s "$OUT/$name.json" ]; then echo "skip $name (done)"; return 0; fi
  local extra=()
  [ "${CHECKPOINTS:-0}" = 1 ] && extra=(--checkpoint "$logs/$name.pt")
  echo "$(date -u +%H:%M:%S) start $name: $*"
  # Every run is also recorded in LOGS/runs.sqlite, so the workbench's Compare and Explorer tabs
  # can show them: irl4rec-workbench --db LOGS/runs.sqlite
  [ -s "$logs/$name.state" ] && echo "$(date -u +%H:%M:%S) resume $name from $logs/$name.state"
  "$CLI" train "$@" ${RUN_EXTRA[@]+"${RUN_EXTRA[@]}"} --json --db "$logs/runs.sqlite" --name "$name" --state "$logs/$name.state" "${extra[@]}" \
    >"$logs/$name.json.tmp" 2>>"$logs/$name.log"
  local rc=$?
  # A cancelled run (Ctrl-C) is not done: it resumes from its state next time.
  if [ -s "$logs/$name.json.tmp" ] && ! grep -q '"status":"cancelled"' "$logs/$name.json.tmp"; then
    mv "$logs/$name.json.tmp" "$OUT/$name.json"
    # Committed files carry no machine's absolute paths (dataset, store).
    python3 "$(dirname "${BASH_SOURCE[0]}")/portable_result.py" "$OUT/$name.json"
  fi
  echo "$(date -u +%H:%M:%S) end $name (exit $rc)"
}
