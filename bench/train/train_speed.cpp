// Speed of the training core on a real dataset: per-epoch training time, full-ranking
// evaluation time and peak resident memory (VmHWM). Prints one line per epoch and a summary.
//
//   bench_train_speed [--data PATH] [--epochs N] [--threads N] [--encoder sasrec] [--loss bce]
//                     [--model baseline|irl4rec] [--alpha A --beta B --gamma G]
// Defaults: ../shared/datasets/amazon/Beauty.txt, SASRec d=64, 2 blocks, 2 heads, batch 256,
// max length 50, dropout 0.5, BCE with one negative (the reference implementation's setup).
#include "core/data/readers.h"
#include "core/train/run_controller.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace {

/// CPU seconds used by the process so far (user + system, all threads).
double cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

long vmHwmKb() {
  QFile f(QStringLiteral("/proc/self/status"));
  if (!f.open(QIODevice::ReadOnly)) return -1;
  for (const QByteArray& line : f.readAll().split('\n'))
    if (line.startsWith("VmHWM:")) return line.mid(6).trimmed().split(' ').front().toLong();
  return -1;
}

QByteArray loadAverage() {
  QFile f(QStringLiteral("/proc/loadavg"));
  if (!f.open(QIODevice::ReadOnly)) return "?";
  return f.readAll().split(' ').mid(0, 3).join(' ');
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  using namespace irl4rec;
  QString path = QStringLiteral(IRL4REC_SHARED_DIR "/datasets/amazon/Beauty.txt");
  train::TrainConfig config;
  config.loss = train::LossKind::Bce;
  config.epochs = 3;
  config.patience = 0;
  config.evalEvery = 1000000;  // training epochs only; evaluations are timed separately below
  const QStringList args = app.arguments();
  for (int i = 1; i + 1 < args.size(); i += 2) {
    const QString& k = args[i];
    const QString& v = args[i + 1];
    if (k == QLatin1String("--data")) path = v;
    else if (k == QLatin1String("--epochs")) config.epochs = v.toInt();
    else if (k == QLatin1String("--threads")) config.threads = v.toInt();
    else if (k == QLatin1String("--encoder")) config.encoder = train::parseEncoderKind(v).value();
    else if (k == QLatin1String("--loss")) config.loss = train::parseLossKind(v).value();
    else if (k == QLatin1String("--model")) config.model = train::parseModelKind(v).value();
    else if (k == QLatin1String("--alpha")) config.alpha = v.toDouble();
    else if (k == QLatin1String("--beta")) config.beta = v.toDouble();
    else if (k == QLatin1String("--gamma")) config.gamma = v.toDouble();
    else {
      std::fprintf(stderr, "unknown option %s\n", qPrintable(k));
      return 2;
    }
  }
  auto loaded = data::loadDataset(path);
  if (!loaded) {
    std::fprintf(stderr, "%s\n", qPrintable(loaded.error().message()));
    return 2;
  }
  auto dataset = std::make_shared<const data::Dataset>(std::move(loaded.value()));
  const auto stats = dataset->stats();
  std::printf("dataset %s: %lld users, %lld items, %lld interactions\n",
              qPrintable(dataset->name), (long long)stats.users, (long long)stats.items,
              (long long)stats.interactions);
  std::printf("config: %s\n",
              QJsonDocument(config.toJson()).toJson(QJsonDocument::Compact).constData());
  std::printf("%-6s %12s %12s %10s\n", "epoch", "train_wall_s", "train_cpu_s", "vmhwm_mb");
  std::vector<double> trainTimes, trainCpu, evalTimes, evalCpu;
  double cpuMark = cpuSeconds();
  train::RunCallbacks callbacks;
  callbacks.onEpoch = [&](const train::EpochProgress& p) {
    const double cpu = cpuSeconds() - cpuMark;
    cpuMark = cpuSeconds();
    if (p.evaluated) return;  // the last epoch also validates: not a pure training figure
    trainTimes.push_back(p.trainSeconds);
    trainCpu.push_back(cpu);
    std::printf("%-6d %12.2f %12.2f %10.1f\n", p.epoch, p.trainSeconds, cpu, vmHwmKb() / 1024.0);
    std::fflush(stdout);
  };
  train::RunController controller(dataset, config);
  const auto outcome = controller.run(callbacks);
  if (outcome.status != train::RunStatus::Finished) {
    std::fprintf(stderr, "run %s: %s\n", qPrintable(train::toString(outcome.status)),
                 qPrintable(outcome.message));
    return 1;
  }
  std::printf("%-6s %12s %12s %12s\n", "eval", "wall_s", "cpu_s", "valid_ndcg10");
  for (int i = 1; i <= 3; ++i) {
    QElapsedTimer wall;
    wall.start();
    const double c0 = cpuSeconds();
    auto m = controller.evaluate(data::Stage::Validation);
    evalTimes.push_back(double(wall.nsecsElapsed()) * 1e-9);
    evalCpu.push_back(cpuSeconds() - c0);
    std::printf("%-6d %12.2f %12.2f %12.4f\n", i, evalTimes.back(), evalCpu.back(),
                m.ok() ? m.value().ndcgAt(10) : -1.0);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
  };
  std::printf("median train epoch %.2f s wall (%.2f s CPU), median full evaluation %.2f s wall "
              "(%.2f s CPU) for %lld users x %lld items, peak RSS %.1f MB, load average at end: %s\n",
              median(trainTimes), median(trainCpu), median(evalTimes), median(evalCpu),
              (long long)outcome.validation.users, (long long)stats.items, vmHwmKb() / 1024.0,
              loadAverage().constData());
  return 0;
}
