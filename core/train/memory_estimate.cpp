#include "core/train/memory_estimate.h"

#include "core/data/dataset.h"
#include "core/models/losses.h"

#include <QFile>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace irl4rec::train {

namespace {

constexpr double kFloat = 4;  // bytes

bool isTransformer(EncoderKind e) { return e != EncoderKind::Gru4Rec; }

/// Trainable floats of one sequence encoder without its input table: a Transformer has
/// positions × d embeddings and per block attention (4d² + 4d), a 4d-wide feed-forward
/// (8d² + 5d) and two LayerNorms (4d); a GRU layer has 6d² + 6d, plus one d × d output layer.
double encoderParameters(const TrainConfig& c) {
  const double d = c.hiddenSize, layers = c.layers;
  if (!isTransformer(c.encoder)) return layers * (6 * d * d + 6 * d) + d * d + d;
  return double(c.maxLength + 1) * d + layers * (12 * d * d + 13 * d) + 2 * d;
}

/// Floats kept for backward per position and layer: a Transformer block keeps ~20 d-wide
/// tensors (projections, residuals, norms, the 4d feed-forward and dropout masks) and three
/// heads × T attention maps per query; a GRU layer its gates.
double activationPerPositionAndLayer(const TrainConfig& c, double T) {
  const double d = c.hiddenSize;
  return isTransformer(c.encoder) ? 20 * d + 3 * double(c.heads) * T : 8 * d;
}

}  // namespace

DatasetSizes DatasetSizes::of(const data::Dataset& dataset) {
  DatasetSizes s;
  s.users = dataset.numUsers();
  s.items = dataset.numItems();
  s.attributes = dataset.numAttributes();
  for (const auto& seq : dataset.sequences)
    s.longestSequence = std::max<int64_t>(s.longestSequence, int64_t(seq.size()));
  return s;
}

double MemoryEstimate::totalBytes() const {
  return stateBytes + std::max(trainingBatchBytes, evaluationBytes);
}

double fullCeLogitsFloats(double positions, int64_t items, CeKernel kernel) {
  if (kernel == CeKernel::Aten) return 3 * positions * double(items + 1);
  return std::min(positions, double(models::fusedCeChunkRows(items))) * double(items);
}

MemoryEstimate estimateMemory(const TrainConfig& c, const DatasetSizes& sizes) {
  MemoryEstimate e;
  const double d = c.hiddenSize, layers = c.layers;
  const bool irl = c.model == ModelKind::Irl4Rec;
  const bool confounder = c.hasConfounder();

  // Parameters: the item table (plus padding and mask rows), the encoder(s), μ / log σ² heads,
  // the attribute table.
  double p = double(sizes.items + 2) * d + encoderParameters(c);
  if (irl) p += 2 * (d * d + d);
  if (confounder) p += encoderParameters(c) + double(sizes.attributes + 2) * d;
  e.parameters = p;
  // The parameters, their gradients, Adam's two moments and the best-validation snapshot.
  e.stateBytes = 5 * p * kFloat;

  // The largest training batch: min(batch, users) rows of the longest input.
  const double T = double(std::max<int64_t>(1, std::min<int64_t>(c.maxLength, sizes.longestSequence)));
  const double rows = double(std::max<int64_t>(1, std::min<int64_t>(c.batchSize, sizes.users)));
  const double positions = rows * T;
  const double perPosition = 2 * d + layers * activationPerPositionAndLayer(c, T);
  double activations = positions * perPosition;
  if (irl) activations += positions * 6 * d;  // μ, log σ², t and the noise
  if (confounder) activations += positions * perPosition;
  double loss = 0;
  switch (c.loss) {
    case LossKind::Bce:
    case LossKind::Bpr: loss = positions * (2 * d + 4); break;
    case LossKind::SampledCe: loss = 3 * positions * double(c.negatives + 1) + double(c.negatives) * d; break;
    case LossKind::Ce: loss = fullCeLogitsFloats(positions, sizes.items, c.ceKernel); break;
  }
  if (confounder) {
    loss *= 2;  // score_s has a block of its own
    loss += c.dependence == DependenceKind::Hsic ? 4 * rows * rows : 2 * d * d;
  }
  e.lossBlockBytes = loss * kFloat;
  e.trainingBatchBytes = (activations + loss) * kFloat;

  // One evaluation batch: the encoder's inputs for the batch, and the scores of one block of
  // users at a time (eval::EmbeddingScorer::blockRows, 256) against all items.
  constexpr int64_t kEvalBlockRows = 256;
  const double evalRows = double(std::max<int64_t>(1, std::min<int64_t>(c.evalBatchSize, sizes.users)));
  double eval = std::min(evalRows, double(kEvalBlockRows)) * double(sizes.items + 1) +
                evalRows * T * (2 * d + layers * (6 * d + double(c.heads) * T));
  if (c.evalProtocol == EvalProtocol::Sampled) eval += evalRows * double(c.sampledNegatives);
  e.evaluationBytes = eval * kFloat;
  return e;
}

std::optional<MachineMemory> readMachineMemory(const QString& meminfoPath) {
  QFile f(meminfoPath);
  if (!f.open(QIODevice::ReadOnly)) return std::nullopt;
  MachineMemory m;
  bool total = false, available = false;
  for (const QByteArray& line : f.readAll().split('\n')) {
    const QList<QByteArray> parts = line.simplified().split(' ');
    if (parts.size() < 2) continue;
    bool ok = false;
    const double kb = parts[1].toDouble(&ok);
    if (!ok) continue;
    if (parts[0] == "MemTotal:") {
      m.totalBytes = kb * 1024;
      total = true;
    } else if (parts[0] == "MemAvailable:") {
      m.availableBytes = kb * 1024;
      available = true;
    }
  }
  if (!total) return std::nullopt;
  if (!available) m.availableBytes = m.totalBytes;
  return m;
}

QString formatBytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};
  int u = 0;
  while (bytes >= 1000 && u < 6) {
    bytes /= 1000;
    ++u;
  }
  if (u == 6 && bytes >= 1000) return QStringLiteral("%1 EB").arg(bytes, 0, 'g', 3);
  return QStringLiteral("%1 %2").arg(bytes, 0, 'f', u == 0 ? 0 : 1).arg(QLatin1String(units[u]));
}

QString describe(const MemoryEstimate& e) {
  return QStringLiteral("~%1 (parameters and Adam state %2, training batch %3, evaluation %4)")
      .arg(formatBytes(e.totalBytes()), formatBytes(e.stateBytes),
           formatBytes(e.trainingBatchBytes), formatBytes(e.evaluationBytes));
}

Status checkMemory(const TrainConfig& config, const DatasetSizes& sizes,
                   const std::optional<MachineMemory>& machine) {
  if (!machine) return {};
  const MemoryEstimate e = estimateMemory(config, sizes);
  if (e.totalBytes() <= machine->totalBytes) return {};
  // Name the setting whose default would shrink the estimate most.
  const TrainConfig defaults;
  struct Setting {
    QString name;
    std::function<void(TrainConfig&)> reset;
  };
  const std::vector<Setting> settings = {
      {QStringLiteral("hidden size %1").arg(config.hiddenSize),
       [&](TrainConfig& c) { c.hiddenSize = defaults.hiddenSize; }},
      {QStringLiteral("max length %1").arg(config.maxLength),
       [&](TrainConfig& c) { c.maxLength = defaults.maxLength; }},
      {QStringLiteral("batch size %1").arg(config.batchSize),
       [&](TrainConfig& c) { c.batchSize = defaults.batchSize; }},
      {QStringLiteral("%1 layers").arg(config.layers),
       [&](TrainConfig& c) { c.layers = defaults.layers; }},
      {QStringLiteral("%1 heads").arg(config.heads), [&](TrainConfig& c) { c.heads = defaults.heads; }},
      {QStringLiteral("%1 negatives").arg(config.negatives),
       [&](TrainConfig& c) { c.negatives = defaults.negatives; }},
      // Before the loss: the fused kernel keeps the mathematics of a full CE.
      {QStringLiteral("CE kernel %1").arg(toString(config.ceKernel)),
       [&](TrainConfig& c) { c.ceKernel = defaults.ceKernel; }},
      {QStringLiteral("loss %1").arg(toString(config.loss)),
       [&](TrainConfig& c) { c.loss = defaults.loss; }},
      {QStringLiteral("evaluation batch size %1").arg(config.evalBatchSize),
       [&](TrainConfig& c) { c.evalBatchSize = defaults.evalBatchSize; }},
  };
  // The first setting (in the order above) that saves within 1 % of the most any one saves; one
  // that accounts for less than half of the estimate is not what to change: then it is the
  // dataset's size (its item table and score blocks).
  std::vector<double> savings;
  for (const Setting& s : settings) {
    TrainConfig c = config;
    s.reset(c);
    savings.push_back(e.totalBytes() - estimateMemory(c, sizes).totalBytes());
  }
  const double most = *std::max_element(savings.begin(), savings.end());
  QString culprit = QStringLiteral("the dataset (%1 items, %2 users)").arg(sizes.items).arg(sizes.users);
  if (most > 0.5 * e.totalBytes()) {
    for (size_t i = 0; i < settings.size(); ++i)
      if (savings[i] >= 0.99 * most) {
        culprit = settings[i].name;
        break;
      }
  }
  return Error::general(QStringLiteral("%1 needs an estimated %2; this machine has %3 of memory")
                            .arg(culprit, describe(e), formatBytes(machine->totalBytes)));
}

}  // namespace irl4rec::train
