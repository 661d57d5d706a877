#!/usr/bin/env python3
"""Renders docs/RESULTS.md — the baselines against the published numbers and the verdict on
Irl4Rec over the strong baseline — from the JSON files in bench/results/ alone (bench/baselines.sh
writes them; they are committed), so a fresh clone regenerates it. Every number in the text is
computed here from those files; nothing is typed in.

    python3 bench/verdict.py [RESULTS_DIR] > docs/RESULTS.md
"""
import glob
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import baselines_table as bt  # noqa: E402  (RECIPES, IRL_SWEEP, mean_std)

# Other published anchors (issue 11): not the same protocol everywhere, said where they appear.
BSAREC_BEAUTY = (0.1008, 0.0611)   # BSARec (AAAI 2024), Beauty; history scores set to 0, ties arbitrary
ESASREC_BEAUTY = (0.0921, 0.0531)  # eSASRec benchmark, SASRec + 256 sampled negatives, S3-Rec's files


def load(results):
    runs = {}
    for path in glob.glob(os.path.join(results, "xu-*.json")) + glob.glob(os.path.join(results, "sports-*.json")):
        with open(path) as f:
            runs[os.path.splitext(os.path.basename(path))[0]] = json.load(f)
    return runs


def seeds_of(runs, prefix):
    """{seed: run} of the finished runs named <prefix>-s<seed>."""
    out = {}
    for name, doc in runs.items():
        stem, _, seed = name.rpartition("-s")
        if stem == prefix and seed.isdigit() and "test" in doc and doc.get("status") == "finished":
            out[int(seed)] = doc
    return dict(sorted(out.items()))


def best_valid(doc):
    evals = [(e["valid_ndcg10"], e["epoch"]) for e in doc.get("history", []) if "valid_ndcg10" in e]
    return max(evals) if evals else (None, None)


def t_two_sided_p(t, df):
    """Two-sided p of Student's t with df degrees of freedom (Simpson's rule on the density)."""
    if not (math.isfinite(t) and df > 0):
        return float("nan")
    t = abs(t)
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    pdf = lambda x: c * (1 + x * x / df) ** (-(df + 1) / 2)
    # The central part [0, t] is integrated (bounded), p = 1 - 2 * that.
    n = 20000
    h = t / n
    s = pdf(0) + pdf(t) + sum((4 if i % 2 else 2) * pdf(i * h) for i in range(1, n))
    return max(0.0, 1 - 2 * s * h / 3)


def paired(xs, ys):
    """Mean difference y - x, its relative size against mean x, and the paired t-test p."""
    d = [y - x for x, y in zip(xs, ys)]
    n = len(d)
    mean_d = sum(d) / n
    if n < 2:
        return mean_d, 100 * mean_d / (sum(xs) / n), float("nan")
    sd = math.sqrt(sum((v - mean_d) ** 2 for v in d) / (n - 1))
    t = mean_d / (sd / math.sqrt(n)) if sd > 0 else float("nan")
    return mean_d, 100 * mean_d / (sum(xs) / n), t_two_sided_p(t, n - 1)


def welch(xs, ys):
    """Welch's two-sided p for mean(ys) != mean(xs)."""
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    vx = sum((x - mx) ** 2 for x in xs) / (len(xs) - 1)
    vy = sum((y - my) ** 2 for y in ys) / (len(ys) - 1)
    se2 = vx / len(xs) + vy / len(ys)
    if se2 <= 0:
        return float("nan")
    df = se2 ** 2 / ((vx / len(xs)) ** 2 / (len(xs) - 1) + (vy / len(ys)) ** 2 / (len(ys) - 1))
    return t_two_sided_p((my - mx) / math.sqrt(se2), df)


# Their folders (bench/results/published/xu2024.json, from their logs) by our recipe group.
XU_FOLDERS = [("xu-ce-split", "SASRec, full CE", "SASRec/benchmarks/beauty-ce-5"),
              ("xu-gru-ce", "GRU4Rec, full CE", "GRU4Rec/benchmarks/beauty-ce-5"),
              ("xu-bert-port", "BERT4Rec, full CE", "BERT4Rec/benchmarks/beauty-ce-5"),
              ("xu-bce", "SASRec, BCE (ours: dropout 0.6, 200 epochs)", "SASRec/benchmarks/beauty-bce-5"),
              ("xu-bce-log", "SASRec, BCE (ours: their dropout 0.4, 300 epochs, unseen negatives)", "SASRec/benchmarks/beauty-bce-5")]


def their_unrounded_means(results):
    """{(rounded HR@10, rounded NDCG@10): (HR@10, NDCG@10)}: each folder's 5-seed test means from
    their logs, keyed by the 4-digit means the recipes quote, so a gap is computed from the same
    numbers as the Welch table's (rounding alone moved GRU4Rec's HR gap by 0.1 point)."""
    path = os.path.join(results, "published", "xu2024.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        folders = json.load(f)["folders"]
    means = {}
    for logs in folders.values():
        hr = sum(r["test"]["hr10"] for r in logs) / len(logs)
        nd = sum(r["test"]["ndcg10"] for r in logs) / len(logs)
        means[(round(hr, 4), round(nd, 4))] = (hr, nd)
    return means


def against_their_logs(runs, results, p):
    """Our seeds against theirs, seed spread included: their five logs give their std too."""
    path = os.path.join(results, "published", "xu2024.json")
    if not os.path.exists(path):
        return
    with open(path) as f:
        xu = json.load(f)["folders"]
    p("## Against their five logs, seed spread included")
    p()
    p("Xu et al.'s repository has the training log of every seed (`bench/published/extract_xu2024.py` reads")
    p("them into `bench/results/published/xu2024.json`), so their spread is known and the gap can be tested:")
    p("Welch's t-test of our seeds against theirs. Best validation is the maximum of validation NDCG@10 over")
    p("the run (every 5 epochs for both).")
    p()
    summaries = []
    p("| recipe | their test HR@10 | ours | p | their test NDCG@10 | ours | p | their best valid NDCG@10 | ours | p |")
    p("|---|---|---|---|---|---|---|---|---|---|")
    for prefix, label, folder in XU_FOLDERS:
        ours = list(seeds_of(runs, prefix).values())
        theirs = xu.get(folder, [])
        if len(ours) < 2 or len(theirs) < 2:
            continue
        cells = [f"{label} ({len(ours)} vs {len(theirs)} seeds)"]
        tested = []
        for ours_of, theirs_of in ((lambda d: d["test"]["HR@10"], lambda r: r["test"]["hr10"]),
                                   (lambda d: d["test"]["NDCG@10"], lambda r: r["test"]["ndcg10"]),
                                   (lambda d: best_valid(d)[0], lambda r: max(v["ndcg10"] for v in r["valid"].values()))):
            a, b = [theirs_of(r) for r in theirs], [ours_of(d) for d in ours]
            cells += [show(bt.mean_std(a)), show(bt.mean_std(b)), fmt_p(welch(a, b))]
            tested.append((bt.mean_std(a)[0], bt.mean_std(b)[0], welch(a, b)))
        p("| " + " | ".join(cells) + " |")
        summaries.append((label, tested))
    p()
    for label, tested in summaries:
        (hr_a, hr_b, hr_p), (nd_a, nd_b, nd_p), _ = tested
        if hr_p >= 0.05 and nd_p >= 0.05:
            p(f"- {label}: no difference this design can detect (test HR@10 {pct(100 * (hr_b / hr_a - 1))}, "
              f"p = {hr_p:.2g}; NDCG@10 {pct(100 * (nd_b / nd_a - 1))}, p = {nd_p:.2g}).")
        else:
            p(f"- {label}: **a gap beyond seed noise** — test HR@10 {pct(100 * (hr_b / hr_a - 1))} ({fmt_p(hr_p)}), NDCG@10 "
              f"{pct(100 * (nd_b / nd_a - 1))} ({fmt_p(nd_p)}).")
    p()
    ce = seeds_of(runs, "xu-ce-split")
    theirs = xu.get("SASRec/benchmarks/beauty-ce-5", [])
    if len(ce) >= 2 and len(theirs) >= 2:
        p("Validation NDCG@10 of SASRec-CE by epoch, mean ± std over seeds (theirs: 5 logs; ours: the split")
        p("recipe's seeds):")
        p()
        diffs = []
        p("| epoch | Xu et al. | ours | ours − theirs |")
        p("|---|---|---|---|")
        for epoch in (5, 10, 20, 30, 40, 50, 60, 80, 100, 120, 140, 160, 180, 200):
            a = [r["valid"][str(epoch)]["ndcg10"] for r in theirs if str(epoch) in r["valid"]]
            b = [v for v in (at_epoch(d, epoch) for d in ce.values()) if v is not None]
            if len(a) < 2 or len(b) < 2:
                continue
            ma, mb = bt.mean_std(a), bt.mean_std(b)
            p(f"| {epoch} | {show(ma)} | {show(mb)} | {mb[0] - ma[0]:+.4f} |")
            diffs.append((epoch, mb[0] - ma[0], ma[0], max(ma[1], mb[1])))
        p()
        early = [d for e, d, _, _ in diffs if e <= 50]
        late = [(e, d, m, sd) for e, d, m, sd in diffs if 60 <= e <= 160]
        if early and late:
            p(f"The curves agree to within {max(abs(d) for d in early):.4f} up to epoch 50; from epoch 60 to 160 "
              f"ours runs {min(-d for _, d, _, _ in late):.4f}–{max(-d for _, d, _, _ in late):.4f} under theirs "
              f"({min(-100 * d / m for _, d, m, _ in late):.1f}–{max(-100 * d / m for _, d, m, _ in late):.1f} %), "
              f"{min(-d / sd for _, d, _, sd in late):.1f}–{max(-d / sd for _, d, _, sd in late):.1f} times the larger "
              "side's seed standard deviation at that epoch. Nothing in the architecture or the "
              "optimisation is left that we know of (docs/BASELINES.md); the data's same-day order (issue 11: "
              "their Beauty is RecBole's copy from another raw file) is the one difference we cannot remove here.")
            p()
    p("The same curves in the workbench's Compare tab, with the recipe's published curve drawn beside the")
    p("groups (the Published: box). `bench/published/compare_shots.sh` renders both from the committed result")
    p("files alone (`irl4rec runs import bench/results/….json` into a temporary store). SASRec-CE, the split")
    p("recipe and Irl4Rec a, five seeds each (the bars on the right are Compare's own Welch test, unpaired;")
    p("the verdict below pairs the seeds):")
    p()
    p("![Compare: SASRec-CE against Xu et al.'s five logs](screenshot-compare-published-ce.png)")
    p()
    p("SASRec-BCE, recipe version 2 (dropout 0.6, 200 epochs), five seeds, against their BCE logs (dropout")
    p("0.4, 300 epochs):")
    p()
    p("![Compare: SASRec-BCE against Xu et al.'s five logs](screenshot-compare-published-bce.png)")
    p()


def pct(x):
    return f"{x:+.1f} %"


def fmt_p(p):
    if not math.isfinite(p):
        return "p undefined"
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


def show(ms):
    return f"{ms[0]:.4f}" + (f" ± {ms[1]:.4f}" if ms[1] is not None else "")


def main():
    results = sys.argv[1] if len(sys.argv) > 1 else "bench/results"
    runs = load(results)
    any_run = next(d for n, d in sorted(runs.items()) if d.get("dataset", {}).get("name") == "Beauty")
    ds = any_run["dataset"]
    p = print
    p("# Results: strong baselines and the verdict on Irl4Rec (issue 11)")
    p()
    p("Generated by `bench/verdict.py` from the run files in `bench/results/` (written by")
    p("`bench/baselines.sh`, committed); every number below, in the tables and in the text, is computed")
    p("from those files. Regenerate with")
    p()
    p("    bench/baselines.sh build [names or groups]   # resumable; LOGS=... for logs and states")
    p("    python3 bench/verdict.py > docs/RESULTS.md")
    p()
    p("The first wave's results (S3-Rec-style settings, weaker baselines) are kept, frozen, in")
    p("[RESULTS-first-wave.md](RESULTS-first-wave.md): their run files lived in a machine's /tmp and")
    p("are gone, so those numbers can no longer be regenerated; nothing below depends on them.")
    p()
    p(f"**Data.** Amazon {ds['name']}, S3-Rec's 5-core sequence file: {ds['users']:,} users, "
      f"{ds['items']:,} items, {ds['interactions']:,} interactions, {ds['attributes']} attribute ids "
      f"(fingerprint `{ds['fingerprint']}`).")
    p()
    p("**Protocol.** Leave-one-out (last item test, second-to-last validation, never trained on)")
    p("unless a row says *refit*; full ranking over all items with the user's history masked and")
    p("ties counted pessimistically; the test metrics are the best-validation checkpoint's (validation")
    p("NDCG@10 every 5 epochs over 200 epochs, no early stop). Means ± sample std over seeds.")
    p()

    # ---- baselines against the published numbers
    p("## Baselines against the strongest published numbers (Beauty)")
    p()
    p("Published: Xu et al. 2024's 5-seed means, unrounded (their repository's logs; same statistics, their")
    p("RecBole copy of Beauty, whose same-day order can differ from S3-Rec's file: issue 11).")
    p()
    p("| recipe | seeds | test HR@10 | test NDCG@10 | published | gap HR@10 / NDCG@10 |")
    p("|---|---|---|---|---|---|")
    rows = {}
    unrounded = their_unrounded_means(results)
    for prefix, label, (phr, pnd) in bt.RECIPES:
        done = seeds_of(runs, prefix)
        if not done or prefix.startswith("sports-"):
            continue
        phr, pnd = unrounded.get((phr, pnd), (phr, pnd))
        hr = bt.mean_std([d["test"]["HR@10"] for d in done.values()])
        nd = bt.mean_std([d["test"]["NDCG@10"] for d in done.values()])
        rows[prefix] = (hr, nd, phr, pnd, len(done))
        gap = f"{pct(100 * (hr[0] / phr - 1))} / {pct(100 * (nd[0] / pnd - 1))}"
        if prefix == "xu-ce-refit" or prefix.startswith("xu-irl"):
            gap = "(not comparable: " + ("refit" if prefix == "xu-ce-refit" else "Irl4Rec, see below") + ")"
        p(f"| {label} | {', '.join(str(s) for s in done)} | {show(hr)} | {show(nd)} | "
          f"{phr:.4f} / {pnd:.4f} | {gap} |")
    p()
    # The text, from the rows above.
    p("**In short.**")
    main_rows = [(prefix, label) for prefix, label, _ in bt.RECIPES
                 if prefix in rows and prefix not in ("xu-ce", "xu-ce-refit", "xu-bert-ce", "xu-bert-nolast")
                 and not prefix.startswith("xu-irl")]
    for prefix, label in main_rows:
        hr, nd, phr, pnd, n = rows[prefix]
        g = [100 * (hr[0] / phr - 1), 100 * (nd[0] / pnd - 1)]
        verdict = ("within 2 % of" if max(abs(x) for x in g) <= 2 else
                   "within 3 % of" if max(abs(x) for x in g) <= 3 else "short of" if min(g) < 0 else "above")
        p(f"- {label}: {show(hr)} / {show(nd)} over {n} seed{'s' if n > 1 else ''} — {verdict} the published "
          f"{phr:.4f} / {pnd:.4f} ({pct(g[0])} / {pct(g[1])}).")
    if "xu-ce-split" in rows and "xu-ce-refit" in rows:
        hr, nd, _, _, n = rows["xu-ce-refit"]
        b_hr, b_nd = rows["xu-ce-split"][0], rows["xu-ce-split"][1]
        p(f"- Refit (trained on the validation items too, {n} seed{'s' if n > 1 else ''}, 140 epochs): "
          f"{show(hr)} / {show(nd)}, {pct(100 * (hr[0] / b_hr[0] - 1))} / {pct(100 * (nd[0] / b_nd[0] - 1))} over "
          f"the same recipe without refit. BSARec's {BSAREC_BEAUTY[0]:.4f} / {BSAREC_BEAUTY[1]:.4f} is "
          f"{'reached' if hr[0] >= BSAREC_BEAUTY[0] and nd[0] >= BSAREC_BEAUTY[1] else 'not reached'} this "
          "way — but refit is not the protocol of that row (nor BSARec's tie handling: it scores history "
          "items 0, not −∞, and breaks ties arbitrarily), so the target *plain SASRec ≥ BSARec under our "
          "stricter protocol* stays open: the best never-refit SASRec is the row above.")
    plain = [(prefix, rows[prefix]) for prefix in ("xu-ce-split", "xu-ce", "xu-ce-nopad", "xu-ce-d128") if prefix in rows]
    if plain:
        best_prefix, (hr, nd, _, _, n) = max(plain, key=lambda kv: kv[1][1][0])
        tried = ", ".join(f"{bt.recipe_of(pre + '-s0')[1] if bt.recipe_of(pre + '-s0') else pre} "
                          f"{r[0][0]:.4f} / {r[1][0]:.4f} ({r[4]} seed{'s' if r[4] > 1 else ''})" for pre, r in plain)
        met = hr[0] >= BSAREC_BEAUTY[0] and nd[0] >= BSAREC_BEAUTY[1]
        p(f"- **BSARec's {BSAREC_BEAUTY[0]:.4f} / {BSAREC_BEAUTY[1]:.4f} with a plain SASRec under our protocol: "
          f"{'met' if met else 'missed'}** — the best never-refit SASRec is {pct(100 * (hr[0] / BSAREC_BEAUTY[0] - 1))} / "
          f"{pct(100 * (nd[0] / BSAREC_BEAUTY[1] - 1))} from it. Tried: {tried}.")
    if "xu-ce-split" in rows:
        hr, nd = rows["xu-ce-split"][0], rows["xu-ce-split"][1]
        p(f"- Against the eSASRec benchmark's SASRec + 256 sampled negatives on S3-Rec's files "
          f"({ESASREC_BEAUTY[0]:.4f} / {ESASREC_BEAUTY[1]:.4f}), the full-CE SASRec recipe is "
          f"{pct(100 * (hr[0] / ESASREC_BEAUTY[0] - 1))} / {pct(100 * (nd[0] / ESASREC_BEAUTY[1] - 1))}.")
    if not seeds_of(runs, "sports-xu-ce"):
        p("- **Sports** has no finished run of these recipes yet (the eSASRec benchmark's binding anchors "
          "there: 0.0569 / 0.0314 for SASRec + 256 sampled negatives, 0.0560 / 0.0323 for eSASRec).")
    if "xu-bce" not in rows:
        p("- **SASRec with BCE** (one negative; Xu et al. 0.0671 / 0.0353) has no finished seed yet.")
    p()
    against_their_logs(runs, results, p)
    architecture_switches(runs, p)
    sports_section(runs, p)

    # ---- the verdict
    p("## The verdict: Irl4Rec on the strong SASRec recipe")
    p()
    p("Irl4Rec with the adjustment encoder on exactly the full-CE SASRec recipe of the first row")
    p("(split batches, 200 epochs, best validation NDCG@10), its confounder branch over item")
    p("attributes. Its weights are chosen on validation at seed 0 among the three settings that")
    p("tied the weak baseline in the first wave (a, c, d); the chosen one runs seeds 1–4 and is")
    p("compared seed by seed with the baseline.")
    p()
    p("| weights | α | β | γ | seed 0 best valid NDCG@10 (epoch) | test HR@10 | test NDCG@10 | status |")
    p("|---|---|---|---|---|---|---|---|")
    base0 = seeds_of(runs, "xu-ce-split").get(0)
    if base0:
        v, e = best_valid(base0)
        p(f"| baseline (xu-ce-split-s0) | – | – | – | {v:.4f} ({e}) | {base0['test']['HR@10']:.4f} | "
          f"{base0['test']['NDCG@10']:.4f} | finished |")
    sweep = {}
    for letter, flags in sorted(bt.IRL_SWEEP.items()):
        a, b, g = flags.split()[1::2]
        doc = runs.get(f"xu-irl-{letter}-s0")
        if doc and "test" in doc:
            v, e = best_valid(doc)
            sweep[letter] = v
            p(f"| {letter} | {a} | {b} | {g} | {v:.4f} ({e}) | {doc['test']['HR@10']:.4f} | "
              f"{doc['test']['NDCG@10']:.4f} | finished |")
        else:
            p(f"| {letter} | {a} | {b} | {g} | – | – | – | not finished |")
    p()
    if len(sweep) < len(bt.IRL_SWEEP):
        missing = sorted(set(bt.IRL_SWEEP) - set(sweep))
        p(f"**Incomplete.** The weight sweep has {len(sweep)} of {len(bt.IRL_SWEEP)} settings "
          f"(missing: {', '.join(missing)}); the chosen setting's seeds 1–4 follow it "
          "(`bench/baselines.sh build xu-irl-sweep xu-irl-seeds`). No verdict is drawn until they exist.")
        p()
        return 0
    chosen = max(sorted(sweep), key=lambda k: sweep[k])
    irl = seeds_of(runs, f"xu-irl-{chosen}")
    base = seeds_of(runs, "xu-ce-split")
    common = sorted(set(irl) & set(base))
    p(f"Chosen on validation: **{chosen}** (best validation NDCG@10 {sweep[chosen]:.4f}; the baseline's "
      f"{best_valid(base0)[0]:.4f}). Seeds with both runs: {', '.join(map(str, common))}.")
    p()
    p("| seed | baseline test HR@10 | Irl4Rec test HR@10 | baseline test NDCG@10 | Irl4Rec test NDCG@10 |")
    p("|---|---|---|---|---|")
    for s in common:
        p(f"| {s} | {base[s]['test']['HR@10']:.4f} | {irl[s]['test']['HR@10']:.4f} | "
          f"{base[s]['test']['NDCG@10']:.4f} | {irl[s]['test']['NDCG@10']:.4f} |")
    p()
    if len(common) < 5:
        p(f"**Incomplete:** {len(common)} of 5 seeds (`bench/baselines.sh build xu-irl-seeds`).")
        p()
    for key in ("HR@10", "NDCG@10"):
        xs = [base[s]["test"][key] for s in common]
        ys = [irl[s]["test"][key] for s in common]
        d, rel, pv = paired(xs, ys)
        p(f"- Test {key}: Irl4Rec {pct(rel)} against the baseline (mean paired difference {d:+.4f}, "
          f"paired t-test over {len(common)} seeds {fmt_p(pv)}).")
    p()
    verdict_text(runs, base, irl, common, chosen, p)
    ablation(runs, base, irl, p)
    return 0


def at_epoch(doc, epoch):
    return next((e["valid_ndcg10"] for e in doc.get("history", [])
                 if e.get("epoch") == epoch and "valid_ndcg10" in e), None)


def architecture_switches(runs, p):
    """Xu et al.'s architecture choices put back to ours one at a time on the split recipe."""
    probes = [("xu-split-pre-s0", "pre-LN on q, k, v (`--norm pre`) instead of their block"),
              ("xu-split-nopad-s0", "padding keys hidden (no `--pad-keys`)"),
              ("xu-split-normal-s0", "N(0, 0.02) init instead of Xavier"),
              ("xu-split-gelu-s0", "GELU feed-forward of width 4d instead of ReLU d"),
              ("xu-split-old-s0", "all of ours at once (pre-LN, GELU 4d, N(0, 0.02), padding hidden)")]
    ref = seeds_of(runs, "xu-ce-split")
    done = [(n, what) for n, what in probes if n in runs]
    p("## Which of Xu et al.'s architecture choices matter, once batching matches (Beauty)")
    p()
    if not done or 0 not in ref:
        p("Not run yet (`bench/baselines.sh build xu-arch-split`: the split recipe with one choice put "
          "back to ours, 60 epochs, seed 0).")
        p()
        return
    p("The SASRec-CE split recipe (seed 0 is the reference) with one of its choices put back to what")
    p("the workbench did before issue 11, 60 epochs, seed 0; validation NDCG@10 (full ranking). The")
    p("batching itself (shuffled users against length buckets) is in docs/BASELINES.md: it is what")
    p("removed the plateau. The seed spread is the reference recipe's over its five seeds at the same")
    p("epoch — a difference inside it is not one this design can see.")
    p()
    epochs = (20, 40, 60)
    p("| run | changed | " + " | ".join(f"epoch {e}" for e in epochs) + " | at 60 against the reference |")
    p("|---|---|" + "---|" * len(epochs) + "---|")
    r0 = ref[0]
    p("| xu-ce-split-s0 (reference) | – | " + " | ".join(f"{at_epoch(r0, e):.4f}" for e in epochs) + " | – |")
    spread = {e: bt.mean_std([at_epoch(d, e) for d in ref.values()]) for e in epochs}
    if len(ref) > 1:
        p(f"| seed spread ({len(ref)} seeds of the reference) | – | " +
          " | ".join(f"± {spread[e][1]:.4f}" for e in epochs) + " | – |")
    for name, what in done:
        doc = runs[name]
        vals = [at_epoch(doc, e) for e in epochs]
        cells = [f"{v:.4f}" if v is not None else "–" for v in vals]
        last = vals[-1]
        delta = (f"{pct(100 * (last / at_epoch(r0, 60) - 1))} ({last - at_epoch(r0, 60):+.4f})"
                 if last is not None else "(unfinished)")
        status = "" if doc.get("status") == "finished" else " (unfinished)"
        p(f"| {name}{status} | {what} | " + " | ".join(cells) + f" | {delta} |")
    p()


def sports_section(runs, p):
    done = seeds_of(runs, "sports-xu-ce")
    p("## Sports (the eSASRec benchmark's binding anchors)")
    p()
    if not done:
        p("No finished run yet (`bench/baselines.sh build sports-xu-ce`: the Beauty SASRec-CE split recipe "
          "unchanged on S3-Rec's Sports file, 200 epochs, five seeds).")
        p()
        return
    d0 = next(iter(done.values()))["dataset"]
    p(f"S3-Rec's Sports and Outdoors file: {d0['users']:,} users, {d0['items']:,} items, "
      f"{d0['interactions']:,} interactions. The recipe is the Beauty SASRec-CE split recipe unchanged "
      "(nothing was tuned on Sports). The eSASRec benchmark reads the same file; its runs trained up to "
      "200 epochs with patience 50. Recipe: `sports-sasrec-ce` (`irl4rec train --recipe sports-sasrec-ce "
      "--data Sports_and_Outdoors.txt --seed N` joins the store group of the seeds run with patience 50; "
      "patience is part of a run's group, so seed 0, run with patience 200, is a group of its own).")
    p()
    p("| seed | epochs trained (patience) | best valid NDCG@10 (epoch) | test HR@10 | test NDCG@10 |")
    p("|---|---|---|---|---|")
    for s, doc in done.items():
        v, e = best_valid(doc)
        p(f"| {s} | {len(doc['history'])} ({doc['config'].get('patience')}) | {v:.4f} ({e}) | "
          f"{doc['test']['HR@10']:.4f} | {doc['test']['NDCG@10']:.4f} |")
    hrs = [d["test"]["HR@10"] for d in done.values()]
    nds = [d["test"]["NDCG@10"] for d in done.values()]
    hr, nd = bt.mean_std(hrs), bt.mean_std(nds)
    p(f"| mean | | | {show(hr)} | {show(nd)} |")
    p()
    full = [(s, best_valid(d)[1]) for s, d in done.items() if d["config"].get("patience", 0) >= len(d["history"])]
    if any(d["config"].get("patience", 0) < len(d["history"]) or len(d["history"]) < 200 for d in done.values()):
        p("A run stopped by patience keeps the checkpoint a 200-epoch run would have chosen unless")
        p("validation NDCG@10 rises again after that many epochs without a new best" +
          (" (" + ", ".join(f"seed {s} ran all {len(done[s]['history'])} epochs: best at epoch {e}" for s, e in full) + ")"
           if full else "") + ".")
        p()

    def one_sample_p(xs, anchor):
        if len(xs) < 2:
            return float("nan")
        m, sd = bt.mean_std(xs)
        return t_two_sided_p((m - anchor) / (sd / math.sqrt(len(xs))), len(xs) - 1) if sd > 0 else float("nan")

    for label, (ahr, and_) in (("SASRec + 256 sampled negatives", (0.0569, 0.0314)),
                               ("eSASRec", (0.0560, 0.0323))):
        met = hr[0] >= ahr and nd[0] >= and_
        tests = ""
        if len(done) >= 2:
            tests = (f" (one-sample t-test of our seeds against the published mean: HR@10 {fmt_p(one_sample_p(hrs, ahr))}, "
                     f"NDCG@10 {fmt_p(one_sample_p(nds, and_))}; their seed spread is not published)")
        p(f"- Against the eSASRec benchmark's {label} ({ahr:.4f} / {and_:.4f}): "
          f"{pct(100 * (hr[0] / ahr - 1))} / {pct(100 * (nd[0] / and_ - 1))} — "
          f"{'met' if met else 'missed'} over {len(done)} seed{'s' if len(done) > 1 else ''}"
          f"{'' if len(done) >= 5 else ' (of 5)'}{tests}.")
    p()


def verdict_text(runs, base, irl, common, chosen, p):
    """The verdict in words, from the paired numbers; what it does and does not show."""
    if len(common) < 2:
        return
    nd = paired([base[s]["test"]["NDCG@10"] for s in common], [irl[s]["test"]["NDCG@10"] for s in common])
    hr = paired([base[s]["test"]["HR@10"] for s in common], [irl[s]["test"]["HR@10"] for s in common])
    wins = sum(irl[s]["test"]["NDCG@10"] > base[s]["test"]["NDCG@10"] for s in common)
    later = [s for s in common if s != 0]
    nd_later = paired([base[s]["test"]["NDCG@10"] for s in later], [irl[s]["test"]["NDCG@10"] for s in later])
    vb = [best_valid(base[s])[0] for s in common]
    vi = [best_valid(irl[s])[0] for s in common]
    vd = paired(vb, vi)
    p("**Verdict.**")
    sig = lambda t: t[2] < 0.05
    p(f"- On NDCG@10 Irl4Rec ({chosen}) is {'ahead' if nd[0] > 0 else 'behind'} on {wins} of {len(common)} seeds: "
      f"{pct(nd[1])} ({nd[0]:+.4f} absolute), {'significant' if sig(nd) else 'not significant'} at 5 % "
      f"({fmt_p(nd[2])}); on HR@10 {'a difference' if sig(hr) else 'no difference'} ({pct(hr[1])}, {fmt_p(hr[2])})."
      + (" The gain is in how high the hit is ranked, not in how often it is in the top 10."
         if sig(nd) and nd[0] > 0 and not sig(hr) else ""))
    p(f"- Seed 0 chose the weights (on validation); seeds {', '.join(map(str, later))} alone: NDCG@10 "
      f"{pct(nd_later[1])} ({fmt_p(nd_later[2])}). Best validation NDCG@10: {pct(vd[1])} ({fmt_p(vd[2])})"
      + (" — larger on validation, where the checkpoint is chosen, than on test." if vd[1] > nd[1] > 0 else "."))
    p("- What this does not show: Irl4Rec reads the items' attributes (its confounder branch), which the "
      "baseline never sees; the sweep had three settings; one encoder (SASRec), one loss (full CE), one "
      "dataset (Beauty). The ablation below asks whether the invariance part is what helps.")
    p()


def ablation(runs, base, irl, p):
    noconf = seeds_of(runs, "xu-irl-a-noconf")
    p("### Where the gain comes from: without the confounder branch")
    p()
    p("DESIGN.md's ablation *no confounder branch*: weights a with no attribute encoder (α = γ = 0), so")
    p("only the adjustment encoder's noise (t = μ + σ ⊙ ε in training) and β's compression of μ remain —")
    p("a variational information bottleneck on SASRec, with no invariance to anything.")
    p()
    if not noconf:
        p("Not run yet (`bench/baselines.sh build xu-irl-ablate`, seeds 0–4).")
        p()
        return
    common = sorted(set(noconf) & set(base) & set(irl))
    p("| seed | baseline test NDCG@10 | Irl4Rec a | a without confounder | baseline test HR@10 | Irl4Rec a | a without confounder |")
    p("|---|---|---|---|---|---|---|")
    for s in common:
        p(f"| {s} | {base[s]['test']['NDCG@10']:.4f} | {irl[s]['test']['NDCG@10']:.4f} | "
          f"{noconf[s]['test']['NDCG@10']:.4f} | {base[s]['test']['HR@10']:.4f} | {irl[s]['test']['HR@10']:.4f} | "
          f"{noconf[s]['test']['HR@10']:.4f} |")
    p()
    if len(common) < 5:
        p(f"**Incomplete:** {len(common)} of 5 seeds (`bench/baselines.sh build xu-irl-ablate`).")
        p()
    if len(common) >= 2:
        tests = {}
        for key in ("NDCG@10", "HR@10"):
            d1 = paired([base[s]["test"][key] for s in common], [noconf[s]["test"][key] for s in common])
            d2 = paired([noconf[s]["test"][key] for s in common], [irl[s]["test"][key] for s in common])
            tests[key] = (d1, d2)
            p(f"- Test {key}: without the confounder against the baseline {pct(d1[1])} ({fmt_p(d1[2])}); "
              f"Irl4Rec a against it {pct(d2[1])} ({fmt_p(d2[2])}).")
        p()
        # The reading, from the NDCG@10 tests above (the verdict's metric).
        d1, d2 = tests["NDCG@10"]
        bottleneck_helps = d1[2] < 0.05 and d1[0] > 0
        branch_helps = d2[2] < 0.05 and d2[0] > 0
        branch_hurts = d2[2] < 0.05 and d2[0] < 0
        if branch_helps:
            reading = ("the attribute (confounder) branch adds to the bottleneck beyond seed noise: the "
                       "invariance part of Irl4Rec earns its place on this recipe.")
        elif branch_hurts:
            reading = ("the attribute (confounder) branch costs test NDCG@10 against the bottleneck alone: "
                       "whatever Irl4Rec gains here is the regulariser's, and the invariance part hurts.")
        elif bottleneck_helps:
            reading = ("the bottleneck alone beats the baseline beyond seed noise and the attribute "
                       "(confounder) branch adds nothing this design can detect: Irl4Rec's gain here is "
                       "explained by a variational-bottleneck regulariser, not by invariance.")
        else:
            reading = ("no difference this design can detect either way: the measurements do not "
                       "attribute Irl4Rec's gain to the invariance part.")
        state = f"{len(common)} seeds" if len(common) >= 5 else f"provisional, {len(common)} of 5 seeds"
        p(f"**Reading** ({state}, paired t-tests at 5 %): {reading}")
        p()


if __name__ == "__main__":
    sys.exit(main())
