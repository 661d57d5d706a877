#include "app/cli/cli_common.h"

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

}  // namespace irl4rec::cli
