#!/usr/bin/env python3
"""Renders the validation trajectories of the baselines study (bench/baselines.sh) beside the
published one, from the JSON files in bench/results/ (finished runs) and bench/results/partial/
(runs a session ended; bench/partial_from_store.py).

    python3 bench/baselines_table.py [RESULTS_DIR]      # markdown on stdout

Xu et al. 2024's numbers are their SASRec-CE log, seed 0 (repository MTandHJ/CE-SCE-LLMRec,
SASRec/benchmarks/beauty-ce-5), as quoted in issue 11; "our pre-LN probe" is the issue's own
probe with length batches (its JSON was not kept).
"""
import glob
import json
import os
import sys

XU_VALID_NDCG10 = {5: 0.0118, 10: 0.0154, 15: 0.0278, 20: 0.0372, 25: 0.0445, 30: 0.0514,
                   35: 0.0567, 40: 0.0616, 50: 0.0667, 60: 0.0702, 70: 0.0713, 120: 0.0729}
XU_TRAIN_LOSS = {1: 9.316, 2: 8.967, 3: 8.796, 4: 8.731, 5: 8.641,
                 40: 6.86, 50: 6.65, 60: 6.52, 70: 6.41}
PROBE_VALID_NDCG10 = {40: 0.0561, 50: 0.0593, 60: 0.0602, 70: 0.0608}

# The recipes of bench/baselines.sh by run-name prefix: what they are and the published test
# HR@10 / NDCG@10 they are measured against (Xu et al. 2024's 5-seed means, issue 11).
RECIPES = [
    ("xu-ce-split", "SASRec, full CE, split batches", (0.0986, 0.0597)),
    ("xu-ce", "SASRec, full CE, padded random batches", (0.0986, 0.0597)),
    ("xu-gru-ce", "GRU4Rec, full CE, split batches", (0.0691, 0.0397)),
    ("xu-bert-ce", "BERT4Rec, full CE, split batches", (0.0747, 0.0423)),
    ("xu-bert-nolast", "BERT4Rec, full CE, split, no forced last mask", (0.0747, 0.0423)),
    ("xu-bert-port", "BERT4Rec, full CE, split, as Xu et al. (mask, init, FFN dropout)", (0.0747, 0.0423)),
    ("xu-bce", "SASRec, BCE (1 negative), split batches, dropout 0.6, 200 epochs (settings guessed)", (0.0671, 0.0353)),
    ("xu-bce-log", "SASRec, BCE (1 negative), split batches, dropout 0.4, 300 epochs, negatives outside the training items (their BCE log; recipe v4)", (0.0671, 0.0353)),
    ("xu-ce-refit", "SASRec, full CE, split, **refit** on train + validation, 140 epochs "
     "(trained on the validation items: not the protocol of the row it is compared with)",
     (0.0986, 0.0597)),
    ("sports-xu-ce", "**Sports**: SASRec, full CE, split batches (the Beauty recipe); published = the eSASRec "
     "benchmark's SASRec + 256 sampled negatives on S3-Rec's Sports", (0.0569, 0.0314)),
    ("xu-ce-nopad", "SASRec, full CE, split batches, padding keys hidden (towards BSARec's 0.1008 / 0.0611)", (0.0986, 0.0597)),
    ("xu-ce-d128", "SASRec, full CE, split batches, d 128 (towards BSARec's 0.1008 / 0.0611)", (0.0986, 0.0597)),
    ("xu-irl-a", "**Irl4Rec** a (α 0.1, β 1e-4, γ 0.01) on the SASRec-CE split recipe", (0.0986, 0.0597)),
    ("xu-irl-a-noconf", "**Irl4Rec** a without the confounder branch (β 1e-4 and the noise only)", (0.0986, 0.0597)),
    ("xu-irl-c", "**Irl4Rec** c (α 0.1, β 1e-5, γ 1e-3) on the SASRec-CE split recipe", (0.0986, 0.0597)),
    ("xu-irl-d", "**Irl4Rec** d (α 1, β 1e-4, γ 0.01) on the SASRec-CE split recipe", (0.0986, 0.0597)),
]

# The Irl4Rec weights of the verdict sweep (bench/baselines.sh, group xu-irl-sweep), by letter.
IRL_SWEEP = {"a": "--alpha 0.1 --beta 1e-4 --gamma 0.01",
             "c": "--alpha 0.1 --beta 1e-5 --gamma 1e-3",
             "d": "--alpha 1 --beta 1e-4 --gamma 0.01"}


def recipe_of(name):
    """The RECIPES entry of a run named <prefix>-s<seed>, or None (e.g. the xu-arch probes)."""
    stem, _, seed = name.rpartition("-s")
    if not seed.isdigit():
        return None
    for prefix, label, published in RECIPES:
        if stem == prefix:
            return prefix, label, published
    return None


def mean_std(xs):
    m = sum(xs) / len(xs)
    if len(xs) < 2:
        return m, None
    return m, (sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) ** 0.5


def summary(runs):
    """One row per recipe: the finished seeds' test metrics against the published means."""
    print("| recipe | seeds finished | test HR@10 | test NDCG@10 | published (5 seeds) | gap HR@10 / NDCG@10 |")
    print("|---|---|---|---|---|---|")
    for prefix, label, (phr, pnd) in RECIPES:
        done = [(n, d) for n, d in runs if recipe_of(n) and recipe_of(n)[0] == prefix
                and not d.get("partial") and "test" in d]
        running = [n for n, d in runs if recipe_of(n) and recipe_of(n)[0] == prefix and d.get("partial")]
        if not done and not running:
            continue
        seeds = ", ".join(n.rpartition("-s")[2] for n, _ in done) or "–"
        # unfinished: still training at the export, or stopped with a session (interrupted)
        training = [n for n, d in runs if n in running and d.get("store_status") == "running"]
        stopped = len(running) - len(training)
        note = ", ".join(([f"{len(training)} running"] if training else []) +
                         ([f"{stopped} stopped unfinished"] if stopped else []))
        cells = [label, seeds + (f" ({note})" if note else "")]
        if done:
            hr = mean_std([d["test"]["HR@10"] for _, d in done])
            nd = mean_std([d["test"]["NDCG@10"] for _, d in done])
            show = lambda ms: f"{ms[0]:.4f}" + (f" ± {ms[1]:.4f}" if ms[1] is not None else "")
            cells += [show(hr), show(nd), f"{phr:.4f} / {pnd:.4f}",
                      f"{100 * (hr[0] / phr - 1):+.1f} % / {100 * (nd[0] / pnd - 1):+.1f} %"]
        else:
            cells += ["–", "–", f"{phr:.4f} / {pnd:.4f}", "–"]
        print("| " + " | ".join(cells) + " |")
    print()

FLAGS = [("model", "baseline"), ("norm", "post"), ("ffn", "gelu-4d"), ("init", "normal"), ("pad_keys", False),
         ("batching", "length"), ("split_batches", False), ("refit", False)]


def describe(config):
    parts = [f"{k}={config.get(k, default)}" for k, default in FLAGS]
    return ", ".join(str(p) for p in parts)


def load(results):
    runs = []
    finished = {os.path.basename(p) for p in glob.glob(os.path.join(results, "xu-*.json")) +
                glob.glob(os.path.join(results, "sports-*.json"))}
    for path in sorted(glob.glob(os.path.join(results, "xu-*.json")) +
                       glob.glob(os.path.join(results, "sports-*.json")) +
                       glob.glob(os.path.join(results, "partial", "xu-*.json")) +
                       glob.glob(os.path.join(results, "partial", "sports-*.json"))):
        if "partial" in path and os.path.basename(path) in finished:
            continue  # an export made while the run trained; the finished file replaces it
        with open(path) as f:
            doc = json.load(f)
        name = os.path.splitext(os.path.basename(path))[0]
        runs.append((name, doc))
    return runs


def best_irl(results):
    """'<letter> <flags>' of the sweep setting with the best validation NDCG@10 at seed 0, once
    every setting has finished (ties: the first letter); nothing otherwise."""
    best = None
    for letter in sorted(IRL_SWEEP):
        path = os.path.join(results, f"xu-irl-{letter}-s0.json")
        if not os.path.exists(path):
            return
        with open(path) as f:
            hist = json.load(f).get("history", [])
        score = max((e["valid_ndcg10"] for e in hist if "valid_ndcg10" in e), default=-1.0)
        if best is None or score > best[0]:
            best = (score, letter)
    print(best[1], IRL_SWEEP[best[1]])


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    results = args[0] if args else "bench/results"
    if "--best-irl" in sys.argv[1:]:
        best_irl(results)
        return
    everything = load(results)
    summary(everything)
    # The run table and the trajectories: SASRec full CE (the recipe whose published log we have).
    runs = [(n, d) for n, d in everything if d.get("config", {}).get("encoder", "sasrec") == "sasrec"
            and d.get("config", {}).get("loss", "ce") == "ce"]
    others = [(n, d) for n, d in everything if (n, d) not in runs]
    print("| run | model, block, feed-forward, init, padding keys, batching, split, refit | status | epochs | "
          "best valid NDCG@10 (epoch) | test HR@10 | test NDCG@10 |")
    print("|---|---|---|---|---|---|---|")
    for name, doc in runs:
        hist = doc.get("history", [])
        evals = [(e["epoch"], e["valid_ndcg10"]) for e in hist if "valid_ndcg10" in e]
        best = max(evals, key=lambda x: x[1]) if evals else None
        status = ("partial (" + doc.get("store_status", doc.get("status", "?")) + " at export)") if doc.get("partial") else doc.get("status", "?")
        test = doc.get("test", {})
        hr, nd = test.get("HR@10"), test.get("NDCG@10")
        cells = [name, describe(doc.get("config", {})), status, str(hist[-1]["epoch"] if hist else 0),
                 f"{best[1]:.4f} ({best[0]})" if best else "–",
                 f"{hr:.4f}" if hr is not None else "–", f"{nd:.4f}" if nd is not None else "–"]
        print("| " + " | ".join(cells) + " |")
    if others:
        print()
        print("Other recipes, validation NDCG@10 every 20 epochs:")
        print()
        ticks = sorted({e["epoch"] for _, d in others for e in d.get("history", [])
                        if "valid_ndcg10" in e and e["epoch"] % 20 == 0})
        print("| run | status | best valid NDCG@10 (epoch) | " + " | ".join(str(t) for t in ticks) + " |")
        print("|---|---|---|" + "---|" * len(ticks))
        for name, doc in others:
            hist = doc.get("history", [])
            evals = [(e["epoch"], e["valid_ndcg10"]) for e in hist if "valid_ndcg10" in e]
            best = max(evals, key=lambda x: x[1]) if evals else None
            v = {e["epoch"]: e.get("valid_ndcg10") for e in hist}
            status = ("partial (" + doc.get("store_status", doc.get("status", "?")) + " at export)") if doc.get("partial") else doc.get("status", "?")
            print(f"| {name} | {status} | " + (f"{best[1]:.4f} ({best[0]})" if best else "–") + " | " +
                  " | ".join(f"{v[t]:.4f}" if v.get(t) is not None else "" for t in ticks) + " |")
    epochs = sorted(set(XU_VALID_NDCG10) | {e["epoch"] for _, d in runs for e in d.get("history", [])
                                          if "valid_ndcg10" in e})
    print()
    print("Validation NDCG@10 by epoch (Beauty, full ranking, history masked):")
    print()
    header = ["epoch", "Xu et al. (seed 0)", "our pre-LN probe"] + [n for n, _ in runs]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for ep in epochs:
        row = [str(ep), f"{XU_VALID_NDCG10[ep]:.4f}" if ep in XU_VALID_NDCG10 else "",
               f"{PROBE_VALID_NDCG10[ep]:.4f}" if ep in PROBE_VALID_NDCG10 else ""]
        for _, doc in runs:
            v = {e["epoch"]: e.get("valid_ndcg10") for e in doc.get("history", [])}
            row.append(f"{v[ep]:.4f}" if v.get(ep) is not None else "")
        print("| " + " | ".join(row) + " |")
    print()
    print("Training loss (mean over the epoch's batches) by epoch:")
    print()
    header = ["epoch", "Xu et al. (seed 0)"] + [n for n, _ in runs]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    loss_epochs = sorted(set(XU_TRAIN_LOSS) | {e["epoch"] for _, d in runs for e in d.get("history", [])
                                               if e["epoch"] <= 10 or e["epoch"] % 10 == 0})
    for ep in loss_epochs:
        row = [str(ep), f"{XU_TRAIN_LOSS[ep]:.3f}" if ep in XU_TRAIN_LOSS else ""]
        for _, doc in runs:
            v = {e["epoch"]: e.get("loss") for e in doc.get("history", [])}
            row.append(f"{v[ep]:.3f}" if v.get(ep) is not None else "")
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
