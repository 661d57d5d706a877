#pragma once
/// The in-memory dataset every part of the workbench works on.

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace irl4rec::data {

/// Where a dataset was read from. (Cache is not produced by the readers: a dataset loaded from
/// the binary cache keeps the format of its source, see Dataset::loadedFromCache.)
enum class Format { SequenceText, RecBole, AmazonDump, Synthetic, Cache };
QString formatName(Format format);

/// Summary statistics, as shown in the dataset panel and printed by `irl4rec data stats`.
struct DatasetStats {
  qint64 users = 0;
  qint64 items = 0;         ///< distinct items (ids 1..items)
  qint64 interactions = 0;  ///< sum of sequence lengths
  qint64 attributes = 0;    ///< distinct attribute ids (ids 1..attributes)
  qint64 itemsWithAttributes = 0;
  double meanLength = 0;
  double medianLength = 0;
  qint64 maxLength = 0;
  qint64 minLength = 0;
  double density = 0;         ///< interactions / (users * items)
  qint64 usersTrainOnly = 0;  ///< users with fewer than 3 items: used for training only
  /// Content hash (16 hex digits) of the user order, the sequences and the item attributes in
  /// internal ids. Tokens and the source format do not enter it, so a dataset converted to
  /// another format and read back has the same fingerprint (the readers assign ids
  /// deterministically, see readers.h). First 16 hex digits of a SHA-256.
  QString fingerprint;
};

/// Users, each with a chronologically ordered item sequence, plus optional item attributes.
///
/// Internal ids are dense: items 1..numItems(), attributes 1..numAttributes(); 0 is padding
/// for both. The token lists map internal ids back to the original tokens of the source file.
struct Dataset {
  QString name;        ///< e.g. "Beauty"
  QString sourcePath;  ///< the file the dataset was read from
  Format format = Format::SequenceText;

  std::vector<std::vector<int32_t>> sequences;  ///< one per user, internal item ids, in time order
  std::vector<std::vector<int32_t>> itemAttributes;  ///< size numItems()+1; [0] is empty
  QStringList userTokens;                            ///< size numUsers()
  QStringList itemTokens;                            ///< size numItems()+1; [0] is empty
  QStringList attributeTokens;                       ///< size numAttributes()+1; [0] is empty

  /// Ground truth of the synthetic benchmark (empty for real data): per item id (size
  /// numItems()+1, [0] = 0), the item's latent cluster and its tag, both 1-based; the tag is
  /// also the item's only attribute.
  std::vector<int32_t> itemCluster;
  std::vector<int32_t> itemTag;

  /// Things the reader accepted but the user should know (e.g. attribute entries for items that
  /// never occur in a sequence, which are ignored). Shown by the CLI on stderr.
  QStringList warnings;
  /// True when loadDataset answered from its binary cache instead of parsing (diagnostics).
  bool loadedFromCache = false;

  qint64 numUsers() const { return static_cast<qint64>(sequences.size()); }
  int32_t numItems() const { return itemTokens.isEmpty() ? 0 : int32_t(itemTokens.size() - 1); }
  int32_t numAttributes() const {
    return attributeTokens.isEmpty() ? 0 : int32_t(attributeTokens.size() - 1);
  }
  bool hasAttributes() const { return numAttributes() > 0; }

  DatasetStats stats() const;
};

/// The statistics as the stable JSON layout printed by `irl4rec data stats --json` and stored
/// in the run store: users, items, interactions, attributes, items_with_attributes,
/// mean_length, median_length, max_length, min_length, density, users_train_only,
/// fingerprint, format, path, name.
QJsonObject statsToJson(const Dataset& dataset, const DatasetStats& stats);
inline QJsonObject statsToJson(const Dataset& dataset) {
  return statsToJson(dataset, dataset.stats());
}

}  // namespace irl4rec::data
