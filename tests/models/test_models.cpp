// Unit tests of the training core: encoders (shapes, causal masking, padding), losses against
// hand-computed values, ranking metrics against hand-ranked examples, the Irl4Rec objective's
// gradients, and configuration validation.
#include "core/common/blas_kernels.h"
#include "core/common/build_info.h"
#include "core/common/run_values.h"
#include "core/eval/metrics.h"
#include "core/eval/ranking.h"
#include "core/models/encoders.h"
#include "core/models/losses.h"
#include "core/models/objective.h"
#include "core/models/random.h"
#include "core/models/recommender.h"
#include "core/models/softmax_rows.h"
#include "core/train/memory_estimate.h"
#include "core/train/train_config.h"
#include "core/train/trainer.h"
#include "tests/support/cli_process.h"

#include <QTemporaryDir>

#include <QtTest>

#include <cmath>

using namespace irl4rec;

Q_DECLARE_METATYPE(irl4rec::train::EncoderKind)

namespace {

bool close(double a, double b, double tol = 1e-5) { return std::abs(a - b) <= tol; }

/// 0: post-LN (S3-Rec), 1: pre-LN, 2: Xu et al.'s SASRec block (Kang normalisation, ReLU
/// feed-forward of width d, padding keys, Xavier init).
models::BlockStyle styleOf(int variant) {
  models::BlockStyle style;
  style.norm = variant == 1 ? models::NormKind::Pre
               : variant == 2 ? models::NormKind::Kang
                              : models::NormKind::Post;
  style.padKeys = variant == 2;
  if (variant == 2) {
    style.ffn = models::FfnKind::ReluD;
    style.init = models::InitKind::Xavier;
  }
  return style;
}

std::shared_ptr<models::SequenceEncoderImpl> makeEncoder(train::EncoderKind kind,
                                                        int preNorm = 0) {
  switch (kind) {
    case train::EncoderKind::SasRec:
      return std::make_shared<models::SasRecImpl>(models::SasRecOptions()
                                                      .hidden_size(16)
                                                      .num_heads(2)
                                                      .max_length(8)
                                                      .dropout(0.3)
                                                      .style(styleOf(preNorm)));
    case train::EncoderKind::Bert4Rec:
      return std::make_shared<models::Bert4RecImpl>(models::Bert4RecOptions()
                                                        .hidden_size(16)
                                                        .num_heads(2)
                                                        .max_length(8)
                                                        .dropout(0.3)
                                                        .style(styleOf(preNorm)));
    case train::EncoderKind::Gru4Rec:
      return std::make_shared<models::Gru4RecImpl>(models::Gru4RecOptions().hidden_size(16));
  }
  return nullptr;
}

}  // namespace

class TestModels : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { torch::set_num_threads(1); }

  void encoderShapes_data();
  void encoderShapes();
  void causalEncoderDoesNotSeeTheFuture_data();
  void causalEncoderDoesNotSeeTheFuture();
  void bidirectionalEncoderSeesTheFuture();
  void kangBlockWithPaddingKeysMatchesExplicitLeftPadding();
  void paddingDoesNotChangeOutputs_data();
  void paddingDoesNotChangeOutputs();
  void recommenderOutputs();

  void bceLoss();
  void bprLoss();
  void sampledSoftmaxRemovesAccidentalHits();
  void fullSoftmax();
  void fusedFullSoftmaxMatchesAten_data();
  void fusedFullSoftmaxMatchesAten();
  void fusedFullSoftmaxWithoutGradient();
  void softmaxRowKernelExtremes();
  void blasRunsTheKernelsTheCpuSupports();
  void compression();
  void crossCorrelation();
  void hsicMatchesFormula();

  void ranksWithTiesAndHistory();
  void constantScoresNeverFavourTheTarget();
  void nanTargetRanksLast();
  void sampledRanks();
  void blockedRanksEqualScoreMatrixRanks();
  void metricsFromRanks();

  void irlGradientsReachBothEncoders();
  void confounderGetsNoGradientWithoutAlphaAndGamma();
  void objectiveTermsFollowTheModelNotTheWeights();
  void objectiveOverPartsEqualsOnePaddedBatch_data();
  void objectiveOverPartsEqualsOnePaddedBatch();
  void partGroupsBalanceThePaddedCells();

  void configValidation_data();
  void configValidation();
  void configJsonRoundTrip();
  void configJsonRejectsUnknownNames();
  void seedListsParse();
  void bertInitOfXuEtAl();
  void feedForwardDropoutActsOnlyInTraining();
  void clozeMasksRealPositions();

  void memoryEstimateCountsTheModelsParameters_data();
  void memoryEstimateCountsTheModelsParameters();
  void memoryCheckNamesTheSetting_data();
  void memoryCheckNamesTheSetting();
  void machineMemoryFromMeminfo();
};

void TestModels::encoderShapes_data() {
  QTest::addColumn<train::EncoderKind>("kind");
  QTest::addColumn<int>("preNorm");
  QTest::newRow("gru4rec") << train::EncoderKind::Gru4Rec << 0;
  QTest::newRow("sasrec") << train::EncoderKind::SasRec << 0;
  QTest::newRow("sasrec pre-LN") << train::EncoderKind::SasRec << 1;
  QTest::newRow("sasrec Xu/Kang block") << train::EncoderKind::SasRec << 2;
  QTest::newRow("bert4rec") << train::EncoderKind::Bert4Rec << 0;
  QTest::newRow("bert4rec pre-LN") << train::EncoderKind::Bert4Rec << 1;
  QTest::newRow("bert4rec Xu/Kang block") << train::EncoderKind::Bert4Rec << 2;
}

void TestModels::encoderShapes() {
  QFETCH(train::EncoderKind, kind);
  QFETCH(int, preNorm);
  models::RandomScope random(1);
  auto encoder = makeEncoder(kind, preNorm);
  auto emb = torch::randn({3, 5, 16});
  auto lengths = torch::tensor({5, 2, 4}, torch::kLong);
  encoder->eval();
  auto out = encoder->forward(emb, lengths);
  QCOMPARE(out.sizes().vec(), std::vector<int64_t>({3, 5, 16}));
  auto last = encoder->forwardLast(emb, lengths);
  QCOMPARE(last.sizes().vec(), std::vector<int64_t>({3, 16}));
  // The shortcut used at inference equals the full forward pass at each last position.
  QVERIFY(torch::allclose(last, models::gatherRows(out, lengths - 1), 1e-5, 1e-5));
}

void TestModels::causalEncoderDoesNotSeeTheFuture_data() {
  QTest::addColumn<train::EncoderKind>("kind");
  QTest::addColumn<int>("preNorm");
  QTest::newRow("sasrec") << train::EncoderKind::SasRec << 0;
  QTest::newRow("sasrec pre-LN") << train::EncoderKind::SasRec << 1;
  QTest::newRow("sasrec Xu/Kang block") << train::EncoderKind::SasRec << 2;
  QTest::newRow("gru4rec") << train::EncoderKind::Gru4Rec << 0;
}

void TestModels::causalEncoderDoesNotSeeTheFuture() {
  QFETCH(train::EncoderKind, kind);
  QFETCH(int, preNorm);
  models::RandomScope random(2);
  auto encoder = makeEncoder(kind, preNorm);
  encoder->eval();
  auto emb = torch::randn({2, 6, 16});
  auto lengths = torch::tensor({6, 6}, torch::kLong);
  auto before = encoder->forward(emb, lengths);
  auto changed = emb.clone();
  changed.select(1, 4).normal_();  // a later item changes
  auto after = encoder->forward(changed, lengths);
  QVERIFY(torch::allclose(before.narrow(1, 0, 4), after.narrow(1, 0, 4), 1e-6, 1e-6));
  QVERIFY(!torch::allclose(before.select(1, 4), after.select(1, 4), 1e-4, 1e-4));
}

void TestModels::bidirectionalEncoderSeesTheFuture() {
  models::RandomScope random(3);
  auto encoder = makeEncoder(train::EncoderKind::Bert4Rec);
  encoder->eval();
  auto emb = torch::randn({1, 6, 16});
  auto lengths = torch::tensor({6}, torch::kLong);
  auto before = encoder->forward(emb, lengths);
  auto changed = emb.clone();
  changed.select(1, 5).normal_();
  auto after = encoder->forward(changed, lengths);
  QVERIFY(!torch::allclose(before.select(1, 0), after.select(1, 0), 1e-4, 1e-4));
}

void TestModels::kangBlockWithPaddingKeysMatchesExplicitLeftPadding() {
  // Xu et al.'s SASRec left-pads to max_length and masks attention causally only, so every query
  // also sees the padding keys, whose input is zero (key = key bias, value = value bias). Our
  // block stands for them with one column carrying log(number of pads). Here the attention is
  // computed by hand with the pads written out, for 3 pads and 2 heads.
  models::RandomScope random(11);
  models::BlockStyle style = styleOf(2);
  const int64_t d = 8, heads = 2, dh = d / heads, T = 4, pads = 3;
  models::TransformerBlock block(d, heads, /*dropout=*/0.0, style);
  block->eval();
  {
    torch::NoGradGuard noGrad;
    for (auto& p : block->parameters()) p.normal_(0.0, 0.5);  // biases too: they are the pads
  }
  auto x = torch::randn({1, T, d});
  auto mask = torch::full({T, T}, -1e9).triu_(1).view({1, 1, T, T});
  auto ours = block->forward(x, mask, torch::full({1, 1, 1, 1}, std::log(double(pads))));

  torch::NoGradGuard noGrad;
  auto params = block->named_parameters();
  auto W = params["qkv.weight"], b = params["qkv.bias"];
  auto ln = [&](const char* name, const torch::Tensor& v) {
    return torch::layer_norm(v, {d}, params[std::string(name) + ".weight"],
                             params[std::string(name) + ".bias"], 1e-12);
  };
  auto q = torch::nn::functional::linear(ln("ln1", x), W.narrow(0, 0, d), b.narrow(0, 0, d));
  auto expectedWith = [&](int64_t n) {
    auto padded = torch::cat({torch::zeros({1, n, d}), x}, 1);  // the pads' input is zero
    auto k = torch::nn::functional::linear(padded, W.narrow(0, d, d), b.narrow(0, d, d));
    auto v = torch::nn::functional::linear(padded, W.narrow(0, 2 * d, d), b.narrow(0, 2 * d, d));
    auto fullMask = torch::cat({torch::zeros({T, n}), mask.view({T, T})}, 1);
    std::vector<torch::Tensor> ctx;
    for (int64_t h = 0; h < heads; ++h) {
      auto s = torch::matmul(q.narrow(2, h * dh, dh), k.narrow(2, h * dh, dh).transpose(1, 2)) /
                   std::sqrt(double(dh)) + fullMask;
      ctx.push_back(torch::matmul(torch::softmax(s, -1), v.narrow(2, h * dh, dh)));
    }
    auto attended = torch::nn::functional::linear(torch::cat(ctx, 2), params["out.weight"],
                                                  params["out.bias"]);
    auto hidden = ln("ln2", x + attended);
    auto inner = torch::nn::functional::linear(hidden, params["ff1.weight"], params["ff1.bias"]);
    return hidden + torch::nn::functional::linear(torch::relu(inner), params["ff2.weight"],
                                                  params["ff2.bias"]);
  };
  auto expected = expectedWith(pads);
  QVERIFY2(torch::allclose(ours, expected, 1e-5, 1e-5),
           qPrintable(QStringLiteral("max difference %1")
                          .arg((ours - expected).abs().max().item<double>())));
  // A full-length row has no pads: the extra column must then carry no weight.
  auto none = block->forward(x, mask, torch::full({1, 1, 1, 1}, -1e9));
  QVERIFY(torch::allclose(none, expectedWith(0), 1e-5, 1e-5));
  QVERIFY(!torch::allclose(none, ours, 1e-4, 1e-4));
}

void TestModels::paddingDoesNotChangeOutputs_data() { encoderShapes_data(); }

void TestModels::paddingDoesNotChangeOutputs() {
  QFETCH(train::EncoderKind, kind);
  QFETCH(int, preNorm);
  models::RandomScope random(4);
  auto encoder = makeEncoder(kind, preNorm);
  encoder->eval();
  auto emb = torch::randn({1, 3, 16});
  auto alone = encoder->forward(emb, torch::tensor({3}, torch::kLong));
  auto padded = torch::cat({emb, torch::randn({1, 4, 16})}, 1);  // garbage after the end
  auto inBatch = encoder->forward(padded, torch::tensor({3}, torch::kLong));
  QVERIFY(torch::allclose(alone, inBatch.narrow(1, 0, 3), 1e-5, 1e-5));
}

void TestModels::recommenderOutputs() {
  models::RandomScope random(5);
  std::vector<std::vector<int32_t>> attrs = {{}, {1}, {1, 2}, {2}, {}, {3}};
  models::Recommender model(models::RecommenderOptions()
                                .num_items(5)
                                .num_attributes(3)
                                .hidden_size(8)
                                .num_heads(2)
                                .max_length(6)
                                .irl(true)
                                .confounder(true),
                            attrs);
  auto items = torch::tensor({1, 2, 3, 0, 4, 5, 6, 1}, torch::kLong).view({2, 4});
  auto out = model->forward(items, torch::tensor({3, 4}, torch::kLong));
  QCOMPARE(out.t.sizes().vec(), std::vector<int64_t>({2, 4, 8}));
  QCOMPARE(out.mu.sizes().vec(), std::vector<int64_t>({2, 4, 8}));
  QCOMPARE(out.s.sizes().vec(), std::vector<int64_t>({2, 4, 8}));
  QCOMPARE(model->itemTable().size(0), int64_t(6));
  auto a = model->attributeTable();
  QCOMPARE(a.size(0), int64_t(6));
  // a_j is the mean of item j's attribute embeddings; items without attributes give zeros.
  auto w = model->named_parameters()["attributes.weight"];
  QVERIFY(torch::allclose(a[2], (w[1] + w[2]) / 2));
  QVERIFY(torch::allclose(a[4], torch::zeros({8})));
}

void TestModels::bceLoss() {
  // -(log σ(1) + log(1 - σ(-1))) = 2 · log(1 + e^-1)
  auto l = models::bceLoss(torch::tensor({1.0f}), torch::tensor({-1.0f}));
  QVERIFY(close(l.item<double>(), 2 * std::log1p(std::exp(-1.0))));
  auto zero = models::bceLoss(torch::tensor({0.0f, 0.0f}), torch::tensor({0.0f, 0.0f}));
  QVERIFY(close(zero.item<double>(), 2 * std::log(2.0)));
}

void TestModels::bprLoss() {
  auto l = models::bprLoss(torch::tensor({2.0f, 0.0f}), torch::tensor({1.0f, 0.0f}));
  QVERIFY(close(l.item<double>(), (std::log1p(std::exp(-1.0)) + std::log(2.0)) / 2));
}

void TestModels::sampledSoftmaxRemovesAccidentalHits() {
  auto h = torch::tensor({1.0f, 0.0f}).view({1, 2});
  auto table = torch::tensor({0.0f, 0.0f, 1.0f, 0.0f, 0.0f, 1.0f, 2.0f, 0.0f}).view({4, 2});
  // target 1 (logit 1), negatives 2 (0), 3 (2) and 1 (the target itself: removed)
  auto l = models::sampledSoftmaxLoss(h, table, torch::tensor({1}, torch::kLong),
                                      torch::tensor({2, 3, 1}, torch::kLong));
  const double expected = std::log(std::exp(1.0) + std::exp(0.0) + std::exp(2.0)) - 1.0;
  QVERIFY(close(l.item<double>(), expected));
}

void TestModels::fullSoftmax() {
  auto h = torch::tensor({1.0f, 0.0f}).view({1, 2});
  auto table = torch::tensor({9.0f, 9.0f, 1.0f, 0.0f, 0.0f, 1.0f, 2.0f, 0.0f}).view({4, 2});
  // Row 0 is padding and never a candidate (its 9s would dominate otherwise).
  auto l = models::fullSoftmaxLoss(h, table, torch::tensor({1}, torch::kLong));
  QVERIFY(close(l.item<double>(), std::log(std::exp(1.0) + 1.0 + std::exp(2.0)) - 1.0));
}

void TestModels::fusedFullSoftmaxMatchesAten_data() {
  QTest::addColumn<int>("rows");
  QTest::addColumn<int>("items");
  QTest::addColumn<int>("threads");
  // Item counts around the vector widths (4, 8, 16 floats) and row counts beyond one chunk
  // (fusedCeChunkRows(12101) = 346 rows), so tails and several chunks are exercised.
  QTest::newRow("one row, 1 item") << 1 << 1 << 1;
  QTest::newRow("tail of 7") << 5 << 23 << 1;
  QTest::newRow("exact width 16") << 9 << 32 << 1;
  QTest::newRow("Beauty-sized, 2 chunks") << 700 << 12101 << 1;
  QTest::newRow("Beauty-sized, 2 threads") << 700 << 12101 << 2;
  QTest::newRow("5 chunks over 3 threads") << 1500 << 12101 << 3;
  QTest::newRow("more threads than chunks") << 20 << 40 << 4;
}

void TestModels::fusedFullSoftmaxMatchesAten() {
  QFETCH(int, rows);
  QFETCH(int, items);
  QFETCH(int, threads);
  torch::set_num_threads(threads);
  torch::manual_seed(7);
  // Logits of a few units, as in training (scaled so that the softmax is far from uniform).
  auto h0 = (torch::randn({rows, 16}) * 1.5).requires_grad_(true);
  auto table0 = (torch::randn({items + 1, 16}) * 0.8).requires_grad_(true);
  auto h1 = h0.detach().clone().requires_grad_(true);
  auto table1 = table0.detach().clone().requires_grad_(true);
  auto targets = torch::randint(1, items + 1, {rows}, torch::kLong);
  auto reference = models::fullSoftmaxLoss(h0, table0, targets, train::CeKernel::Aten);
  // The kernel's own workers share the chunks; intra-op threads as well, for the ATen path.
  auto fused = models::fullSoftmaxLoss(h1, table1, targets, train::CeKernel::Fused, threads);
  // Any scalar upstream gradient: the fused kernel scales its precomputed gradients by it.
  (reference * 3.0).backward();
  (fused * 3.0).backward();
  torch::set_num_threads(1);
  QVERIFY2(close(fused.item<double>(), reference.item<double>(), 1e-5 * reference.item<double>()),
           qPrintable(QStringLiteral("loss %1 vs %2").arg(fused.item<double>()).arg(reference.item<double>())));
  const double dh = (h1.grad() - h0.grad()).abs().max().item<double>();
  const double dt = (table1.grad() - table0.grad()).abs().max().item<double>();
  const double scaleH = h0.grad().abs().max().item<double>();
  const double scaleT = table0.grad().abs().max().item<double>();
  QVERIFY2(dh <= 1e-5 * scaleH + 1e-9, qPrintable(QStringLiteral("grad h differs by %1 (max %2)").arg(dh).arg(scaleH)));
  QVERIFY2(dt <= 1e-5 * scaleT + 1e-9, qPrintable(QStringLiteral("grad table differs by %1 (max %2)").arg(dt).arg(scaleT)));
  // Row 0 (padding) is never a candidate: no gradient reaches it.
  QCOMPARE(table1.grad()[0].abs().sum().item<double>(), 0.0);
}

void TestModels::fusedFullSoftmaxWithoutGradient() {
  torch::manual_seed(3);
  auto h = torch::randn({50, 8});
  auto table = torch::randn({101, 8});
  auto targets = torch::randint(1, 101, {50}, torch::kLong);
  auto reference = models::fullSoftmaxLoss(h, table, targets, train::CeKernel::Aten);
  torch::Tensor fused;
  {
    torch::NoGradGuard noGrad;
    fused = models::fusedFullSoftmaxLoss(h, table, targets);
  }
  QVERIFY(close(fused.item<double>(), reference.item<double>(), 1e-5));
  // A target outside 1..I is a bug of the caller, reported as such.
  QVERIFY_EXCEPTION_THROWN(models::fusedFullSoftmaxLoss(h, table, torch::full({50}, 101, torch::kLong)),
                           c10::Error);
}

void TestModels::softmaxRowKernelExtremes() {
  // One huge logit: loss 0 for its column, softmax one-hot, no overflow.
  std::vector<float> x(37, 0.0f);
  x[5] = 1000.0f;
  float loss = models::softmaxCrossEntropyRow(x.data(), int64_t(x.size()), 5, 1.0f);
  QVERIFY(close(loss, 0.0, 1e-6));
  for (size_t j = 0; j < x.size(); ++j) QVERIFY(close(x[j], 0.0, 1e-6));
  // Equal logits: loss log n, gradient 1/n - onehot.
  std::fill(x.begin(), x.end(), -3.0f);
  loss = models::softmaxCrossEntropyRow(x.data(), int64_t(x.size()), 36, 2.0f);
  QVERIFY(close(loss, std::log(37.0), 1e-5));
  QVERIFY(close(x[0], 2.0 / 37.0, 1e-6));
  QVERIFY(close(x[36], 2.0 / 37.0 - 2.0, 1e-6));
  // A NaN logit makes the loss NaN (the divergence check then ends the run).
  std::fill(x.begin(), x.end(), 0.0f);
  x[3] = std::nanf("");
  QVERIFY(std::isnan(models::softmaxCrossEntropyLossRow(x.data(), int64_t(x.size()), 0)));
  // exp over the whole reduced range: compare with std::exp at many points.
  std::vector<float> y(4001);
  for (size_t i = 0; i < y.size(); ++i) y[i] = -80.0f + 0.02f * float(i);
  const float m = y.back();
  double sum = 0;
  for (float v : y) sum += std::exp(double(v) - double(m));
  loss = models::softmaxCrossEntropyRow(y.data(), int64_t(y.size()), 0, 1.0f);
  QVERIFY(close(loss, std::log(sum) + double(m) - (-80.0), 1e-5));
  qInfo("softmax row kernel path on this CPU: %s", models::softmaxRowsIsa());
}

void TestModels::blasRunsTheKernelsTheCpuSupports() {
  // The rule: a kernel set without AVX2 on a CPU with it is a fallback; a deliberate choice
  // (Zen's Haswell-class kernels on an AVX-512 Zen 4) is not; no OpenBLAS, no verdict.
  QVERIFY((BlasKernels{"Prescott", "SkylakeX", ""}.fallback()));
  QVERIFY((BlasKernels{"Sandybridge", "Haswell", ""}.fallback()));
  QVERIFY((!BlasKernels{"Zen", "SkylakeX", ""}.fallback()));
  QVERIFY((!BlasKernels{"SKYLAKEX", "SkylakeX", ""}.fallback()));
  QVERIFY((!BlasKernels{"Prescott", "", ""}.fallback()));
  QVERIFY((!BlasKernels{"", "SkylakeX", ""}.fallback()));
  // This process went through tests/support/fast_blas.cpp, and the CLI through its main():
  // neither runs fallback kernels, whatever OpenBLAS would have chosen on this CPU.
  const BlasKernels here = blasKernels();
  qInfo("OpenBLAS kernels: %s (CPU supports %s; OpenBLAS chose %s)", here.core.c_str(),
        here.supported.c_str(), here.chosenByOpenBlas.c_str());
  if (qEnvironmentVariableIsSet("IRL4REC_KEEP_BLAS")) QSKIP("IRL4REC_KEEP_BLAS is set");
  QVERIFY2(!here.fallback(), here.core.c_str());
  auto env = QProcessEnvironment::systemEnvironment();
  env.remove(QStringLiteral("OPENBLAS_CORETYPE"));
  env.remove(QString::fromLatin1(kBlasRestartMarker));
  const auto version = testing::runCliProcess({QStringLiteral("--version")}, env);
  QCOMPARE(version.code, 0);
#ifdef IRL4REC_LINKS_TCMALLOC
  // The training programs allocate through tcmalloc (top-level CMakeLists.txt); tests do not.
  QVERIFY2(version.out.contains(QStringLiteral("malloc: tcmalloc")), qPrintable(version.out));
  QCOMPARE(mallocInUse(), QStringLiteral("glibc"));
#endif
  if (!here.core.empty())
    QVERIFY2(version.out.contains(QStringLiteral(" %1 ").arg(QString::fromStdString(here.core))),
             qPrintable(version.out));
}

void TestModels::seedListsParse() {
  // The launch form and the sweep dialog both read seeds through this one parser.
  auto seeds = [](const char* text) {
    const auto r = parseSeedList(QString::fromLatin1(text), 100);
    return r ? r.value() : std::vector<quint64>{};
  };
  QCOMPARE(seeds("1, 2, 3"), (std::vector<quint64>{1, 2, 3}));
  QCOMPARE(seeds("1-3 7;2"), (std::vector<quint64>{1, 2, 3, 7}));  // order kept, repeat dropped
  QCOMPARE(seeds(" 42 "), (std::vector<quint64>{42}));
  QCOMPARE(seeds("0-99").size(), size_t(100));
  for (const char* bad : {"", " , ", "one", "3-1", "1-", "-1", "1.5", "0-100", "0-60 61-120"}) {
    const auto r = parseSeedList(QString::fromLatin1(bad), 100);
    QVERIFY2(!r, bad);
    QVERIFY2(r.error().cause.startsWith(QLatin1String("seeds: ")), qPrintable(r.error().cause));
  }
  QVERIFY(parseSeedList(QStringLiteral("one")).error().cause.contains(QLatin1String("'one'")));
}

void TestModels::bertInitOfXuEtAl() {
  // init xavier-clamp: every linear and embedding weight within ±0.02 (most of the wide ones
  // exactly at the bound), zero biases, the q/k/v projection Xavier-uniform and unclamped.
  torch::manual_seed(5);
  models::BlockStyle style;
  style.init = models::InitKind::XavierClamped;
  style.ffn = models::FfnKind::Gelu4dDropout;
  auto enc = std::make_shared<models::Bert4RecImpl>(models::Bert4RecOptions()
                                                       .hidden_size(64)
                                                       .num_heads(4)
                                                       .max_length(50)
                                                       .dropout(0.1)
                                                       .style(style));
  int checked = 0;
  for (const auto& p : enc->named_parameters()) {
    const QString name = QString::fromStdString(p.key());
    const double maxAbs = p.value().abs().max().item<double>();
    if (name.endsWith(QLatin1String("qkv.weight"))) {
      const double bound = std::sqrt(6.0 / (64.0 + 192.0));
      QVERIFY2(maxAbs > 0.05 && maxAbs <= bound + 1e-7, qPrintable(name));
      ++checked;
    } else if (name.endsWith(QLatin1String("bias")) && !name.contains(QLatin1String("ln")) &&
               !name.contains(QLatin1String("norm"))) {
      QVERIFY2(maxAbs == 0.0, qPrintable(name));
    } else if (name.endsWith(QLatin1String("ff1.weight")) || name.endsWith(QLatin1String("position.weight"))) {
      QVERIFY2(maxAbs <= 0.02 + 1e-7, qPrintable(name));
      // Xavier std 0.079 (ff1) and 0.13 (positions) against a bound of 0.02: most sit on it.
      const double atBound = p.value().abs().ge(0.02 - 1e-7).to(torch::kDouble).mean().item<double>();
      QVERIFY2(atBound > 0.6, qPrintable(name));
      ++checked;
    }
  }
  QCOMPARE(checked, 2 + 2 + 1);  // two q/k/v, two ff1, the position table
}

void TestModels::feedForwardDropoutActsOnlyInTraining() {
  // ffn gelu-4d-dropout differs from gelu-4d by one dropout between the feed-forward layers
  // (nn.TransformerEncoderLayer's): no parameter more, the same output in eval mode, another
  // output in training with the same random stream (the other dropouts draw the same masks).
  auto make = [](models::FfnKind ffn) {
    torch::manual_seed(9);
    models::BlockStyle style;
    style.ffn = ffn;
    return std::make_shared<models::Bert4RecImpl>(
        models::Bert4RecOptions().hidden_size(16).num_heads(2).max_length(8).dropout(0.3).style(style));
  };
  auto plain = make(models::FfnKind::Gelu4d);
  auto extra = make(models::FfnKind::Gelu4dDropout);
  QCOMPARE(extra->parameters().size(), plain->parameters().size());
  torch::manual_seed(10);
  auto x = torch::randn({3, 6, 16});
  auto lengths = torch::tensor({6, 4, 1}, torch::kLong);
  auto forward = [&](models::Bert4RecImpl& enc, bool training, uint64_t seed) {
    enc.train(training);
    models::RandomScope random(seed);
    return enc.forward(x, lengths);
  };
  QVERIFY(torch::allclose(forward(*plain, false, 1), forward(*extra, false, 1)));
  QVERIFY(torch::equal(forward(*plain, true, 1), forward(*plain, true, 1)));
  QVERIFY(!torch::allclose(forward(*plain, true, 1), forward(*extra, true, 1)));
}

void TestModels::clozeMasksRealPositions() {
  // Left-aligned rows of lengths 4, 2, 1; 0 is padding, 99 the mask token.
  const auto items = torch::tensor({{5, 6, 7, 8}, {3, 4, 0, 0}, {9, 0, 0, 0}}, torch::kLong);
  const auto lengths = torch::tensor({4, 2, 1}, torch::kLong);
  auto cloze = [&](const torch::Tensor& in, const torch::Tensor& len, double ratio, bool forceLast) {
    models::BatchPart p;
    p.items = in.clone();
    p.lengths = len;
    p.targets = torch::full_like(in, 77);  // every target is rewritten
    models::RandomScope random(3);
    train::applyCloze(p, ratio, 99, forceLast, models::currentGenerator());
    // A masked cell carries its item as the target and the mask token as input; every other
    // cell keeps its input and has no target.
    const auto isTarget = p.targets.ne(0);
    if (!torch::equal(torch::where(isTarget, p.targets, p.items), in)) return models::BatchPart();
    if (!torch::equal(torch::where(isTarget, p.items, torch::full_like(in, 99)), torch::full_like(in, 99)))
      return models::BatchPart();
    return p;
  };
  // No draw masks anything: without forceLast nothing is a target (those rows carry no loss) ...
  auto none = cloze(items, lengths, 0.0, false);
  QVERIFY(none.items.defined());
  QVERIFY(torch::equal(none.items, items));
  QCOMPARE(none.targets.ne(0).sum().item<int64_t>(), int64_t(0));
  // ... with it, each row's last real item and nothing else.
  auto forced = cloze(items, lengths, 0.0, true);
  QVERIFY(forced.items.defined());
  QVERIFY(torch::equal(forced.targets,
                       torch::tensor({{0, 0, 0, 8}, {0, 4, 0, 0}, {9, 0, 0, 0}}, torch::kLong)));
  // Every draw masks: all real positions, never padding, forced or not.
  for (bool forceLast : {false, true}) {
    auto all = cloze(items, lengths, 1.0, forceLast);
    QVERIFY(all.items.defined());
    QVERIFY(torch::equal(all.targets, items));
  }
  // Half the cells: 2,000 rows of two items; a row draws none with probability 1/4. Without
  // forceLast those rows have no target (expected 500, sd 19); with it every row has one, and
  // with the same draws the rows that changed are exactly those, each with its last item.
  const auto many = torch::tensor({1, 2}, torch::kLong).repeat({2000, 1});
  const auto twos = torch::full({2000}, 2, torch::kLong);
  auto half = cloze(many, twos, 0.5, false);
  QVERIFY(half.items.defined());
  const int64_t empty = half.targets.ne(0).sum(1).eq(0).sum().item<int64_t>();
  QVERIFY2(empty > 400 && empty < 600, qPrintable(QString::number(empty)));
  auto halfForced = cloze(many, twos, 0.5, true);
  QVERIFY(halfForced.items.defined());
  QCOMPARE(halfForced.targets.ne(0).sum(1).eq(0).sum().item<int64_t>(), int64_t(0));
  // The same draws: the forced run differs exactly in the rows that drew none.
  const auto changed = halfForced.targets.ne(half.targets).any(1);
  QCOMPARE(changed.sum().item<int64_t>(), empty);
  QCOMPARE(halfForced.targets.index({changed, 1}).eq(2).all().item<bool>(), true);
}

void TestModels::compression() {
  auto mu = torch::tensor({1.0f, 2.0f, 0.0f, 0.0f}).view({2, 2});
  auto logvar = torch::zeros({2, 2});
  QVERIFY(close(models::compressionLoss(train::CompressionKind::MeanSquare, mu, logvar).item<double>(), 2.5));
  // KL(N(μ, 1) ‖ N(0, 1)) = ‖μ‖² / 2 per row
  QVERIFY(close(models::compressionLoss(train::CompressionKind::Kl, mu, logvar).item<double>(), 1.25));
  auto lv = torch::full({1, 1}, std::log(2.0f));
  // 0.5 (0 + 2 - log 2 - 1)
  QVERIFY(close(models::compressionLoss(train::CompressionKind::Kl, torch::zeros({1, 1}), lv).item<double>(),
                0.5 * (1.0 - std::log(2.0))));
}

void TestModels::crossCorrelation() {
  auto t = torch::tensor({1.0f, -1.0f, 1.0f, -1.0f}).view({4, 1});
  auto s = torch::tensor({1.0f, 1.0f, -1.0f, -1.0f}).view({4, 1});
  QVERIFY(close(models::crossCorrelationDependence(t, s).item<double>(), 0.0));
  QVERIFY(close(models::crossCorrelationDependence(t, t).item<double>(), 1.0, 1e-4));
  QVERIFY(close(models::crossCorrelationDependence(t, -3 * t).item<double>(), 1.0, 1e-4));
  // Two identical columns against one: ‖C‖² = 1 + 1
  QVERIFY(close(models::crossCorrelationDependence(torch::cat({t, t}, 1), t).item<double>(), 2.0, 1e-4));
}

void TestModels::hsicMatchesFormula() {
  // x = (0, 1, 2): squared distances 1, 4, 1 → median 1 → K_ij = exp(-d²/2).
  auto x = torch::tensor({0.0f, 1.0f, 2.0f}).view({3, 1});
  double K[3][3];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) K[i][j] = std::exp(-double((i - j) * (i - j)) / 2.0);
  // HSIC(x, x) = tr(K H K H) / (n-1)², H = I - 1/n
  double HKH[3][3];
  double row[3] = {0, 0, 0}, col[3] = {0, 0, 0}, all = 0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) row[i] += K[i][j] / 3, col[j] += K[i][j] / 3, all += K[i][j] / 9;
  double expected = 0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      HKH[i][j] = K[i][j] - row[i] - col[j] + all;
      expected += HKH[i][j] * K[i][j];
    }
  expected /= 4.0;
  QVERIFY(close(models::hsicDependence(x, x).item<double>(), expected));
  QVERIFY(models::hsicDependence(x, torch::zeros({3, 1})).item<double>() < 1e-6);
}

void TestModels::ranksWithTiesAndHistory() {
  // items 1..5; item 0 is padding (its huge score must be ignored)
  auto scores = torch::tensor({99.0f, 0.5f, 0.9f, 0.5f, 0.1f, 0.7f,    // target 1, history {2}
                               99.0f, 0.5f, 0.9f, 0.5f, 0.1f, 0.7f,    // target 3, history {3, 5}
                               99.0f, 0.5f, 0.9f, 0.5f, 0.1f, 0.7f})   // target 2, no history
                    .view({3, 6});
  auto ranks = eval::fullRanks(scores, torch::tensor({1, 3, 2}, torch::kLong),
                               torch::tensor({0, 1, 1}, torch::kLong),
                               torch::tensor({2, 3, 5}, torch::kLong));
  // row 0: 0.9 is history; 0.7 beats it, the other 0.5 ties → pessimistic rank 2
  // row 1: the target itself is in the history but stays a candidate; 0.9 and the tie → 2
  // row 2: the best item → 0
  QCOMPARE(ranks[0].item<int64_t>(), int64_t(2));
  QCOMPARE(ranks[1].item<int64_t>(), int64_t(2));
  QCOMPARE(ranks[2].item<int64_t>(), int64_t(0));
}

void TestModels::constantScoresNeverFavourTheTarget() {
  const int64_t n = 1000;
  auto scores = torch::zeros({1, n + 1});
  auto ranks = eval::fullRanks(scores, torch::tensor({7}, torch::kLong),
                               torch::tensor({0, 0}, torch::kLong),
                               torch::tensor({3, 4}, torch::kLong));
  // Every other non-history item ties with the target and counts against it.
  QCOMPARE(ranks[0].item<int64_t>(), n - 1 - 2);
}

void TestModels::nanTargetRanksLast() {
  auto scores = torch::tensor({0.0f, NAN, 0.2f, 0.1f}).view({1, 4});
  auto ranks = eval::fullRanks(scores, torch::tensor({1}, torch::kLong),
                               torch::empty({0}, torch::kLong), torch::empty({0}, torch::kLong));
  QVERIFY(ranks[0].item<int64_t>() >= 3);
}

void TestModels::sampledRanks() {
  auto scores = torch::tensor({0.0f, 0.5f, 0.9f, 0.5f, 0.1f}).view({1, 5});
  auto r = eval::sampledRanks(scores, torch::tensor({1}, torch::kLong),
                              torch::tensor({3, 4}, torch::kLong).view({1, 2}));
  QCOMPARE(r[0].item<int64_t>(), int64_t(1));  // the tie with item 3 counts
}

void TestModels::blockedRanksEqualScoreMatrixRanks() {
  // The evaluation ranks blocks of users against the table without the score matrix; it must
  // give exactly the ranks of the whole matrix, ties included (pessimistic), history masked.
  torch::manual_seed(5);
  const int64_t B = 37, items = 100, d = 8;
  // Values on a coarse grid and duplicated table rows: many exact ties.
  auto queries = torch::randint(-2, 3, {B, d}).to(torch::kFloat);
  auto table = torch::randint(-2, 3, {items + 1, d}).to(torch::kFloat);
  table.narrow(0, 50, 10).copy_(table.narrow(0, 1, 10));
  auto targets = torch::randint(1, items + 1, {B}, torch::kLong);
  auto histRows = torch::randint(0, B, {200}, torch::kLong);
  auto histItems = torch::randint(0, items + 1, {200}, torch::kLong);
  auto scores = torch::matmul(queries, table.t());
  auto expected = eval::fullRanks(scores, targets, histRows, histItems);
  for (int64_t block : {1, 5, 37, 64}) {
    auto got = eval::fullRanksBlocked(queries, table, targets, histRows, histItems, block);
    QVERIFY2(torch::equal(got, expected), qPrintable(QStringLiteral("block %1").arg(block)));
  }
  // The vector count against a plain loop, NaNs never counting, lengths around the widths.
  for (int64_t n : {0, 1, 7, 8, 15, 16, 17, 33, 1000}) {
    std::vector<float> x(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) x[size_t(i)] = float((i * 7919) % 13) - 6.0f;
    if (n > 3) x[3] = std::nanf("");
    int64_t plain = 0;
    for (float v : x) plain += v >= 0.0f;
    QCOMPARE(models::countAtLeast(x.data(), n, 0.0f), plain);
  }
}

void TestModels::metricsFromRanks() {
  const auto m = eval::metricsFromRanks({0, 2, 9, 10}, QStringLiteral("full"));
  QCOMPARE(m.users, int64_t(4));
  QVERIFY(close(m.hrAt(5), 0.5));
  QVERIFY(close(m.hrAt(10), 0.75));
  QVERIFY(close(m.hrAt(20), 1.0));
  QVERIFY(close(m.ndcgAt(10), (1.0 + 1.0 / std::log2(4.0) + 1.0 / std::log2(11.0)) / 4));
  QVERIFY(close(m.mrrAt(10), (1.0 + 1.0 / 3 + 1.0 / 10) / 4));
  QVERIFY(close(m.mrrAt(5), (1.0 + 1.0 / 3) / 4));
  QVERIFY(std::isnan(m.hrAt(7)));
  const QJsonObject json = m.toJson();
  QVERIFY(close(json.value(QStringLiteral("HR@10")).toDouble(), 0.75));
  QCOMPARE(json.value(QStringLiteral("history_masked")).toBool(), true);
  QCOMPARE(eval::metricsFromRanks({}, QStringLiteral("sampled")).hrAt(10), 0.0);
}

namespace {

struct IrlFixture {
  models::ObjectiveOptions options;
  models::Recommender model{nullptr};
  torch::Tensor items, lengths, targets, negatives;

  explicit IrlFixture(double alpha, double beta, double gamma) {
    options.loss(models::LossKind::SampledCe).alpha(alpha).beta(beta).gamma(gamma);
    std::vector<std::vector<int32_t>> attrs = {{}, {1}, {2}, {1, 3}, {2}, {3}, {1}};
    model = models::Recommender(models::RecommenderOptions()
                                    .num_items(6)
                                    .num_attributes(3)
                                    .hidden_size(8)
                                    .num_heads(2)
                                    .max_length(5)
                                    .dropout(0.1)
                                    .irl(true)
                                    .confounder(true),
                                attrs);
    items = torch::tensor({1, 2, 3, 4, 5, 6, 1, 0}, torch::kLong).view({2, 4});
    lengths = torch::tensor({4, 3}, torch::kLong);
    targets = torch::tensor({2, 3, 4, 5, 6, 1, 2, 0}, torch::kLong).view({2, 4});
    negatives = torch::tensor({1, 4, 6}, torch::kLong);
  }
  models::ObjectiveTerms step() {
    auto terms = models::objective(options, *model, items, lengths, targets, negatives);
    model->zero_grad();
    terms.total.backward();
    return terms;
  }
  /// Largest absolute gradient over the parameters whose name starts with prefix (-1: none).
  double gradient(const std::string& prefix) {
    double g = -1;
    for (const auto& p : model->named_parameters())
      if (p.key().rfind(prefix, 0) == 0 && p.value().grad().defined())
        g = std::max(g, p.value().grad().abs().max().item<double>());
    return g;
  }
};

}  // namespace

void TestModels::irlGradientsReachBothEncoders() {
  models::RandomScope random(6);
  IrlFixture f(0.5, 0.1, 0.5);
  auto terms = f.step();
  QVERIFY(terms.recS.defined() && terms.compression.defined() && terms.dependence.defined());
  QVERIFY(close(terms.total.item<double>(),
                terms.recT.item<double>() + 0.5 * terms.recS.item<double>() +
                    0.1 * terms.compression.item<double>() + 0.5 * terms.dependence.item<double>(),
                1e-4));
  QVERIFY(f.gradient("adjustment.") > 0);
  QVERIFY(f.gradient("confounder.") > 0);
  QVERIFY(f.gradient("attributes.") > 0);
  QVERIFY(f.gradient("mu.") > 0);
}

void TestModels::confounderGetsNoGradientWithoutAlphaAndGamma() {
  models::RandomScope random(7);
  IrlFixture f(0.0, 0.1, 0.0);
  auto terms = f.step();
  QVERIFY(!terms.recS.defined() && !terms.dependence.defined());
  QVERIFY(f.gradient("adjustment.") > 0);
  QVERIFY(f.gradient("confounder.") <= 0);  // none at all (or exactly zero)
  QVERIFY(f.gradient("attributes.") <= 0);
  // ... and with γ alone the branch is trained only through the dependence term.
  IrlFixture g(0.0, 0.0, 1.0);
  g.step();
  QVERIFY(g.gradient("confounder.") > 0);
}

void TestModels::objectiveTermsFollowTheModelNotTheWeights() {
  // The objective computes the terms the model has: weights given to a model without μ / log σ²
  // heads (the baseline) or without the attribute branch change nothing.
  models::RandomScope random(8);
  IrlFixture f(0.5, 0.1, 0.5);
  auto baseline = models::Recommender(models::RecommenderOptions()
                                          .num_items(6)
                                          .hidden_size(8)
                                          .num_heads(2)
                                          .max_length(5)
                                          .dropout(0.0));
  auto terms = models::objective(f.options, *baseline, f.items, f.lengths, f.targets, f.negatives);
  QVERIFY(terms.recT.defined());
  QVERIFY(!terms.recS.defined() && !terms.compression.defined() && !terms.dependence.defined());
  QCOMPARE(terms.total.item<double>(), terms.recT.item<double>());
  auto noBranch = models::Recommender(
      models::RecommenderOptions().num_items(6).hidden_size(8).num_heads(2).max_length(5).irl(true));
  terms = models::objective(f.options, *noBranch, f.items, f.lengths, f.targets, f.negatives);
  QVERIFY(terms.compression.defined());
  QVERIFY(!terms.recS.defined() && !terms.dependence.defined());
}

void TestModels::objectiveOverPartsEqualsOnePaddedBatch_data() {
  QTest::addColumn<QString>("encoder");
  QTest::addColumn<QString>("loss");
  QTest::addColumn<bool>("irl");
  QTest::newRow("sasrec ce baseline") << "sasrec" << "ce" << false;
  QTest::newRow("sasrec ce irl4rec") << "sasrec" << "ce" << true;
  QTest::newRow("sasrec bce irl4rec") << "sasrec" << "bce" << true;
  QTest::newRow("gru4rec sampled-ce irl4rec") << "gru4rec" << "sampled-ce" << true;
  QTest::newRow("bert4rec ce irl4rec") << "bert4rec" << "ce" << true;
}

void TestModels::objectiveOverPartsEqualsOnePaddedBatch() {
  // split_batches: the rows of a padded batch given as parts of similar lengths, each padded
  // to its own width, give the same terms and the same gradients (no dropout, no noise).
  QFETCH(QString, encoder);
  QFETCH(QString, loss);
  QFETCH(bool, irl);
  models::RandomScope random(11);
  const std::vector<std::vector<int32_t>> attrs = {{}, {1}, {2}, {1, 3}, {3}, {2}, {1}};
  auto o = models::RecommenderOptions()
               .num_items(6)
               .num_attributes(3)
               .hidden_size(8)
               .num_heads(2)
               .max_length(6)
               .dropout(0.0)
               .encoder(train::parseEncoderKind(encoder).value())
               .style(models::BlockStyle{models::NormKind::Kang, models::FfnKind::ReluD, true,
                                         models::InitKind::Xavier})
               .irl(irl)
               .confounder(irl)
               .reparameterize(false);
  auto model = models::Recommender(o, attrs);
  for (auto& p : model->parameters()) p.set_data(p.data().to(torch::kDouble));  // tight check
  const auto options = models::ObjectiveOptions()
                           .loss(train::parseLossKind(loss).value())
                           .ce_kernel(models::CeKernel::Aten)  // the fused kernel is float only
                           .alpha(0.3)
                           .beta(0.2)
                           .gamma(0.4);
  // Four rows of lengths 5, 1, 2, 5 padded to 5; parts {rows 1, 2} (width 2), {rows 0, 3}.
  const std::vector<std::vector<int64_t>> rows = {
      {1, 2, 3, 4, 5}, {6, 0, 0, 0, 0}, {2, 4, 0, 0, 0}, {3, 1, 6, 2, 5}};
  const std::vector<std::vector<int64_t>> next = {
      {2, 3, 4, 5, 6}, {1, 0, 0, 0, 0}, {4, 6, 0, 0, 0}, {1, 6, 2, 5, 4}};
  const std::vector<int64_t> lengths = {5, 1, 2, 5};
  const std::vector<std::vector<int64_t>> negs = {
      {6, 1, 1, 2, 3}, {3, 0, 0, 0, 0}, {5, 1, 0, 0, 0}, {4, 4, 3, 1, 2}};
  auto block = [](const std::vector<std::vector<int64_t>>& m, const std::vector<int>& pick,
                  int64_t width) {
    std::vector<int64_t> flat;
    for (int r : pick)
      for (int64_t c = 0; c < width; ++c) flat.push_back(m[size_t(r)][size_t(c)]);
    return torch::tensor(flat, torch::kLong).view({int64_t(pick.size()), width});
  };
  auto part = [&](const std::vector<int>& pick, int64_t width) {
    std::vector<int64_t> l;
    for (int r : pick) l.push_back(lengths[size_t(r)]);
    models::BatchPart p{block(rows, pick, width), torch::tensor(l, torch::kLong),
                        block(next, pick, width), block(negs, pick, width)};
    if (loss == "sampled-ce") p.negatives = torch::tensor({1, 3, 5}, torch::kLong);
    return p;
  };
  auto run = [&](const std::vector<models::BatchPart>& parts) {
    model->zero_grad();
    auto terms = models::objective(options, *model, parts);
    terms.total.backward();
    std::vector<torch::Tensor> grads;
    for (const auto& p : model->parameters())
      grads.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
    return std::make_pair(terms, grads);
  };
  // encoder_groups: the same parts' encoders as groups, each with its own backward pass.
  bool attached = false;
  auto runGroups = [&](const std::vector<models::BatchPart>& parts, int groups, int threads) {
    model->zero_grad();
    auto terms = models::objectiveWithGradients(options, *model, parts, groups, threads);
    attached = attached || terms.total.requires_grad();  // detached: the gradients are in .grad
    std::vector<torch::Tensor> grads;
    for (const auto& p : model->parameters())
      grads.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
    return std::make_pair(terms, grads);
  };
  model->train();  // training path (dropout 0, no noise), as the trainer calls it
  const auto [whole, wholeGrads] = run({part({0, 1, 2, 3}, 5)});
  const auto [split, splitGrads] = run({part({1, 2}, 2), part({0, 3}, 5)});
  const std::vector<models::BatchPart> three = {part({1}, 1), part({2}, 2), part({0, 3}, 5)};
  const auto [grouped, groupedGrads] = runGroups(three, 2, 2);
  const auto [grouped1, grouped1Grads] = runGroups(three, 2, 1);
  const auto [oneGroup, oneGroupGrads] = runGroups({part({0, 1, 2, 3}, 5)}, 1, 2);
  auto same = [](const torch::Tensor& a, const torch::Tensor& b) {
    if (!a.defined() || !b.defined()) return a.defined() == b.defined();
    // In double precision, sums in another order agree to ~1e-15.
    return torch::allclose(a, b, 1e-10, 1e-12);
  };
  QVERIFY(same(whole.total, split.total));
  QVERIFY(same(whole.recT, split.recT));
  QVERIFY(same(whole.recS, split.recS));
  QVERIFY(same(whole.compression, split.compression));
  QVERIFY(same(whole.dependence, split.dependence));
  QCOMPARE(irl, whole.dependence.defined());
  QVERIFY(!attached);
  for (const auto* other : {&grouped, &grouped1, &oneGroup}) {
    QVERIFY(same(whole.total, other->total));
    QVERIFY(same(whole.recT, other->recT));
    QVERIFY(same(whole.recS, other->recS));
    QVERIFY(same(whole.compression, other->compression));
    QVERIFY(same(whole.dependence, other->dependence));
  }
  const auto names = model->named_parameters().keys();
  for (const auto* other : {&splitGrads, &groupedGrads, &grouped1Grads, &oneGroupGrads})
    for (size_t i = 0; i < wholeGrads.size(); ++i)
      QVERIFY2(same(wholeGrads[i], (*other)[i]),
               qPrintable(QStringLiteral("gradient of %1 differs by %2")
                              .arg(QString::fromStdString(names[i]))
                              .arg((wholeGrads[i] - (*other)[i]).abs().max().item<double>())));
  // The threads never change a bit: the groups' gradients are summed in group order.
  for (size_t i = 0; i < groupedGrads.size(); ++i)
    QVERIFY(torch::equal(groupedGrads[i], grouped1Grads[i]));
}

void TestModels::partGroupsBalanceThePaddedCells() {
  // Longest part first onto the least loaded group; each group in part order; fewer groups
  // than asked when there are fewer parts.
  auto part = [](int64_t rows, int64_t width) {
    return models::BatchPart{torch::zeros({rows, width}, torch::kLong), torch::Tensor(),
                             torch::Tensor(), torch::Tensor()};
  };
  const std::vector<models::BatchPart> parts = {part(4, 2), part(2, 10), part(3, 5), part(1, 6),
                                                part(5, 1)};  // cells 8, 20, 15, 6, 5
  using Groups = std::vector<std::vector<size_t>>;
  QCOMPARE(models::partGroups(parts, 2), (Groups{{1, 3}, {0, 2, 4}}));  // 26 and 28 cells
  QCOMPARE(models::partGroups(parts, 1), (Groups{{0, 1, 2, 3, 4}}));
  QCOMPARE(models::partGroups(parts, 9).size(), size_t(5));
  QCOMPARE(models::partGroups({}, 2).size(), size_t(0));
}

void TestModels::configValidation_data() {
  QTest::addColumn<QString>("field");
  QTest::addColumn<double>("value");
  QTest::addColumn<QString>("message");
  QTest::newRow("negative alpha") << "alpha" << -1.0 << "alpha must be >= 0";
  QTest::newRow("NaN beta") << "beta" << double(NAN) << "beta must be a finite number";
  QTest::newRow("inf gamma") << "gamma" << double(INFINITY) << "gamma must be a finite number";
  QTest::newRow("baseline with beta") << "beta" << 0.1 << "a baseline ignores alpha, beta and gamma";
  QTest::newRow("zero hidden") << "hidden" << 0.0 << "hidden size must be > 0";
  QTest::newRow("zero layers") << "layers" << 0.0 << "layers must be > 0";
  QTest::newRow("heads do not divide") << "heads" << 3.0 << "heads (3) must divide the hidden size (64)";
  QTest::newRow("zero batch") << "batch" << 0.0 << "batch size must be > 0";
  QTest::newRow("dropout 1") << "dropout" << 1.0 << "dropout must be in [0, 1)";
  QTest::newRow("zero lr") << "lr" << 0.0 << "learning rate must be > 0";
  QTest::newRow("zero negatives") << "negatives" << 0.0 << "negatives must be > 0";
}

void TestModels::configValidation() {
  QFETCH(QString, field);
  QFETCH(double, value);
  QFETCH(QString, message);
  train::TrainConfig c;
  QVERIFY(c.validate().ok());
  if (field == QLatin1String("alpha")) c.alpha = value;
  if (field == QLatin1String("beta")) c.beta = value;
  if (field == QLatin1String("gamma")) c.gamma = value;
  if (field == QLatin1String("hidden")) c.hiddenSize = int(value);
  if (field == QLatin1String("layers")) c.layers = int(value);
  if (field == QLatin1String("heads")) c.heads = int(value);
  if (field == QLatin1String("batch")) c.batchSize = int(value);
  if (field == QLatin1String("dropout")) c.dropout = value;
  if (field == QLatin1String("lr")) c.lr = value;
  if (field == QLatin1String("negatives")) c.negatives = int(value);
  const Status s = c.validate();
  QVERIFY(!s.ok());
  QVERIFY2(s.error().message().startsWith(message), qPrintable(s.error().message()));
  QVERIFY(!s.error().message().contains(QLatin1Char('\n')));
}

void TestModels::configJsonRoundTrip() {
  train::TrainConfig c;
  c.model = train::ModelKind::Irl4Rec;
  c.encoder = train::EncoderKind::Bert4Rec;
  c.loss = train::LossKind::Bpr;
  c.alpha = 0.25;
  c.beta = 1e-3;
  c.gamma = 2;
  c.compression = train::CompressionKind::Kl;
  c.dependence = train::DependenceKind::Hsic;
  c.useConfounder = false;
  c.hiddenSize = 32;
  c.seed = 18446744073709551557ull;  // beyond 2^53
  c.evalProtocol = train::EvalProtocol::Sampled;
  c.norm = train::NormKind::Pre;
  c.splitBatches = true;
  c.clozeLast = false;
  c.dataPath = QStringLiteral("/x/Beauty.txt");
  auto back = train::TrainConfig::fromJson(c.toJson());
  QVERIFY(back.ok());
  QCOMPARE(back.value().toJson(), c.toJson());
  QCOMPARE(back.value().seed, c.seed);
  QVERIFY(back.value().norm == train::NormKind::Pre);
  QVERIFY(back.value().splitBatches);
  QVERIFY(!train::TrainConfig().toJson().contains(QStringLiteral("split_batches")));
  QVERIFY(!back.value().clozeLast);
  QVERIFY(!train::TrainConfig().toJson().contains(QStringLiteral("cloze_last")));
  // The default placement is not written: configurations saved before the option existed
  // keep their JSON, so their runs keep their seed-group key.
  QVERIFY(!train::TrainConfig().toJson().contains(QStringLiteral("norm")));
  // Missing keys keep their defaults.
  auto empty = train::TrainConfig::fromJson(QJsonObject());
  QVERIFY(empty.ok());
  QCOMPARE(empty.value().toJson(), train::TrainConfig().toJson());
}

void TestModels::configJsonRejectsUnknownNames() {
  QJsonObject o;
  o[QStringLiteral("encoder")] = QStringLiteral("transformer");
  auto r = train::TrainConfig::fromJson(o);
  QVERIFY(!r.ok());
  QVERIFY(r.error().message().contains(QStringLiteral("gru4rec|sasrec|bert4rec")));
  QJsonObject wrongType;
  wrongType[QStringLiteral("alpha")] = QStringLiteral("high");
  QVERIFY(!train::TrainConfig::fromJson(wrongType).ok());
}

void TestModels::memoryEstimateCountsTheModelsParameters_data() {
  QTest::addColumn<train::EncoderKind>("encoder");
  QTest::addColumn<bool>("irl");
  for (auto e : {train::EncoderKind::SasRec, train::EncoderKind::Bert4Rec, train::EncoderKind::Gru4Rec})
    for (bool irl : {false, true})
      QTest::newRow(qPrintable(QStringLiteral("%1%2").arg(train::toString(e), irl ? " irl4rec" : "")))
          << e << irl;
}

void TestModels::memoryEstimateCountsTheModelsParameters() {
  // The estimate's parameter count against the real model's, within 5 %.
  QFETCH(train::EncoderKind, encoder);
  QFETCH(bool, irl);
  train::TrainConfig c;
  c.encoder = encoder;
  c.model = irl ? train::ModelKind::Irl4Rec : train::ModelKind::Baseline;
  c.hiddenSize = 32;
  c.layers = 2;
  c.heads = 2;
  c.maxLength = 20;
  train::DatasetSizes sizes;
  sizes.users = 100;
  sizes.items = 300;
  sizes.attributes = 12;
  sizes.longestSequence = 40;
  std::vector<std::vector<int32_t>> attrs(301, std::vector<int32_t>{1});
  attrs[0].clear();
  models::Recommender model(models::RecommenderOptions()
                                .encoder(encoder)
                                .num_items(300)
                                .num_attributes(12)
                                .hidden_size(32)
                                .num_layers(2)
                                .num_heads(2)
                                .max_length(20)
                                .irl(irl)
                                .confounder(irl),
                            attrs);
  double actual = 0;
  for (const auto& p : model->parameters()) actual += double(p.numel());
  const double estimated = train::estimateMemory(c, sizes).parameters;
  QVERIFY2(std::abs(estimated - actual) <= 0.05 * actual,
           qPrintable(QStringLiteral("estimated %1, the model has %2").arg(estimated).arg(actual)));
}

void TestModels::memoryCheckNamesTheSetting_data() {
  QTest::addColumn<QString>("setting");
  QTest::addColumn<QString>("expected");
  QTest::newRow("hidden") << "hidden" << "hidden size 100000000 needs an estimated";
  QTest::newRow("max length") << "max-length" << "max length 100000000 needs an estimated";
  QTest::newRow("batch") << "batch" << "batch size 100000000 needs an estimated";
  QTest::newRow("full ce, ATen kernel") << "ce-aten" << "CE kernel aten needs an estimated";
  QTest::newRow("full ce, fused kernel fits") << "ce-fused" << "";
  QTest::newRow("a catalogue too large") << "items" << "the dataset (100000000 items";
  QTest::newRow("eval batch") << "eval-batch" << "evaluation batch size 100000000 needs";
  QTest::newRow("defaults fit") << "none" << "";
}

void TestModels::memoryCheckNamesTheSetting() {
  QFETCH(QString, setting);
  QFETCH(QString, expected);
  // A big dataset (10 million users, a million items, sequences up to 500) on a 16 GB machine.
  train::DatasetSizes sizes;
  sizes.users = 10000000;
  sizes.items = 1000000;
  sizes.attributes = 1000;
  sizes.longestSequence = 500;
  const train::MachineMemory machine{16e9, 8e9};
  train::TrainConfig c;
  if (setting == QLatin1String("hidden")) c.hiddenSize = 100000000;
  if (setting == QLatin1String("max-length")) c.maxLength = 100000000;
  if (setting == QLatin1String("batch")) c.batchSize = 100000000;
  if (setting.startsWith(QLatin1String("ce-"))) {
    c.loss = train::LossKind::Ce;
    c.ceKernel = setting == QLatin1String("ce-aten") ? train::CeKernel::Aten : train::CeKernel::Fused;
  }
  if (setting == QLatin1String("items")) sizes.items = 100000000;
  if (setting == QLatin1String("eval-batch")) c.evalBatchSize = 100000000;
  const Status s = train::checkMemory(c, sizes, machine);
  if (expected.isEmpty()) {
    QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().message()));
    return;
  }
  QVERIFY(!s.ok());
  const QString message = s.error().message();
  QVERIFY2(message.startsWith(expected), qPrintable(message));
  QVERIFY2(message.contains(QStringLiteral("this machine has 16.0 GB of memory")), qPrintable(message));
  QVERIFY(!message.contains(QLatin1Char('\n')));
  // No machine information, no refusal.
  QVERIFY(train::checkMemory(c, sizes, std::nullopt).ok());
}

void TestModels::machineMemoryFromMeminfo() {
  QTemporaryDir dir;
  const QString path = dir.filePath(QStringLiteral("meminfo"));
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write("MemTotal:       24683584 kB\nMemFree:        19190864 kB\nMemAvailable:   20204220 kB\n");
  f.close();
  const auto m = train::readMachineMemory(path);
  QVERIFY(m.has_value());
  QCOMPARE(m->totalBytes, 24683584.0 * 1024);
  QCOMPARE(m->availableBytes, 20204220.0 * 1024);
  QVERIFY(!train::readMachineMemory(dir.filePath(QStringLiteral("absent"))).has_value());
  QCOMPARE(train::formatBytes(1.5e9), QStringLiteral("1.5 GB"));
  QCOMPARE(train::formatBytes(512), QStringLiteral("512 B"));
}

QTEST_GUILESS_MAIN(TestModels)
#include "test_models.moc"
