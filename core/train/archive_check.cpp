#include "core/train/archive_check.h"

#include <QFile>

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace irl4rec::train {

namespace {

constexpr quint32 kLocalHeader = 0x04034b50;
constexpr quint32 kCentralHeader = 0x02014b50;
constexpr quint32 kEndOfDirectory = 0x06054b50;
constexpr quint32 kZip64End = 0x06064b50;
constexpr quint32 kZip64Locator = 0x07064b50;

/// Little-endian reads with bounds: every read past the end sets `ok` to false.
class Reader {
 public:
  explicit Reader(const QByteArray& bytes) : p_(reinterpret_cast<const uint8_t*>(bytes.constData())), n_(quint64(bytes.size())) {}
  quint64 size() const { return n_; }
  bool has(quint64 at, quint64 len) const { return at <= n_ && len <= n_ - at; }
  quint64 get(quint64 at, int bytes) {
    if (!has(at, quint64(bytes))) {
      ok = false;
      return 0;
    }
    quint64 v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p_[at + quint64(i)];
    return v;
  }
  const uint8_t* at(quint64 offset) const { return p_ + offset; }
  bool ok = true;

 private:
  const uint8_t* p_;
  quint64 n_;
};

Status bad(const QString& cause) { return Error::general(cause); }

}  // namespace

Status verifyTorchArchive(const QByteArray& bytes) {
  Reader r(bytes);
  if (r.size() < 22) return bad(QStringLiteral("too short to be an archive (%1 bytes)").arg(r.size()));
  // The end-of-directory record: within the last 22 + 65,535 bytes (its comment).
  quint64 end = 0;
  bool found = false;
  const quint64 lowest = r.size() > 22 + 65535 ? r.size() - 22 - 65535 : 0;
  for (quint64 at = r.size() - 22 + 1; at-- > lowest;) {
    if (r.get(at, 4) == kEndOfDirectory) {
      end = at;
      found = true;
      break;
    }
  }
  if (!found) return bad(QStringLiteral("no zip directory at the end: the file is cut short or not an archive"));
  quint64 entries = r.get(end + 10, 2);
  quint64 directorySize = r.get(end + 12, 4);
  quint64 directoryOffset = r.get(end + 16, 4);
  if (entries == 0xFFFF || directorySize == 0xFFFFFFFF || directoryOffset == 0xFFFFFFFF) {
    // zip64: the locator just before, pointing at the zip64 end record.
    if (end < 20 || r.get(end - 20, 4) != kZip64Locator) return bad(QStringLiteral("damaged zip64 directory locator"));
    const quint64 end64 = r.get(end - 20 + 8, 8);
    if (!r.ok || r.get(end64, 4) != kZip64End) return bad(QStringLiteral("damaged zip64 directory record"));
    entries = r.get(end64 + 32, 8);
    directorySize = r.get(end64 + 40, 8);
    directoryOffset = r.get(end64 + 48, 8);
  }
  if (!r.ok || !r.has(directoryOffset, directorySize) || entries == 0)
    return bad(QStringLiteral("the zip directory lies outside the file (cut short?)"));
  quint64 at = directoryOffset;
  for (quint64 e = 0; e < entries; ++e) {
    if (r.get(at, 4) != kCentralHeader) return bad(QStringLiteral("damaged zip directory (entry %1)").arg(e + 1));
    const quint64 method = r.get(at + 10, 2);
    const quint64 crc = r.get(at + 16, 4);
    quint64 packed = r.get(at + 20, 4);
    quint64 length = r.get(at + 24, 4);
    const quint64 nameLength = r.get(at + 28, 2);
    const quint64 extraLength = r.get(at + 30, 2);
    const quint64 commentLength = r.get(at + 32, 2);
    quint64 local = r.get(at + 42, 4);
    if (!r.ok || !r.has(at + 46, nameLength + extraLength + commentLength))
      return bad(QStringLiteral("damaged zip directory (entry %1)").arg(e + 1));
    const QByteArray name(reinterpret_cast<const char*>(r.at(at + 46)), int(nameLength));
    // zip64 sizes and offset, in that order, for the fields set to 0xFFFFFFFF.
    for (quint64 x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength;) {
      const quint64 id = r.get(x, 2), size = r.get(x + 2, 2);
      if (id == 0x0001) {
        quint64 y = x + 4;
        if (length == 0xFFFFFFFF) length = r.get(y, 8), y += 8;
        if (packed == 0xFFFFFFFF) packed = r.get(y, 8), y += 8;
        if (local == 0xFFFFFFFF) local = r.get(y, 8);
      }
      x += 4 + size;
    }
    const QString entry = QString::fromUtf8(name);
    if (!r.ok) return bad(QStringLiteral("damaged zip directory (entry '%1')").arg(entry));
    // The local header: same name; the data follows it.
    if (r.get(local, 4) != kLocalHeader || r.get(local + 26, 2) != nameLength ||
        !r.has(local + 30, nameLength) || std::memcmp(r.at(local + 30), name.constData(), size_t(nameLength)) != 0)
      return bad(QStringLiteral("entry '%1' is damaged (its header)").arg(entry));
    const quint64 data = local + 30 + nameLength + r.get(local + 28, 2);
    if (!r.ok || !r.has(data, packed))
      return bad(QStringLiteral("entry '%1' lies outside the file (cut short?)").arg(entry));
    if (method == 0) {
      if (packed != length) return bad(QStringLiteral("entry '%1' is damaged (its sizes)").arg(entry));
      uLong sum = crc32(0L, Z_NULL, 0);
      for (quint64 done = 0; done < length;) {  // zlib takes 32-bit lengths
        const uInt chunk = uInt(std::min<quint64>(length - done, 1u << 30));
        sum = crc32(sum, r.at(data + done), chunk);
        done += chunk;
      }
      if (quint64(sum) != crc) return bad(QStringLiteral("entry '%1' is damaged (CRC-32 mismatch)").arg(entry));
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  return Status();
}

Expected<QByteArray> readVerifiedTorchArchive(const QString& path, const QString& what) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly))
    return Error::at(path, 0, QStringLiteral("cannot read: %1").arg(file.errorString()));
  QByteArray bytes = file.readAll();
  if (Status s = verifyTorchArchive(bytes); !s)
    return Error::at(path, 0, QStringLiteral("not a readable %1: %2").arg(what, s.error().cause));
  return bytes;
}

}  // namespace irl4rec::train
