#!/bin/bash
# Regenerates the baselines study's docs (issue 11): exports of the runs still training in the
# study's store (bench/results/partial/), the "Trajectories so far" of docs/BASELINES.md, and
# docs/RESULTS.md (bench/verdict.py). STORE=... for another study store.
set -e
cd "$(dirname "$0")/.."
# The runs the store has as running or interrupted (a session ended with them), not finished here.
python3 bench/partial_from_store.py "${STORE:-/tmp/irl4rec-baselines/runs.sqlite}" bench/results/partial --unfinished bench/results
# finished runs replace their partial exports
for f in bench/results/partial/*.json; do
  if [ -f "bench/results/$(basename "$f")" ]; then rm -f "$f"; fi
done
python3 - <<'PY'
import subprocess, datetime
table = subprocess.run(["python3", "bench/baselines_table.py"], capture_output=True, text=True, check=True).stdout
p = "docs/BASELINES.md"
s = open(p).read()
head = s[:s.index("## Trajectories so far")]
now = datetime.datetime.utcnow().strftime("%H:%M UTC on %Y-%m-%d")
intro = ("## Trajectories so far\n\nRendered by `python3 bench/baselines_table.py` from `bench/results/` "
         f"(exported at {now}); \"partial\" rows are exports of the store while a run "
         "trained (`bench/partial_from_store.py`).\n\n")
open(p, "w").write(head + intro + table)
PY
python3 bench/verdict.py > docs/RESULTS.md
