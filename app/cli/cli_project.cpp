// irl4rec project: 2-D projections (PCA, t-SNE) of a stored run's embeddings, headless. The
// projection is saved in the run store, where the workbench's Explorer tab finds it, and can be
// written as CSV.
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/analysis/projection.h"
#include "core/analysis/run_projections.h"
#include "core/common/files.h"
#include "core/store/run_store.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>

namespace irl4rec::cli {

namespace {

const char* const kProjectUsage =
    "usage: irl4rec project RUN [options]\n"
    "  2-D projection of one embedding kind of a stored run, saved in the run store (the\n"
    "  workbench's Explorer tab shows it) and optionally written as CSV.\n"
    "\n"
    "  --db FILE              run store (default: $IRL4REC_DB or\n"
    "                         ~/.local/share/irl4rec/runs.sqlite)\n"
    "  --kind K               adjustment (t, default), spurious (s), item, item_attribute\n"
    "  --method pca|tsne      (tsne)\n"
    "  --perplexity P (30) --iterations N (1000) --theta T (0.5, 0 = exact)\n"
    "  --sample N (10000)     t-SNE embeds a seeded random sample of at most N rows\n"
    "  --seed N (1) --threads N (2)\n"
    "  --out PATH             also write id,label,x,y as CSV ('-' = stdout)\n"
    "  --no-store             do not save the projection in the run store\n"
    "  --json                 a summary as one JSON object on stdout\n"
    "  --quiet                no progress on stderr\n"
    "\n"
    "RUN is a uuid, a unique uuid prefix (4+ characters) or a run name. Equal parameters\n"
    "replace the projection stored before.\n";

struct Request {
  QString kind = store::kind::kAdjustment;
  QString method = analysis::kTsne;
  analysis::TsneOptions tsne;
  QString out;
  bool store = true;
  bool json = false;
  bool quiet = false;
};

/// The request from the flags; an empty string on success, else the one-line reason.
QString readRequest(const Flags& f, Request& r) {
  if (f.has("--kind")) r.kind = f.value("--kind");
  if (f.has("--method")) {
    r.method = f.value("--method").toLower();
    if (r.method != analysis::kPca && r.method != analysis::kTsne)
      return QStringLiteral("unknown method '%1' (pca or tsne)").arg(f.value("--method"));
  }
  double perplexity = r.tsne.perplexity, theta = r.tsne.theta;
  int iterations = r.tsne.iterations, sample = int(r.tsne.maxPoints), threads = r.tsne.threads;
  if (f.has("--perplexity") && (!toDouble(f.value("--perplexity"), perplexity) ||
                                !std::isfinite(perplexity) || perplexity <= 0))
    return QStringLiteral("--perplexity must be a number > 0 (got '%1')").arg(f.value("--perplexity"));
  if (f.has("--theta") &&
      (!toDouble(f.value("--theta"), theta) || !std::isfinite(theta) || theta < 0 || theta > 1))
    return QStringLiteral("--theta must be in [0, 1] (got '%1')").arg(f.value("--theta"));
  if (f.has("--iterations") && (!toInt(f.value("--iterations"), iterations) || iterations < 1))
    return QStringLiteral("--iterations must be an integer >= 1 (got '%1')").arg(f.value("--iterations"));
  if (f.has("--sample") && (!toInt(f.value("--sample"), sample) || sample < 3))
    return QStringLiteral("--sample must be an integer >= 3 (got '%1')").arg(f.value("--sample"));
  if (f.has("--threads") && (!toInt(f.value("--threads"), threads) || threads < 1))
    return QStringLiteral("--threads must be an integer >= 1 (got '%1')").arg(f.value("--threads"));
  if (f.has("--seed")) {
    bool ok = false;
    r.tsne.seed = f.value("--seed").toULongLong(&ok);
    if (!ok) return QStringLiteral("--seed must be a non-negative integer (got '%1')").arg(f.value("--seed"));
  }
  r.tsne.perplexity = perplexity;
  r.tsne.theta = theta;
  r.tsne.iterations = iterations;
  r.tsne.maxPoints = sample;
  r.tsne.threads = threads;
  r.out = f.value("--out");
  r.store = !f.on("--no-store");
  r.json = f.on("--json");
  r.quiet = f.on("--quiet");
  if (r.out.isEmpty() && !r.store)
    return QStringLiteral("--no-store without --out would compute a projection and throw it away");
  return QString();
}

bool isItemKind(const QString& kind) {
  return kind == store::kind::kItem || kind == store::kind::kItemAttribute;
}

/// "id,label,x,y" rows; the label is the user's or item's token when the store has it.
QByteArray csv(const store::Projection& p, const QHash<int64_t, QString>& tokens) {
  QByteArray bytes("id,label,x,y\n");
  bytes.reserve(int(p.ids.size()) * 32);
  for (size_t i = 0; i < p.ids.size(); ++i) {
    QString label = tokens.value(p.ids[i]);
    if (label.contains(QLatin1Char(',')) || label.contains(QLatin1Char('"'))) {
      label.replace(QLatin1String("\""), QLatin1String("\"\""));
      label = QLatin1Char('"') + label + QLatin1Char('"');
    }
    bytes += QByteArray::number(qlonglong(p.ids[i])) + ',' + label.toUtf8() + ',' +
             QByteArray::number(double(p.xy[2 * i]), 'g', 9) + ',' +
             QByteArray::number(double(p.xy[2 * i + 1]), 'g', 9) + '\n';
  }
  return bytes;
}

}  // namespace

int runProject(const QStringList& args) {
  if (args.contains(QLatin1String("--help")) || args.contains(QLatin1String("-h"))) {
    out(QString::fromUtf8(kProjectUsage));
    return kExitOk;
  }
  const Flags f = parseFlags(
      args,
      {QStringLiteral("--db"), QStringLiteral("--kind"), QStringLiteral("--method"),
       QStringLiteral("--perplexity"), QStringLiteral("--iterations"), QStringLiteral("--theta"),
       QStringLiteral("--sample"), QStringLiteral("--seed"), QStringLiteral("--threads"),
       QStringLiteral("--out")},
      {QStringLiteral("--no-store"), QStringLiteral("--json"), QStringLiteral("--quiet")},
      /*positional=*/true);
  if (!f.error.isEmpty()) return badInput(QStringLiteral("project: %1").arg(f.error));
  if (f.positional.size() != 1)
    return badInput(QStringLiteral("project: needs exactly one RUN (uuid, uuid prefix or name; try project --help)"));
  Request request;
  if (const QString why = readRequest(f, request); !why.isEmpty())
    return badInput(QStringLiteral("project: %1").arg(why));

  store::RunStore store;
  auto run = findStoredRun(store, f.value("--db"), f.positional[0]);
  if (!run) return badInput(run.error());

  auto kinds = store.embeddingKinds(run.value().id);
  if (!kinds) return badInput(kinds.error());
  QStringList stored;
  for (const store::EmbeddingInfo& k : kinds.value()) stored << k.kind;
  if (!stored.contains(request.kind)) {
    return badInput(QStringLiteral("project: run '%1' has no '%2' embeddings (it has: %3)")
                        .arg(run.value().name.isEmpty() ? run.value().uuid : run.value().name,
                             request.kind,
                             stored.isEmpty() ? QStringLiteral("none — did it finish?") : stored.join(QStringLiteral(", "))));
  }
  auto matrix = store.loadEmbeddings(run.value().id, request.kind);
  if (!matrix) return badInput(matrix.error());

  QElapsedTimer clock;
  clock.start();
  store::Projection projection;
  double cost = std::nan("");
  if (request.method == analysis::kPca) {
    auto p = analysis::pcaProjection(matrix.value(), request.kind);
    if (!p) return badInput(QStringLiteral("project: %1").arg(p.error().message()));
    projection = std::move(p.value());
  } else {
    if (!request.quiet) {
      err(QStringLiteral("irl4rec: t-SNE of %1 of %2 %3 rows, perplexity %4, %5 iterations\n")
              .arg(std::min(matrix.value().rows, request.tsne.maxPoints))
              .arg(matrix.value().rows)
              .arg(request.kind)
              .arg(request.tsne.perplexity)
              .arg(request.tsne.iterations));
    }
    int lastReported = -1;
    const bool quiet = request.quiet;
    const int total = request.tsne.iterations;
    auto progress = [&lastReported, quiet, total](int iteration, int, double kl) {
      // About ten lines per run.
      const int tenth = iteration * 10 / std::max(1, total);
      if (!quiet && tenth != lastReported) {
        lastReported = tenth;
        err(QStringLiteral("t-SNE %1/%2  KL %3\n").arg(iteration).arg(total).arg(kl, 0, 'f', 4));
      }
      return true;
    };
    auto t = analysis::tsneProjection(matrix.value(), request.kind, request.tsne, progress);
    if (!t) return badInput(QStringLiteral("project: %1").arg(t.error().message()));
    cost = t.value().cost;
    projection = std::move(t.value().projection);
  }
  const double seconds = clock.elapsed() / 1000.0;

  qint64 projectionId = 0;
  if (request.store) {
    auto saved = store.saveProjection(run.value().id, projection);
    if (!saved) {
      err(QStringLiteral("irl4rec: %1\n").arg(saved.error().message()));
      return kExitFailure;
    }
    projectionId = saved.value();
  }
  if (!request.out.isEmpty()) {
    QHash<int64_t, QString> tokens;
    if (run.value().datasetId > 0) {
      auto labels = store.loadLabels(run.value().datasetId,
                                     isItemKind(request.kind) ? store::EntityKind::Item : store::EntityKind::User,
                                     QStringLiteral("token"));
      if (labels) {
        for (size_t i = 0; i < labels.value().ids.size(); ++i)
          tokens.insert(labels.value().ids[i], labels.value().values.value(int(i)));
      }
    }
    const QByteArray bytes = csv(projection, tokens);
    if (request.out == QLatin1String("-")) {
      out(QString::fromUtf8(bytes));
    } else if (Status s = writeFileAtomically(request.out, bytes); !s) {
      return badInput(s.error());
    }
  }

  const QString runLabel = run.value().name.isEmpty() ? run.value().uuid : run.value().name;
  if (request.json) {
    QJsonObject o{{QStringLiteral("run"), run.value().uuid},
                  {QStringLiteral("kind"), request.kind},
                  {QStringLiteral("method"), request.method},
                  {QStringLiteral("parameters"), projection.parameters},
                  {QStringLiteral("points"), qint64(projection.ids.size())},
                  {QStringLiteral("rows"), qint64(matrix.value().rows)},
                  {QStringLiteral("seconds"), seconds},
                  {QStringLiteral("stored"), request.store}};
    if (std::isfinite(cost)) o.insert(QStringLiteral("kl"), cost);
    if (projectionId > 0) o.insert(QStringLiteral("projection_id"), projectionId);
    if (!request.out.isEmpty() && request.out != QLatin1String("-"))
      o.insert(QStringLiteral("out"), QFileInfo(request.out).absoluteFilePath());
    out(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)) + QLatin1Char('\n'));
  } else if (!request.quiet) {
    err(QStringLiteral("irl4rec: %1 of %2 (%3 of %4 rows) for run %5 in %6 s%7%8\n")
            .arg(request.method, request.kind)
            .arg(projection.ids.size())
            .arg(matrix.value().rows)
            .arg(runLabel)
            .arg(seconds, 0, 'f', 2)
            .arg(request.store ? QStringLiteral(", saved in ") + store.path() : QString())
            .arg(!request.out.isEmpty() && request.out != QLatin1String("-")
                     ? QStringLiteral(", written to ") + request.out
                     : QString()));
  }
  return kExitOk;
}

}  // namespace irl4rec::cli
