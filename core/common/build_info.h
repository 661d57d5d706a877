#pragma once
/// What this binary is and what it runs on: version, git revision, build type, Qt, LibTorch and
/// the BLAS library actually loaded. Shared by `irl4rec --version` and the workbench's About box.

#include <QList>
#include <QPair>
#include <QString>

namespace irl4rec {

struct BuildInfo {
  QString version;      ///< project version (CMake's PROJECT_VERSION)
  QString gitRevision;  ///< `git rev-parse --short HEAD` at configure time, or "unknown"
  QString buildType;    ///< CMAKE_BUILD_TYPE
  QString compiler;     ///< compiler and version
  QString qtCompiled;   ///< Qt the binary was built against
  QString qtRuntime;    ///< Qt loaded at run time
  QString torch;        ///< LibTorch version (torch/version.h)
  QString blas;         ///< BLAS library mapped into this process (read at run time)
  QString malloc;       ///< the allocator behind malloc (mallocInUse())

  /// ("label", "value") rows in display order; `extra` rows (e.g. the store) are appended.
  QList<QPair<QString, QString>> rows(const QList<QPair<QString, QString>>& extra = {}) const;
  /// The rows as "label: value" lines, for the CLI.
  QString text(const QList<QPair<QString, QString>>& extra = {}) const;
};

/// Computed once per call; cheap (reads /proc/self/maps once).
BuildInfo buildInfo();

/// "tcmalloc (gperftools)" when the program was linked against it (the training programs, see
/// the top-level CMakeLists.txt), else "glibc".
QString mallocInUse();

/// The BLAS in use: OpenBLAS's own configuration string when OpenBLAS is loaded, and the
/// path of every BLAS-like library mapped into the process; "unknown" when none is found.
QString blasInUse();

}  // namespace irl4rec
