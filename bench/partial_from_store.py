#!/usr/bin/env python3
"""Saves the trajectory of runs that have not finished (a session ended, a run was stopped) from
a run store into small JSON files, so that what they measured so far is kept in the repository.

    python3 bench/partial_from_store.py STORE.sqlite OUT_DIR NAME[@UUID]...

NAME alone takes the newest run of that name; NAME@UUID a given run (e.g. the one a session
stopped, when a resumed run of the same name has started since).

    python3 bench/partial_from_store.py STORE.sqlite OUT_DIR --unfinished RESULTS_DIR

takes every name whose newest run in the store is still running or was interrupted (a session
ended with it) and has no finished RESULTS_DIR/NAME.json — what the store says, not which
processes happen to run on this machine.

Each OUT_DIR/NAME.json has "partial": true, the run's status, configuration and per-epoch
history (training loss, validation HR@10 / NDCG@10, seconds), in the shape of `irl4rec train
--json`'s "history". No test metrics: a run is tested only at its end.
"""
import json
import os
import sqlite3
import sys

from portable_result import portable


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    db, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(out, exist_ok=True)
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    if names[0] == "--unfinished":
        if len(names) != 2:
            print(__doc__, file=sys.stderr)
            return 2
        results = names[1]
        names = [name for (name,) in con.execute(
            "select r.name from runs r where r.name is not null and r.name != '' "
            "and r.id = (select max(id) from runs q where q.name = r.name) "
            "and r.status in ('running', 'interrupted') order by r.name")
            if not os.path.exists(os.path.join(results, f"{name}.json"))]
    for wanted in names:
        name, _, uuid = wanted.partition("@")
        if uuid:
            row = con.execute("select id, status, config from runs where name = ? and uuid = ?",
                              (name, uuid)).fetchone()
        else:
            row = con.execute("select id, status, config from runs where name = ? order by id desc limit 1",
                              (name,)).fetchone()
        if row is None:
            print(f"{wanted}: no such run in {db}", file=sys.stderr)
            continue
        run_id, status, config = row
        series = {}
        for key, epoch, value in con.execute(
                "select s.key, m.epoch, m.value from metrics m join metric_summary s on s.id = m.series_id "
                "where s.run_id = ? and s.key in ('train/epoch_loss', 'time/epoch_seconds', 'val/hr@10', 'val/ndcg@10') "
                "order by m.epoch", (run_id,)):
            series.setdefault(epoch, {})[key] = value
        history = []
        for epoch in sorted(series):
            e = series[epoch]
            item = {"epoch": epoch}
            if "train/epoch_loss" in e:
                item["loss"] = e["train/epoch_loss"]
            if "time/epoch_seconds" in e:
                item["train_seconds"] = e["time/epoch_seconds"]
            if "val/ndcg@10" in e:
                item["valid_hr10"] = e.get("val/hr@10")
                item["valid_ndcg10"] = e["val/ndcg@10"]
            history.append(item)
        config = json.loads(config)
        # No machine's absolute paths in committed files (bench/portable_result.py).
        config = portable(config)
        # Exported when a session ends: a run still marked running is being stopped with it.
        doc = {"partial": True, "status": "stopped" if status == "running" else status,
               "store_status": status, "name": name, "config": config,
               "history": history}
        with open(os.path.join(out, f"{name}.json"), "w") as f:
            json.dump(doc, f, indent=1)
        print(f"{name}: {status}, {len(history)} epochs -> {out}/{name}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
