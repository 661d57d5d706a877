#pragma once
/// The vocabulary of runs shared by the trainer, the store, the GUI and the CLI: a run's life
/// cycle and the row-major matrices a trained model hands over (embeddings, ranks). Qt Core
/// only; train and store both speak these types, so a trainer's output moves into the store
/// without a copy.

#include "core/common/error.h"

#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace irl4rec {

/// Life cycle of a run: Queued → Running → one of the terminal states. A training outcome is
/// one of Finished, Cancelled, Failed, Diverged; Interrupted is set by the store when it opens
/// and finds a run whose owning process disappeared while it was queued or running.
enum class RunStatus { Queued, Running, Finished, Failed, Cancelled, Diverged, Interrupted };

QString toString(RunStatus status);  ///< "queued" | "running" | ... | "interrupted"
/// Parses the canonical lower-case name; nullopt for anything else.
std::optional<RunStatus> parseRunStatus(const QString& name);
/// True for the states a run never leaves (finished, failed, cancelled, diverged, interrupted).
bool isTerminal(RunStatus status);

/// A row-major float matrix with the entity id of each row.
struct EmbeddingMatrix {
  int64_t rows = 0;
  int64_t dim = 0;
  std::vector<int64_t> ids;   ///< user index (0-based) for user kinds, item id for item kinds
  std::vector<float> values;  ///< rows * dim
};

/// The seeds a person types for a launch or a sweep: numbers and ranges separated by commas,
/// semicolons or spaces ("1, 2, 3", "1-5", "1-3 7"), in the order given, repeats dropped; at
/// most `maxSeeds`. The error names the token ("seeds: 'x' is not ...").
Expected<std::vector<quint64>> parseSeedList(const QString& text, int maxSeeds = 100);

}  // namespace irl4rec
