#include "core/train/result_import.h"

#include "core/store/run_store.h"
#include "core/train/config_fields.h"
#include "core/train/metric_keys.h"
#include "core/train/train_config.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <vector>

namespace irl4rec::train {
namespace {

struct ParsedResult {
  QString path;
  QString uuid;
  QString name;
  QJsonObject config;  ///< as TrainConfig::toJson() writes it (validated)
  store::DatasetRecord dataset;
  RunStatus status = RunStatus::Finished;
  std::vector<store::MetricRow> rows;
};

store::MetricRow row(const QString& key, int epoch, double value) {
  store::MetricRow r;
  r.key = key;
  r.step = epoch;
  r.epoch = epoch;
  r.value = value;
  r.direction = metric::direction(key);
  return r;
}

Expected<ParsedResult> parse(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly))
    return Error::at(path, 0, QStringLiteral("cannot read the result file: %1").arg(file.errorString()));
  const QByteArray text = file.readAll();
  QJsonParseError parseError;
  const QJsonDocument doc = QJsonDocument::fromJson(text, &parseError);
  if (parseError.error != QJsonParseError::NoError)
    return Error::at(path, 1 + text.left(parseError.offset).count('\n'),
                     QStringLiteral("not valid JSON: %1").arg(parseError.errorString()));
  const QJsonObject o = doc.object();
  auto missing = [&](const QString& key) {
    return Error::at(path, 0, QStringLiteral("not a result file of `irl4rec train --json`: no '%1'").arg(key));
  };
  for (const char* key : {"run", "status", "config", "dataset", "history"})
    if (!o.contains(QLatin1String(key))) return missing(QLatin1String(key));

  ParsedResult r;
  r.path = path;
  r.uuid = o.value(QStringLiteral("run")).toString().toLower();
  if (r.uuid.size() != 36) return Error::at(path, 0, QStringLiteral("'run' is not a run uuid"));
  const auto status = parseRunStatus(o.value(QStringLiteral("status")).toString());
  if (!status || (*status != RunStatus::Finished && *status != RunStatus::Diverged))
    return Error::at(path, 0, QStringLiteral("status '%1': only finished (or diverged) runs are imported")
                                  .arg(o.value(QStringLiteral("status")).toString()));
  r.status = *status;

  auto config = TrainConfig::fromJson(o.value(QStringLiteral("config")).toObject());
  if (!config) return Error::at(path, 0, QStringLiteral("config: %1").arg(config.error().cause));
  r.config = config.value().toJson();
  // The file's name is the run's (bench/results/xu-ce-split-s0.json: xu-ce-split-s0).
  r.name = o.value(QStringLiteral("name")).toString();
  if (r.name.isEmpty()) r.name = QFileInfo(path).completeBaseName();

  const QJsonObject ds = o.value(QStringLiteral("dataset")).toObject();
  r.dataset.name = ds.value(QStringLiteral("name")).toString();
  r.dataset.path = ds.value(QStringLiteral("path")).toString();
  r.dataset.fingerprint = ds.value(QStringLiteral("fingerprint")).toString();
  r.dataset.format = QStringLiteral("sequence-text");
  r.dataset.stats = ds;
  if (r.dataset.fingerprint.isEmpty() || r.dataset.name.isEmpty())
    return Error::at(path, 0, QStringLiteral("dataset: needs 'name' and 'fingerprint'"));

  int lastEpoch = 0;
  for (const QJsonValue& v : o.value(QStringLiteral("history")).toArray()) {
    const QJsonObject e = v.toObject();
    const int epoch = e.value(QStringLiteral("epoch")).toInt();
    if (epoch < 1)
      return Error::at(path, 0, QStringLiteral("history: an entry without an epoch (after epoch %1)").arg(lastEpoch));
    if (epoch <= lastEpoch)
      return Error::at(path, 0, QStringLiteral("history: epoch %1 after epoch %2").arg(epoch).arg(lastEpoch));
    lastEpoch = epoch;
    for (const auto& [field, key] : {std::pair<const char*, QString>{"loss", metric::kEpochLoss},
                                     {"valid_hr10", metric::kValHr10},
                                     {"valid_ndcg10", metric::kValNdcg10}}) {
      const QJsonValue value = e.value(QLatin1String(field));
      if (value.isUndefined()) continue;
      if (!value.isDouble() || !std::isfinite(value.toDouble()))
        return Error::at(path, 0, QStringLiteral("history: epoch %1: '%2' is not a number").arg(epoch).arg(field));
      r.rows.push_back(row(key, epoch, value.toDouble()));
    }
  }
  // The best checkpoint's test metrics ("HR@10", ...), logged once at its epoch.
  const int best = o.value(QStringLiteral("best_epoch")).toInt(lastEpoch);
  const QJsonObject test = o.value(QStringLiteral("test")).toObject();
  for (auto it = test.begin(); it != test.end(); ++it) {
    const QString name = it.key();
    const int at = name.indexOf(QLatin1Char('@'));
    if (at <= 0 || !it.value().isDouble()) continue;  // history_masked, protocol, users
    bool ok = false;
    const int k = name.mid(at + 1).toInt(&ok);
    if (!ok) continue;
    r.rows.push_back(row(metric::ranking(metric::kTestPrefix, name.left(at), k), best, it.value().toDouble()));
  }
  return r;
}

}  // namespace

bool isResultFile(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return false;
  const QByteArray head = file.read(64).trimmed();
  return head.startsWith('{');
}

Expected<ResultImportReport> importResultFiles(const QString& storePath, const QStringList& paths) {
  std::vector<ParsedResult> parsed;
  for (const QString& path : paths) {
    auto r = parse(path);
    if (!r) return r.error();
    parsed.push_back(std::move(r.value()));
  }
  store::RunStore store;
  if (Status s = store.open(storePath); !s) return s.error();
  ResultImportReport report;
  for (const ParsedResult& r : parsed) {
    if (store.findRun(r.uuid).ok()) {
      ++report.skipped;
      continue;
    }
    auto datasetId = store.upsertDataset(r.dataset);
    if (!datasetId) return datasetId.error();
    store::NewRun run;
    run.uuid = r.uuid;
    run.name = r.name;
    run.config = r.config;
    run.groupKey = groupKey(r.config, r.dataset.fingerprint);
    run.datasetId = datasetId.value();
    run.status = store::RunStatus::Running;
    run.tags = {QStringLiteral("imported-result")};
    run.notes = QStringLiteral("imported from %1").arg(r.path);
    auto info = store.createRun(run);
    if (!info) return info.error();
    // A run is stored whole or not at all: a half-written one would sit "running" in the list.
    // The store deletes no run its owner still runs, so it is marked failed first (if even that
    // write fails, it shows as interrupted once this process ends).
    Status written = store.logMetrics(info.value().id, r.rows);
    if (written) written = store.setStatus(info.value().id, r.status);
    if (!written) {
      if (store.setStatus(info.value().id, store::RunStatus::Failed, written.error().message()))
        (void)store.deleteRun(info.value().id);
      return written.error();
    }
    ++report.imported;
  }
  return report;
}

Expected<store::ImportReport> importRunsAndResults(const QString& storePath, const QStringList& paths) {
  QStringList results, stores;
  for (const QString& path : paths) (isResultFile(path) ? results : stores) << path;
  store::ImportReport report;
  if (!stores.isEmpty()) {
    auto merged = store::importRuns(storePath, stores);
    if (!merged) return merged.error();
    report = merged.value();
  }
  if (!results.isEmpty()) {
    auto recorded = importResultFiles(storePath, results);
    if (!recorded) return recorded.error();
    report.files += int(results.size());
    report.imported += recorded.value().imported;
    report.skipped += recorded.value().skipped;
  }
  return report;
}

}  // namespace irl4rec::train
