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
#include <QFile>
#include <QJsonDocument>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace {

long vmHwmKb() {
  QFile f(QStringLiteral("/proc/self/status"));
  if (!f.open(QIODevice::ReadOnly)) return -1;
  for (const QByteArray& line : f.readAll().split('\n'))
    if (line.startsWith("VmHWM:")) return line.mid(6).trimmed().split(' ').front().toLong();
  return -1;
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
  std::printf("%-6s %10s %10s %12s %10s\n", "epoch", "train_s", "eval_s", "valid_ndcg10",
              "vmhwm_mb");
  std::vector<double> trainTimes, evalTimes;
  train::RunCallbacks callbacks;
  callbacks.onEpoch = [&](const train::EpochProgress& p) {
    trainTimes.push_back(p.trainSeconds);
    evalTimes.push_back(p.evalSeconds);
    std::printf("%-6d %10.2f %10.2f %12.4f %10.1f\n", p.epoch, p.trainSeconds, p.evalSeconds,
                p.validation.ndcgAt(10), vmHwmKb() / 1024.0);
    std::fflush(stdout);
  };
  train::RunController controller(dataset, config);
  const auto outcome = controller.run(callbacks);
  if (outcome.status != train::RunStatus::Finished) {
    std::fprintf(stderr, "run %s: %s\n", qPrintable(train::toString(outcome.status)),
                 qPrintable(outcome.message));
    return 1;
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
  };
  std::printf("median train epoch %.2f s, median full evaluation %.2f s (%lld users x %lld items), "
              "peak RSS %.1f MB\n",
              median(trainTimes), median(evalTimes), (long long)outcome.validation.users,
              (long long)stats.items, vmHwmKb() / 1024.0);
  return 0;
}
