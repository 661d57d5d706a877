#pragma once
/// Result values for everything that can fail because of its input.
/// Core code returns an Error for bad input (a file, a line, a cause) and throws only for bugs.

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace irl4rec {

/// What went wrong, where. `line` is 1-based; 0 means "the file as a whole".
struct Error {
  QString file;
  qint64 line = 0;
  QString cause;

  /// "file:line: cause" (or "file: cause"), the one line the CLI prints and dialogs show.
  QString message() const;
  static Error at(QString file, qint64 line, QString cause) {
    return Error{std::move(file), line, std::move(cause)};
  }
  static Error general(QString cause) { return Error{QString(), 0, std::move(cause)}; }
};

/// Either a value or an Error. Deliberately tiny: `ok()`, `value()`, `error()`.
template <typename T>
class Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}       // NOLINT(google-explicit-constructor)
  Expected(Error error) : v_(std::move(error)) {}   // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

/// For operations that return nothing but may fail.
class Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace irl4rec
