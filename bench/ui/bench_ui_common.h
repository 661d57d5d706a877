#pragma once
// Helpers shared by the GUI benchmarks (docs/GUI.md): a QApplication that times every event it
// delivers, percentiles, store filling and the machine line printed before the figures.

#include "tests/support/tiny_config.h"
#include "core/common/error.h"
#include "core/store/run_store.h"
#include "core/train/config_fields.h"
#include "core/train/metric_keys.h"
#include "core/train/recorded_run.h"
#include "core/train/train_config.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEvent>
#include <QFile>
#include <QHash>
#include <QMetaEnum>
#include <QThread>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

namespace uibench {

[[noreturn]] inline void die(const QString& message) {
  std::fprintf(stderr, "bench: %s\n", qPrintable(message));
  std::exit(1);
}
inline void check(const irl4rec::Status& s) {
  if (!s.ok()) die(s.error().message());
}
template <typename T>
T take(irl4rec::Expected<T> e) {
  if (!e.ok()) die(e.error().message());
  return std::move(e).value();
}

inline double ms(const QElapsedTimer& t) { return double(t.nsecsElapsed()) / 1e6; }

/// Nearest-rank percentile of `v` (sorted copy), q in [0, 1].
inline double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = size_t(std::ceil(q * double(v.size()))) - (q > 0 ? 1 : 0);
  return v[std::min(i, v.size() - 1)];
}
inline double maxOf(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

inline QByteArray loadAverage() {
  QFile f(QStringLiteral("/proc/loadavg"));
  return f.open(QIODevice::ReadOnly) ? f.readLine().trimmed() : QByteArray("?");
}

inline void printMachine() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  std::printf("machine: %d cores (QThread::idealThreadCount), load average %s, Qt %s, platform %s\n",
              QThread::idealThreadCount(), loadAverage().constData(), qVersion(),
              qPrintable(QGuiApplication::platformName()));
}

/// QApplication that times each delivered event (at every nesting depth) while recording is on,
/// and aggregates the slow ones by "receiver class[/parent class] event type". This is the
/// breakdown of what the UI thread spent its time on.
class TimedApp : public QApplication {
 public:
  struct Stat {
    int count = 0;
    double totalMs = 0;
    double maxMs = 0;
    int depth = 0;
  };
  using QApplication::QApplication;

  bool recording = false;
  double thresholdMs = 1.0;
  QHash<QString, Stat> stats;

  bool notify(QObject* receiver, QEvent* event) override {
    if (!recording) return QApplication::notify(receiver, event);
    const QEvent::Type type = event->type();
    QElapsedTimer t;
    t.start();
    ++depth_;
    const bool result = QApplication::notify(receiver, event);
    --depth_;
    const double elapsed = ms(t);
    if (elapsed >= thresholdMs) {
      // The receiver may have been deleted by its own event (deleteLater): only read it when
      // the event type cannot delete it.
      QString who = QStringLiteral("?");
      if (type != QEvent::DeferredDelete && receiver) {
        who = QString::fromLatin1(receiver->metaObject()->className());
        if (QObject* p = receiver->parent()) {
          who += QLatin1Char('/') + QString::fromLatin1(p->metaObject()->className());
        }
      }
      const QString label = QStringLiteral("%1 %2 (depth %3)")
                                .arg(who, QString::fromLatin1(eventName(type)))
                                .arg(depth_);
      Stat& s = stats[label];
      ++s.count;
      s.totalMs += elapsed;
      s.maxMs = std::max(s.maxMs, elapsed);
      s.depth = depth_;
    }
    return result;
  }

  /// The `n` slowest event kinds by maximum, then by total time.
  void printStats(int n = 8) const {
    std::vector<std::pair<QString, Stat>> v;
    for (auto it = stats.begin(); it != stats.end(); ++it) v.emplace_back(it.key(), it.value());
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second.maxMs > b.second.maxMs; });
    std::printf("    UI-thread events >= %.0f ms, slowest first (count, total, max):\n", thresholdMs);
    for (int i = 0; i < int(v.size()) && i < n; ++i) {
      std::printf("      %-70s %6d %9.1f ms %8.1f ms\n", qPrintable(v[size_t(i)].first),
                  v[size_t(i)].second.count, v[size_t(i)].second.totalMs, v[size_t(i)].second.maxMs);
    }
  }

 private:
  static const char* eventName(QEvent::Type type) {
    static const QMetaEnum e = QMetaEnum::fromType<QEvent::Type>();
    const char* name = e.valueToKey(int(type));
    return name ? name : "user";
  }
  int depth_ = 0;
};

using irl4rec::testing::tinyConfig;

/// Writes one finished run as a recorded run would: `steps` rows of each of the five loss keys,
/// `epochs` rows of train/epoch_loss, val/hr@10 and val/ndcg@10, and the test metrics.
inline qint64 writeFinishedRun(irl4rec::store::RunStore& store, int index, int steps, int epochs,
                               std::mt19937& rng) {
  using namespace irl4rec;
  train::TrainConfig c = tinyConfig(epochs);
  c.seed = uint64_t(index);
  c.beta = 0.01 * (index % 7);
  const store::RunInfo run = take(store.createRun(store::NewRun{
      QStringLiteral("run %1").arg(index), c.toJson(), 0, store::RunStatus::Running, {}, {}, {},
      train::groupKey(c.toJson())}));
  std::normal_distribution<double> noise(0.0, 0.05);
  const QString lossKeys[] = {train::metric::kRecT, train::metric::kAlphaRecS, train::metric::kBetaC,
                              train::metric::kGammaD, train::metric::kTotal};
  std::vector<store::MetricRow> rows;
  rows.reserve(4000);
  const int perEpoch = std::max(1, steps / std::max(1, epochs));
  for (int s = 1; s <= steps; ++s) {
    const int epoch = std::min(epochs, (s - 1) / perEpoch + 1);
    const double base = 1.0 + 5.0 * std::exp(-double(s) / (0.2 * steps + 1));
    double total = 0;
    for (int k = 0; k < 5; ++k) {
      const double v = k == 4 ? total : base * (1.0 / (k + 1)) * (1.0 + noise(rng));
      total += v;
      rows.push_back(store::MetricRow{lossKeys[k], s, epoch, v, 0});
    }
    if (rows.size() >= 4000) {
      check(store.logMetrics(run.id, rows));
      rows.clear();
    }
  }
  for (int e = 1; e <= epochs; ++e) {
    const double ndcg = 0.05 * (1.0 - std::exp(-e / 5.0)) + 0.002 * noise(rng);
    rows.push_back(store::MetricRow{train::metric::kEpochLoss, e, e, 2.0 / e, 0});
    rows.push_back(store::MetricRow{QStringLiteral("val/hr@10"), e, e, 2 * ndcg, 0});
    rows.push_back(store::MetricRow{QStringLiteral("val/ndcg@10"), e, e, ndcg, 0});
  }
  rows.push_back(store::MetricRow{QStringLiteral("test/hr@10"), steps, epochs, 0.09, 0});
  rows.push_back(store::MetricRow{QStringLiteral("test/ndcg@10"), steps, epochs, 0.045, 0});
  for (auto& row : rows) row.direction = train::metric::direction(row.key);
  check(store.logMetrics(run.id, rows));
  check(store.setStatus(run.id, store::RunStatus::Finished));
  return run.id;
}

}  // namespace uibench
