#include "core/data/literal_parser.h"

#include <charconv>
#include <cstring>

namespace irl4rec::data::detail {

const LiteralValue* LiteralValue::member(const char* key) const {
  const size_t n = std::strlen(key);
  for (const auto& m : members) {
    if (size_t(m.first.size()) == n && std::memcmp(m.first.constData(), key, n) == 0) {
      return &m.second;
    }
  }
  return nullptr;
}

namespace {

constexpr int kMaxDepth = 64;

class Parser {
 public:
  Parser(const char* begin, const char* end, LiteralSyntax syntax)
      : begin_(begin), p_(begin), end_(end), python_(syntax == LiteralSyntax::Python) {}

  bool parseDocument(LiteralValue* out) {
    skipSpace();
    if (p_ == end_) return fail(QStringLiteral("expected a value, found the end of the input"));
    if (!parseValue(out, 0)) return false;
    skipSpace();
    if (p_ != end_) return fail(QStringLiteral("unexpected text after the value"));
    return true;
  }

  int64_t errorOffset() const { return errorAt_ - begin_; }
  const QString& cause() const { return cause_; }

 private:
  bool fail(QString cause) {
    if (cause_.isEmpty()) {
      cause_ = std::move(cause);
      errorAt_ = p_;
    }
    return false;
  }
  bool truncated(const char* what) {
    return fail(QStringLiteral("input ends inside %1 (truncated?)").arg(QLatin1String(what)));
  }

  void skipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  bool matchWord(const char* word) {
    const size_t n = std::strlen(word);
    if (size_t(end_ - p_) < n || std::memcmp(p_, word, n) != 0) return false;
    const char* after = p_ + n;
    if (after < end_ && ((*after >= 'a' && *after <= 'z') || (*after >= 'A' && *after <= 'Z') ||
                         (*after >= '0' && *after <= '9') || *after == '_')) {
      return false;
    }
    p_ = after;
    return true;
  }

  bool parseValue(LiteralValue* out, int depth) {
    if (depth > kMaxDepth) return fail(QStringLiteral("values nested too deeply"));
    skipSpace();
    if (p_ == end_) return truncated("a value");
    out->offset = p_ - begin_;
    const char c = *p_;
    if (c == '{') return parseDict(out, depth);
    if (c == '[') return parseList(out, depth, ']');
    if (python_ && c == '(') return parseList(out, depth, ')');
    if (c == '"' || (python_ && c == '\'')) {
      out->kind = LiteralValue::Kind::String;
      return parseString(&out->text);
    }
    if (c == '-' || c == '+' || (c >= '0' && c <= '9') || c == '.') return parseNumber(out);
    if (python_) {  // Python mode also takes JSON's words: review dumps mix both styles
      if (matchWord("True")) return setBool(out, true);
      if (matchWord("False")) return setBool(out, false);
      if (matchWord("None")) return setNull(out);
    }
    if (matchWord("true")) return setBool(out, true);
    if (matchWord("false")) return setBool(out, false);
    if (matchWord("null")) return setNull(out);
    return fail(QStringLiteral("unexpected character '%1'").arg(QString::fromUtf8(p_, 1)));
  }

  static bool setBool(LiteralValue* out, bool b) {
    out->kind = LiteralValue::Kind::Bool;
    out->boolean = b;
    return true;
  }
  static bool setNull(LiteralValue* out) {
    out->kind = LiteralValue::Kind::Null;
    return true;
  }

  bool parseNumber(LiteralValue* out) {
    const char* start = p_;
    while (p_ < end_ && ((*p_ >= '0' && *p_ <= '9') || *p_ == '-' || *p_ == '+' || *p_ == '.' ||
                         *p_ == 'e' || *p_ == 'E')) {
      ++p_;
    }
    const char* numBegin = (*start == '+') ? start + 1 : start;
    double v = 0;
    const auto r = std::from_chars(numBegin, p_, v);
    if (r.ec != std::errc() || r.ptr != p_) {
      p_ = start;
      return fail(QStringLiteral("invalid number"));
    }
    out->kind = LiteralValue::Kind::Number;
    out->number = v;
    out->text = QByteArray(start, int(p_ - start));
    return true;
  }

  static void appendUtf8(QByteArray* s, uint32_t cp) {
    if (cp < 0x80) {
      s->append(char(cp));
    } else if (cp < 0x800) {
      s->append(char(0xC0 | (cp >> 6)));
      s->append(char(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      s->append(char(0xE0 | (cp >> 12)));
      s->append(char(0x80 | ((cp >> 6) & 0x3F)));
      s->append(char(0x80 | (cp & 0x3F)));
    } else {
      s->append(char(0xF0 | (cp >> 18)));
      s->append(char(0x80 | ((cp >> 12) & 0x3F)));
      s->append(char(0x80 | ((cp >> 6) & 0x3F)));
      s->append(char(0x80 | (cp & 0x3F)));
    }
  }

  bool hexDigits(int n, uint32_t* value) {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) {
      if (p_ == end_) return truncated("an escape sequence");
      const char c = *p_;
      uint32_t d;
      if (c >= '0' && c <= '9')
        d = uint32_t(c - '0');
      else if (c >= 'a' && c <= 'f')
        d = uint32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        d = uint32_t(c - 'A' + 10);
      else
        return fail(QStringLiteral("invalid hexadecimal digit in an escape sequence"));
      v = v * 16 + d;
      ++p_;
    }
    *value = v;
    return true;
  }

  bool parseString(QByteArray* out) {
    const char quote = *p_++;
    out->clear();
    for (;;) {
      const char* run = p_;
      while (p_ < end_ && *p_ != quote && *p_ != '\\' && *p_ != '\n') ++p_;
      out->append(run, int(p_ - run));
      if (p_ == end_) return truncated("a string");
      if (*p_ == '\n') return fail(QStringLiteral("string not closed before the end of the line"));
      if (*p_ == quote) {
        ++p_;
        return true;
      }
      ++p_;  // backslash
      if (p_ == end_) return truncated("a string");
      const char e = *p_++;
      switch (e) {
        case '"':
          out->append('"');
          break;
        case '\'':
          out->append('\'');
          break;
        case '\\':
          out->append('\\');
          break;
        case '/':
          out->append('/');
          break;
        case 'b':
          out->append('\b');
          break;
        case 'f':
          out->append('\f');
          break;
        case 'n':
          out->append('\n');
          break;
        case 'r':
          out->append('\r');
          break;
        case 't':
          out->append('\t');
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!hexDigits(4, &cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF && end_ - p_ >= 6 && p_[0] == '\\' && p_[1] == 'u') {
            p_ += 2;
            uint32_t lo = 0;
            if (!hexDigits(4, &lo)) return false;
            if (lo >= 0xDC00 && lo <= 0xDFFF)
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            else
              cp = 0xFFFD;
          } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;
          }
          appendUtf8(out, cp);
          break;
        }
        case 'x':
          if (python_) {
            uint32_t cp = 0;
            if (!hexDigits(2, &cp)) return false;
            appendUtf8(out, cp);
            break;
          }
          [[fallthrough]];
        default:
          if (python_) {  // Python keeps unknown escapes verbatim
            out->append('\\');
            out->append(e);
            break;
          }
          --p_;
          return fail(QStringLiteral("invalid escape sequence"));
      }
    }
  }

  bool parseList(LiteralValue* out, int depth, char close) {
    ++p_;
    out->kind = LiteralValue::Kind::List;
    skipSpace();
    if (p_ < end_ && *p_ == close) {
      ++p_;
      return true;
    }
    for (;;) {
      out->items.emplace_back();
      if (!parseValue(&out->items.back(), depth + 1)) return false;
      skipSpace();
      if (p_ == end_) return truncated("a list");
      if (*p_ == ',') {
        ++p_;
        skipSpace();
        if (python_ && p_ < end_ && *p_ == close) {  // trailing comma
          ++p_;
          return true;
        }
        continue;
      }
      if (*p_ == close) {
        ++p_;
        return true;
      }
      return fail(QStringLiteral("expected ',' or '%1' in a list").arg(QLatin1Char(close)));
    }
  }

  bool parseDict(LiteralValue* out, int depth) {
    ++p_;
    out->kind = LiteralValue::Kind::Dict;
    skipSpace();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    for (;;) {
      skipSpace();
      if (p_ == end_) return truncated("an object");
      QByteArray key;
      if (*p_ == '"' || (python_ && *p_ == '\'')) {
        if (!parseString(&key)) return false;
      } else if (python_ && ((*p_ >= '0' && *p_ <= '9') || *p_ == '-')) {
        LiteralValue number;
        if (!parseNumber(&number)) return false;
        key = number.text;
      } else {
        return fail(QStringLiteral("expected a quoted key"));
      }
      skipSpace();
      if (p_ == end_) return truncated("an object");
      if (*p_ != ':') return fail(QStringLiteral("expected ':' after a key"));
      ++p_;
      out->members.emplace_back(std::move(key), LiteralValue());
      if (!parseValue(&out->members.back().second, depth + 1)) return false;
      skipSpace();
      if (p_ == end_) return truncated("an object");
      if (*p_ == ',') {
        ++p_;
        skipSpace();
        if (python_ && p_ < end_ && *p_ == '}') {
          ++p_;
          return true;
        }
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      return fail(QStringLiteral("expected ',' or '}' in an object"));
    }
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  bool python_;
  const char* errorAt_ = nullptr;
  QString cause_;
};

}  // namespace

bool parseLiteral(const char* begin, const char* end, LiteralSyntax syntax, LiteralValue* out,
                  int64_t* errorOffset, QString* cause) {
  Parser parser(begin, end, syntax);
  *out = LiteralValue();
  if (parser.parseDocument(out)) return true;
  *errorOffset = parser.errorOffset();
  *cause = parser.cause();
  return false;
}

}  // namespace irl4rec::data::detail
