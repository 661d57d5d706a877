#include "app/cli/cli_common.h"

#include "core/store/run_store.h"

#include <QFileInfo>

#include <cmath>
#include <cstdio>

namespace irl4rec::cli {

int badInput(const QString& message) {
  QString line = message;
  line.replace(QLatin1Char('\n'), QLatin1Char(' '));
  err(QStringLiteral("irl4rec: %1\n").arg(line));
  return kExitBadInput;
}

int badInput(const Error& error) { return badInput(error.message()); }

void out(const QString& text) {
  const QByteArray bytes = text.toUtf8();
  std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
  std::fflush(stdout);
}

void err(const QString& text) {
  const QByteArray bytes = text.toUtf8();
  std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stderr);
  std::fflush(stderr);
}

Expected<bool> openExistingStore(store::RunStore& store, const QString& dbFlag) {
  const QString path = dbFlag.isEmpty() ? store::RunStore::defaultPath() : dbFlag;
  if (!QFileInfo::exists(path)) {
    if (dbFlag.isEmpty()) return false;
    return Error::at(path, 0, QStringLiteral("no run store here"));
  }
  if (Status s = store.open(path, store::RunStore::OpenMode::MustExist); !s) return s.error();
  return true;
}

Expected<store::RunInfo> findStoredRun(store::RunStore& store, const QString& dbFlag, const QString& ref) {
  auto opened = openExistingStore(store, dbFlag);
  if (!opened.ok()) return opened.error();
  if (!opened.value()) {
    return Error::general(QStringLiteral("no run store yet at %1 (train a run first or pass --db)")
                              .arg(store::RunStore::defaultPath()));
  }
  return store.findRun(ref);
}

Flags parseFlags(const QStringList& args, const QStringList& valueFlags,
                 const QStringList& switchFlags, bool positional) {
  Flags f;
  for (int i = 0; i < args.size(); ++i) {
    const QString& a = args[i];
    if (switchFlags.contains(a)) {
      f.switches << a;
    } else if (valueFlags.contains(a)) {
      if (i + 1 >= args.size()) {
        f.error = QStringLiteral("%1 needs a value").arg(a);
        return f;
      }
      f.values[a] = args[++i];
    } else if (positional && !a.startsWith(QLatin1String("--"))) {
      f.positional << a;
    } else {
      f.error = QStringLiteral("unknown option '%1' (try --help)").arg(a);
      return f;
    }
  }
  return f;
}

bool toInt(const QString& s, int& out) {
  bool ok = false;
  const int v = s.toInt(&ok);
  if (ok) out = v;
  return ok;
}

bool toDouble(const QString& s, double& out) {
  bool ok = false;
  double v = s.toDouble(&ok);
  if (!ok) {
    const QString l = s.toLower();
    if (l == QLatin1String("nan")) v = std::nan(""), ok = true;
    if (l == QLatin1String("inf")) v = INFINITY, ok = true;
  }
  if (ok) out = v;
  return ok;
}

QJsonValue jsonNumber(double v) { return std::isfinite(v) ? QJsonValue(v) : QJsonValue(); }

}  // namespace irl4rec::cli
