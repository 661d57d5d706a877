#include "core/common/build_info.h"

#include "core/common/blas_kernels.h"

#include <QFile>
#include <QRegularExpression>
#include <QStringList>
#include <QtGlobal>

#include <torch/version.h>

#include <dlfcn.h>

#include <cstdlib>

#ifndef IRL4REC_GIT_REVISION
#define IRL4REC_GIT_REVISION "unknown"
#endif
#ifndef IRL4REC_BUILD_TYPE
#define IRL4REC_BUILD_TYPE "unknown"
#endif

namespace irl4rec {

QString mallocInUse() {
  // tcmalloc exports its own entry points beside the malloc it replaces.
  return dlsym(RTLD_DEFAULT, "tc_malloc") ? QStringLiteral("tcmalloc (gperftools)")
                                          : QStringLiteral("glibc");
}

QString blasInUse() {
  // Which libraries are mapped is the truth at run time (Debian switches libblas.so.3 between
  // reference BLAS, OpenBLAS and others through alternatives).
  QStringList libraries;
  QFile maps(QStringLiteral("/proc/self/maps"));
  if (maps.open(QIODevice::ReadOnly)) {
    static const QRegularExpression blasLib(
        QStringLiteral("/lib(openblas|blas|cblas|mkl_rt|mkl_core|blis|flexiblas|atlas)[^/]*\\.so[^/]*$"));
    for (const QByteArray& raw : maps.readAll().split('\n')) {
      const int slash = raw.indexOf('/');
      if (slash < 0) continue;
      const QString path = QString::fromLocal8Bit(raw.mid(slash)).trimmed();
      if (blasLib.match(path).hasMatch() && !libraries.contains(path)) libraries << path;
    }
  }
  QString config;
  using GetConfig = char* (*)();
  if (auto get = reinterpret_cast<GetConfig>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
    if (const char* c = get()) {
      config = QString::fromLatin1(c).trimmed();
      if (!config.startsWith(QLatin1String("OpenBLAS"))) config.prepend(QStringLiteral("OpenBLAS "));
    }
  }
  if (const BlasKernels k = blasKernels(); !k.chosenByOpenBlas.empty())
    config += QStringLiteral(" [kernels %1 set by irl4rec; OpenBLAS chose %2 for this CPU]")
                  .arg(QString::fromStdString(k.core), QString::fromStdString(k.chosenByOpenBlas));
  if (config.isEmpty() && libraries.isEmpty()) return QStringLiteral("unknown");
  if (libraries.isEmpty()) return config;
  const QString paths = libraries.join(QStringLiteral(", "));
  return config.isEmpty() ? paths : QStringLiteral("%1 (%2)").arg(config, paths);
}

BuildInfo buildInfo() {
  BuildInfo b;
  b.version = QStringLiteral(IRL4REC_VERSION);
  b.gitRevision = QStringLiteral(IRL4REC_GIT_REVISION);
  b.buildType = QStringLiteral(IRL4REC_BUILD_TYPE);
#if defined(__clang__)
  b.compiler = QStringLiteral("Clang %1").arg(QStringLiteral(__clang_version__));
#elif defined(__GNUC__)
  b.compiler = QStringLiteral("GCC %1.%2.%3").arg(__GNUC__).arg(__GNUC_MINOR__).arg(__GNUC_PATCHLEVEL__);
#else
  b.compiler = QStringLiteral("unknown");
#endif
  b.qtCompiled = QStringLiteral(QT_VERSION_STR);
  b.qtRuntime = QString::fromLatin1(qVersion());
  b.torch = QStringLiteral(TORCH_VERSION);
  b.blas = blasInUse();
  b.malloc = mallocInUse();
  return b;
}

QList<QPair<QString, QString>> BuildInfo::rows(const QList<QPair<QString, QString>>& extra) const {
  QList<QPair<QString, QString>> r = {
      {QStringLiteral("version"), version},
      {QStringLiteral("git revision"), gitRevision},
      {QStringLiteral("build type"), buildType},
      {QStringLiteral("compiler"), compiler},
      {QStringLiteral("Qt"), qtRuntime == qtCompiled
                                 ? qtRuntime
                                 : QStringLiteral("%1 (built against %2)").arg(qtRuntime, qtCompiled)},
      {QStringLiteral("LibTorch"), torch},
      {QStringLiteral("BLAS"), blas},
      {QStringLiteral("malloc"), malloc}};
  r += extra;
  return r;
}

QString BuildInfo::text(const QList<QPair<QString, QString>>& extra) const {
  QString s;
  for (const auto& [label, value] : rows(extra)) s += QStringLiteral("%1: %2\n").arg(label, value);
  return s;
}

}  // namespace irl4rec
