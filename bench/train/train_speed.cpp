// Speed of the training core on a real dataset: per-epoch training time, full-ranking
// evaluation time and peak resident memory (VmHWM). Prints one line per epoch and a summary;
// with --reference, runs the plain PyTorch implementation (reference_sasrec.py, Debian's
// python3-torch) on the same data, loss, batch and threads in the same invocation and prints
// the two side by side with their ratio.
//
//   bench_train_speed [--data PATH] [--epochs N] [--recipe NAME] [--config FILE]
//                     [--set key=value ...]
//                     [--threads N] [--loss L] [--batch N] [--encoder E] [--model M]
//                     [--alpha A --beta B --gamma G] [--reference [--reference-epochs N]]
//                     [--json FILE]
// --config / --set take any TrainConfig JSON key (docs: core/train/train_config.h), so the
// benchmark runs the full recipe of a run (e.g. --set ce_kernel=aten --set dropout=0.6).
// Defaults: ../shared/datasets/amazon/Beauty.txt, SASRec d=64, 2 blocks, 2 heads, batch 256,
// max length 50, dropout 0.5, BCE with one negative (the reference implementation's setup).
// --json FILE also writes the figures (configuration, machine, every epoch's and evaluation's
// wall and CPU seconds, peak RSS, load average, the reference's when run) for bench/results/.
#include "core/common/blas_kernels.h"
#include "core/data/readers.h"
#include "core/models/softmax_rows.h"
#include "core/train/config_fields.h"
#include "core/train/recipes.h"
#include "core/train/run_controller.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>

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
  irl4rec::restartWithFastBlasKernels(argv);  // before anything loads a matrix
  QCoreApplication app(argc, argv);
  using namespace irl4rec;
  QString path = QStringLiteral(IRL4REC_SHARED_DIR "/datasets/amazon/Beauty.txt");
  QString jsonPath;
  QJsonObject json = train::TrainConfig().toJson();
  json[QStringLiteral("loss")] = QStringLiteral("bce");
  json[QStringLiteral("epochs")] = 3;
  json[QStringLiteral("patience")] = 0;
  json[QStringLiteral("eval_every")] = 1000000;  // training epochs only; evaluations timed below
  bool reference = false;
  int referenceEpochs = 1;
  const QStringList args = app.arguments();
  // Flag name -> TrainConfig JSON key, for the common settings.
  const QHash<QString, QString> shortcut = {
      {QStringLiteral("--epochs"), QStringLiteral("epochs")},
      {QStringLiteral("--threads"), QStringLiteral("threads")},
      {QStringLiteral("--encoder"), QStringLiteral("encoder")},
      {QStringLiteral("--loss"), QStringLiteral("loss")},
      {QStringLiteral("--model"), QStringLiteral("model")},
      {QStringLiteral("--batch"), QStringLiteral("batch_size")},
      {QStringLiteral("--alpha"), QStringLiteral("alpha")},
      {QStringLiteral("--beta"), QStringLiteral("beta")},
      {QStringLiteral("--gamma"), QStringLiteral("gamma")}};
  auto setValue = [&](const QString& key, const QString& text) {
    bool isNumber = false;
    const double number = text.toDouble(&isNumber);
    if (text == QLatin1String("true") || text == QLatin1String("false"))
      json[key] = text == QLatin1String("true");
    else if (isNumber && key != QLatin1String("seed"))
      json[key] = number;
    else
      json[key] = text;
  };
  for (int i = 1; i < args.size(); ++i) {
    const QString& k = args[i];
    if (k == QLatin1String("--reference")) {
      reference = true;
      continue;
    }
    if (i + 1 >= args.size()) {
      std::fprintf(stderr, "%s needs a value\n", qPrintable(k));
      return 2;
    }
    const QString& v = args[++i];
    if (k == QLatin1String("--data")) {
      path = v;
    } else if (k == QLatin1String("--json")) {
      jsonPath = v;
    } else if (k == QLatin1String("--reference-epochs")) {
      referenceEpochs = v.toInt();
    } else if (k == QLatin1String("--config")) {
      QFile f(v);
      if (!f.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "%s: cannot open\n", qPrintable(v));
        return 2;
      }
      const QJsonObject loadedJson = QJsonDocument::fromJson(f.readAll()).object();
      for (auto it = loadedJson.begin(); it != loadedJson.end(); ++it) {
        if (!train::isConfigKey(it.key())) {
          std::fprintf(stderr, "%s: '%s' is not a configuration key (a recipe? use --recipe)\n",
                       qPrintable(v), qPrintable(it.key()));
          return 2;
        }
        json[it.key()] = it.value();
      }
    } else if (k == QLatin1String("--recipe")) {
      auto recipe = train::findRecipe(v);
      if (!recipe) {
        std::fprintf(stderr, "%s\n", qPrintable(recipe.error().message()));
        return 2;
      }
      const QJsonObject& rc = recipe.value().configJson;
      for (auto it = rc.begin(); it != rc.end(); ++it) json[it.key()] = it.value();
    } else if (k == QLatin1String("--set")) {
      const int eq = v.indexOf(QLatin1Char('='));
      if (eq <= 0) {
        std::fprintf(stderr, "--set wants key=value, got '%s'\n", qPrintable(v));
        return 2;
      }
      setValue(v.left(eq), v.mid(eq + 1));
    } else if (shortcut.contains(k)) {
      setValue(shortcut.value(k), v);
    } else {
      std::fprintf(stderr, "unknown option %s\n", qPrintable(k));
      return 2;
    }
  }
  auto parsed = train::TrainConfig::fromJson(json);
  if (!parsed) {
    std::fprintf(stderr, "%s\n", qPrintable(parsed.error().message()));
    return 2;
  }
  train::TrainConfig config = parsed.value();
  if (auto ok = config.validate(); !ok) {
    std::fprintf(stderr, "%s\n", qPrintable(ok.error().message()));
    return 2;
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
  // Where an evaluation's time goes: the encoder alone (the validation histories' query
  // embeddings, one thread, the evaluation's batches) against the whole evaluation. It is
  // RunController::embeddings, so it also copies the [users, d] result into an
  // EmbeddingMatrix and puts the rows back in user order (~1.4 M floats: a few ms).
  std::vector<double> encoderTimes;
  for (int i = 1; i <= 3; ++i) {
    QElapsedTimer wall;
    wall.start();
    auto e = controller.embeddings(data::Stage::Validation);
    encoderTimes.push_back(double(wall.nsecsElapsed()) * 1e-9);
    if (!e.ok()) encoderTimes.back() = -1;
  }
  std::printf("encoder alone (query embeddings of every validation history, one thread, "
              "incl. the copy out): median %.2f s\n", median(encoderTimes));
  // The evaluation batch is operational: the ranks must be those of batches of 2,048 users.
  if (config.evalBatchSize != 2048) {
    auto ranks = controller.ranks(data::Stage::Validation);
    controller.setEvaluationSettings(config.evalProtocol, config.threads, 2048);
    auto reference = controller.ranks(data::Stage::Validation);
    controller.setEvaluationSettings(config.evalProtocol, config.threads, config.evalBatchSize);
    if (ranks.ok() && reference.ok()) {
      size_t differ = 0;
      for (size_t i = 0; i < ranks.value().ranks.size(); ++i)
        differ += ranks.value().ranks[i] != reference.value().ranks[i] ? 1 : 0;
      std::printf("validation ranks with %d users per batch vs 2,048: %zu of %zu differ\n",
                  config.evalBatchSize, differ, ranks.value().ranks.size());
    }
  }
  std::printf("median train epoch %.2f s wall (%.2f s CPU), median full evaluation %.2f s wall "
              "(%.2f s CPU) for %lld users x %lld items, peak RSS %.1f MB, load average at end: %s\n",
              median(trainTimes), median(trainCpu), median(evalTimes), median(evalCpu),
              (long long)outcome.validation.users, (long long)stats.items, vmHwmKb() / 1024.0,
              loadAverage().constData());
  std::printf("softmax row kernel: %s\n", models::softmaxRowsIsa());
  QJsonObject result;
  result[QStringLiteral("config")] = config.toJson();
  result[QStringLiteral("dataset")] = QJsonObject{{QStringLiteral("name"), dataset->name},
                                                  {QStringLiteral("users"), double(stats.users)},
                                                  {QStringLiteral("items"), double(stats.items)}};
  result[QStringLiteral("machine")] = train::machineJson(config.threads);
  auto array = [](const std::vector<double>& v) {
    QJsonArray a;
    for (double x : v) a.append(x);
    return a;
  };
  result[QStringLiteral("train_seconds")] = array(trainTimes);
  result[QStringLiteral("train_cpu_seconds")] = array(trainCpu);
  result[QStringLiteral("eval_seconds")] = array(evalTimes);
  result[QStringLiteral("eval_cpu_seconds")] = array(evalCpu);
  result[QStringLiteral("median_train_seconds")] = median(trainTimes);
  result[QStringLiteral("median_eval_seconds")] = median(evalTimes);
  result[QStringLiteral("encoder_seconds")] = array(encoderTimes);
  result[QStringLiteral("peak_rss_mb")] = vmHwmKb() / 1024.0;
  result[QStringLiteral("load_average_at_end")] = QString::fromLatin1(loadAverage());
  auto writeResult = [&]() -> int {
    if (jsonPath.isEmpty()) return 0;
    QFile out(jsonPath);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        out.write(QJsonDocument(result).toJson()) < 0) {
      std::fprintf(stderr, "%s: cannot write (%s)\n", qPrintable(jsonPath),
                   qPrintable(out.errorString()));
      return 2;
    }
    std::printf("figures written to %s\n", qPrintable(jsonPath));
    return 0;
  };
  if (!reference) return writeResult();

  // The plain PyTorch implementation, same data, loss, batch and threads, in this invocation.
  const QString loss = train::toString(config.loss);
  if (config.loss != train::LossKind::Ce && config.loss != train::LossKind::Bce) {
    std::printf("reference: only bce and ce have a PyTorch reference, not %s\n", qPrintable(loss));
    return writeResult();
  }
  QProcess py;
  py.setProcessChannelMode(QProcess::ForwardedErrorChannel);
  const QStringList pyArgs = {QStringLiteral(IRL4REC_SOURCE_DIR "/bench/train/reference_sasrec.py"),
                              QStringLiteral("--data"), path, QStringLiteral("--loss"), loss,
                              QStringLiteral("--batch"), QString::number(config.batchSize),
                              QStringLiteral("--threads"), QString::number(std::max(1, config.threads)),
                              QStringLiteral("--epochs"), QString::number(referenceEpochs),
                              QStringLiteral("--evals"), QStringLiteral("1"),
                              QStringLiteral("--heads"), QString::number(config.heads),
                              QStringLiteral("--ffn"), train::toString(config.ffn),
                              QStringLiteral("--dropout"), QString::number(config.dropout),
                              QStringLiteral("--max-length"), QString::number(config.maxLength)};
  std::printf("reference: %s\n", qPrintable(pyArgs.join(QLatin1Char(' '))));
  std::fflush(stdout);
  // Debian's interpreter, where python3-torch installs, before whatever python3 is first on PATH.
  const QString python = QFileInfo::exists(QStringLiteral("/usr/bin/python3"))
                             ? QStringLiteral("/usr/bin/python3")
                             : QStringLiteral("python3");
  py.start(python, pyArgs);
  if (!py.waitForFinished(-1) || py.exitStatus() != QProcess::NormalExit) {
    std::printf("reference: python3 did not run (%s); skipped\n", qPrintable(py.errorString()));
    return writeResult();
  }
  QJsonObject summary;
  for (const QByteArray& line : py.readAllStandardOutput().split('\n')) {
    const QJsonObject o = QJsonDocument::fromJson(line).object();
    if (o.contains(QStringLiteral("error"))) {
      std::printf("reference skipped: %s\n", qPrintable(o.value(QStringLiteral("error")).toString()));
      return writeResult();
    }
    if (o.contains(QStringLiteral("summary"))) summary = o.value(QStringLiteral("summary")).toObject();
  }
  if (summary.isEmpty()) {
    std::printf("reference: no summary from python3 (exit code %d); skipped\n", py.exitCode());
    return writeResult();
  }
  auto values = [&](const char* key) {
    std::vector<double> v;
    for (const auto& x : summary.value(QLatin1String(key)).toArray()) v.push_back(x.toDouble());
    return v;
  };
  const double refTrain = median(values("train_seconds"));
  const double refEval = median(values("eval_seconds"));
  std::printf("\nside by side (%s, batch %d, %d thread(s), %s, PyTorch %s):\n", qPrintable(loss),
              config.batchSize, std::max(1, config.threads), qPrintable(dataset->name),
              qPrintable(summary.value(QStringLiteral("torch")).toString()));
  std::printf("%-28s %14s %14s %8s\n", "", "pytorch_eager_s", "this_core_s", "ratio");
  std::printf("%-28s %14.2f %14.2f %7.1fx\n", "training epoch (median)", refTrain,
              median(trainTimes), refTrain / median(trainTimes));
  std::printf("%-28s %14.2f %14.2f %7.1fx\n", "full-ranking evaluation", refEval,
              median(evalTimes), refEval / median(evalTimes));
  result[QStringLiteral("reference")] = summary;
  return writeResult();
}
