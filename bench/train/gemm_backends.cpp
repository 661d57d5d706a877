// bench_gemm_backends: the three matrix products of one full-softmax CE epoch (docs/SPEED.md,
// issue 12), timed alone on one thread with each backend this machine has — OpenBLAS (what
// LibTorch's float products use on Debian), oneDNN in float and oneDNN in bfloat16 with float
// output — to find the arithmetic floor of an epoch and whether reduced precision pays.
//
// Shapes: Beauty's 153,776 training targets in chunks of `rows` (the fused CE's chunk, 346 for
// 12,101 items), d 64: logits = h Wᵀ, grad_h = P W, grad_W += Pᵀ h.
//
//   bench_gemm_backends [--rows 346] [--targets 153776] [--items 12101] [--json FILE]
#include "core/common/blas_kernels.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>

#include <dlfcn.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using Sgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int,
                       float, float*, int);
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;

double seconds(const std::function<void()>& f) {
  const auto t0 = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Row {
  QString backend, kernel;
  double logits = 0, gradH = 0, gradW = 0;
  double total() const { return logits + gradH + gradW; }
};

}  // namespace

int main(int argc, char** argv) {
  irl4rec::restartWithFastBlasKernels(argv);
  QCoreApplication app(argc, argv);
  const QStringList args = app.arguments();
  auto intArg = [&](const char* name, int fallback) {
    const int i = int(args.indexOf(QLatin1String(name)));
    return i >= 0 && i + 1 < args.size() ? args[i + 1].toInt() : fallback;
  };
  const int M = intArg("--rows", 346), I = intArg("--items", 12101), K = 64;
  const int targets = intArg("--targets", 153776);
  const int reps = (targets + M - 1) / M;
  const int jsonAt = int(args.indexOf(QStringLiteral("--json")));
  // One thread for every backend: OpenBLAS's pool and OpenMP's (oneDNN's runtime here).
  using SetThreads = void (*)(int);
  for (const char* symbol : {"openblas_set_num_threads", "omp_set_num_threads"})
    if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, symbol))) set(1);

  std::mt19937 gen(1);
  std::normal_distribution<float> normal(0.0f, 0.1f);
  std::vector<float> h(size_t(M) * K), W(size_t(I) * K), logits(size_t(M) * I), P(size_t(M) * I),
      gradH(size_t(M) * K), gradW(size_t(I) * K);
  for (auto* v : {&h, &W, &P})
    for (float& x : *v) x = normal(gen);

  std::vector<Row> rows;
  if (auto sgemm = reinterpret_cast<Sgemm>(dlsym(RTLD_DEFAULT, "cblas_sgemm"))) {
    Row r{QStringLiteral("OpenBLAS float"), QString::fromStdString(irl4rec::blasKernels().core)};
    r.logits = seconds([&] {
      for (int i = 0; i < reps; ++i)
        sgemm(kRowMajor, kNoTrans, kTrans, M, I, K, 1, h.data(), K, W.data(), K, 0, logits.data(), I);
    });
    r.gradH = seconds([&] {
      for (int i = 0; i < reps; ++i)
        sgemm(kRowMajor, kNoTrans, kNoTrans, M, K, I, 1, P.data(), I, W.data(), K, 0, gradH.data(), K);
    });
    r.gradW = seconds([&] {
      for (int i = 0; i < reps; ++i)
        sgemm(kRowMajor, kTrans, kNoTrans, I, K, M, 1, P.data(), I, h.data(), K, 1, gradW.data(), K);
    });
    rows.push_back(r);
  }

  {
    // oneDNN's BLAS-like sgemm (row-major, its JIT GEMM): a drop-in for cblas_sgemm.
    Row r{QStringLiteral("oneDNN sgemm"), QStringLiteral("gemm:jit")};
    r.logits = seconds([&] {
      for (int i = 0; i < reps; ++i)
        dnnl_sgemm('N', 'T', M, I, K, 1, h.data(), K, W.data(), K, 0, logits.data(), I);
    });
    r.gradH = seconds([&] {
      for (int i = 0; i < reps; ++i)
        dnnl_sgemm('N', 'N', M, K, I, 1, P.data(), I, W.data(), K, 0, gradH.data(), K);
    });
    r.gradW = seconds([&] {
      for (int i = 0; i < reps; ++i)
        dnnl_sgemm('T', 'N', I, K, M, 1, P.data(), I, h.data(), K, 1, gradW.data(), K);
    });
    rows.push_back(r);
  }

  using dnnl::memory;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  for (auto type : {memory::data_type::f32, memory::data_type::bf16}) {
    const QString name = type == memory::data_type::f32 ? QStringLiteral("oneDNN float")
                                                        : QStringLiteral("oneDNN bfloat16 in, float out");
    try {
      const auto f32 = memory::data_type::f32;
      auto desc = [](memory::dims dims, memory::data_type t, memory::format_tag tag) {
        return memory::desc(dims, t, tag);
      };
      // Weights in the layout each primitive prefers ("any"), reordered once per optimiser step
      // (~9 chunks of a batch of 512 share one table); the reorders are counted below.
      const dnnl::matmul::primitive_desc pdLogits(
          dnnl::matmul::desc(desc({M, K}, type, memory::format_tag::ab),
                             desc({K, I}, type, memory::format_tag::any),
                             desc({M, I}, f32, memory::format_tag::ab)), engine);
      const dnnl::matmul::primitive_desc pdGradH(
          dnnl::matmul::desc(desc({M, I}, type, memory::format_tag::ab),
                             desc({I, K}, type, memory::format_tag::any),
                             desc({M, K}, f32, memory::format_tag::ab)), engine);
      dnnl::post_ops accumulate;
      accumulate.append_sum(1.0f);
      dnnl::primitive_attr attr;
      attr.set_post_ops(accumulate);
      const dnnl::matmul::primitive_desc pdGradW(
          dnnl::matmul::desc(desc({I, M}, type, memory::format_tag::ba),
                             desc({M, K}, type, memory::format_tag::ab),
                             desc({I, K}, f32, memory::format_tag::ab)), attr, engine);
      memory src(pdLogits.src_desc(), engine), out(pdLogits.dst_desc(), engine, logits.data());
      memory plainWt(desc({K, I}, type, memory::format_tag::ba), engine);
      memory plainW(desc({I, K}, type, memory::format_tag::ab), engine);
      memory packedWt(pdLogits.weights_desc(), engine), packedW(pdGradH.weights_desc(), engine);
      memory probs(pdGradH.src_desc(), engine), gh(pdGradH.dst_desc(), engine, gradH.data());
      memory probsT(pdGradW.src_desc(), engine), hc(pdGradW.weights_desc(), engine);
      memory gw(pdGradW.dst_desc(), engine, gradW.data());
      const dnnl::matmul mLogits(pdLogits), mGradH(pdGradH), mGradW(pdGradW);
      const int steps = std::max(1, reps / 9);
      const double reorders = seconds([&] {
        for (int i = 0; i < steps; ++i) {
          dnnl::reorder(plainWt, packedWt).execute(stream, plainWt, packedWt);
          dnnl::reorder(plainW, packedW).execute(stream, plainW, packedW);
        }
        stream.wait();
      });
      Row r{name, QString::fromLatin1(pdLogits.impl_info_str())};
      r.logits = reorders / 2 + seconds([&] {
        for (int i = 0; i < reps; ++i)
          mLogits.execute(stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, packedWt}, {DNNL_ARG_DST, out}});
        stream.wait();
      });
      r.gradH = reorders / 2 + seconds([&] {
        for (int i = 0; i < reps; ++i)
          mGradH.execute(stream, {{DNNL_ARG_SRC, probs}, {DNNL_ARG_WEIGHTS, packedW}, {DNNL_ARG_DST, gh}});
        stream.wait();
      });
      r.gradW = seconds([&] {
        for (int i = 0; i < reps; ++i)
          mGradW.execute(stream, {{DNNL_ARG_SRC, probsT}, {DNNL_ARG_WEIGHTS, hc}, {DNNL_ARG_DST, gw}});
        stream.wait();
      });
      rows.push_back(r);
    } catch (const dnnl::error& e) {
      std::printf("%s: not available on this CPU (%s)\n", qPrintable(name), e.what());
    }
  }

  const double flops = 3.0 * 2.0 * double(reps) * M * double(I) * K;
  std::printf("one epoch's products: %d chunks of %d rows x %d items x d %d, %.3f TFLOP\n", reps, M,
              I, K, flops / 1e12);
  std::printf("%-30s %-24s %8s %8s %8s %8s %8s\n", "backend", "kernel", "logits", "grad_h",
              "grad_W", "total s", "GFLOP/s");
  QJsonArray out;
  for (const Row& r : rows) {
    std::printf("%-30s %-24s %8.3f %8.3f %8.3f %8.3f %8.1f\n", qPrintable(r.backend),
                qPrintable(r.kernel), r.logits, r.gradH, r.gradW, r.total(), flops / r.total() / 1e9);
    out.append(QJsonObject{{QStringLiteral("backend"), r.backend},
                           {QStringLiteral("kernel"), r.kernel},
                           {QStringLiteral("logits_s"), r.logits},
                           {QStringLiteral("grad_h_s"), r.gradH},
                           {QStringLiteral("grad_w_s"), r.gradW},
                           {QStringLiteral("total_s"), r.total()},
                           {QStringLiteral("gflops"), flops / r.total() / 1e9}});
  }
  if (jsonAt >= 0 && jsonAt + 1 < args.size()) {
    QFile f(args[jsonAt + 1]);
    if (!f.open(QIODevice::WriteOnly)) {
      std::fprintf(stderr, "cannot write %s\n", qPrintable(args[jsonAt + 1]));
      return 1;
    }
    f.write(QJsonDocument(QJsonObject{{QStringLiteral("rows_per_chunk"), M},
                                      {QStringLiteral("chunks"), reps},
                                      {QStringLiteral("items"), I},
                                      {QStringLiteral("tflop"), flops / 1e12},
                                      {QStringLiteral("backends"), out}})
                .toJson());
  }
  return 0;
}
