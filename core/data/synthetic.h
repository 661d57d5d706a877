#pragma once
/// The synthetic spurious-correlation benchmark (DESIGN.md §1).
///
/// Each item has a latent cluster (what users really want) and a tag (its one attribute). A
/// user prefers one cluster. Each click: the cluster is the user's (or, with probability
/// `noise`, a uniformly random one); the tag is π(cluster) with probability ρ and otherwise one
/// of the other tags uniformly; the item is, with probability `sequential`, the fixed
/// successor of the previous item for that tag (a cluster-specific transition table) and
/// otherwise uniform among the items of (cluster, tag). No item repeats within a user.
///
/// Histories and validation items use ρ_train. The test item is drawn twice from the same
/// per-user random stream: with ρ_train (the i.i.d. instance) and with ρ_test (the shifted
/// instance), so both instances have the same users, item ids, histories and validation items
/// and differ only in test targets. With ρ_test = 1/tags the test tag is uniform.
///
/// Deterministic from the seed on every platform: std::mt19937_64 with hand-written
/// distributions (std:: distributions differ between standard libraries).

#include "core/common/error.h"
#include "core/data/dataset.h"

#include <QString>
#include <QStringList>

#include <cstdint>

namespace irl4rec::data {

/// Every parameter of the generator; defaults are the shipped instances (datasets/README.md).
struct SyntheticParams {
  uint64_t seed = 42;
  int users = 3000;
  int clusters = 5;
  int tags = 5;
  int itemsPerCell = 20;  ///< items per (cluster, tag) pair: items = clusters*tags*itemsPerCell
  int minLength = 5;      ///< sequence length including validation and test item
  int maxLength = 15;
  double rhoTrain = 0.9;    ///< P(tag = π(cluster)) in histories, validation and i.i.d. test
  double rhoTest = 0.2;     ///< the same for the shifted test item (1/tags = uniform)
  double sequential = 0.5;  ///< P(next item = transition-table successor of the previous one)
  double noise = 0.05;      ///< P(a click comes from a uniformly random cluster)

  /// An Error (file empty, cause set) for out-of-range values.
  Status validate() const;
  /// Reads `--name value` pairs (names as in datasets/README.md, e.g. --rho-train 0.8).
  static Expected<SyntheticParams> fromArguments(const QStringList& args);
  /// `name=value` lines in a fixed order, written beside the data as generator.txt.
  QString describe() const;
};

/// Both instances plus the truth the evaluation needs.
struct SyntheticBenchmark {
  SyntheticParams params;
  Dataset iid;                       ///< test targets drawn with ρ_train
  Dataset shifted;                   ///< test targets drawn with ρ_test
  std::vector<int32_t> userCluster;  ///< preferred cluster per user (1-based)
  std::vector<int32_t> clusterTag;   ///< π: tag (1-based) per cluster (index 1..clusters)
};

/// Generates the benchmark. Item ids are 1..N (items never clicked in any history are left
/// out), attribute id = tag (1-based), itemCluster/itemTag filled (1-based).
Expected<SyntheticBenchmark> generateSynthetic(const SyntheticParams& params = {});

/// True when `a` and `b` have the same items, attributes and users and the same sequences
/// except for each user's last item (the test target): a model trained and selected on one
/// can be tested on the other's targets. The i.i.d./shifted pair passes; use it to train once
/// and report the shift gap HR@10(i.i.d.) - HR@10(shifted).
bool sameExceptTestTargets(const Dataset& a, const Dataset& b);

/// Writes `<dir>/iid.txt`, `<dir>/shifted.txt`, their `_item2attributes.json` and
/// `_item2truth.tsv`, and `<dir>/generator.txt` (the parameters). Byte-identical for equal
/// parameters.
Status writeSynthetic(const SyntheticBenchmark& benchmark, const QString& directory);

}  // namespace irl4rec::data
