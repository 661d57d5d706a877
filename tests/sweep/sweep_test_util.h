#pragma once
// Helpers shared by the sweep tests: the CLI as a process, spec files, the synthetic dataset.

#include "store/store_test_util.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace sweep_test {

struct Result {
  int code = -1;
  QString out;
  QString err;
};

/// `irl4rec ARGS...`, waiting up to `timeoutMs`; `env` entries are added to the environment.
inline Result runCli(const QStringList& args, int timeoutMs = 300000,
                     const QProcessEnvironment& extra = {}) {
  QProcess p;
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.remove(QStringLiteral("IRL4REC_DB"));
  env.insert(extra);
  p.setProcessEnvironment(env);
  p.start(QStringLiteral(IRL4REC_CLI_PATH), args);
  if (!p.waitForFinished(timeoutMs)) {
    p.kill();
    p.waitForFinished();
    return Result{-1, QString(), QStringLiteral("timed out")};
  }
  return Result{p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
                QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
}

inline QString syntheticData() {
  return QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/synthetic/iid.txt");
}

/// A tiny Irl4Rec SASRec base config (the tests' tiny_config.h as spec JSON).
inline QJsonObject tinyBase(int epochs) {
  return QJsonObject{{QStringLiteral("model"), QStringLiteral("irl4rec")},
                     {QStringLiteral("loss"), QStringLiteral("sampled-ce")},
                     {QStringLiteral("negatives"), 32},
                     {QStringLiteral("alpha"), 0.1},
                     {QStringLiteral("beta"), 0.01},
                     {QStringLiteral("gamma"), 0.1},
                     {QStringLiteral("hidden_size"), 16},
                     {QStringLiteral("layers"), 1},
                     {QStringLiteral("heads"), 1},
                     {QStringLiteral("max_length"), 20},
                     {QStringLiteral("epochs"), epochs},
                     {QStringLiteral("patience"), 0},
                     {QStringLiteral("threads"), 1}};
}

inline QString writeFile(const QString& path, const QByteArray& text) {
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return QString();
  f.write(text);
  return path;
}

inline QString writeSpec(const QString& path, const QJsonObject& spec) {
  return writeFile(path, QJsonDocument(spec).toJson(QJsonDocument::Indented));
}

}  // namespace sweep_test
