#pragma once
/// Reading and writing datasets in the formats of DESIGN.md §1 "Data" (details, and the
/// decisions on ambiguous input, in datasets/README.md).
/// Every failure is an Error naming the file, the line and the cause; nothing is ever
/// returned half-read.
///
/// Ids: items get internal ids in order of first appearance over the users' sequences (users
/// in file order, each sequence in time order), except that when the item tokens are exactly
/// the numbers 1..N (the S3-Rec files) token "k" gets id k. Attributes likewise, scanning
/// items 1..N. Writers preserve this, so convert + reload keeps ids and fingerprint.

#include "core/common/error.h"
#include "core/data/dataset.h"

#include <QString>

#include <functional>

namespace irl4rec::data {

struct LoadOptions {
  /// Amazon review dumps: keep reviews with overall rating >= minRating (0 keeps all).
  double minRating = 0.0;
  /// Amazon review dumps: iterative k-core filter on users and items (0 or 1 = off).
  int kCore = 5;
  /// Use / write the compact binary cache in QStandardPaths::CacheLocation/datasets (an entry
  /// is used only while every input file keeps its size and times; see docs/DATA.md).
  bool useCache = true;
  /// Called now and then with bytes read so far and the total; return false to cancel.
  std::function<bool(qint64 done, qint64 total)> progress;

  /// Sequence text: the attributes json; empty = `<base>_item2attributes.json` beside the file
  /// when it exists. An explicit path that does not exist is an error.
  QString attributesPath;
  /// Amazon review dumps: the metadata file; empty = `meta_<Name>.json[.gz]` beside
  /// `reviews_<Name>[_5].json[.gz]` when it exists.
  QString metadataPath;
  /// Amazon metadata: drop the first (root) category of each category path, which every item
  /// of a dump shares ("Beauty"), as S3-Rec's preprocessing does.
  bool dropRootCategory = true;
  /// Inputs smaller than this (all files together) are never cached: parsing them is faster
  /// than validating a cache entry.
  qint64 cacheMinBytes = 256 * 1024;
};

/// Guesses the format from the path: a `.inter` file or a directory holding one → RecBole;
/// `.json`/`.json.gz` reviews → Amazon dump; otherwise sequence text.
Expected<Format> detectFormat(const QString& path);

/// Loads a dataset in any supported format (auto-detected).
Expected<Dataset> loadDataset(const QString& path, const LoadOptions& options = {});

/// Sequence text `user item item ...` plus `<base>_item2attributes.json` when the dataset has
/// attributes (and `<base>_item2truth.tsv` for synthetic data). Numeric tokens are written as
/// they were read; non-numeric ones (e.g. Amazon asins) as internal ids, because the format only
/// has numbers. Reading the result back gives the same fingerprint.
Status writeSequenceText(const Dataset& dataset, const QString& path);
/// RecBole atomic files in RecBole's own layout `<dir>/<dirname>.inter` (user_id, item_id,
/// timestamp = position in the user's sequence) + `<dir>/<dirname>.item` with an `attributes`
/// token_seq column (spaces inside attribute tokens become '_'). Creates the directory.
Status writeRecBole(const Dataset& dataset, const QString& directory);

}  // namespace irl4rec::data
