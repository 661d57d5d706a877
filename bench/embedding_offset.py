#!/usr/bin/env python3
"""How personal are a run's user embeddings? Splits t into the offset all users share and each
user's deviation from it, and the item scores <t, e_j> accordingly.

    irl4rec runs export RUN --format projector --out DIR [--db FILE]
    python3 bench/embedding_offset.py [--users N] DIR [DIR ...]

Reads DIR/adjustment_vectors.tsv (t = mu per user) and DIR/item_vectors.tsv. Prints |mean t|,
the RMS of |t - mean t|, and the spread across items of the common part <mean t, e_j> against
the mean spread of the personal part <t_u - mean t, e_j> over the first N users (200; fewer
for big catalogues, this is plain Python). When the personal part is small
against the common one, every user gets nearly the same ranking: the model is close to a
popularity ranking whatever its loss curves say. Plain Python, no NumPy needed.
"""
import math
import os
import sys


def load(path):
    with open(path) as f:
        return [[float(x) for x in line.split("\t")] for line in f if line.strip()]


def std(values):
    m = sum(values) / len(values)
    return math.sqrt(sum((v - m) ** 2 for v in values) / len(values))


def report(directory, users_for_scores=200):
    t = load(os.path.join(directory, "adjustment_vectors.tsv"))
    items = load(os.path.join(directory, "item_vectors.tsv"))
    n, d = len(t), len(t[0])
    mean = [sum(row[j] for row in t) / n for j in range(d)]
    offset = math.sqrt(sum(x * x for x in mean))
    spread = math.sqrt(sum(sum((row[j] - mean[j]) ** 2 for j in range(d)) for row in t) / n)
    common = std([sum(m * e for m, e in zip(mean, item)) for item in items])
    personal = []
    for row in t[:users_for_scores]:
        dev = [r - m for r, m in zip(row, mean)]
        personal.append(std([sum(a * e for a, e in zip(dev, item)) for item in items]))
    personal_mean = sum(personal) / len(personal)
    print(f"{directory}: {n} users x {d}, {len(items)} items")
    print(f"  |mean t| {offset:.3f}   RMS |t - mean t| {spread:.3f}")
    print(f"  item-score spread: common part {common:.3f}, personal part {personal_mean:.3f} "
          f"(mean over {len(personal)} users), ratio personal/common {personal_mean / common:.3f}")


if __name__ == "__main__":
    args = sys.argv[1:]
    users = 200
    if len(args) >= 2 and args[0] == "--users":
        users = int(args[1])
        args = args[2:]
    if not args:
        sys.exit(__doc__)
    for directory in args:
        report(directory, users)
