#!/usr/bin/env python3
"""Plain PyTorch (eager) SASRec, written the way a PyTorch user would, as the speed reference
for bench_train_speed (docs/SPEED.md). Not used for accuracy.

S3-Rec's SASRec layout: item + learned position embeddings, LayerNorm, dropout, post-LN
Transformer blocks (self-attention with a causal + padding mask, GELU feed-forward of width 4d),
inputs left-padded to max length 50. Losses:
  bce  S3-Rec's: one sampled negative per position, -log s(pos) - log(1 - s(neg)) over real
       positions.
  ce   full softmax: the logits of the real positions against every item, then cross_entropy.
Evaluation: every user's history (all but the last item) scored against all items in batches,
history masked to -inf, pessimistic rank of the last item.

Prints one JSON object per line: {"phase": "train"|"eval", "seconds": ...} and a summary line.
Run with Debian's python3-torch:  python3 bench/train/reference_sasrec.py --data Beauty.txt
"""
import argparse
import json
import math
import random
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print(json.dumps({"error": "python3-torch is not installed (apt-get install python3-torch)"}))
    sys.exit(3)


def read_sequences(path):
    seqs = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) > 1:
                seqs.append([int(x) for x in parts[1:]])
    return seqs


class Block(nn.Module):
    def __init__(self, d, heads, p, ffn="gelu-4d"):
        super().__init__()
        self.heads, self.dh = heads, d // heads
        self.q, self.k, self.v = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.dense, self.ln1 = nn.Linear(d, d), nn.LayerNorm(d, eps=1e-12)
        width = d if ffn == "relu-d" else 4 * d
        self.act = F.relu if ffn == "relu-d" else F.gelu
        self.ff1, self.ff2, self.ln2 = nn.Linear(d, width), nn.Linear(width, d), nn.LayerNorm(d, eps=1e-12)
        self.drop = nn.Dropout(p)

    def split(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.heads, self.dh).transpose(1, 2)

    def forward(self, x, mask):
        b, t, d = x.shape
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.dh) + mask
        ctx = (self.drop(torch.softmax(scores, -1)) @ v).transpose(1, 2).reshape(b, t, d)
        h = self.ln1(x + self.drop(self.dense(ctx)))
        return self.ln2(h + self.drop(self.ff2(self.act(self.ff1(h)))))


class SASRec(nn.Module):
    def __init__(self, items, d=64, blocks=2, heads=2, p=0.5, max_len=50, ffn="gelu-4d"):
        super().__init__()
        self.item = nn.Embedding(items + 1, d, padding_idx=0)
        self.pos = nn.Embedding(max_len, d)
        self.ln, self.drop = nn.LayerNorm(d, eps=1e-12), nn.Dropout(p)
        self.blocks = nn.ModuleList(Block(d, heads, p, ffn) for _ in range(blocks))
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                m.weight.data.normal_(0.0, 0.02)
            if isinstance(m, nn.Linear):
                m.bias.data.zero_()

    def forward(self, seq):
        b, t = seq.shape
        pos = torch.arange(t).unsqueeze(0).expand(b, t)
        x = self.drop(self.ln(self.item(seq) + self.pos(pos)))
        keep = (seq > 0).unsqueeze(1).unsqueeze(2) & torch.tril(torch.ones(t, t, dtype=torch.bool))
        mask = (~keep).float() * -10000.0
        for blk in self.blocks:
            x = blk(x, mask)
        return x


def left_pad(rows, width):
    out = torch.zeros(len(rows), width, dtype=torch.long)
    for i, r in enumerate(rows):
        r = r[-width:]
        if r:
            out[i, width - len(r):] = torch.tensor(r)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--loss", choices=["bce", "ce"], default="ce")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--evals", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-length", type=int, default=50)
    # The block's size and shape (default: S3-Rec's; Xu et al.'s recipe: 1 head, relu-d, 0.6).
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--ffn", choices=["gelu-4d", "relu-d"], default="gelu-4d")
    ap.add_argument("--dropout", type=float, default=0.5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    random.seed(0)
    seqs = read_sequences(args.data)
    items = max(max(s) for s in seqs)
    L = args.max_length
    train = [s[:-2] for s in seqs if len(s) >= 3]
    model = SASRec(items, heads=args.heads, p=args.dropout, max_len=L, ffn=args.ffn)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    report = {"loss": args.loss, "batch": args.batch, "threads": args.threads, "heads": args.heads,
              "ffn": args.ffn, "dropout": args.dropout,
              "torch": torch.__version__, "train_seconds": [], "eval_seconds": []}
    for epoch in range(args.epochs):
        order = list(range(len(train)))
        random.shuffle(order)
        model.train()
        start = time.perf_counter()
        for b0 in range(0, len(order), args.batch):
            rows = [train[i] for i in order[b0:b0 + args.batch]]
            inp = left_pad([r[:-1] for r in rows], L)
            tgt = left_pad([r[1:] for r in rows], L)
            h = model(inp)
            real = tgt > 0
            if args.loss == "ce":
                logits = h[real] @ model.item.weight[1:].t()
                loss = F.cross_entropy(logits, tgt[real] - 1)
            else:
                neg = torch.randint(1, items + 1, tgt.shape)
                pos_l = (h * model.item(tgt)).sum(-1)[real]
                neg_l = (h * model.item(neg)).sum(-1)[real]
                loss = -(F.logsigmoid(pos_l) + F.logsigmoid(-neg_l)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        seconds = time.perf_counter() - start
        report["train_seconds"].append(seconds)
        print(json.dumps({"phase": "train", "epoch": epoch + 1, "seconds": seconds,
                          "loss": float(loss)}), flush=True)
    model.eval()
    for e in range(args.evals):
        start = time.perf_counter()
        hits = 0
        with torch.no_grad():
            for b0 in range(0, len(seqs), 256):
                rows = seqs[b0:b0 + 256]
                hist = [r[:-1] for r in rows]
                h = model(left_pad(hist, L))[:, -1, :]
                scores = h @ model.item.weight.t()
                scores[:, 0] = -float("inf")
                for i, hs in enumerate(hist):
                    scores[i, hs] = -float("inf")
                target = torch.tensor([r[-1] for r in rows])
                ts = scores.gather(1, target.unsqueeze(1))
                ranks = (scores >= ts).sum(1) - 1
                hits += int((ranks < 10).sum())
        seconds = time.perf_counter() - start
        report["eval_seconds"].append(seconds)
        print(json.dumps({"phase": "eval", "seconds": seconds, "hr10": hits / len(seqs)}),
              flush=True)
    print(json.dumps({"summary": report}), flush=True)


if __name__ == "__main__":
    main()
