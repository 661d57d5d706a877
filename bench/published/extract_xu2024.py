#!/usr/bin/env python3
"""Extracts the published training logs of Xu et al. 2024 (repository MTandHJ/CE-SCE-LLMRec, the
first commit, which still has BERT4Rec) into one small JSON of numbers: per folder and seed the
settings the log prints, the training loss per epoch, validation HR@10 / NDCG@10 at every
evaluation, and the test metrics of the best-validation checkpoint. The JSON is committed
(bench/results/published/xu2024.json); the workbench's reference curves (recipes'
"published_curves") and docs/RESULTS.md's trajectory table are read from it. Numbers only: none
of their code.

    python3 bench/published/extract_xu2024.py GIT_DIR > bench/results/published/xu2024.json
    python3 bench/published/extract_xu2024.py --recipes resources/recipes < bench/results/published/xu2024.json

The second form writes each folder's 5-seed mean ± std curves (validation NDCG@10 and HR@10,
training loss) into its recipe's "published_curves" (replacing any there).

GIT_DIR: a clone of github.com/MTandHJ/CE-SCE-LLMRec (the search tool's `fetch` gives one).
"""
import json
import re
import subprocess
import sys

COMMIT = "9ebc8e75116490241c7f658cf2a5a279b6a44996"
RECIPES = {"SASRec/benchmarks/beauty-ce-5": "xu2024-sasrec-ce", "SASRec/benchmarks/beauty-bce-5": "xu2024-sasrec-bce",
           "GRU4Rec/benchmarks/beauty-ce-5": "xu2024-gru4rec-ce", "BERT4Rec/benchmarks/beauty-ce-5": "xu2024-bert4rec-ce"}
FOLDERS = ["SASRec/benchmarks/beauty-ce-5", "SASRec/benchmarks/beauty-bce-5",
           "GRU4Rec/benchmarks/beauty-ce-5", "BERT4Rec/benchmarks/beauty-ce-5"]
PARAMS = ("seed", "lr", "weight_decay", "batch_size", "epochs", "eval_freq", "maxlen", "num_heads",
          "num_blocks", "hidden_size", "dropout_rate", "loss", "num_negs", "mask_prob", "emb_dropout_rate",
          "hidden_dropout_rate", "attn_dropout_rate")


def git(gitdir, *args):
    return subprocess.run(["git", "--git-dir", gitdir, *args], capture_output=True, text=True, check=True).stdout


def metrics(line):
    m = {k: float(v) for k, v in re.findall(r"(HITRATE@10|NDCG@10) Avg: ([0-9.]+)", line)}
    return {"hr10": m["HITRATE@10"], "ndcg10": m["NDCG@10"]} if len(m) == 2 else None


def parse(text):
    run = {"settings": {}, "train_loss": {}, "valid": {}, "best_epoch": None, "test": None}
    for key in PARAMS:
        m = re.search(r"\[" + key + r": ([^\]]+)\]", text)
        if m:
            v = m.group(1).strip()
            try:
                v = int(v)
            except ValueError:
                try:
                    v = float(v)
                except ValueError:
                    pass
            run["settings"][key] = v
    best_loaded = False
    for line in text.splitlines():
        if "Load best model @Epoch" in line:
            run["best_epoch"] = int(re.search(r"@Epoch (\d+)", line).group(1))
            best_loaded = True
            continue
        m = re.search(r"(TRAIN|VALID|TEST)\s+@Epoch: (\d+)\s+>>>(.*)", line)
        if not m:
            continue
        kind, epoch, rest = m.group(1), int(m.group(2)), m.group(3)
        if kind == "TRAIN" and not best_loaded:
            loss = re.search(r"LOSS Avg: ([0-9.]+)", rest)
            if loss:
                run["train_loss"][epoch] = float(loss.group(1))
        elif kind == "VALID" and not best_loaded and epoch > 0:
            v = metrics(rest)
            if v:
                run["valid"][epoch] = v
        elif kind == "TEST" and best_loaded:
            run["test"] = metrics(rest)
    return run


def mean_std(xs):
    m = sum(xs) / len(xs)
    sd = (sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) ** 0.5 if len(xs) > 1 else 0.0
    return round(m, 6), round(sd, 6)


def curves(runs):
    """The seeds' mean ± std per epoch where every seed has a value."""
    out = []
    for key, label, get in (("val/ndcg@10", "validation NDCG@10", lambda r: {int(e): v["ndcg10"] for e, v in r["valid"].items()}),
                            ("val/hr@10", "validation HR@10", lambda r: {int(e): v["hr10"] for e, v in r["valid"].items()}),
                            ("train/epoch_loss", "training loss", lambda r: {int(e): v for e, v in r["train_loss"].items()})):
        per = [get(r) for r in runs]
        epochs = sorted(set.intersection(*(set(p) for p in per)))
        ms = [mean_std([p[e] for p in per]) for e in epochs]
        out.append({"dataset": "Beauty", "key": key,
                    "label": f"Xu et al. 2024 (their logs), {label}, mean of {len(runs)} seeds",
                    "epochs": epochs, "mean": [m for m, _ in ms], "std": [s for _, s in ms]})
    return out


def write_recipes(directory):
    data = json.load(sys.stdin)
    for folder, name in RECIPES.items():
        path = f"{directory}/{name}.json"
        text = open(path).read()
        cut = text.find(',\n  "published_curves"')
        body = text[:cut] if cut >= 0 else text.rstrip()[:-1].rstrip()
        lines = []
        for c in curves(data["folders"][folder]):
            fields = [f'"{k}": {json.dumps(c[k], ensure_ascii=False)}' for k in ("dataset", "key", "label")]
            arrays = [f'     "{k}": {json.dumps(c[k])}' for k in ("epochs", "mean", "std")]
            lines.append("    {" + ", ".join(fields) + ",\n" + ",\n".join(arrays) + "}")
        open(path, "w").write(body + ',\n  "published_curves": [\n' + ",\n".join(lines) + "\n  ]\n}\n")
        print(f"{path}: {len(lines)} curves")


def main():
    if sys.argv[1] == "--recipes":
        write_recipes(sys.argv[2])
        return
    gitdir = sys.argv[1]
    files = git(gitdir, "ls-tree", "-r", "--name-only", COMMIT).splitlines()
    out = {"source": "github.com/MTandHJ/CE-SCE-LLMRec", "commit": COMMIT,
           "dataset": "AmazonBeauty_550_Chron (RecBole's Amazon_Beauty, 5-core; 22,363 users, 12,101 items)",
           "folders": {}}
    for folder in FOLDERS:
        runs = []
        for path in sorted(f for f in files if f.startswith(folder + "/") and f.endswith("/log.txt")
                           and "/core/" not in f):
            run = parse(git(gitdir, "show", f"{COMMIT}:{path}"))
            run["log"] = path
            runs.append(run)
        runs.sort(key=lambda r: r["settings"].get("seed", 0))
        out["folders"][folder] = runs
    json.dump(out, sys.stdout, separators=(",", ":"))
    print()


if __name__ == "__main__":
    main()
