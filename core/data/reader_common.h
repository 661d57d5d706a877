#pragma once
/// Internal to the readers: the per-format entry points and the id assignment they share.
///
/// Id assignment (so that every reader, and a dataset written and read back, agree):
/// - items get ids in order of first appearance over the users' sequences (users in file
///   order); if the item tokens are exactly the numbers 1..N, token "k" gets id k instead;
/// - attributes get ids in order of first appearance scanning items 1..N, each item's list in
///   file order; again token "k" -> id k if the tokens are exactly 1..M.

#include "core/common/error.h"
#include "core/data/dataset.h"
#include "core/data/readers.h"

#include <QByteArray>
#include <QString>

#include <vector>

namespace irl4rec::data::detail {

Expected<Dataset> readSequenceText(const QString& path, const LoadOptions& options);
Expected<Dataset> readRecBole(const QString& path, const LoadOptions& options);
Expected<Dataset> readAmazon(const QString& path, const LoadOptions& options);

/// The files a load of `path` reads or would read if they existed (the main file first), for
/// the cache key: sidecars appearing or changing must invalidate a cached dataset.
QStringList recboleInputFiles(const QString& path);
QStringList amazonInputFiles(const QString& path, const LoadOptions& options);
QStringList sequenceTextInputFiles(const QString& path, const LoadOptions& options);

/// The binary cache (cache.cpp): a dataset stored under the user's cache directory, keyed by
/// the input files' paths, sizes and times plus the options that change the result.
bool loadCached(const QString& key, const QString& signature, Dataset* out);
void storeCached(const QString& key, const QString& signature, const Dataset& dataset);

/// Calls options.progress about every MiB of input (`done` bytes of `total`). False means the
/// user cancelled: the reader then returns an Error with the cause "cancelled".
class ProgressTicker {
 public:
  ProgressTicker(const LoadOptions& options, int64_t total) : options_(options), total_(total) {}
  bool tick(int64_t done) {
    if (!options_.progress || done - last_ < (int64_t(1) << 20)) return true;
    last_ = done;
    return options_.progress(done, total_);
  }

 private:
  const LoadOptions& options_;
  int64_t total_;
  int64_t last_ = 0;
};

/// Gives items ids in order of first appearance (the rule above): call it for every raw item
/// index (into `rawTokens`) in sequence order, then pass tokens() to finishItems().
class FirstAppearanceIds {
 public:
  explicit FirstAppearanceIds(const std::vector<QByteArray>& rawTokens)
      : raw_(rawTokens), id_(rawTokens.size(), 0) {
    ordered_.reserve(rawTokens.size());
  }
  int32_t operator()(int32_t rawItem) {
    int32_t& id = id_[size_t(rawItem)];
    if (id == 0) {
      ordered_.push_back(raw_[size_t(rawItem)]);
      id = int32_t(ordered_.size());
    }
    return id;
  }
  std::vector<QByteArray> tokens() && { return std::move(ordered_); }

 private:
  const std::vector<QByteArray>& raw_;
  std::vector<int32_t> id_;
  std::vector<QByteArray> ordered_;
};

/// Sets itemTokens from the first-appearance tokens (index id-1) and renumbers the sequences
/// naturally when the tokens are exactly 1..N.
void finishItems(Dataset* dataset, std::vector<QByteArray> firstAppearanceTokens);

/// Builds itemAttributes/attributeTokens from attribute tokens per item id (index = item id,
/// [0] unused; duplicates within an item are dropped). Lists end up sorted by attribute id.
void finishAttributes(Dataset* dataset, const std::vector<std::vector<QByteArray>>& perItem);

/// The same for numeric attribute tokens (sequence text): token = the number in decimal.
void finishNumericAttributes(Dataset* dataset, const std::vector<std::vector<uint32_t>>& perItem);

/// True when `tokens` are exactly the canonical decimal numbers 1..tokens.size() in some order.
bool isNaturalNumbering(const std::vector<QByteArray>& tokens);

/// The file name without its extension (and without a trailing .gz): Beauty.txt.gz -> Beauty.
QString baseName(const QString& datasetPath);

/// `<dir>/<basename><suffix>` for a dataset file, e.g. Beauty.txt -> Beauty_item2attributes.json.
QString sidecarPath(const QString& datasetPath, const QString& suffix);

}  // namespace irl4rec::data::detail
