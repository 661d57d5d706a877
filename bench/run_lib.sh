# Shared by bench/results.sh and bench/baselines.sh (sourced): resumable named runs of
# `irl4rec train`. The sourcing script sets CLI, OUT (where <name>.json lands), ONLY (names or
# groups to run; empty = all) and optionally LOGS (logs, store and checkpoints; default OUT)
# and CHECKPOINTS=1 (write <name>.pt beside the log).

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
  "$CLI" train "$@" --json --db "$logs/runs.sqlite" --name "$name" "${extra[@]}" \
    >"$logs/$name.json.tmp" 2>"$logs/$name.log"
  local rc=$?
  [ -s "$logs/$name.json.tmp" ] && mv "$logs/$name.json.tmp" "$OUT/$name.json"
  echo "$(date -u +%H:%M:%S) end $name (exit $rc)"
}
