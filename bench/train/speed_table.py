#!/usr/bin/env python3
"""The speed tables of docs/SPEED.md from one machine's folder, bench/results/speed/<machine>/:
bench_train_speed --json files (epochs, PyTorch side by side, two at once) and
bench_gemm_backends --json files (gemm-backends-*.json: the full-CE products per backend)."""
import json
import pathlib
import sys

folder = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "bench/results/speed/intel-avx512")
runs = {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}
gemms = {n: r for n, r in runs.items() if "backends" in r}
runs = {n: r for n, r in runs.items() if "config" in r}
rows = []
for name, r in runs.items():
    c = r["config"]
    cpu = sorted(r["train_cpu_seconds"])[len(r["train_cpu_seconds"]) // 2] if r["train_cpu_seconds"] else 0
    rows.append((name, c.get("batching", "length"), "yes" if c.get("split_batches") else "no",
                 c.get("encoder_groups", 1), r["machine"]["threads"], r["median_train_seconds"], cpu, r["median_eval_seconds"],
                 r["peak_rss_mb"], r["machine"]["vector_path"], r["machine"].get("malloc", "glibc"),
                 r["load_average_at_end"]))
print("| run | batching | split | encoder groups | threads | train epoch, s (median) | CPU s | full evaluation, s | peak RSS, MB | vector path | malloc | load at end |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for row in rows:
    print("| %s | %s | %s | %d | %d | %.2f | %.2f | %.2f | %.0f | %s | %s | %s |" % row)

# Side by side with PyTorch, where a run carried the reference.
refs = []
for name, r in runs.items():
    ref = r.get("reference")
    if not ref:
        continue
    med = lambda v: sorted(v)[len(v) // 2]
    refs.append((name, ref.get("torch", "?"), med(ref["train_seconds"]), r["median_train_seconds"],
                 med(ref["train_seconds"]) / r["median_train_seconds"], med(ref["eval_seconds"]),
                 r["median_eval_seconds"], med(ref["eval_seconds"]) / r["median_eval_seconds"]))
if refs:
    print()
    print("| run | PyTorch | PyTorch epoch, s | ours, s | ratio | PyTorch evaluation, s | ours, s | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for row in refs:
        print("| %s | %s | %.2f | %.2f | %.1fx | %.2f | %.2f | %.1fx |" % row)

# Two runs at once against one alone (same configuration).
by_name = runs
alone = by_name.get("xu-random-split-t1")
pairs = [n[:-2] for n in by_name if n.endswith("-a") and n[:-2] + "-b" in by_name]
if alone and pairs:
    print()
    print("| two at once | epoch, s (a / b) | alone, s | share of single-run speed (a / b) |")
    print("|---|---|---|---|")
    for n in sorted(pairs):
        a, b = by_name[n + "-a"]["median_train_seconds"], by_name[n + "-b"]["median_train_seconds"]
        s = alone["median_train_seconds"]
        print("| %s | %.2f / %.2f | %.2f | %.0f %% / %.0f %% |" % (n, a, b, s, 100 * s / a, 100 * s / b))

# The full-CE products per backend (bench_gemm_backends), one row per file and backend.
if gemms:
    print()
    print("| file | backend | kernel | logits, s | grad h, s | grad W, s | total, s | GFLOP/s |")
    print("|---|---|---|---|---|---|---|---|")
    for n, g in gemms.items():
        for b in g["backends"]:
            print("| %s | %s | %s | %.2f | %.2f | %.2f | %.2f | %.0f |" % (
                n, b["backend"], b["kernel"], b["logits_s"], b["grad_h_s"], b["grad_w_s"], b["total_s"], b["gflops"]))
