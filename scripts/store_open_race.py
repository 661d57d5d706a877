#!/usr/bin/env python3
# usage: scripts/store_open_race.py old|new ROUNDS OPENERS   (docs/RELIABILITY.md, "The flaky store test")
# Replays RunStore::open's first steps on a fresh file with N processes at once:
# header read (old: three statements; new: one), WAL, then the migration under BEGIN IMMEDIATE
# (tables, user_version, application_id, as core/store/schema.cpp does). Counts the openers
# that would refuse the file as "another program's" (application_id 0 but objects/version > 0).
import multiprocessing as mp, os, sqlite3, sys, tempfile, time
APP = 0x49524C34
def opener(path, mode, start, q):
    while time.time() < start: pass
    con = sqlite3.connect(path, timeout=10, isolation_level=None)
    if mode == "old":
        a = con.execute("PRAGMA application_id").fetchone()[0]
        v = con.execute("PRAGMA user_version").fetchone()[0]
        n = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    else:
        a, v, n = con.execute("SELECT (SELECT application_id FROM pragma_application_id), "
                              "(SELECT user_version FROM pragma_user_version), "
                              "(SELECT count(*) FROM sqlite_master)").fetchone()
    refused = a != APP and (a != 0 or n > 0 or v != 0)
    if not refused:
        for attempt in range(2000):  # the real code retries busy statements for 120 s
            try:
                con.execute("PRAGMA journal_mode = WAL"); break
            except sqlite3.OperationalError:
                time.sleep(0.005)
        if v < 2:
            con.execute("BEGIN IMMEDIATE")
            if con.execute("PRAGMA user_version").fetchone()[0] < 2:
                for i in range(12):
                    con.execute(f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, a TEXT, b REAL)")
                    con.execute(f"CREATE INDEX i{i} ON t{i} (a, b)")
                con.execute("PRAGMA user_version = 2")
                con.execute(f"PRAGMA application_id = {APP}")
            con.execute("COMMIT")
    q.put(refused)
if __name__ == "__main__":
    mode, rounds, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    refusedRounds = refusals = 0
    for r in range(rounds):
        path = os.path.join(tempfile.gettempdir(), f"irl4rec-race-{mode}-{r}.sqlite")
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(path + suffix): os.remove(path + suffix)
        q = mp.Queue(); start = time.time() + 0.2
        ps = [mp.Process(target=opener, args=(path, mode, start, q)) for _ in range(n)]
        for p in ps: p.start()
        for p in ps: p.join()
        k = sum(q.get() for _ in ps)
        refusals += k; refusedRounds += k > 0
        os.remove(path)
    print(f"{mode}: {refusals} refusals in {rounds} rounds of {n} openers ({refusedRounds} rounds with one)")
