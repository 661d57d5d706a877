// `irl4rec runs compare`: the Compare tab's seed groups and their statistics, headless — the
// application layer's comparison (core/application/comparison.h) printed as a table, CSV or JSON.
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/application/comparison.h"
#include "core/store/run_store.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace irl4rec::cli {
namespace {

const char kCompareUsage[] =
    "usage: irl4rec runs compare [--db FILE] [options]\n"
    "\n"
    "Seed groups (runs whose configurations differ only by seed, on the same dataset), each with\n"
    "mean ± sample std over its runs — what the workbench's Compare tab shows.\n"
    "\n"
    "  --metrics K1,K2,...   metric keys (test/hr@10,test/ndcg@10,val/ndcg@10)\n"
    "  --last                each run's last value (default: its value at the epoch of its\n"
    "                        best validation NDCG@10; test metrics are logged once, for it)\n"
    "  --status S            runs of this status only (finished); 'any' for all\n"
    "  --model M             baseline or irl4rec (any)\n"
    "  --filter TEXT         in the run name, group name, tags, encoder or loss\n"
    "  --sweep NAME          runs of one sweep only\n"
    "  --reference G         compare every group with group G (its number in the table, or a\n"
    "                        unique part of its name or hash): relative change and Welch's\n"
    "                        t-test p per metric\n"
    "  --csv                 the groups and their runs as CSV (as the Compare tab exports)\n"
    "  --json                groups, runs and statistics as one JSON object\n";

struct CompareOptions {
  QString db;
  QStringList metrics{QStringLiteral("test/hr@10"), QStringLiteral("test/ndcg@10"), QStringLiteral("val/ndcg@10")};
  application::ValueMode mode = application::ValueMode::BestValidation;
  application::Filter filter;
  QString reference;
  bool csv = false;
  bool json = false;
};

std::optional<QString> parseCompare(const QStringList& args, CompareOptions& o) {
  for (int i = 0; i < args.size(); ++i) {
    const QString& a = args[i];
    auto value = [&]() -> std::optional<QString> {
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    if (a == QLatin1String("--last")) {
      o.mode = application::ValueMode::Last;
    } else if (a == QLatin1String("--csv")) {
      o.csv = true;
    } else if (a == QLatin1String("--json")) {
      o.json = true;
    } else if (a == QLatin1String("--db") || a == QLatin1String("--metrics") ||
               a == QLatin1String("--status") || a == QLatin1String("--model") ||
               a == QLatin1String("--filter") || a == QLatin1String("--sweep") ||
               a == QLatin1String("--reference")) {
      const auto v = value();
      if (!v) return QStringLiteral("runs compare: %1 needs a value").arg(a);
      if (a == QLatin1String("--db")) o.db = *v;
      if (a == QLatin1String("--metrics")) {
        o.metrics.clear();
        for (const QString& k : v->split(QLatin1Char(','), Qt::SkipEmptyParts)) o.metrics << k.trimmed();
        if (o.metrics.isEmpty()) return QStringLiteral("runs compare: --metrics needs at least one key");
      }
      if (a == QLatin1String("--status")) {
        if (*v != QLatin1String("any") && !store::parseRunStatus(*v))
          return QStringLiteral("runs compare: unknown status '%1' (queued, running, finished, "
                                "failed, cancelled, diverged, interrupted or any)")
              .arg(*v);
        o.filter.status = *v == QLatin1String("any") ? QString() : *v;
      }
      if (a == QLatin1String("--model")) {
        if (*v != QLatin1String("baseline") && *v != QLatin1String("irl4rec"))
          return QStringLiteral("runs compare: --model is baseline or irl4rec, not '%1'").arg(*v);
        o.filter.model = *v;
      }
      if (a == QLatin1String("--filter")) o.filter.text = *v;
      if (a == QLatin1String("--sweep")) o.filter.sweep = *v;
      if (a == QLatin1String("--reference")) o.reference = *v;
    } else {
      return QStringLiteral("runs compare: unknown argument '%1' (try runs compare --help)").arg(a);
    }
  }
  if (o.csv && o.json) return QStringLiteral("runs compare: --csv and --json exclude each other");
  return std::nullopt;
}

/// The group --reference names: its 1-based number, or the one group whose name, hash or a run's
/// name contains the text. -1 and a reason otherwise.
std::pair<int, QString> findReference(const application::Snapshot& snapshot,
                                      const std::vector<application::Group>& groups, const QString& ref) {
  bool isNumber = false;
  const int n = ref.toInt(&isNumber);
  if (isNumber) {
    if (n < 1 || n > int(groups.size()))
      return {-1, QStringLiteral("--reference %1: there are %2 groups").arg(ref).arg(groups.size())};
    return {n - 1, QString()};
  }
  std::vector<int> hits;
  for (int g = 0; g < int(groups.size()); ++g) {
    bool hit = groups[size_t(g)].name.contains(ref, Qt::CaseInsensitive) || groups[size_t(g)].hash.startsWith(ref);
    for (int r : groups[size_t(g)].runs) hit = hit || snapshot.runs[size_t(r)].run.name.contains(ref, Qt::CaseInsensitive);
    if (hit) hits.push_back(g);
  }
  if (hits.size() == 1) return {hits.front(), QString()};
  return {-1, hits.empty() ? QStringLiteral("--reference '%1' names no group").arg(ref)
                           : QStringLiteral("--reference '%1' names %2 groups: be more specific").arg(ref).arg(hits.size())};
}

QString seedList(const application::Snapshot& snapshot, const application::Group& group) {
  QStringList seeds;
  for (int r : group.runs) seeds << (snapshot.runs[size_t(r)].seed.isEmpty() ? QStringLiteral("?") : snapshot.runs[size_t(r)].seed);
  return seeds.join(QLatin1Char(','));
}

}  // namespace

int runRunsCompare(const QStringList& args) {
  if (args.contains(QLatin1String("--help")) || args.contains(QLatin1String("-h"))) {
    out(QString::fromUtf8(kCompareUsage));
    return kExitOk;
  }
  CompareOptions o;
  if (auto problem = parseCompare(args, o)) return badInput(*problem);
  store::RunStore probe;
  auto exists = openExistingStore(probe, o.db);
  if (!exists) return badInput(exists.error());
  if (!exists.value()) {
    out(QStringLiteral("no runs yet\n"));
    return kExitOk;
  }
  const QString path = probe.path();
  probe.close();

  const application::Snapshot snapshot = application::readSnapshot(path, o.metrics);
  if (!snapshot.error.isEmpty()) return badInput(Error::general(snapshot.error));
  std::vector<application::Group> groups = application::groupRuns(snapshot, o.filter);
  application::nameGroups(groups, snapshot);
  int reference = -1;
  if (!o.reference.isEmpty()) {
    auto [index, why] = findReference(snapshot, groups, o.reference);
    if (index < 0) return badInput(QStringLiteral("runs compare: %1").arg(why));
    reference = index;
  }
  const std::vector<application::AblationRow> rows =
      reference >= 0 ? application::ablation(snapshot, groups, reference, o.metrics, o.mode)
                     : std::vector<application::AblationRow>();
  auto ablationOf = [&](int g, const QString& key) -> const application::AblationRow* {
    for (const auto& row : rows)
      if (row.group == g && row.metric == key) return &row;
    return nullptr;
  };

  if (o.csv) {
    std::vector<application::MetricColumn> columns;
    for (const QString& k : o.metrics) columns.push_back({k, false});
    out(application::groupsCsv(snapshot, groups, columns, o.mode));
    return kExitOk;
  }
  if (o.json) {
    QJsonArray list;
    for (int g = 0; g < int(groups.size()); ++g) {
      const application::Group& group = groups[size_t(g)];
      QJsonArray runs;
      for (int r : group.runs) {
        const application::RunRecord& rec = snapshot.runs[size_t(r)];
        QJsonObject run{{QStringLiteral("uuid"), rec.run.uuid}, {QStringLiteral("name"), rec.run.name},
                        {QStringLiteral("seed"), rec.seed}, {QStringLiteral("status"), store::toString(rec.run.status)}};
        QJsonObject values;
        for (const QString& k : o.metrics) values.insert(k, jsonNumber(application::runValue(rec, k, o.mode)));
        run.insert(QStringLiteral("values"), values);
        runs.append(run);
      }
      QJsonObject metrics;
      for (const QString& k : o.metrics) {
        const analysis::GroupSummary s = application::groupValue(snapshot, group, k, o.mode);
        QJsonObject m{{QStringLiteral("mean"), jsonNumber(s.mean)}, {QStringLiteral("std"), jsonNumber(s.std)},
                      {QStringLiteral("n"), qint64(s.n)}};
        if (const auto* a = ablationOf(g, k); a && g != reference) {
          m.insert(QStringLiteral("change_percent"), jsonNumber(a->welch.relativeChangePercent));
          m.insert(QStringLiteral("p"), jsonNumber(a->welch.p));
        }
        metrics.insert(k, m);
      }
      list.append(QJsonObject{{QStringLiteral("number"), g + 1},
                              {QStringLiteral("name"), group.name},
                              {QStringLiteral("hash"), group.hash},
                              {QStringLiteral("baseline"), group.baseline},
                              {QStringLiteral("reference"), g == reference},
                              {QStringLiteral("config"), group.config},
                              {QStringLiteral("runs"), runs},
                              {QStringLiteral("metrics"), metrics}});
    }
    const QJsonObject doc{{QStringLiteral("store"), QFileInfo(path).absoluteFilePath()},
                          {QStringLiteral("values"), o.mode == application::ValueMode::Last ? QStringLiteral("last")
                                                                                           : QStringLiteral("best_validation")},
                          {QStringLiteral("groups"), list}};
    out(QString::fromUtf8(QJsonDocument(doc).toJson(QJsonDocument::Indented)));
    return kExitOk;
  }

  size_t runCount = 0;
  for (const auto& g : groups) runCount += g.runs.size();
  out(QStringLiteral("%1 runs in %2 groups (%3), values %4\n\n")
          .arg(runCount)
          .arg(groups.size())
          .arg(o.filter.status.isEmpty() ? QStringLiteral("any status") : QStringLiteral("status %1").arg(o.filter.status),
               o.mode == application::ValueMode::Last ? QStringLiteral("last logged")
                                                      : QStringLiteral("at each run's best validation NDCG@10")));
  if (groups.empty()) return kExitOk;
  // A terminal table: numbers first, the group's full name last (names can be long).
  QStringList header{QStringLiteral("#").leftJustified(3), QStringLiteral("n").rightJustified(3),
                     QStringLiteral("seeds").leftJustified(10)};
  for (const QString& k : o.metrics) header << application::metricLabel(k).leftJustified(17);
  header << QStringLiteral("group");
  out(header.join(QStringLiteral("  ")) + QLatin1Char('\n'));
  for (int g = 0; g < int(groups.size()); ++g) {
    const application::Group& group = groups[size_t(g)];
    QStringList cells{QString::number(g + 1).leftJustified(3), QString::number(group.runs.size()).rightJustified(3),
                      seedList(snapshot, group).leftJustified(10)};
    for (const QString& k : o.metrics)
      cells << application::summaryText(application::groupValue(snapshot, group, k, o.mode)).leftJustified(17);
    cells << group.name;
    out(cells.join(QStringLiteral("  ")) + QLatin1Char('\n'));
  }
  if (reference >= 0) {
    out(QStringLiteral("\nagainst #%1 (%2), Welch's t-test over seeds:\n").arg(reference + 1).arg(groups[size_t(reference)].name));
    for (int g = 0; g < int(groups.size()); ++g) {
      if (g == reference) continue;
      QStringList parts;
      for (const QString& k : o.metrics)
        if (const auto* a = ablationOf(g, k)) parts << application::metricLabel(k) + QStringLiteral(" ") + application::ablationLabel(*a, false);
      out(QStringLiteral("  #%1  %2\n").arg(g + 1).arg(parts.join(QStringLiteral("; "))));
    }
  }
  return kExitOk;
}

}  // namespace irl4rec::cli
