#pragma once
/// Merging run stores: the shards a SLURM array (or another machine) wrote into one store
/// (`irl4rec runs import`, File ▸ Import runs…). Everything of a run moves with it — params,
/// metrics with their summaries, checkpoints (the records; files stay where they are),
/// embeddings, projections — and its dataset with the dataset's labels (matched by fingerprint).
///
/// Idempotent by run uuid: a run the store already has finished is never copied again; an
/// unfinished copy is replaced by a newer one (finished beats unfinished, then the later
/// finish / start, then more metric rows); an equal copy is skipped. Each shard is merged in one
/// transaction through SQL `ATTACH`: a failure leaves the store as it was before that shard.

#include "core/common/error.h"

#include <QString>
#include <QStringList>

#include <functional>

namespace irl4rec::store {

struct ImportReport {
  int files = 0;     ///< shards merged
  int imported = 0;  ///< runs new to the store
  int replaced = 0;  ///< unfinished runs replaced by a newer copy
  int skipped = 0;   ///< runs the store already had (finished, or an equal or newer copy)
};

/// Merges `shardPaths` into the store at `targetPath` (created when missing). Each shard is
/// opened as a run store first (a file that is not one is refused, untouched, before anything
/// is merged). `progress` (optional) is called after each shard with (done, total).
Expected<ImportReport> importRuns(const QString& targetPath, const QStringList& shardPaths,
                                  const std::function<void(int, int)>& progress = {});

}  // namespace irl4rec::store
