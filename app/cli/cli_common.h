#pragma once
/// Small helpers shared by the CLI commands.

#include "core/common/error.h"

#include <QString>
#include <QStringList>

#include <map>

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

/// Number parsing for flags: false (and `out` untouched) when `s` is not a number. toDouble
/// accepts "nan" and "inf" so that validation, not parsing, names the problem.
bool toInt(const QString& s, int& out);
bool toDouble(const QString& s, double& out);

}  // namespace irl4rec::cli
