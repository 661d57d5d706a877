#!/usr/bin/env python3
"""Makes a result JSON (`irl4rec train --json`, exported partials) portable before it is
committed under bench/results/: no absolute path of one machine stays in it.

    python3 bench/portable_result.py FILE...      # rewrites each FILE in place

The ctest results_are_portable (cmake/CheckPortableResults.cmake) fails while any file under
bench/results/ still holds an absolute path.

Every string value that is an absolute path becomes
- relative to the checkout when it lies inside it or in ../shared, the folder beside every
  checkout that holds the datasets ("../shared/datasets/amazon/Beauty.txt");
- its file name otherwise (scratch places such as the run store in the logs directory,
  "/tmp/irl4rec-baselines/runs.sqlite" -> "runs.sqlite").
The rest of the document is unchanged (same key order, compact like the CLI's output).
"""
import json
import os
import sys

REPO = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
SHARED = os.path.join(os.path.dirname(REPO), "shared")  # datasets, beside every checkout


def portable(value):
    if isinstance(value, dict):
        return {k: portable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [portable(v) for v in value]
    if isinstance(value, str) and os.path.isabs(value) and len(value) > 1:
        for path in (os.path.normpath(value), os.path.realpath(value)):
            for root in (REPO, SHARED):
                if path == root or path.startswith(root + os.sep):
                    return os.path.relpath(path, REPO)
        return os.path.basename(value.rstrip("/"))
    return value


def main(paths):
    for path in paths:
        with open(path) as f:
            text = f.read()
        doc = portable(json.loads(text))
        indent = 1 if text.lstrip().startswith("{\n") else None
        separators = None if indent else (",", ":")
        with open(path, "w") as f:
            json.dump(doc, f, indent=indent, separators=separators, ensure_ascii=False)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
