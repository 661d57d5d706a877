// irl4rec data stats|convert|synth
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/data/readers.h"
#include "core/data/synthetic.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace irl4rec::cli {

namespace {

const char* const kDataUsage =
    "usage:\n"
    "  irl4rec data stats PATH [--json] [LOAD OPTIONS]\n"
    "  irl4rec data convert IN OUT [--to seqtext|recbole] [LOAD OPTIONS]\n"
    "      (OUT ending in .txt: sequence text; otherwise a RecBole directory)\n"
    "  irl4rec data synth --out DIR [--seed N] [--users N] [--clusters N] [--tags N]\n"
    "      [--items-per-cell N] [--min-length N] [--max-length N] [--rho-train P]\n"
    "      [--rho-test P] [--sequential P] [--noise P]   (see datasets/README.md)\n"
    "\n"
    "LOAD OPTIONS:\n"
    "  --no-cache             parse the files even if a cached copy is valid\n"
    "  --attributes FILE      sequence text: attributes json (default "
    "<base>_item2attributes.json)\n"
    "  --metadata FILE        Amazon dumps: metadata (default meta_<Name>.json[.gz] beside)\n"
    "  --min-rating R         Amazon dumps: keep reviews rated >= R (default 0 = all)\n"
    "  --k-core K             Amazon dumps: iterative K-core on users and items (default 5; 0 = "
    "off)\n"
    "  --keep-root-category   Amazon dumps: keep the root category as an attribute\n";

/// Consumes the loading options shared by stats and convert; other arguments go to `rest`.
/// Returns an empty string or the reason the arguments are bad.
QString parseLoadOptions(const QStringList& args, data::LoadOptions* options, QStringList* rest) {
  for (int i = 0; i < args.size(); ++i) {
    const QString& a = args[i];
    auto value = [&](QString* out) {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    QString v;
    bool ok = true;
    if (a == QLatin1String("--no-cache")) {
      options->useCache = false;
    } else if (a == QLatin1String("--keep-root-category")) {
      options->dropRootCategory = false;
    } else if (a == QLatin1String("--min-rating")) {
      ok = value(&v);
      if (ok) options->minRating = v.toDouble(&ok);
    } else if (a == QLatin1String("--k-core")) {
      ok = value(&v);
      if (ok) options->kCore = v.toInt(&ok);
      ok = ok && options->kCore >= 0;
    } else if (a == QLatin1String("--metadata")) {
      ok = value(&options->metadataPath);
    } else if (a == QLatin1String("--attributes")) {
      ok = value(&options->attributesPath);
    } else {
      rest->append(a);
      continue;
    }
    if (!ok) return QStringLiteral("option '%1' needs a valid value").arg(a);
  }
  return QString();
}

void printWarnings(const data::Dataset& d) {
  for (const QString& w : d.warnings) err(QStringLiteral("irl4rec: warning: %1\n").arg(w));
}

int runStats(const QStringList& allArgs) {
  bool json = false;
  data::LoadOptions options;
  QStringList args;
  if (const QString bad = parseLoadOptions(allArgs, &options, &args); !bad.isEmpty()) {
    return badInput(QStringLiteral("data stats: %1").arg(bad));
  }
  QString path;
  for (const QString& a : args) {
    if (a == QLatin1String("--json"))
      json = true;
    else if (a.startsWith(QLatin1String("--")))
      return badInput(QStringLiteral("data stats: unknown option '%1'").arg(a));
    else if (path.isEmpty())
      path = a;
    else
      return badInput(QStringLiteral("data stats: more than one PATH given"));
  }
  if (path.isEmpty()) return badInput(QStringLiteral("data stats: missing PATH"));
  auto loaded = data::loadDataset(path, options);
  if (!loaded.ok()) return badInput(loaded.error());
  const data::Dataset& d = loaded.value();
  printWarnings(d);
  const data::DatasetStats s = d.stats();
  if (json) {
    out(QString::fromUtf8(QJsonDocument(data::statsToJson(d, s)).toJson(QJsonDocument::Indented)));
    return kExitOk;
  }
  out(QStringLiteral("dataset            %1 (%2)\n").arg(d.name, data::formatName(d.format)));
  out(QStringLiteral("path               %1\n").arg(d.sourcePath));
  out(QStringLiteral("users              %1\n").arg(s.users));
  out(QStringLiteral("items              %1\n").arg(s.items));
  out(QStringLiteral("interactions       %1\n").arg(s.interactions));
  out(QStringLiteral("attribute ids      %1 (on %2 items)\n")
          .arg(s.attributes)
          .arg(s.itemsWithAttributes));
  out(QStringLiteral("length             mean %1, median %2, min %3, max %4\n")
          .arg(s.meanLength, 0, 'f', 2)
          .arg(s.medianLength)
          .arg(s.minLength)
          .arg(s.maxLength));
  out(QStringLiteral("density            %1\n").arg(s.density, 0, 'g', 4));
  out(QStringLiteral("users train-only   %1 (fewer than 3 items)\n").arg(s.usersTrainOnly));
  out(QStringLiteral("fingerprint        %1\n").arg(s.fingerprint));
  return kExitOk;
}

int runConvert(const QStringList& allArgs) {
  data::LoadOptions options;
  QStringList args;
  if (const QString bad = parseLoadOptions(allArgs, &options, &args); !bad.isEmpty()) {
    return badInput(QStringLiteral("data convert: %1").arg(bad));
  }
  QString to;
  QStringList paths;
  for (int i = 0; i < args.size(); ++i) {
    const QString& a = args[i];
    if (a == QLatin1String("--to")) {
      if (i + 1 >= args.size())
        return badInput(QStringLiteral("data convert: --to needs seqtext or recbole"));
      to = args[++i];
    } else if (a.startsWith(QLatin1String("--"))) {
      return badInput(QStringLiteral("data convert: unknown option '%1'").arg(a));
    } else {
      paths.append(a);
    }
  }
  if (paths.size() != 2) return badInput(QStringLiteral("data convert: expected IN and OUT"));
  if (to.isEmpty())
    to = paths[1].endsWith(QLatin1String(".txt")) ? QStringLiteral("seqtext")
                                                  : QStringLiteral("recbole");
  if (to != QLatin1String("seqtext") && to != QLatin1String("recbole")) {
    return badInput(
        QStringLiteral("data convert: --to must be seqtext or recbole, not '%1'").arg(to));
  }
  auto loaded = data::loadDataset(paths[0], options);
  if (!loaded.ok()) return badInput(loaded.error());
  printWarnings(loaded.value());
  const Status written = to == QLatin1String("seqtext")
                             ? data::writeSequenceText(loaded.value(), paths[1])
                             : data::writeRecBole(loaded.value(), paths[1]);
  if (!written.ok()) return badInput(written.error());
  const data::DatasetStats s = loaded.value().stats();
  err(QStringLiteral("irl4rec: wrote %1 (%2 users, %3 items, %4 interactions, fingerprint %5)\n")
          .arg(paths[1])
          .arg(s.users)
          .arg(s.items)
          .arg(s.interactions)
          .arg(s.fingerprint));
  return kExitOk;
}

int runSynth(const QStringList& args) {
  QString outDir;
  QStringList params;
  for (int i = 0; i < args.size(); ++i) {
    if (args[i] == QLatin1String("--out")) {
      if (i + 1 >= args.size())
        return badInput(QStringLiteral("data synth: --out needs a directory"));
      outDir = args[++i];
    } else {
      params.append(args[i]);
    }
  }
  if (outDir.isEmpty()) return badInput(QStringLiteral("data synth: missing --out DIR"));
  auto p = data::SyntheticParams::fromArguments(params);
  if (!p.ok()) return badInput(QStringLiteral("data synth: %1").arg(p.error().message()));
  auto benchmark = data::generateSynthetic(p.value());
  if (!benchmark.ok())
    return badInput(QStringLiteral("data synth: %1").arg(benchmark.error().message()));
  if (Status s = data::writeSynthetic(benchmark.value(), outDir); !s.ok())
    return badInput(s.error());
  const data::DatasetStats s = benchmark.value().iid.stats();
  err(QStringLiteral(
          "irl4rec: wrote %1/iid.txt and shifted.txt (%2 users, %3 items, %4 interactions)\n")
          .arg(outDir)
          .arg(s.users)
          .arg(s.items)
          .arg(s.interactions));
  return kExitOk;
}

}  // namespace

int runData(const QStringList& args) {
  if (args.isEmpty() || args[0] == QLatin1String("--help") || args[0] == QLatin1String("-h")) {
    out(QString::fromUtf8(kDataUsage));
    return args.isEmpty() ? kExitBadInput : kExitOk;
  }
  const QString sub = args[0];
  const QStringList rest = args.mid(1);
  if (sub == QLatin1String("stats")) return runStats(rest);
  if (sub == QLatin1String("convert")) return runConvert(rest);
  if (sub == QLatin1String("synth")) return runSynth(rest);
  return badInput(QStringLiteral("data: unknown sub-command '%1' (try data --help)").arg(sub));
}

}  // namespace irl4rec::cli
