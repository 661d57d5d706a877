#include "ui/compare/sweep_study.h"

#include "core/store/run_store.h"
#include "core/train/metric_keys.h"
#include "core/train/sweep_spec.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <map>

namespace irl4rec::ui::compare {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const QString kDatasetAxis = QStringLiteral("dataset");

QString valueLabel(const QJsonValue& v) {
  switch (v.type()) {
    case QJsonValue::Double:
      return formatWeight(v.toDouble());
    case QJsonValue::String:
      return v.toString();
    case QJsonValue::Bool:
      return v.toBool() ? QStringLiteral("on") : QStringLiteral("off");
    case QJsonValue::Null:
    case QJsonValue::Undefined:
      return QStringLiteral("–");
    case QJsonValue::Array:
      return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    case QJsonValue::Object:
      return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
  }
  return QString();
}

// Numbers ascending, then every other value by its text (absent last).
bool valueLess(const QJsonValue& a, const QJsonValue& b) {
  if (a.isDouble() != b.isDouble()) return a.isDouble();
  if (a.isDouble()) return a.toDouble() < b.toDouble();
  const bool absentA = a.isUndefined() || a.isNull(), absentB = b.isUndefined() || b.isNull();
  if (absentA != absentB) return absentB;
  return valueLabel(a) < valueLabel(b);
}

QString numberCsv(double v) { return std::isfinite(v) ? QString::number(v, 'g', 10) : QString(); }

/// Nested objects flattened to "a.b" keys, values kept as they are (numbers stay numbers, so an
/// axis of 64 and 128 sorts as numbers).
void flattenTyped(const QJsonObject& object, const QString& prefix, QJsonObject& out) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    const QString key = prefix.isEmpty() ? it.key() : prefix + QLatin1Char('.') + it.key();
    if (it.value().isObject()) {
      flattenTyped(it.value().toObject(), key, out);
    } else {
      out.insert(key, it.value());
    }
  }
}

QString testCounterpart(const QString& key) {
  if (key.startsWith(QLatin1String("val/"))) return QStringLiteral("test/") + key.mid(4);
  return key;
}

bool maximize(const QString& key) {
  return train::metric::direction(key) == store::MetricDirection::Maximize;
}

}  // namespace

bool inSweep(const RunRecord& run, const QString& name) {
  return run.run.tags.contains(train::sweepTag(name));
}

std::vector<SweepSummary> sweepsIn(const Snapshot& snapshot) {
  const QString prefix = train::sweepTag(QString());
  std::map<QString, SweepSummary> byName;
  for (const RunRecord& r : snapshot.runs) {
    for (const QString& tag : r.run.tags) {
      if (!tag.startsWith(prefix) || tag.size() == prefix.size()) continue;
      SweepSummary& s = byName[tag.mid(prefix.size())];
      s.name = tag.mid(prefix.size());
      ++s.runs;
      switch (r.run.status) {
        case store::RunStatus::Finished:
          ++s.finished;
          break;
        case store::RunStatus::Failed:
        case store::RunStatus::Diverged:
          ++s.failed;
          break;
        case store::RunStatus::Running:
        case store::RunStatus::Queued:
          ++s.running;
          break;
        default:
          break;
      }
    }
  }
  std::vector<SweepSummary> out;
  for (auto& [name, s] : byName) out.push_back(s);
  return out;
}

QString StudyAxis::label(int value) const {
  if (value < 0 || value >= values.size()) return QString();
  return valueLabel(values[value]);
}

QString Study::pointName(int point) const {
  if (point < 0 || point >= int(points.size())) return QString();
  QStringList parts;
  for (int a = 0; a < int(axes.size()); ++a) {
    parts << QStringLiteral("%1=%2").arg(axes[size_t(a)].key,
                                        axes[size_t(a)].label(points[size_t(point)].value[a]));
  }
  return parts.isEmpty() ? QStringLiteral("(one configuration)") : parts.join(QLatin1Char(' '));
}

Study study(const Snapshot& snapshot, const std::vector<Group>& groups, const QString& selectKey,
            const QString& shownKey, ValueMode mode, const QSet<qint64>& excluded,
            const std::vector<Group>& candidates, int reference) {
  Study st;
  st.selectKey = selectKey;
  st.shownKey = shownKey;
  st.testKey = testCounterpart(selectKey);
  QStringList problems;
  if (!selectKey.startsWith(QLatin1String("val/")))
    problems << QStringLiteral("the selection metric %1 is not a validation metric").arg(selectKey);

  // The configurations and what distinguishes them.
  const QSet<QString> stored = storedConfigKeys(groups);
  std::vector<int> used;  // group indices with a readable config
  std::vector<QJsonObject> flat;
  QSet<qint64> datasets;
  for (int g = 0; g < int(groups.size()); ++g) {
    const Group& group = groups[size_t(g)];
    if (group.config.isEmpty()) continue;
    used.push_back(g);
    QJsonObject f;
    flattenTyped(completeGroupConfig(group.config, stored), QString(), f);
    if (!group.runs.empty()) {
      const store::RunInfo& run = snapshot.runs[size_t(group.runs.front())].run;
      datasets.insert(run.datasetId);
      f.insert(kDatasetAxis, run.datasetName.isEmpty() ? QStringLiteral("#%1").arg(run.datasetId)
                                                       : run.datasetName);
    }
    flat.push_back(std::move(f));
  }
  if (used.size() < groups.size()) {
    problems << QStringLiteral("%1 configuration(s) with an unreadable config are left out")
                    .arg(groups.size() - used.size());
  }
  if (used.empty()) {
    st.message = problems.isEmpty() ? QStringLiteral("no runs to show") : problems.join(QStringLiteral("; "));
    return st;
  }
  QSet<QString> keys;
  for (const QJsonObject& f : flat) {
    for (auto it = f.begin(); it != f.end(); ++it) keys.insert(it.key());
  }
  QStringList sortedKeys(keys.begin(), keys.end());
  sortedKeys.sort();
  for (const QString& key : sortedKeys) {
    if (key == kDatasetAxis && datasets.size() < 2) continue;
    QVector<QJsonValue> values;
    for (const QJsonObject& f : flat) {
      const QJsonValue v = f.value(key);
      if (std::find(values.begin(), values.end(), v) == values.end()) values << v;
    }
    if (values.size() < 2) continue;
    std::sort(values.begin(), values.end(), valueLess);
    StudyAxis axis;
    axis.key = key;
    axis.numeric = std::all_of(values.begin(), values.end(),
                               [](const QJsonValue& v) { return v.isDouble(); });
    axis.values = std::move(values);
    st.axes.push_back(std::move(axis));
  }
  if (datasets.size() > 1)
    problems << QStringLiteral("the runs span %1 datasets: the best configuration is chosen over all of them; pick one dataset to choose per dataset")
                    .arg(datasets.size());

  for (size_t u = 0; u < used.size(); ++u) {
    const Group& group = groups[size_t(used[u])];
    StudyPoint p;
    p.group = used[u];
    for (const StudyAxis& axis : st.axes) {
      const QJsonValue v = flat[u].value(axis.key);
      p.value << int(std::find(axis.values.begin(), axis.values.end(), v) - axis.values.begin());
    }
    // Selection follows the checkpoint the test metrics come from: the best-validation epoch,
    // whatever the views show.
    p.select = groupValue(snapshot, group, selectKey, ValueMode::BestValidation, excluded);
    p.shown = groupValue(snapshot, group, shownKey, mode, excluded);
    p.testValues = groupValues(snapshot, group, st.testKey, mode, excluded);
    p.test = analysis::summarize(p.testValues);
    st.points.push_back(std::move(p));
  }

  // The best configuration by the validation rule.
  const bool up = maximize(selectKey);
  for (int i = 0; i < int(st.points.size()); ++i) {
    const StudyPoint& p = st.points[size_t(i)];
    if (!std::isfinite(p.select.mean)) continue;
    if (st.best < 0) {
      st.best = i;
      continue;
    }
    const StudyPoint& b = st.points[size_t(st.best)];
    const bool better = up ? p.select.mean > b.select.mean : p.select.mean < b.select.mean;
    if (better || (p.select.mean == b.select.mean && p.select.n > b.select.n)) st.best = i;
  }
  if (st.best < 0) {
    problems << QStringLiteral("no configuration has a value of %1").arg(metricLabel(selectKey));
    st.message = problems.join(QStringLiteral("; "));
    return st;
  }

  // The reference it is compared with.
  const Group& bestGroup = groups[size_t(st.points[size_t(st.best)].group)];
  if (reference < 0 || reference >= int(candidates.size())) {
    reference = -1;
    const qint64 bestDataset =
        bestGroup.runs.empty() ? 0 : snapshot.runs[size_t(bestGroup.runs.front())].run.datasetId;
    const QJsonObject bestFlat = store::RunStore::flattenConfig(bestGroup.config);
    int bestShared = -1;
    size_t bestRuns = 0;
    for (int c = 0; c < int(candidates.size()); ++c) {
      const Group& g = candidates[size_t(c)];
      if (!g.baseline || g.runs.empty()) continue;
      if (snapshot.runs[size_t(g.runs.front())].run.datasetId != bestDataset) continue;
      const QJsonObject f = store::RunStore::flattenConfig(g.config);
      int shared = 0;
      for (auto it = f.begin(); it != f.end(); ++it) shared += bestFlat.value(it.key()) == it.value() ? 1 : 0;
      if (shared > bestShared || (shared == bestShared && g.runs.size() > bestRuns)) {
        bestShared = shared;
        bestRuns = g.runs.size();
        reference = c;
      }
    }
    if (reference < 0)
      problems << QStringLiteral("no baseline group on the best configuration's dataset to compare with");
  }
  st.reference = reference;
  if (reference >= 0) {
    const Group& ref = candidates[size_t(reference)];
    st.referenceName = ref.name;
    st.bestVsReference = analysis::welchTest(st.points[size_t(st.best)].testValues,
                                             groupValues(snapshot, ref, st.testKey, mode, excluded));
  }
  st.message = problems.join(QStringLiteral("; "));
  return st;
}

HeatMap heatMap(const Study& study, int xAxis, int yAxis, OtherAxes others) {
  HeatMap map;
  map.xAxis = xAxis;
  map.yAxis = yAxis;
  const int axes = int(study.axes.size());
  if (xAxis < 0 || xAxis >= axes || yAxis < 0 || yAxis >= axes) {
    map.message = axes < 2 ? QStringLiteral("the configurations differ in %1 setting(s): a heat map needs two")
                                 .arg(axes)
                           : QStringLiteral("choose two axes");
    return map;
  }
  if (xAxis == yAxis) {
    map.message = QStringLiteral("choose two different axes");
    return map;
  }
  const bool up = maximize(study.selectKey);
  std::map<std::pair<int, int>, std::vector<int>> cells;
  for (int i = 0; i < int(study.points.size()); ++i) {
    const StudyPoint& p = study.points[size_t(i)];
    cells[{p.value[xAxis], p.value[yAxis]}].push_back(i);
  }
  for (const auto& [xy, points] : cells) {
    HeatCell cell;
    cell.xi = xy.first;
    cell.yi = xy.second;
    cell.configurations = int(points.size());
    if (others == OtherAxes::Best) {
      for (int i : points) {
        const double v = study.points[size_t(i)].select.mean;
        if (!std::isfinite(v)) continue;
        if (cell.point < 0) {
          cell.point = i;
          continue;
        }
        const double b = study.points[size_t(cell.point)].select.mean;
        if (up ? v > b : v < b) cell.point = i;
      }
      if (cell.point < 0) cell.point = points.front();
      cell.value = study.points[size_t(cell.point)].shown;
    } else {
      // Pool the runs: the mean over every run of the cell, n the runs.
      double sum = 0, sumSq = 0;
      int64_t n = 0, skipped = 0;
      for (int i : points) {
        const analysis::GroupSummary& s = study.points[size_t(i)].shown;
        if (s.n == 0) {
          skipped += s.skipped;
          continue;
        }
        // Recover the group's sum and sum of squares from its mean and sample std.
        const double var = s.n > 1 ? s.std * s.std : 0.0;
        sum += s.mean * double(s.n);
        sumSq += var * double(s.n - 1) + s.mean * s.mean * double(s.n);
        n += s.n;
        skipped += s.skipped;
      }
      cell.value.n = n;
      cell.value.skipped = skipped;
      if (n > 0) cell.value.mean = sum / double(n);
      if (n > 1) {
        const double var = (sumSq - sum * sum / double(n)) / double(n - 1);
        cell.value.std = std::sqrt(std::max(0.0, var));
      }
    }
    map.cells.push_back(cell);
  }
  if (axes > 2) {
    QStringList rest;
    for (int a = 0; a < axes; ++a) {
      if (a != xAxis && a != yAxis) rest << study.axes[size_t(a)].key;
    }
    map.message = others == OtherAxes::Best
                      ? QStringLiteral("each cell: the configuration with the best %1 over %2")
                            .arg(metricLabel(study.selectKey), rest.join(QStringLiteral(", ")))
                      : QStringLiteral("each cell: every run over %1 pooled")
                            .arg(rest.join(QStringLiteral(", ")));
  }
  return map;
}

std::vector<ParallelLine> parallelLines(const Study& study, double* low, double* high) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const StudyPoint& p : study.points) {
    if (!std::isfinite(p.shown.mean)) continue;
    lo = std::min(lo, p.shown.mean);
    hi = std::max(hi, p.shown.mean);
  }
  if (low) *low = std::isfinite(lo) ? lo : kNaN;
  if (high) *high = std::isfinite(hi) ? hi : kNaN;
  std::vector<ParallelLine> lines;
  for (int i = 0; i < int(study.points.size()); ++i) {
    const StudyPoint& p = study.points[size_t(i)];
    ParallelLine line;
    line.point = i;
    for (int a = 0; a < int(study.axes.size()); ++a) {
      const int count = study.axes[size_t(a)].values.size();
      line.y << (count > 1 ? double(p.value[a]) / double(count - 1) : 0.5);
    }
    double v = kNaN;
    if (std::isfinite(p.shown.mean)) v = hi > lo ? (p.shown.mean - lo) / (hi - lo) : 0.5;
    line.y << v;
    lines.push_back(std::move(line));
  }
  return lines;
}

QString studyCsv(const Study& study) {
  QStringList header;
  for (const StudyAxis& a : study.axes) header << a.key;
  header << QStringLiteral("n") << study.selectKey + QStringLiteral(" mean")
         << study.selectKey + QStringLiteral(" std");
  if (study.shownKey != study.selectKey)
    header << study.shownKey + QStringLiteral(" mean") << study.shownKey + QStringLiteral(" std");
  header << study.testKey + QStringLiteral(" mean") << study.testKey + QStringLiteral(" std")
         << QStringLiteral("best");
  QString csv = csvLine(header);
  for (int i = 0; i < int(study.points.size()); ++i) {
    const StudyPoint& p = study.points[size_t(i)];
    QStringList row;
    for (int a = 0; a < int(study.axes.size()); ++a) {
      const QJsonValue& v = study.axes[size_t(a)].values[p.value[a]];
      row << (v.isDouble() ? numberCsv(v.toDouble()) : study.axes[size_t(a)].label(p.value[a]));
    }
    row << QString::number(p.select.n) << numberCsv(p.select.mean) << numberCsv(p.select.std);
    if (study.shownKey != study.selectKey) row << numberCsv(p.shown.mean) << numberCsv(p.shown.std);
    row << numberCsv(p.test.mean) << numberCsv(p.test.std)
        << (i == study.best ? QStringLiteral("1") : QStringLiteral("0"));
    csv += csvLine(row);
  }
  return csv;
}

}  // namespace irl4rec::ui::compare
