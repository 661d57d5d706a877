// The binary dataset cache: one file per (input path, options) under
// QStandardPaths::CacheLocation/datasets, holding a signature of the inputs (paths, sizes,
// modification and status-change times) that must match exactly, then the dataset in a flat
// layout. Best effort: any problem just means "not cached".
#include "core/data/reader_common.h"

#include <QCryptographicHash>
#include <QDataStream>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStandardPaths>

namespace irl4rec::data::detail {

namespace {

constexpr quint32 kMagic = 0x49524c44;  // "IRLD"
constexpr quint32 kVersion = 1;

QString cacheFile(const QString& key) {
  const QString dir = QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
  if (dir.isEmpty()) return QString();
  const QByteArray hash = QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha1).toHex();
  return QDir(dir).filePath(QStringLiteral("datasets/%1.bin").arg(QString::fromLatin1(hash)));
}

void writeNested(QDataStream& s, const std::vector<std::vector<int32_t>>& lists) {
  std::vector<qint64> offsets;
  offsets.reserve(lists.size() + 1);
  qint64 total = 0;
  offsets.push_back(0);
  for (const auto& l : lists) offsets.push_back(total += qint64(l.size()));
  s << qint64(lists.size()) << total;
  s.writeRawData(reinterpret_cast<const char*>(offsets.data()),
                 int(offsets.size() * sizeof(qint64)));
  for (const auto& l : lists)
    s.writeRawData(reinterpret_cast<const char*>(l.data()), int(l.size() * sizeof(int32_t)));
}

bool readNested(QDataStream& s, std::vector<std::vector<int32_t>>* lists) {
  qint64 n = 0, total = 0;
  s >> n >> total;
  if (s.status() != QDataStream::Ok || n < 0 || total < 0 || n > (1LL << 31) || total > (1LL << 34))
    return false;
  std::vector<qint64> offsets(static_cast<size_t>(n) + 1);
  const int offBytes = int(offsets.size() * sizeof(qint64));
  if (s.readRawData(reinterpret_cast<char*>(offsets.data()), offBytes) != offBytes) return false;
  std::vector<int32_t> flat(static_cast<size_t>(total));
  const qint64 flatBytes = total * qint64(sizeof(int32_t));
  if (s.readRawData(reinterpret_cast<char*>(flat.data()), int(flatBytes)) != flatBytes)
    return false;
  lists->assign(size_t(n), {});
  for (qint64 i = 0; i < n; ++i) {
    const qint64 a = offsets[size_t(i)], b = offsets[size_t(i + 1)];
    if (a < 0 || b < a || b > total) return false;
    (*lists)[size_t(i)].assign(flat.begin() + a, flat.begin() + b);
  }
  return true;
}

void writeInts(QDataStream& s, const std::vector<int32_t>& v) {
  s << qint64(v.size());
  s.writeRawData(reinterpret_cast<const char*>(v.data()), int(v.size() * sizeof(int32_t)));
}

bool readInts(QDataStream& s, std::vector<int32_t>* v) {
  qint64 n = 0;
  s >> n;
  if (s.status() != QDataStream::Ok || n < 0 || n > (1LL << 31)) return false;
  v->resize(size_t(n));
  const qint64 bytes = n * qint64(sizeof(int32_t));
  return s.readRawData(reinterpret_cast<char*>(v->data()), int(bytes)) == bytes;
}

}  // namespace

bool loadCached(const QString& key, const QString& signature, Dataset* out) {
  const QString path = cacheFile(key);
  if (path.isEmpty()) return false;
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return false;
  QDataStream s(&f);
  s.setVersion(QDataStream::Qt_6_0);
  quint32 magic = 0, version = 0;
  QString storedSignature;
  s >> magic >> version;
  if (magic != kMagic || version != kVersion) return false;
  s >> storedSignature;
  if (s.status() != QDataStream::Ok || storedSignature != signature) return false;
  Dataset d;
  qint32 format = 0;
  s >> d.name >> d.sourcePath >> format >> d.userTokens >> d.itemTokens >> d.attributeTokens >>
      d.warnings;
  d.format = Format(format);
  if (!readNested(s, &d.sequences) || !readNested(s, &d.itemAttributes) ||
      !readInts(s, &d.itemCluster) || !readInts(s, &d.itemTag) || s.status() != QDataStream::Ok) {
    return false;
  }
  if (d.userTokens.size() != d.numUsers() || d.itemAttributes.size() != size_t(d.numItems()) + 1)
    return false;
  d.loadedFromCache = true;
  *out = std::move(d);
  return true;
}

void storeCached(const QString& key, const QString& signature, const Dataset& d) {
  const QString path = cacheFile(key);
  if (path.isEmpty() || !QDir().mkpath(QFileInfo(path).path())) return;
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly)) return;
  QDataStream s(&f);
  s.setVersion(QDataStream::Qt_6_0);
  s << kMagic << kVersion << signature;
  s << d.name << d.sourcePath << qint32(d.format) << d.userTokens << d.itemTokens
    << d.attributeTokens << d.warnings;
  writeNested(s, d.sequences);
  writeNested(s, d.itemAttributes);
  writeInts(s, d.itemCluster);
  writeInts(s, d.itemTag);
  if (s.status() == QDataStream::Ok) f.commit();
}

}  // namespace irl4rec::data::detail
