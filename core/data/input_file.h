#pragma once
/// Internal helpers shared by the readers: whole-file input (gzip transparently), UTF-8
/// validation, line positions and strict number parsing. Not part of the public API.

#include "core/common/error.h"

#include <QByteArray>
#include <QString>

#include <cstdint>

namespace irl4rec::data::detail {

/// Largest id a reader accepts (ids are stored as int32).
constexpr int64_t kMaxId = 2147483647;

/// Reads a whole file. Missing files, directories, unreadable and empty files are Errors.
/// Gzip input (by its magic bytes) is decompressed; a stream that ends early is an Error
/// naming the last complete line.
Expected<QByteArray> readInputFile(const QString& path);

/// Offset of the first byte that is not part of valid UTF-8, or -1.
int64_t findInvalidUtf8(const char* data, int64_t size);

/// 1-based line number of a byte offset.
int64_t lineAt(const QByteArray& data, int64_t offset);

/// Error for invalid UTF-8 in `data` read from `path`, or ok.
Status checkUtf8(const QByteArray& data, const QString& path);

/// Walks the lines of a buffer; strips a trailing '\r'.
class LineCursor {
 public:
  explicit LineCursor(const QByteArray& data)
      : p_(data.constData()), end_(data.constData() + data.size()) {}
  /// Next line into [begin, end); false at the end of the buffer.
  bool next(const char** begin, const char** end);
  int64_t lineNumber() const { return line_; }

 private:
  const char* p_;
  const char* end_;
  int64_t line_ = 0;
};

/// Parses a whole token as a non-negative decimal integer. Returns -1 if it is not one,
/// -2 if it is one but above kMaxId.
int64_t parseId(const char* begin, const char* end);

/// Parses a whole token as a floating-point number (C locale); false if it is not one.
bool parseDouble(const char* begin, const char* end, double* value);

/// A short printable excerpt of a token for messages.
QString excerpt(const char* begin, const char* end);

}  // namespace irl4rec::data::detail
