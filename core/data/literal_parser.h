#pragma once
/// A small parser for JSON values and Python literals (the Amazon 2014 metadata lines are
/// Python dict reprs with single quotes, True/False/None). Internal to the readers.

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <utility>
#include <vector>

namespace irl4rec::data::detail {

/// One parsed value. Strings are UTF-8; numbers keep their literal text so that ids can be
/// checked exactly.
struct LiteralValue {
  enum class Kind { Null, Bool, Number, String, List, Dict };
  Kind kind = Kind::Null;
  bool boolean = false;
  double number = 0;
  int64_t offset = 0;  ///< where the value starts, from the beginning of the parsed text
  QByteArray text;     ///< String: the decoded UTF-8; Number: the literal as written
  std::vector<LiteralValue> items;                           ///< List (and tuple)
  std::vector<std::pair<QByteArray, LiteralValue>> members;  ///< Dict, in file order

  /// The member named `key`, or nullptr.
  const LiteralValue* member(const char* key) const;
};

/// Json: strict JSON. Python: Python literals (single or double quotes, True/False/None,
/// tuples, trailing commas), also accepting JSON's true/false/null.
enum class LiteralSyntax { Json, Python };

/// Parses exactly one value filling [begin, end) (surrounding whitespace allowed).
/// On failure returns false with `errorOffset` (from begin) and `cause` set.
bool parseLiteral(const char* begin, const char* end, LiteralSyntax syntax, LiteralValue* out,
                  int64_t* errorOffset, QString* cause);

}  // namespace irl4rec::data::detail
