#!/usr/bin/env python3
"""The speed table of docs/SPEED.md from bench/results/speed/*.json (bench_train_speed --json)."""
import json
import pathlib
import sys

folder = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "bench/results/speed")
rows = []
for path in sorted(folder.glob("*.json")):
    r = json.loads(path.read_text())
    c = r["config"]
    cpu = sorted(r["train_cpu_seconds"])[len(r["train_cpu_seconds"]) // 2] if r["train_cpu_seconds"] else 0
    rows.append((path.stem, c.get("batching", "length"), "yes" if c.get("split_batches") else "no",
                 r["machine"]["threads"], r["median_train_seconds"], cpu, r["median_eval_seconds"],
                 r["peak_rss_mb"], r["machine"]["vector_path"], r["load_average_at_end"]))
print("| run | batching | split | threads | train epoch, s (median) | CPU s | full evaluation, s | peak RSS, MB | vector path | load at end |")
print("|---|---|---|---|---|---|---|---|---|---|")
for row in rows:
    print("| %s | %s | %s | %d | %.2f | %.2f | %.2f | %.0f | %s | %s |" % row)
