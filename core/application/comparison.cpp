#include "core/application/comparison.h"

#include "core/store/run_store.h"
#include "core/train/config_fields.h"
#include "core/train/sweep_spec.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

namespace irl4rec::application {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

QString jsonText(const QJsonValue& v) {
  switch (v.type()) {
    case QJsonValue::String:
      return v.toString();
    case QJsonValue::Double:
      return formatWeight(v.toDouble());
    case QJsonValue::Bool:
      return v.toBool() ? QStringLiteral("on") : QStringLiteral("off");
    case QJsonValue::Undefined:
    case QJsonValue::Null:
      return QStringLiteral("–");
    default:
      return QString::fromUtf8(v.isArray()
                                   ? QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact)
                                   : QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
  }
}

bool usesConfounder(const QJsonObject& config) {
  return config.value(QStringLiteral("use_confounder")).toBool(true);
}

QString numberCsv(double v) { return std::isfinite(v) ? QString::number(v, 'g', 10) : QString(); }

// Keys that only matter to Irl4Rec (the field table's rows that apply to an Irl4Rec model and
// not to a baseline): left out of the name of a baseline group whose config cannot be read.
const QStringList& irl4recOnlyKeys() {
  static const QStringList keys = [] {
    train::TrainConfig baseline, irl;
    irl.model = train::ModelKind::Irl4Rec;
    QStringList k;
    for (const train::ConfigField& f : train::configFields())
      if (f.appliesTo(irl) && !f.appliesTo(baseline)) k << f.key;
    return k;
  }();
  return keys;
}

}  // namespace

const store::MetricSummary* RunRecord::summary(const QString& key) const {
  for (const store::MetricSummary& s : summaries) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

bool isStepKey(const QString& key) { return key.startsWith(QLatin1String("loss/")); }

Snapshot readSnapshot(const QString& storePath, const QStringList& extraKeys, qint64 datasetId) {
  Snapshot snapshot;
  store::RunStore store;
  if (Status s = store.open(storePath, store::RunStore::OpenMode::MustExist); !s.ok()) {
    snapshot.error = s.error().message();
    return snapshot;
  }
  if (auto datasets = store.datasets(); datasets.ok())
    snapshot.datasets = std::move(datasets).value();
  store::ListOptions options;
  options.includeConfig = true;
  options.datasetId = datasetId;
  auto runs = store.listRuns(options);
  if (!runs.ok()) {
    snapshot.error = runs.error().message();
    return snapshot;
  }
  QSet<QString> keys;
  for (store::RunListEntry& entry : runs.value()) {
    RunRecord r;
    r.run = std::move(entry.run);
    r.summaries = std::move(entry.metrics);
    if (r.run.config.isEmpty())
      r.problem = QStringLiteral("its configuration is missing or unreadable");
    r.groupConfig = r.run.config;
    for (const QString& k : train::groupExcludedKeys()) r.groupConfig.remove(k);
    r.seed = r.run.config.value(QStringLiteral("seed")).toVariant().toString();
    if (r.summaries.empty() && r.problem.isEmpty())
      r.problem = QStringLiteral("no metrics recorded");
    for (const store::MetricSummary& s : r.summaries) {
      keys.insert(s.key);
      if (isStepKey(s.key) && !extraKeys.contains(s.key)) continue;
      auto points = store.metrics(r.run.id, s.key);
      if (!points.ok()) {  // e.g. deleted by another process while we read
        r.problem = points.error().message();
        continue;
      }
      Series series;
      const bool step = isStepKey(s.key);
      series.x.reserve(int(points.value().size()));
      series.y.reserve(int(points.value().size()));
      for (const store::MetricPoint& p : points.value()) {
        series.x << (step ? double(p.step) : double(p.epoch));
        series.y << p.value;
        series.epoch << p.epoch;
      }
      r.curves.insert(s.key, std::move(series));
    }
    snapshot.runs.push_back(std::move(r));
  }
  snapshot.keys = QStringList(keys.begin(), keys.end());
  snapshot.keys.sort();
  return snapshot;
}

std::vector<Group> groupRuns(const Snapshot& snapshot, const Filter& filter, bool keepExcluded) {
  std::vector<Group> groups;
  QHash<QString, size_t> index;
  for (int i = 0; i < int(snapshot.runs.size()); ++i) {
    const RunRecord& r = snapshot.runs[size_t(i)];
    if (filter.datasetId != 0 && r.run.datasetId != filter.datasetId) continue;
    if (!filter.status.isEmpty() && store::toString(r.run.status) != filter.status) continue;
    if (!filter.model.isEmpty() &&
        r.run.config.value(QStringLiteral("model")).toString() != filter.model)
      continue;
    if (!keepExcluded && filter.excluded.contains(r.run.id)) continue;
    if (!filter.sweep.isEmpty() && !r.run.tags.contains(train::sweepTag(filter.sweep))) continue;
    auto it = index.find(r.run.groupKey);
    if (it == index.end()) {
      it = index.insert(r.run.groupKey, groups.size());
      Group g;
      g.key = r.run.groupKey;
      g.hash = r.run.groupHash;
      g.config = r.groupConfig;
      g.baseline =
          r.groupConfig.value(QStringLiteral("model")).toString() == QLatin1String("baseline");
      groups.push_back(std::move(g));
    }
    groups[*it].runs.push_back(i);
  }
  nameGroups(groups, snapshot);
  if (!filter.text.isEmpty()) {
    const QString needle = filter.text;
    std::vector<Group> kept;
    for (Group& g : groups) {
      const bool groupMatch = g.name.contains(needle, Qt::CaseInsensitive) ||
                              g.hash.startsWith(needle, Qt::CaseInsensitive);
      if (!groupMatch) {
        std::vector<int> runs;
        for (int i : g.runs) {
          const store::RunInfo& run = snapshot.runs[size_t(i)].run;
          const QString text = run.name + QLatin1Char(' ') + run.tags.join(QLatin1Char(' ')) +
                               QLatin1Char(' ') + run.uuid + QLatin1Char(' ') + run.datasetName;
          if (text.contains(needle, Qt::CaseInsensitive)) runs.push_back(i);
        }
        g.runs = std::move(runs);
      }
      if (!g.runs.empty()) kept.push_back(std::move(g));
    }
    groups = std::move(kept);
  }
  for (Group& g : groups) {
    std::stable_sort(g.runs.begin(), g.runs.end(), [&](int a, int b) {
      const QString& sa = snapshot.runs[size_t(a)].seed;
      const QString& sb = snapshot.runs[size_t(b)].seed;
      bool okA = false, okB = false;
      const qulonglong na = sa.toULongLong(&okA), nb = sb.toULongLong(&okB);
      if (okA && okB) return na < nb;
      return sa < sb;
    });
  }
  std::stable_sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) {
    if (a.baseline != b.baseline) return a.baseline;
    return a.name.localeAwareCompare(b.name) < 0;
  });
  return groups;
}

QString valueText(double v) {
  return std::isfinite(v) ? QString::number(v, 'f', 4) : QStringLiteral("–");
}

QString summaryText(const analysis::GroupSummary& s) {
  if (s.n == 0) return QStringLiteral("–");
  if (s.n < 2) return valueText(s.mean);
  return QStringLiteral("%1 ± %2").arg(valueText(s.mean), valueText(s.std));
}

QString metricLabel(const QString& key) {
  const int slash = key.indexOf(QLatin1Char('/'));
  if (slash < 0) return key;
  QString name = key.mid(slash + 1);
  const int at = name.indexOf(QLatin1Char('@'));
  if (at > 0 && !isStepKey(key)) name = name.left(at).toUpper() + name.mid(at);
  return key.left(slash) + QLatin1Char(' ') + name;
}

QString formatWeight(double v) {
  if (!std::isfinite(v)) return QString::number(v);
  if (v == 0) return QStringLiteral("0");
  const double a = std::fabs(v);
  if (a >= 0.01 && a < 1e5) return QString::number(v, 'g', 4);
  const int e = int(std::floor(std::log10(a)));
  const double m = v / std::pow(10.0, e);
  return QStringLiteral("%1e%2").arg(QString::number(m, 'g', 3)).arg(e);
}

QSet<QString> storedConfigKeys(const std::vector<Group>& groups) {
  QSet<QString> stored;
  for (const Group& g : groups) {
    for (auto it = g.config.begin(); it != g.config.end(); ++it) stored.insert(it.key());
  }
  return stored;
}

QJsonObject completeGroupConfig(const QJsonObject& groupConfig, const QSet<QString>& stored) {
  auto config = train::TrainConfig::fromJson(groupConfig);
  if (!config.ok()) return groupConfig;
  QJsonObject complete = train::completeConfigJson(config.value());
  for (const QString& k : train::groupExcludedKeys()) complete.remove(k);
  for (const QString& k : complete.keys()) {
    if (!stored.contains(k)) complete.remove(k);
  }
  // Keys the reader does not know (a newer or hand-written config) stay as they were stored.
  for (auto it = groupConfig.begin(); it != groupConfig.end(); ++it) {
    if (!complete.contains(it.key())) complete.insert(it.key(), it.value());
  }
  return complete;
}

void nameGroups(std::vector<Group>& groups, const Snapshot& snapshot) {
  // Keys whose value is not the same in every group where the setting applies (missing counts
  // as a value): ce_kernel separates nothing when every full-CE group uses the same kernel.
  QSet<QString> allKeys;
  std::vector<QJsonObject> flat;
  std::vector<std::optional<train::TrainConfig>> parsedConfigs;
  const QSet<QString> stored = storedConfigKeys(groups);
  auto complete = [&stored](const QJsonObject& config) { return completeGroupConfig(config, stored); };
  for (const Group& g : groups) {
    // A run whose config is unreadable would make every key "differ": it is named on its own.
    if (g.config.isEmpty()) continue;
    flat.push_back(store::RunStore::flattenConfig(complete(g.config)));
    auto parsed = train::TrainConfig::fromJson(g.config);
    parsedConfigs.push_back(parsed.ok() ? std::optional(parsed.value()) : std::nullopt);
    for (auto it = flat.back().begin(); it != flat.back().end(); ++it) allKeys.insert(it.key());
  }
  QStringList differing;
  for (const QString& key : allKeys) {
    const train::ConfigField* field = train::findConfigField(key);
    std::optional<QJsonValue> first;
    for (size_t i = 0; i < flat.size(); ++i) {
      if (field && parsedConfigs[i] && !field->appliesTo(*parsedConfigs[i])) continue;
      if (!first) {
        first = flat[i].value(key);
      } else if (flat[i].value(key) != *first) {
        differing << key;
        break;
      }
    }
  }
  differing.sort();
  static const QStringList kNamed = {QStringLiteral("model"), QStringLiteral("encoder"),
                                     QStringLiteral("alpha"), QStringLiteral("beta"),
                                     QStringLiteral("gamma"), QStringLiteral("use_confounder")};
  QSet<qint64> datasets;
  for (const Group& g : groups) {
    for (int i : g.runs) datasets.insert(snapshot.runs[size_t(i)].run.datasetId);
  }
  for (Group& g : groups) {
    const QJsonObject c = g.config.isEmpty() ? g.config : complete(g.config);
    const Expected<train::TrainConfig> parsed = train::TrainConfig::fromJson(g.config);
    QStringList parts;
    const QString model = c.value(QStringLiteral("model")).toString();
    parts << (model.isEmpty() ? QStringLiteral("(unknown model)") : model);
    const QString encoder = c.value(QStringLiteral("encoder")).toString();
    if (!encoder.isEmpty()) parts << encoder;
    if (model == QLatin1String("irl4rec")) {
      const auto w = [&](const char* key) { return jsonText(c.value(QLatin1String(key))); };
      if (usesConfounder(c)) {
        parts << QStringLiteral("α=%1 β=%2 γ=%3").arg(w("alpha"), w("beta"), w("gamma"));
      } else {
        parts << QStringLiteral("no confounder β=%1").arg(w("beta"));
      }
    }
    for (const QString& key : differing) {
      if (kNamed.contains(key)) continue;
      // A setting that means nothing for this group (the field table's `applies`: heads of a
      // GRU4Rec, cloze_last of a SASRec, the Irl4Rec weights of a baseline) does not name it.
      if (parsed.ok()) {
        if (const train::ConfigField* f = train::findConfigField(key); f && !f->appliesTo(parsed.value())) continue;
      } else if (g.baseline && irl4recOnlyKeys().contains(key)) {
        continue;
      }
      if (key == QLatin1String("reparameterize")) {
        if (!c.value(key).toBool(true)) parts << QStringLiteral("no noise");
        continue;
      }
      // Flattened keys of nested configs ("a.b") are looked up in the flattened object.
      const QJsonValue v = c.contains(key) ? c.value(key) : QJsonValue();
      parts << QStringLiteral("%1=%2").arg(key,
                                           c.contains(key) ? jsonText(v) : QStringLiteral("–"));
    }
    if (datasets.size() > 1 && !g.runs.empty()) {
      const QString ds = snapshot.runs[size_t(g.runs.front())].run.datasetName;
      parts << QStringLiteral("[%1]").arg(ds.isEmpty() ? QStringLiteral("no dataset") : ds);
    }
    g.name = parts.join(QLatin1Char(' '));
  }
  QHash<QString, int> counts;
  for (const Group& g : groups) ++counts[g.name];
  for (Group& g : groups) {
    if (counts.value(g.name) > 1) g.name += QStringLiteral(" #%1").arg(g.hash.left(6));
  }
}

double runValue(const RunRecord& run, const QString& key, ValueMode mode) {
  const store::MetricSummary* s = run.summary(key);
  if (!s || s->count == 0) return kNaN;
  if (mode == ValueMode::Last || key.startsWith(QLatin1String("test/"))) return s->lastValue;
  if (key == kSelectionKey) return s->bestValue;
  const store::MetricSummary* selection = run.summary(kSelectionKey);
  if (!selection || !std::isfinite(selection->bestValue)) return kNaN;
  const int bestEpoch = selection->bestEpoch;
  auto it = run.curves.constFind(key);
  if (it == run.curves.constEnd()) return kNaN;
  // The value logged at the best epoch; for keys logged less often, the last one before it.
  double value = kNaN;
  for (int i = 0; i < it->epoch.size(); ++i) {
    if (it->epoch[i] > bestEpoch) break;
    value = it->y[i];
  }
  return value;
}

std::vector<double> groupValues(const Snapshot& snapshot, const Group& group, const QString& key,
                                ValueMode mode, const QSet<qint64>& excluded) {
  std::vector<double> values;
  for (int i : group.runs) {
    const RunRecord& r = snapshot.runs[size_t(i)];
    if (excluded.contains(r.run.id)) continue;
    values.push_back(runValue(r, key, mode));
  }
  return values;
}

analysis::GroupSummary groupValue(const Snapshot& snapshot, const Group& group, const QString& key,
                                  ValueMode mode, const QSet<qint64>& excluded) {
  return analysis::summarize(groupValues(snapshot, group, key, mode, excluded));
}

Band groupBand(const Snapshot& snapshot, const Group& group, const QString& key,
               const QSet<qint64>& excluded) {
  std::vector<const Series*> curves;
  for (int i : group.runs) {
    const RunRecord& r = snapshot.runs[size_t(i)];
    if (excluded.contains(r.run.id)) continue;
    auto it = r.curves.constFind(key);
    if (it != r.curves.constEnd() && !it->x.isEmpty()) curves.push_back(&*it);
  }
  Band band;
  // Runs of one configuration usually log at the same x: then the band is computed column by
  // column, without sorting (a per-step curve of a 200-epoch run has ~20,000 points).
  bool sameX = !curves.empty();
  for (const Series* c : curves) sameX = sameX && c->x == curves.front()->x;
  if (sameX) {
    const QVector<double>& xs = curves.front()->x;
    std::vector<double> column;
    for (int k = 0; k < xs.size(); ++k) {
      if (k > 0 && xs[k] == xs[k - 1]) continue;  // a repeated x (resumed logging) counts once
      column.clear();
      for (const Series* c : curves) {
        if (std::isfinite(c->y[k])) column.push_back(c->y[k]);
      }
      if (column.empty()) continue;
      const analysis::GroupSummary s = analysis::summarize(column);
      band.x << xs[k];
      band.mean << s.mean;
      band.std << s.std;
      band.n << int(s.n);
    }
    return band;
  }
  std::map<double, std::vector<double>> byX;
  for (const Series* c : curves) {
    for (int k = 0; k < c->x.size(); ++k) {
      if (std::isfinite(c->y[k])) byX[c->x[k]].push_back(c->y[k]);
    }
  }
  band.x.reserve(int(byX.size()));
  for (const auto& [x, values] : byX) {
    const analysis::GroupSummary s = analysis::summarize(values);
    band.x << x;
    band.mean << s.mean;
    band.std << s.std;
    band.n << int(s.n);
  }
  return band;
}

std::vector<AblationRow> ablation(const Snapshot& snapshot, const std::vector<Group>& groups,
                                  int reference, const QStringList& metrics, ValueMode mode,
                                  const QSet<qint64>& excluded) {
  std::vector<AblationRow> rows;
  if (reference < 0 || reference >= int(groups.size())) return rows;
  for (const QString& metric : metrics) {
    const std::vector<double> ref =
        groupValues(snapshot, groups[size_t(reference)], metric, mode, excluded);
    for (int g = 0; g < int(groups.size()); ++g) {
      AblationRow row;
      row.group = g;
      row.metric = metric;
      const std::vector<double> values =
          groupValues(snapshot, groups[size_t(g)], metric, mode, excluded);
      if (g == reference) {
        row.welch.group = row.welch.reference = analysis::summarize(values);
        row.welch.reason = QStringLiteral("reference group");
      } else {
        row.welch = analysis::welchTest(values, ref);
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

QString formatP(double p) {
  if (!std::isfinite(p)) return QStringLiteral("undefined");
  if (p < 0.001) return QStringLiteral("< 0.001");
  return QString::number(p, 'g', 2);
}

QString ablationLabel(const AblationRow& row, bool isReference) {
  const analysis::WelchResult& w = row.welch;
  if (isReference) return QStringLiteral("reference (n = %1)").arg(w.group.n);
  if (w.group.n == 0) return QStringLiteral("no values");
  if (w.reference.n == 0) return QStringLiteral("reference has no values (n = %1)").arg(w.group.n);
  const double c = w.relativeChangePercent;
  QString change;
  if (std::isfinite(c)) {
    change = QStringLiteral("%1%2%")
                 .arg(c >= 0 ? QStringLiteral("+") : QString())
                 .arg(QString::number(c, 'f', std::fabs(c) >= 10 ? 0 : 1));
  } else {
    change = QStringLiteral("change undefined");
  }
  const QString n = w.group.n == w.reference.n
                        ? QStringLiteral("n = %1").arg(w.group.n)
                        : QStringLiteral("n = %1 vs %2").arg(w.group.n).arg(w.reference.n);
  QString p;
  if (w.valid()) {
    p = w.p < 0.001 ? QStringLiteral("p < 0.001") : QStringLiteral("p = %1").arg(formatP(w.p));
  } else if (w.group.n < 2 || w.reference.n < 2) {
    p = QStringLiteral("p undefined");
  } else {
    p = QStringLiteral("p undefined: %1").arg(w.reason);
  }
  return QStringLiteral("%1 (%2, %3)").arg(change, p, n);
}

Sweep sweep(const Snapshot& snapshot, const std::vector<Group>& groups, const QString& xWeight,
            const QString& yWeight, double fixedValue, const QString& key, ValueMode mode,
            const QSet<qint64>& excluded) {
  Sweep sw;
  sw.xWeight = xWeight;
  sw.yWeight = yWeight;
  for (const QString& w :
       {QStringLiteral("alpha"), QStringLiteral("beta"), QStringLiteral("gamma")}) {
    if (w != xWeight && w != yWeight) sw.fixedWeight = w;
  }
  if (xWeight == yWeight || sw.fixedWeight.isEmpty()) {
    sw.message = QStringLiteral("choose two different weights");
    return sw;
  }
  // Families: Irl4Rec runs with the confounder branch whose other settings are identical.
  QHash<QString, std::vector<int>> families;
  QHash<QString, QJsonObject> familyConfig;
  for (const Group& g : groups) {
    if (g.config.value(QStringLiteral("model")).toString() != QLatin1String("irl4rec")) continue;
    if (!usesConfounder(g.config)) continue;
    QJsonObject rest = g.config;
    for (const char* w : {"alpha", "beta", "gamma"}) rest.remove(QLatin1String(w));
    const QString family =
        QString::fromUtf8(QJsonDocument(rest).toJson(QJsonDocument::Compact)) +
        (g.runs.empty() ? QString()
                        : QString::number(snapshot.runs[size_t(g.runs.front())].run.datasetId));
    familyConfig.insert(family, rest);
    for (int i : g.runs) {
      if (!excluded.contains(snapshot.runs[size_t(i)].run.id)) families[family].push_back(i);
    }
  }
  if (families.isEmpty()) {
    sw.message =
        QStringLiteral("no Irl4Rec runs with the confounder branch among the selected runs");
    return sw;
  }
  QString chosen;
  for (auto it = families.begin(); it != families.end(); ++it) {
    if (chosen.isEmpty() || it->size() > families[chosen].size()) chosen = it.key();
  }
  const std::vector<int>& runs = families[chosen];
  if (families.size() > 1) {
    int left = 0;
    for (auto it = families.begin(); it != families.end(); ++it) {
      if (it.key() != chosen) left += int(it->size());
    }
    sw.message = QStringLiteral(
                     "%1 Irl4Rec run(s) with other settings (encoder, sizes, loss, ...) are "
                     "not shown; filter the runs to one configuration")
                     .arg(left);
  }
  auto weight = [&](int i, const QString& w) {
    return snapshot.runs[size_t(i)].groupConfig.value(w).toDouble(kNaN);
  };
  // A weight that is not a number (a hand-edited config) cannot be placed on the map.
  std::vector<int> placed;
  for (int i : runs) {
    if (std::isfinite(weight(i, QStringLiteral("alpha"))) &&
        std::isfinite(weight(i, QStringLiteral("beta"))) &&
        std::isfinite(weight(i, QStringLiteral("gamma")))) {
      placed.push_back(i);
    }
  }
  if (placed.size() < runs.size()) {
    sw.message += (sw.message.isEmpty() ? QString() : QStringLiteral("; ")) +
                  QStringLiteral("%1 run(s) without numeric weights are not shown")
                      .arg(runs.size() - placed.size());
  }
  if (placed.empty()) return sw;
  std::map<double, int> fixedCounts;
  for (int i : placed) ++fixedCounts[weight(i, sw.fixedWeight)];
  for (const auto& [v, count] : fixedCounts) sw.fixedValues << v;
  if (std::isnan(fixedValue)) {
    int best = -1;
    for (const auto& [v, count] : fixedCounts) {
      if (count > best) {
        best = count;
        fixedValue = v;
      }
    }
  }
  sw.fixedValue = fixedValue;
  std::map<std::pair<double, double>, std::vector<double>> cells;
  for (int i : placed) {
    if (weight(i, sw.fixedWeight) != fixedValue) continue;
    cells[{weight(i, xWeight), weight(i, yWeight)}].push_back(
        runValue(snapshot.runs[size_t(i)], key, mode));
    ++sw.runsUsed;
  }
  if (cells.empty()) {
    sw.message =
        QStringLiteral("no runs with %1 = %2").arg(sw.fixedWeight, formatWeight(fixedValue));
    return sw;
  }
  std::map<double, int> xs, ys;
  for (const auto& [xy, values] : cells) {
    xs[xy.first] = 0;
    ys[xy.second] = 0;
  }
  for (auto& [v, index] : xs) {
    index = sw.xs.size();
    sw.xs << v;
  }
  for (auto& [v, index] : ys) {
    index = sw.ys.size();
    sw.ys << v;
  }
  for (const auto& [xy, values] : cells) {
    sw.cells.push_back(SweepCell{xs[xy.first], ys[xy.second], analysis::summarize(values)});
  }
  return sw;
}


QString groupsCsv(const Snapshot& snapshot, const std::vector<Group>& groups,
                  const std::vector<MetricColumn>& columns, ValueMode mode,
                  const QSet<qint64>& excluded) {
  QStringList header = {QStringLiteral("level"),      QStringLiteral("group"),
                        QStringLiteral("group_hash"), QStringLiteral("run"),
                        QStringLiteral("uuid"),       QStringLiteral("seed"),
                        QStringLiteral("n")};
  for (const MetricColumn& c : columns) {
    const QString name = c.best ? c.key + QStringLiteral(" best") : c.key;
    header << name + QStringLiteral(" mean") << name + QStringLiteral(" std");
  }
  QString csv = csvLine(header);
  for (const Group& g : groups) {
    QStringList row = {QStringLiteral("group"), g.name, g.hash, QString(), QString(), QString()};
    int n = 0;
    for (int i : g.runs) n += excluded.contains(snapshot.runs[size_t(i)].run.id) ? 0 : 1;
    row << QString::number(n);
    for (const MetricColumn& c : columns) {
      const analysis::GroupSummary s =
          groupValue(snapshot, g, c.key, c.best ? ValueMode::BestValidation : mode, excluded);
      row << numberCsv(s.mean) << numberCsv(s.std);
    }
    csv += csvLine(row);
    for (int i : g.runs) {
      const RunRecord& r = snapshot.runs[size_t(i)];
      if (excluded.contains(r.run.id)) continue;
      QStringList runRow = {QStringLiteral("run"), g.name, g.hash, r.run.name, r.run.uuid, r.seed,
                            QStringLiteral("1")};
      for (const MetricColumn& c : columns) {
        runRow << numberCsv(runValue(r, c.key, c.best ? ValueMode::BestValidation : mode))
               << QString();
      }
      csv += csvLine(runRow);
    }
  }
  return csv;
}

QString ablationCsv(const std::vector<Group>& groups, int reference,
                    const std::vector<AblationRow>& rows) {
  QString csv =
      csvLine({QStringLiteral("group"), QStringLiteral("reference"), QStringLiteral("metric"),
               QStringLiteral("mean"), QStringLiteral("std"), QStringLiteral("n"),
               QStringLiteral("reference_mean"), QStringLiteral("reference_std"),
               QStringLiteral("reference_n"), QStringLiteral("change_percent"), QStringLiteral("t"),
               QStringLiteral("df"), QStringLiteral("p"), QStringLiteral("note")});
  const QString refName =
      reference >= 0 && reference < int(groups.size()) ? groups[size_t(reference)].name : QString();
  for (const AblationRow& row : rows) {
    const analysis::WelchResult& w = row.welch;
    const bool isRef = row.group == reference;
    csv += csvLine({groups[size_t(row.group)].name, refName, row.metric, numberCsv(w.group.mean),
                    numberCsv(w.group.std), QString::number(w.group.n), numberCsv(w.reference.mean),
                    numberCsv(w.reference.std), QString::number(w.reference.n),
                    isRef ? QString() : numberCsv(w.relativeChangePercent), numberCsv(w.t),
                    numberCsv(w.df), numberCsv(w.p), w.reason});
  }
  return csv;
}

QString sweepCsv(const Sweep& sw, const QString& key) {
  QString csv = csvLine({sw.xWeight, sw.yWeight, sw.fixedWeight, key + QStringLiteral(" mean"),
                         key + QStringLiteral(" std"), QStringLiteral("n")});
  for (const SweepCell& c : sw.cells) {
    csv += csvLine({numberCsv(sw.xs[c.xi]), numberCsv(sw.ys[c.yi]), numberCsv(sw.fixedValue),
                    numberCsv(c.value.mean), numberCsv(c.value.std), QString::number(c.value.n)});
  }
  return csv;
}

}  // namespace irl4rec::application
