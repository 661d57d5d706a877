#pragma once
/// Result files into a run store: what `irl4rec train --json` prints (the files bench/ keeps
/// under bench/results/, committed) recorded as runs, so the Compare tab shows results trained
/// on another machine from the files alone (`irl4rec runs import FILE.json...`).
///
/// A result file carries the configuration, the dataset's statistics, every epoch's loss and
/// validation HR@10 / NDCG@10, and the best-validation checkpoint's test metrics; the run is
/// recorded with exactly those series (no per-step losses, embeddings or checkpoint) and the tag
/// "imported-result". Idempotent by the run's uuid (the file's "run"): a uuid the store has is
/// skipped. A bad file is an Error naming it (and the line, where the JSON is broken) and
/// nothing of it is written.

#include "core/common/error.h"
#include "core/store/run_import.h"

#include <QString>
#include <QStringList>

namespace irl4rec::train {

struct ResultImportReport {
  int imported = 0;
  int skipped = 0;  ///< uuids the store already had
};

/// True when `path` holds a JSON object (a result file), not an SQLite store.
bool isResultFile(const QString& path);

/// Records every file of `paths` in the store at `storePath` (created when missing). All files
/// are read and checked before the first is written.
Expected<ResultImportReport> importResultFiles(const QString& storePath, const QStringList& paths);

/// What `irl4rec runs import` and File ▸ Import runs… do: run stores merged
/// (store::importRuns) and result files recorded (importResultFiles), in any mix; one report.
Expected<store::ImportReport> importRunsAndResults(const QString& storePath, const QStringList& paths);

}  // namespace irl4rec::train
