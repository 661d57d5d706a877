#include "core/data/input_file.h"

#include "core/common/files.h"

#include <zlib.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace irl4rec::data::detail {

namespace {

Expected<QByteArray> gunzip(const QByteArray& compressed, const QString& path) {
  QByteArray out;
  out.reserve(int(std::min<int64_t>(int64_t(compressed.size()) * 4, 1LL << 30)));
  z_stream s;
  std::memset(&s, 0, sizeof(s));
  if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK) {
    return Error::at(path, 0, QStringLiteral("cannot initialise gzip decompression"));
  }
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.constData()));
  s.avail_in = uInt(compressed.size());
  char buffer[1 << 16];
  bool streamEnded = false;
  for (;;) {
    s.next_out = reinterpret_cast<Bytef*>(buffer);
    s.avail_out = sizeof(buffer);
    const int rc = inflate(&s, Z_NO_FLUSH);
    out.append(buffer, int(sizeof(buffer) - s.avail_out));
    if (rc == Z_STREAM_END) {
      streamEnded = true;
      if (s.avail_in == 0) break;
      // Concatenated gzip members (as written by `cat a.gz b.gz`).
      inflateReset(&s);
      streamEnded = false;
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && s.avail_in == 0) break;  // input exhausted before the end
    const QString cause = QString::fromLatin1(s.msg ? s.msg : "corrupt data");
    inflateEnd(&s);
    return Error::at(path, lineAt(out, out.size()),
                     QStringLiteral("corrupt gzip data (%1)").arg(cause));
  }
  inflateEnd(&s);
  if (!streamEnded) {
    return Error::at(path, lineAt(out, out.size()),
                     QStringLiteral("gzip stream ends early (file truncated?)"));
  }
  return out;
}

}  // namespace

Expected<QByteArray> readInputFile(const QString& path) {
  auto read = readFileBytes(path);
  if (!read.ok()) return read.error();
  QByteArray data = std::move(read).value();
  if (data.size() >= 2 && uchar(data[0]) == 0x1f && uchar(data[1]) == 0x8b) {
    auto inflated = gunzip(data, path);
    if (!inflated.ok()) return inflated.error();
    data = std::move(inflated).value();
  }
  // A UTF-8 byte order mark (some editors write one) is not part of the first field.
  if (data.startsWith("\xEF\xBB\xBF")) data.remove(0, 3);
  bool blank = true;
  for (char c : data) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      blank = false;
      break;
    }
  }
  if (blank) return Error::at(path, 0, QStringLiteral("file is empty"));
  return data;
}

int64_t findInvalidUtf8(const char* data, int64_t size) {
  const auto* s = reinterpret_cast<const unsigned char*>(data);
  int64_t i = 0;
  while (i < size) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int n = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return i;
    }
    for (int k = 1; k <= n; ++k) {
      if (i + k >= size || (s[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values beyond U+10FFFF are not UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += n + 1;
  }
  return -1;
}

int64_t lineAt(const QByteArray& data, int64_t offset) {
  const char* p = data.constData();
  const int64_t end = std::min<int64_t>(offset, data.size());
  int64_t line = 1;
  for (int64_t i = 0; i < end; ++i) line += (p[i] == '\n');
  return line;
}

Status checkUtf8(const QByteArray& data, const QString& path) {
  const int64_t bad = findInvalidUtf8(data.constData(), data.size());
  if (bad < 0) return {};
  return Error::at(path, lineAt(data, bad),
                   QStringLiteral("invalid UTF-8 byte 0x%1 (the file must be UTF-8 text)")
                       .arg(uint(uchar(data[int(bad)])), 2, 16, QLatin1Char('0')));
}

bool LineCursor::next(const char** begin, const char** end) {
  if (p_ >= end_) return false;
  const char* nl = static_cast<const char*>(std::memchr(p_, '\n', size_t(end_ - p_)));
  const char* lineEnd = nl ? nl : end_;
  *begin = p_;
  *end = lineEnd;
  if (*end > *begin && (*end)[-1] == '\r') --*end;
  p_ = nl ? nl + 1 : end_;
  ++line_;
  return true;
}

int64_t parseId(const char* begin, const char* end) {
  if (begin == end) return -1;
  int64_t v = 0;
  bool big = false;
  for (const char* p = begin; p < end; ++p) {
    const unsigned d = unsigned(*p) - unsigned('0');
    if (d > 9) return -1;
    if (!big) {
      v = v * 10 + d;
      if (v > kMaxId) big = true;
    }
  }
  return big ? -2 : v;
}

bool parseDouble(const char* begin, const char* end, double* value) {
  if (begin == end) return false;
  if (*begin == '+') ++begin;  // from_chars does not take a leading '+'
  // from_chars is locale-independent, unlike strtod under a Qt application's locale.
  const auto result = std::from_chars(begin, end, *value);
  return result.ec == std::errc() && result.ptr == end;
}

QString excerpt(const char* begin, const char* end) {
  const int64_t n = end - begin;
  QString s = QString::fromUtf8(begin, int(std::min<int64_t>(n, 40)));
  if (n > 40) s += QStringLiteral("...");
  return s;
}

}  // namespace irl4rec::data::detail
