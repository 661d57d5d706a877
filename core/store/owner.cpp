#include "core/store/owner.h"

#include <QCoreApplication>
#include <QFile>
#include <QSysInfo>

#include <cerrno>
#include <csignal>

#include <sys/types.h>
#include <unistd.h>

namespace irl4rec::store::detail {

namespace {

QString bootId() {
  static const QString kBootId = [] {
    QFile file(QStringLiteral("/proc/sys/kernel/random/boot_id"));
    if (!file.open(QIODevice::ReadOnly)) return QString();
    return QString::fromLatin1(file.readAll()).trimmed();
  }();
  return kBootId;
}

struct ProcStat {
  bool exists = false;
  bool zombie = false;
  QString startTime;  // clock ticks since boot, as text
};

// /proc/<pid>/stat: "pid (comm) state ppid ... starttime(22nd field) ...". comm may hold spaces
// and parentheses, so fields are counted after the last ')'.
ProcStat procStat(qint64 pid) {
  ProcStat result;
  QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
  if (!file.open(QIODevice::ReadOnly)) return result;
  const QByteArray text = file.readAll();
  const int close = text.lastIndexOf(')');
  if (close < 0) return result;
  result.exists = true;
  const QList<QByteArray> fields = text.mid(close + 2).split(' ');
  if (!fields.isEmpty()) result.zombie = fields[0] == "Z" || fields[0] == "X";
  if (fields.size() > 19) result.startTime = QString::fromLatin1(fields[19]);
  return result;
}

bool procAvailable() {
  static const bool kAvailable = QFile::exists(QStringLiteral("/proc/self/stat"));
  return kAvailable;
}

}  // namespace

RunOwner currentOwner() {
  RunOwner owner;
  owner.host = QSysInfo::machineHostName();
  owner.pid = QCoreApplication::applicationPid();
  if (procAvailable()) {
    owner.token = bootId() + QLatin1Char('/') + procStat(owner.pid).startTime;
  }
  return owner;
}

bool ownerAlive(const RunOwner& owner) {
  if (owner.host != QSysInfo::machineHostName()) return true;  // cannot tell: leave it alone
  if (owner.pid <= 0) return false;
  if (owner.pid == QCoreApplication::applicationPid()) return true;
  const int slash = owner.token.indexOf(QLatin1Char('/'));
  const QString ownerBoot = slash >= 0 ? owner.token.left(slash) : QString();
  const QString ownerStart = slash >= 0 ? owner.token.mid(slash + 1) : QString();
  if (procAvailable()) {
    if (!ownerBoot.isEmpty() && !bootId().isEmpty() && ownerBoot != bootId()) return false;
    const ProcStat stat = procStat(owner.pid);
    if (!stat.exists || stat.zombie) return false;
    // Same pid but a different start time: the pid was reused by another process.
    if (!ownerStart.isEmpty() && !stat.startTime.isEmpty() && ownerStart != stat.startTime) {
      return false;
    }
    return true;
  }
  return ::kill(pid_t(owner.pid), 0) == 0 || errno == EPERM;
}

}  // namespace irl4rec::store::detail
