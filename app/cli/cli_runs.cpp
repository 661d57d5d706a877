// irl4rec runs list|show|delete|export: the run store from the command line.
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/analysis/run_projections.h"
#include "core/common/csv.h"
#include "core/common/files.h"
#include "core/train/result_import.h"
#include "core/store/run_store.h"
#include "core/train/metric_keys.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <charconv>
#include <cmath>
#include <optional>

namespace irl4rec::cli {

namespace {

using store::RunStore;

const char* const kRunsUsage =
    "usage: irl4rec runs <command> [--db FILE]\n"
    "\n"
    "  list [--json] [--limit N]                 runs, newest first, with key metrics\n"
    "  show RUN [--json]                         one run: status, config, metrics, files\n"
    "  delete RUN                                the run, its metrics, embeddings, projections\n"
    "                                            and checkpoint files\n"
    "  export RUN --format csv|json|projector --out PATH [--kind K]\n"
    "      csv        every metric row (key,step,epoch,value,wall_time); PATH '-' = stdout\n"
    "      json       run, config, params, summaries, checkpoints and every metric row\n"
    "      projector  TensorBoard Embedding Projector files in the directory PATH:\n"
    "                 <kind>_vectors.tsv + <kind>_metadata.tsv per embedding kind\n"
    "                 (or only --kind K) and a projector_config.pbtxt\n"
    "  compare [options]                         seed groups with mean ± std per metric, and a\n"
    "                                            reference group's Welch test (runs compare --help)\n"
    "  import FILE... [--json]                   merge run stores (e.g. a SLURM sweep's shards)\n"
    "                                            or result files of train --json (bench/results)\n"
    "                                            into the store: a run uuid is never duplicated,\n"
    "                                            a newer copy of an unfinished run replaces it\n"
    "\n"
    "RUN is a uuid, a unique uuid prefix (4+ characters) or a run name.\n"
    "The store is --db FILE, else $IRL4REC_DB, else ~/.local/share/irl4rec/runs.sqlite.\n";

struct Options {
  QString command;
  QStringList positional;
  QString db;
  bool json = false;
  QString format;
  QString out;
  QString kind;
  int limit = 0;
};

std::optional<QString> parse(const QStringList& args, Options& o) {
  o.command = args.value(0);
  for (int i = 1; i < args.size(); ++i) {
    const QString& a = args[i];
    auto value = [&](QString& target) -> bool {
      if (i + 1 >= args.size()) return false;
      target = args[++i];
      return true;
    };
    if (a == QLatin1String("--json")) {
      o.json = true;
    } else if (a == QLatin1String("--db") || a == QLatin1String("--format") ||
               a == QLatin1String("--out") || a == QLatin1String("--kind") ||
               a == QLatin1String("--limit")) {
      QString v;
      if (!value(v)) return QStringLiteral("%1 needs a value").arg(a);
      if (a == QLatin1String("--db")) o.db = v;
      if (a == QLatin1String("--format")) o.format = v;
      if (a == QLatin1String("--out")) o.out = v;
      if (a == QLatin1String("--kind")) o.kind = v;
      if (a == QLatin1String("--limit")) {
        bool ok = false;
        o.limit = v.toInt(&ok);
        if (!ok || o.limit < 0)
          return QStringLiteral("--limit needs a non-negative integer, not '%1'").arg(v);
      }
    } else if (a.startsWith(QLatin1String("--"))) {
      return QStringLiteral("unknown option '%1' for 'runs %2' (try runs --help)")
          .arg(a, o.command);
    } else {
      o.positional << a;
    }
  }
  return std::nullopt;
}

QString iso(const QDateTime& t) {
  return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QJsonValue isoOrNull(const QDateTime& t) { return t.isValid() ? QJsonValue(iso(t)) : QJsonValue(); }

QString fmt(double v) {
  if (std::isnan(v)) return QStringLiteral("nan");
  return QString::number(v, 'g', 6);
}

QJsonObject runJson(const store::RunInfo& r) {
  return QJsonObject{
      {QStringLiteral("id"), r.id},
      {QStringLiteral("uuid"), r.uuid},
      {QStringLiteral("name"), r.name},
      {QStringLiteral("status"), store::toString(r.status)},
      {QStringLiteral("message"), r.message},
      {QStringLiteral("created"), isoOrNull(r.created)},
      {QStringLiteral("started"), isoOrNull(r.started)},
      {QStringLiteral("finished"), isoOrNull(r.finished)},
      {QStringLiteral("dataset_id"), r.datasetId},
      {QStringLiteral("dataset"), r.datasetName},
      {QStringLiteral("group_hash"), r.groupHash},
      {QStringLiteral("tags"), QJsonArray::fromStringList(r.tags)},
      {QStringLiteral("notes"), r.notes},
      {QStringLiteral("owner"),
       QJsonObject{{QStringLiteral("host"), r.owner.host}, {QStringLiteral("pid"), r.owner.pid}}},
  };
}

QJsonObject summariesJson(const std::vector<store::MetricSummary>& metrics) {
  QJsonObject out;
  for (const store::MetricSummary& m : metrics) {
    out.insert(m.key, QJsonObject{
                          {QStringLiteral("count"), m.count},
                          {QStringLiteral("direction"),
                           m.direction == store::MetricDirection::Maximize ? QStringLiteral("max")
                                                                           : QStringLiteral("min")},
                          {QStringLiteral("last"), jsonNumber(m.lastValue)},
                          {QStringLiteral("last_step"), m.lastStep},
                          {QStringLiteral("last_epoch"), m.lastEpoch},
                          {QStringLiteral("best"), jsonNumber(m.bestValue)},
                          {QStringLiteral("best_step"), m.bestStep},
                          {QStringLiteral("best_epoch"), m.bestEpoch}});
  }
  return out;
}

QString duration(const store::RunInfo& r) {
  if (!r.started.isValid()) return QString();
  const QDateTime end = r.finished.isValid() ? r.finished : QDateTime::currentDateTimeUtc();
  const qint64 s = r.started.secsTo(end);
  return QStringLiteral("%1:%2:%3")
      .arg(s / 3600)
      .arg((s / 60) % 60, 2, 10, QLatin1Char('0'))
      .arg(s % 60, 2, 10, QLatin1Char('0'));
}

QString pad(const QString& s, int width) {
  return s.size() > width ? s.left(width - 1) + QChar(0x2026) : s.leftJustified(width);
}

int list(const Options& o) {
  if (!o.positional.isEmpty()) return badInput(QStringLiteral("'runs list' takes no RUN argument"));
  RunStore store;
  auto opened = openExistingStore(store, o.db);
  if (!opened.ok()) return badInput(opened.error());
  std::vector<store::RunListEntry> runs;
  if (opened.value()) {
    store::ListOptions options;
    options.limit = o.limit;
    auto listed = store.listRuns(options);
    if (!listed.ok()) return badInput(listed.error());
    runs = std::move(listed.value());
  }
  if (o.json) {
    QJsonArray array;
    for (const store::RunListEntry& e : runs) {
      QJsonObject obj = runJson(e.run);
      obj.insert(QStringLiteral("metrics"), summariesJson(e.metrics));
      array.append(obj);
    }
    out(QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Indented)));
    return kExitOk;
  }
  if (runs.empty()) {
    out(QStringLiteral("no runs in %1\n")
            .arg(opened.value() ? store.path() : RunStore::defaultPath()));
    return kExitOk;
  }
  // Key metric columns: those of these keys that some run has (best for ranking, last for loss).
  struct Column {
    QString key;
    QString title;
    bool best;
  };
  const std::vector<Column> candidates = {
      {train::metric::kValNdcg10, QStringLiteral("VAL NDCG@10"), true},
      {train::metric::kTestNdcg10, QStringLiteral("TEST NDCG@10"), false},
      {train::metric::kTestHr10, QStringLiteral("TEST HR@10"), false},
      {train::metric::kTotal, QStringLiteral("LOSS"), false}};
  std::vector<Column> columns;
  for (const Column& c : candidates) {
    for (const store::RunListEntry& e : runs) {
      if (e.metric(c.key)) {
        columns.push_back(c);
        break;
      }
    }
  }
  QString text =
      QStringLiteral("%1 %2 %3 %4 %5 %6 %7")
          .arg(pad(QStringLiteral("RUN"), 8), pad(QStringLiteral("NAME"), 22),
               pad(QStringLiteral("STATUS"), 11), pad(QStringLiteral("CREATED (UTC)"), 16),
               pad(QStringLiteral("DURATION"), 9), pad(QStringLiteral("DATASET"), 12),
               pad(QStringLiteral("GROUP"), 12));
  for (const Column& c : columns) text += QLatin1Char(' ') + c.title.rightJustified(12);
  text += QLatin1Char('\n');
  for (const store::RunListEntry& e : runs) {
    const store::RunInfo& r = e.run;
    text += QStringLiteral("%1 %2 %3 %4 %5 %6 %7")
                .arg(r.uuid.left(8), pad(r.name, 22), pad(store::toString(r.status), 11),
                     pad(r.created.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm")), 16),
                     pad(duration(r), 9),
                     pad(r.datasetName.isEmpty() ? QStringLiteral("-") : r.datasetName, 12),
                     pad(r.groupHash, 12));
    for (const Column& c : columns) {
      const store::MetricSummary* m = e.metric(c.key);
      const QString v = m ? fmt(c.best ? m->bestValue : m->lastValue) : QStringLiteral("-");
      text += QLatin1Char(' ') + v.rightJustified(12);
    }
    text += QLatin1Char('\n');
  }
  out(text);
  return kExitOk;
}

Expected<store::RunInfo> resolve(RunStore& store, const Options& o, const QString& command) {
  if (o.positional.size() != 1) {
    return Error::general(
        QStringLiteral("'runs %1' needs exactly one RUN (uuid, uuid prefix or name)").arg(command));
  }
  return findStoredRun(store, o.db, o.positional[0]);
}

// Everything about a run except metric rows and vectors.
Expected<QJsonObject> describe(RunStore& store, const store::RunInfo& r) {
  QJsonObject obj = runJson(r);
  obj.insert(QStringLiteral("config"), r.config);
  obj.insert(QStringLiteral("group_key"), r.groupKey);
  auto params = store.params(r.id);
  if (!params.ok()) return params.error();
  obj.insert(QStringLiteral("params"), params.value());
  auto summaries = store.metricSummaries(r.id);
  if (!summaries.ok()) return summaries.error();
  obj.insert(QStringLiteral("metrics"), summariesJson(summaries.value()));
  auto checkpoints = store.checkpoints(r.id);
  if (!checkpoints.ok()) return checkpoints.error();
  QJsonArray cps;
  for (const store::CheckpointRecord& c : checkpoints.value()) {
    cps.append(QJsonObject{{QStringLiteral("path"), c.path},
                           {QStringLiteral("epoch"), c.epoch},
                           {QStringLiteral("step"), c.step},
                           {QStringLiteral("best"), c.isBest},
                           {QStringLiteral("exists"), QFileInfo::exists(c.path)}});
  }
  obj.insert(QStringLiteral("checkpoints"), cps);
  auto kinds = store.embeddingKinds(r.id);
  if (!kinds.ok()) return kinds.error();
  QJsonArray emb;
  for (const store::EmbeddingInfo& k : kinds.value()) {
    emb.append(QJsonObject{{QStringLiteral("kind"), k.kind},
                           {QStringLiteral("rows"), qint64(k.rows)},
                           {QStringLiteral("dim"), qint64(k.dim)}});
  }
  obj.insert(QStringLiteral("embeddings"), emb);
  auto projections = store.projections(r.id, false);
  if (!projections.ok()) return projections.error();
  QJsonArray proj;
  for (const store::Projection& p : projections.value()) {
    proj.append(QJsonObject{{QStringLiteral("kind"), p.kind},
                            {QStringLiteral("method"), p.method},
                            {QStringLiteral("parameters"), p.parameters},
                            {QStringLiteral("created"), isoOrNull(p.created)}});
  }
  obj.insert(QStringLiteral("projections"), proj);
  return obj;
}

int show(const Options& o) {
  RunStore store;
  auto run = resolve(store, o, QStringLiteral("show"));
  if (!run.ok()) return badInput(run.error());
  auto described = describe(store, run.value());
  if (!described.ok()) return badInput(described.error());
  if (o.json) {
    out(QString::fromUtf8(QJsonDocument(described.value()).toJson(QJsonDocument::Indented)));
    return kExitOk;
  }
  const store::RunInfo& r = run.value();
  QString t;
  auto line = [&](const QString& label, const QString& value) {
    if (!value.isEmpty())
      t += QStringLiteral("%1 %2\n").arg(pad(label + QLatin1Char(':'), 10), value);
  };
  line(QStringLiteral("run"), r.uuid);
  line(QStringLiteral("name"), r.name);
  line(QStringLiteral("status"),
       store::toString(r.status) +
           (r.message.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(r.message)));
  line(QStringLiteral("created"), iso(r.created));
  line(QStringLiteral("started"), iso(r.started));
  line(QStringLiteral("finished"), iso(r.finished));
  line(QStringLiteral("duration"), duration(r));
  line(QStringLiteral("dataset"), r.datasetName);
  line(QStringLiteral("group"), r.groupHash);
  line(QStringLiteral("owner"), QStringLiteral("pid %1 on %2").arg(r.owner.pid).arg(r.owner.host));
  line(QStringLiteral("tags"), r.tags.join(QStringLiteral(", ")));
  line(QStringLiteral("notes"), r.notes);
  t += QStringLiteral("config:   %1\n")
           .arg(QString::fromUtf8(QJsonDocument(r.config).toJson(QJsonDocument::Compact)));
  const QJsonObject obj = described.value();
  const QJsonObject metrics = obj.value(QStringLiteral("metrics")).toObject();
  if (!metrics.isEmpty()) {
    t += QStringLiteral("\n%1 %2 %3 %4 %5\n")
             .arg(pad(QStringLiteral("METRIC"), 24), QStringLiteral("ROWS").rightJustified(7),
                  QStringLiteral("LAST").rightJustified(12),
                  QStringLiteral("BEST").rightJustified(12), QStringLiteral("AT STEP (EPOCH)"));
    for (auto it = metrics.begin(); it != metrics.end(); ++it) {
      const QJsonObject m = it.value().toObject();
      auto val = [&](const char* k) {
        const QJsonValue v = m.value(QLatin1String(k));
        return v.isNull() ? QStringLiteral("nan") : fmt(v.toDouble());
      };
      t += QStringLiteral("%1 %2 %3 %4 %5 (%6)\n")
               .arg(pad(it.key(), 24),
                    QString::number(m.value(QStringLiteral("count")).toInteger()).rightJustified(7),
                    val("last").rightJustified(12), val("best").rightJustified(12))
               .arg(m.value(QStringLiteral("best_step")).toInteger())
               .arg(m.value(QStringLiteral("best_epoch")).toInteger());
    }
  }
  const QJsonArray cps = obj.value(QStringLiteral("checkpoints")).toArray();
  if (!cps.isEmpty()) t += QStringLiteral("\ncheckpoints:\n");
  for (const QJsonValue& v : cps) {
    const QJsonObject c = v.toObject();
    t += QStringLiteral("  epoch %1%2 %3%4\n")
             .arg(c.value(QStringLiteral("epoch")).toInt())
             .arg(c.value(QStringLiteral("best")).toBool() ? QStringLiteral(" (best)") : QString(),
                  c.value(QStringLiteral("path")).toString(),
                  c.value(QStringLiteral("exists")).toBool() ? QString()
                                                             : QStringLiteral(" [missing]"));
  }
  const QJsonArray emb = obj.value(QStringLiteral("embeddings")).toArray();
  if (!emb.isEmpty()) t += QStringLiteral("\nembeddings:\n");
  for (const QJsonValue& v : emb) {
    const QJsonObject e = v.toObject();
    t += QStringLiteral("  %1: %2 x %3\n")
             .arg(e.value(QStringLiteral("kind")).toString())
             .arg(e.value(QStringLiteral("rows")).toInteger())
             .arg(e.value(QStringLiteral("dim")).toInteger());
  }
  const QJsonArray proj = obj.value(QStringLiteral("projections")).toArray();
  if (!proj.isEmpty()) t += QStringLiteral("\nprojections:\n");
  for (const QJsonValue& v : proj) {
    const QJsonObject p = v.toObject();
    t += QStringLiteral("  %1 of %2 %3\n")
             .arg(p.value(QStringLiteral("method")).toString(),
                  p.value(QStringLiteral("kind")).toString(),
                  QString::fromUtf8(QJsonDocument(p.value(QStringLiteral("parameters")).toObject())
                                        .toJson(QJsonDocument::Compact)));
  }
  out(t);
  return kExitOk;
}

int remove(const Options& o) {
  RunStore store;
  auto run = resolve(store, o, QStringLiteral("delete"));
  if (!run.ok()) return badInput(run.error());
  if (Status s = store.deleteRun(run.value().id); !s) return badInput(s.error());
  out(QStringLiteral("deleted run %1 (%2)\n").arg(run.value().uuid, run.value().name));
  return kExitOk;
}

// Writes bytes to PATH atomically, or to stdout for "-".
Status writeOut(const QString& path, const QByteArray& bytes) {
  if (path == QLatin1String("-")) {
    out(QString::fromUtf8(bytes));
    return {};
  }
  return writeFileAtomically(path, bytes);
}

void appendNumber(QByteArray& out, double v) {
  if (std::isnan(v)) {
    out += "nan";
    return;
  }
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, int(res.ptr - buf));
}

QString tsvField(QString s) {
  s.replace(QLatin1Char('\t'), QLatin1Char(' '));
  s.replace(QLatin1Char('\n'), QLatin1Char(' '));
  s.replace(QLatin1Char('\r'), QLatin1Char(' '));
  return s;
}

Status exportProjector(RunStore& store, const store::RunInfo& r, const Options& o,
                       QStringList& written) {
  auto kinds = store.embeddingKinds(r.id);
  if (!kinds.ok()) return kinds.error();
  QStringList selected;
  for (const store::EmbeddingInfo& k : kinds.value()) {
    // Per-user test ranks are stored beside the embeddings but are not vectors to project.
    const bool vectors = k.kind != analysis::kTestRankKind;
    if ((o.kind.isEmpty() && vectors) || k.kind == o.kind) selected << k.kind;
  }
  if (selected.isEmpty()) {
    return Error::general(
        o.kind.isEmpty()
            ? QStringLiteral("run %1 has no embeddings to export").arg(r.uuid.left(8))
            : QStringLiteral("run %1 has no '%2' embeddings").arg(r.uuid.left(8), o.kind));
  }
  if (!QDir().mkpath(o.out))
    return Error::at(o.out, 0, QStringLiteral("cannot create the directory"));
  QByteArray config;
  for (const QString& kind : selected) {
    auto m = store.loadEmbeddings(r.id, kind);
    if (!m.ok()) return m.error();
    const store::EmbeddingMatrix& e = m.value();
    QByteArray vectors;
    vectors.reserve(qsizetype(e.rows * e.dim * 11));
    for (int64_t i = 0; i < e.rows; ++i) {
      for (int64_t j = 0; j < e.dim; ++j) {
        if (j) vectors += '\t';
        char buf[24];
        auto res = std::to_chars(buf, buf + sizeof buf, e.values[size_t(i * e.dim + j)]);
        vectors.append(buf, int(res.ptr - buf));
      }
      vectors += '\n';
    }
    // Metadata: the entity id plus every label column of the run's dataset for that entity.
    const bool userKind = kind == store::kind::kAdjustment || kind == store::kind::kSpurious;
    const bool itemKind = kind == store::kind::kItem || kind == store::kind::kItemAttribute;
    std::vector<store::LabelColumn> labels;
    if (r.datasetId > 0 && (userKind || itemKind)) {
      const store::EntityKind entity = userKind ? store::EntityKind::User : store::EntityKind::Item;
      auto keys = store.labelKeys(r.datasetId);
      if (!keys.ok()) return keys.error();
      for (const auto& [ent, key] : keys.value()) {
        if (ent != entity) continue;
        auto col = store.loadLabels(r.datasetId, ent, key);
        if (!col.ok()) return col.error();
        labels.push_back(std::move(col.value()));
      }
    }
    std::vector<QHash<int64_t, QString>> lookup(labels.size());
    for (size_t c = 0; c < labels.size(); ++c) {
      for (size_t i = 0; i < labels[c].ids.size(); ++i)
        lookup[c].insert(labels[c].ids[i], labels[c].values[qsizetype(i)]);
    }
    QString meta;
    if (!labels.empty()) {  // TensorBoard: a header row only with several columns
      meta += userKind ? QStringLiteral("user") : QStringLiteral("item");
      for (const store::LabelColumn& c : labels) meta += QLatin1Char('\t') + tsvField(c.key);
      meta += QLatin1Char('\n');
    }
    for (int64_t i = 0; i < e.rows; ++i) {
      meta += QString::number(e.ids[size_t(i)]);
      for (size_t c = 0; c < labels.size(); ++c)
        meta += QLatin1Char('\t') + tsvField(lookup[c].value(e.ids[size_t(i)]));
      meta += QLatin1Char('\n');
    }
    const QString vectorsPath = QDir(o.out).filePath(kind + QStringLiteral("_vectors.tsv"));
    const QString metaPath = QDir(o.out).filePath(kind + QStringLiteral("_metadata.tsv"));
    if (Status s = writeOut(vectorsPath, vectors); !s) return s;
    if (Status s = writeOut(metaPath, meta.toUtf8()); !s) return s;
    written << vectorsPath << metaPath;
    config += QStringLiteral(
                  "embeddings {\n  tensor_name: \"%1 %2\"\n  tensor_shape: %3\n  tensor_shape: %4\n"
                  "  tensor_path: \"%2_vectors.tsv\"\n  metadata_path: \"%2_metadata.tsv\"\n}\n")
                  .arg(QString(r.name).replace(QLatin1Char('"'), QLatin1Char('\'')), kind)
                  .arg(e.rows)
                  .arg(e.dim)
                  .toUtf8();
  }
  const QString configPath = QDir(o.out).filePath(QStringLiteral("projector_config.pbtxt"));
  if (Status s = writeOut(configPath, config); !s) return s;
  written << configPath;
  return {};
}

int exportRun(const Options& o) {
  const QStringList formats = {QStringLiteral("csv"), QStringLiteral("json"),
                               QStringLiteral("projector")};
  if (!formats.contains(o.format)) {
    return badInput(
        o.format.isEmpty()
            ? QStringLiteral("'runs export' needs --format csv|json|projector")
            : QStringLiteral("unknown export format '%1' (csv, json or projector)").arg(o.format));
  }
  if (o.out.isEmpty()) return badInput(QStringLiteral("'runs export' needs --out PATH"));
  if (o.format == QLatin1String("projector") && o.out == QLatin1String("-")) {
    return badInput(QStringLiteral("--format projector writes a directory; give --out DIR"));
  }
  if (!o.kind.isEmpty() && o.format != QLatin1String("projector")) {
    return badInput(QStringLiteral("--kind only applies to --format projector"));
  }
  RunStore store;
  auto run = resolve(store, o, QStringLiteral("export"));
  if (!run.ok()) return badInput(run.error());
  const store::RunInfo& r = run.value();
  QStringList written;
  Status status;
  if (o.format == QLatin1String("projector")) {
    status = exportProjector(store, r, o, written);
  } else {
    auto rows = store.allMetrics(r.id);
    if (!rows.ok()) return badInput(rows.error());
    QByteArray bytes;
    if (o.format == QLatin1String("csv")) {
      bytes = "run,key,step,epoch,value,wall_time\n";
      const QByteArray uuid = r.uuid.toUtf8();
      for (const store::MetricRow& m : rows.value()) {
        bytes += uuid + ',' + csvField(m.key).toUtf8() + ',' + QByteArray::number(m.step) + ',' +
                 QByteArray::number(m.epoch) + ',';
        appendNumber(bytes, m.value);
        bytes += ',';
        appendNumber(bytes, m.wallTime);
        bytes += '\n';
      }
    } else {
      auto described = describe(store, r);
      if (!described.ok()) return badInput(described.error());
      QJsonObject obj = described.value();
      QJsonArray series;
      for (const store::MetricRow& m : rows.value()) {
        series.append(QJsonObject{{QStringLiteral("key"), m.key},
                                  {QStringLiteral("step"), m.step},
                                  {QStringLiteral("epoch"), m.epoch},
                                  {QStringLiteral("value"), jsonNumber(m.value)},
                                  {QStringLiteral("wall_time"), m.wallTime}});
      }
      obj.insert(QStringLiteral("metric_rows"), series);
      bytes = QJsonDocument(obj).toJson(QJsonDocument::Indented);
    }
    status = writeOut(o.out, bytes);
    if (o.out != QLatin1String("-")) written << o.out;
  }
  if (!status) {
    err(QStringLiteral("irl4rec: %1\n").arg(status.error().message()));
    return status.error().file.isEmpty() ? kExitBadInput : kExitFailure;
  }
  for (const QString& w : written) err(QStringLiteral("wrote %1\n").arg(w));
  return kExitOk;
}

int importStores(const Options& o) {
  if (o.positional.isEmpty()) return badInput(QStringLiteral("runs import: give the store files to merge"));
  const QString db = o.db.isEmpty() ? RunStore::defaultPath() : o.db;
  // Run stores and result files of `irl4rec train --json` (bench/results/*.json), in any mix.
  auto report = train::importRunsAndResults(db, o.positional);
  if (!report.ok()) return badInput(report.error());
  const store::ImportReport& r = report.value();
  if (o.json) {
    out(QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("files"), r.files},
                                                    {QStringLiteral("imported"), r.imported},
                                                    {QStringLiteral("replaced"), r.replaced},
                                                    {QStringLiteral("skipped"), r.skipped},
                                                    {QStringLiteral("db"), QFileInfo(db).absoluteFilePath()}})
                              .toJson(QJsonDocument::Compact)) +
        QLatin1Char('\n'));
  } else {
    out(QStringLiteral("%1 file(s) into %2: %3 new run(s), %4 replaced, %5 already there\n")
            .arg(r.files)
            .arg(QFileInfo(db).absoluteFilePath())
            .arg(r.imported)
            .arg(r.replaced)
            .arg(r.skipped));
  }
  return kExitOk;
}

}  // namespace

int runRuns(const QStringList& args) {
  if (args.isEmpty()) {
    return badInput(
        QStringLiteral("'runs' needs a command: list, show, compare, delete, export or import (try runs --help)"));
  }
  if (args[0] == QLatin1String("--help") || args[0] == QLatin1String("-h") ||
      args[0] == QLatin1String("help")) {
    out(QString::fromUtf8(kRunsUsage));
    return kExitOk;
  }
  // compare has options of its own (app/cli/cli_runs_compare.cpp).
  if (args.value(0) == QLatin1String("compare")) return runRunsCompare(args.mid(1));
  Options o;
  if (auto problem = parse(args, o)) return badInput(*problem);
  if (o.command == QLatin1String("list")) return list(o);
  if (o.command == QLatin1String("show")) return show(o);
  if (o.command == QLatin1String("delete")) return remove(o);
  if (o.command == QLatin1String("export")) return exportRun(o);
  if (o.command == QLatin1String("import")) return importStores(o);
  return badInput(
      QStringLiteral("unknown command 'runs %1' (list, show, compare, delete, export or import)").arg(o.command));
}

}  // namespace irl4rec::cli
