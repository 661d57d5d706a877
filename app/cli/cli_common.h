#pragma once
/// Small helpers shared by the CLI commands.

#include "core/common/error.h"
#include "core/store/store_types.h"

#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <map>

namespace irl4rec::store {
class RunStore;
}

namespace irl4rec::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitBadInput = 2;

/// Prints "irl4rec: <message>" on one line to stderr and returns kExitBadInput.
int badInput(const QString& message);
int badInput(const Error& error);
/// Writes text to stdout / stderr (UTF-8, no extra newline).
void out(const QString& text);
void err(const QString& text);

/// Parsed command-line flags: "--name value" pairs, boolean switches and (where a command
/// takes them) positional arguments. `error` is the one-line reason parsing stopped.
struct Flags {
  std::map<QString, QString> values;
  QStringList switches;
  QStringList positional;
  QString error;

  bool has(const char* name) const { return values.count(QLatin1String(name)) > 0; }
  QString value(const char* name) const {
    auto it = values.find(QLatin1String(name));
    return it == values.end() ? QString() : it->second;
  }
  bool on(const char* name) const { return switches.contains(QLatin1String(name)); }
};

/// Any argument not starting with "--" is positional when `positional` is true, else an error.
Flags parseFlags(const QStringList& args, const QStringList& valueFlags,
                 const QStringList& switchFlags, bool positional = false);

/// Opens the existing store named by --db (`dbFlag`; empty = $IRL4REC_DB or the default path).
/// Without --db a default store that does not exist yet is not an error: false ("no runs yet").
Expected<bool> openExistingStore(store::RunStore& store, const QString& dbFlag);
/// The run `ref` (uuid, uuid prefix or name) in the existing store named by --db.
Expected<store::RunInfo> findStoredRun(store::RunStore& store, const QString& dbFlag, const QString& ref);

/// Number parsing for flags: false (and `out` untouched) when `s` is not a number. toDouble
/// accepts "nan" and "inf" so that validation, not parsing, names the problem.
bool toInt(const QString& s, int& out);
bool toDouble(const QString& s, double& out);

/// A metric for JSON output: null where it is NaN or infinite (JSON has no such numbers).
QJsonValue jsonNumber(double v);

}  // namespace irl4rec::cli
