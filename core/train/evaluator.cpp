#include "core/train/evaluator.h"

#include "core/eval/ranking.h"

#include <algorithm>
#include <numeric>

namespace irl4rec::train {
namespace {

/// Eval mode and no gradients while in scope; the model's previous mode afterwards.
class InferenceScope {
 public:
  explicit InferenceScope(models::RecommenderImpl& model)
      : model_(model), wasTraining_(model.is_training()) {
    model_.eval();
  }
  ~InferenceScope() { model_.train(wasTraining_); }

 private:
  torch::NoGradGuard noGrad_;
  models::RecommenderImpl& model_;
  bool wasTraining_;
};

EmbeddingMatrix toMatrix(const torch::Tensor& x, std::vector<int64_t> ids) {
  EmbeddingMatrix e;
  auto c = x.to(torch::kFloat).contiguous();
  e.rows = c.size(0);
  e.dim = c.size(1);
  e.values.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  e.ids = std::move(ids);
  return e;
}

}  // namespace

torch::Tensor longTensor(const std::vector<int64_t>& v, std::vector<int64_t> shape) {
  return torch::from_blob(const_cast<int64_t*>(v.data()), shape, torch::kLong).clone();
}

torch::Tensor Evaluator::queryEmbeddings(const std::vector<data::Slice>& histories,
                                         torch::Tensor* s) const {
  const bool bert = config_.encoder == EncoderKind::Bert4Rec;
  const int32_t keep = bert ? config_.maxLength - 1 : config_.maxLength;
  std::vector<data::Slice> slices = histories;
  for (auto& sl : slices) sl.begin = std::max(sl.begin, sl.end - keep);
  const data::SequenceBatch b = data::gatherSlices(dataset_, slices, bert ? model_.maskToken() : 0);
  auto items = longTensor(b.items, {b.rows, b.width});
  auto lengths = longTensor(b.lengths, {b.rows});
  models::SequenceOutput out = model_.encodeLast(items, lengths);
  if (s && out.s.defined()) *s = out.s;
  return out.t;
}

std::vector<int64_t> Evaluator::ranks(const std::vector<data::EvalCase>& cases,
                                      bool sampled) const {
  InferenceScope inference(model_);
  eval::EmbeddingScorer scorer;
  scorer.table = model_.itemTable();
  scorer.queries = [&](const std::vector<data::Slice>& h) { return queryEmbeddings(h, nullptr); };
  eval::EvalOptions options;
  options.sampled = sampled;
  options.sampledNegatives = config_.sampledNegatives;
  options.batchSize = config_.evalBatchSize;
  options.threads = std::max(1, config_.threads);
  return eval::rankCases(dataset_, cases, scorer, options);
}

eval::RankingMetrics Evaluator::evaluate(const std::vector<data::EvalCase>& cases) const {
  const bool sampled = config_.evalProtocol == EvalProtocol::Sampled;
  return eval::metricsFromRanks(ranks(cases, sampled),
                                sampled ? QStringLiteral("sampled") : QStringLiteral("full"));
}

RunEmbeddings Evaluator::embeddings(data::Stage stage) const {
  InferenceScope inference(model_);
  const auto& cases = split_.cases(stage);
  // Batches of similar history lengths (each padded only to its longest row, as the
  // evaluation's), the rows put back in the order of the cases afterwards.
  std::vector<int64_t> order(cases.size());
  std::iota(order.begin(), order.end(), int64_t(0));
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return cases[size_t(a)].historyLength < cases[size_t(b)].historyLength;
  });
  std::vector<torch::Tensor> tParts, sParts;
  std::vector<int64_t> userIds;
  userIds.reserve(cases.size());
  for (const data::EvalCase& c : cases) userIds.push_back(c.user);
  for (size_t start = 0; start < order.size(); start += size_t(config_.evalBatchSize)) {
    const size_t end = std::min(order.size(), start + size_t(config_.evalBatchSize));
    std::vector<data::Slice> slices;
    for (size_t i = start; i < end; ++i) {
      const data::EvalCase& c = cases[size_t(order[i])];
      slices.push_back({c.user, 0, c.historyLength});
    }
    torch::Tensor s;
    tParts.push_back(queryEmbeddings(slices, &s));
    if (s.defined()) sParts.push_back(s);
  }
  // Row k of the concatenation is case order[k]: scatter back to case order.
  auto inCaseOrder = [&](const std::vector<torch::Tensor>& parts) {
    torch::Tensor sorted = torch::cat(parts);
    return torch::empty_like(sorted).index_copy_(0, longTensor(order, {int64_t(order.size())}), sorted);
  };
  RunEmbeddings out;
  std::vector<int64_t> itemIds(size_t(dataset_.numItems()));
  for (size_t j = 0; j < itemIds.size(); ++j) itemIds[j] = int64_t(j) + 1;
  if (!tParts.empty()) out.adjustment = toMatrix(inCaseOrder(tParts), userIds);
  if (!sParts.empty()) out.spurious = toMatrix(inCaseOrder(sParts), userIds);
  out.items = toMatrix(model_.itemTable().narrow(0, 1, dataset_.numItems()), itemIds);
  if (model_.confounder)
    out.itemAttributes = toMatrix(model_.attributeTable().narrow(0, 1, dataset_.numItems()), itemIds);
  return out;
}

}  // namespace irl4rec::train
