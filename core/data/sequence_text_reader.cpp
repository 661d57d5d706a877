// S3-Rec / ICLRec sequence text: one user per line, `user item item ...` (numeric ids separated
// by spaces or tabs), plus an optional `<base>_item2attributes.json` ({"item": [attr, ...]})
// and, for the synthetic benchmark, `<base>_item2truth.tsv` (item, cluster, tag).
#include "core/data/input_file.h"
#include "core/data/literal_parser.h"
#include "core/data/reader_common.h"

#include <QFileInfo>

#include <algorithm>
#include <unordered_map>

namespace irl4rec::data::detail {

namespace {

inline bool isSpace(char c) { return c == ' ' || c == '\t'; }

/// Numeric token -> first-appearance id: a flat table for the usual small ids, a hash map for
/// the rest.
class IdTable {
 public:
  /// The id of `key`, or `next` (inserted) if it is new; `added` tells which.
  int32_t findOrInsert(uint32_t key, int32_t next, bool* added) {
    if (key < kDenseLimit) {
      if (key >= dense_.size()) dense_.resize(std::max<size_t>(key + 1, dense_.size() * 2), 0);
      int32_t& slot = dense_[key];
      *added = slot == 0;
      if (*added) slot = next;
      return slot;
    }
    auto [it, fresh] = sparse_.emplace(key, next);
    *added = fresh;
    return it->second;
  }

 private:
  static constexpr uint32_t kDenseLimit = 1u << 20;
  std::vector<int32_t> dense_;
  std::unordered_map<uint32_t, int32_t> sparse_;
};

QString idCause(const char* what, const char* b, const char* e, int64_t v) {
  if (v == -2) {
    return QStringLiteral("%1 id '%2' is beyond 2^31-1").arg(QLatin1String(what), excerpt(b, e));
  }
  return QStringLiteral("non-numeric %1 id '%2' (ids must be non-negative integers)")
      .arg(QLatin1String(what), excerpt(b, e));
}

/// The general path: any JSON, precise errors.
Status readAttributesGeneral(const QString& path, const QByteArray& bytes,
                             const std::unordered_map<uint32_t, int32_t>& itemIds,
                             std::vector<std::vector<uint32_t>>* perItem, int64_t* unknown,
                             QString* firstUnknown) {
  LiteralValue root;
  int64_t offset = 0;
  QString cause;
  if (!parseLiteral(bytes.constData(), bytes.constData() + bytes.size(), LiteralSyntax::Json, &root,
                    &offset, &cause)) {
    return Error::at(path, lineAt(bytes, offset), QStringLiteral("invalid JSON: %1").arg(cause));
  }
  if (root.kind != LiteralValue::Kind::Dict) {
    return Error::at(path, 1,
                     QStringLiteral("expected a JSON object {\"item\": [attribute, ...]}"));
  }
  // A member's line is that of its value (keys and values share a line in practice).
  auto lineOfKey = [&](const LiteralValue& value) -> int64_t {
    return lineAt(bytes, value.offset);
  };
  std::vector<char> seen(perItem->size(), 0);
  for (const auto& [key, value] : root.members) {
    const int64_t v = parseId(key.constData(), key.constData() + key.size());
    if (v < 0) {
      return Error::at(path, lineOfKey(value),
                       idCause("item", key.constData(), key.constData() + key.size(), v));
    }
    if (value.kind != LiteralValue::Kind::List) {
      return Error::at(path, lineOfKey(value),
                       QStringLiteral("item '%1': expected a list of attribute ids")
                           .arg(QString::fromUtf8(key)));
    }
    std::vector<uint32_t> attrs;
    attrs.reserve(value.items.size());
    for (const LiteralValue& a : value.items) {
      const QByteArray& text = a.text;
      const int64_t av =
          a.kind == LiteralValue::Kind::Number || a.kind == LiteralValue::Kind::String
              ? parseId(text.constData(), text.constData() + text.size())
              : -1;
      if (av < 0) {
        const QString shown =
            a.kind == LiteralValue::Kind::Number || a.kind == LiteralValue::Kind::String
                ? QString::fromUtf8(text)
                : QStringLiteral("(not a number)");
        return Error::at(path, lineOfKey(a),
                         av == -2 ? QStringLiteral("item '%1': attribute id '%2' is beyond 2^31-1")
                                        .arg(QString::fromUtf8(key), shown)
                                  : QStringLiteral("item '%1': non-numeric attribute id '%2'")
                                        .arg(QString::fromUtf8(key), shown));
      }
      attrs.push_back(uint32_t(av));
    }
    const auto it = itemIds.find(uint32_t(v));
    if (it == itemIds.end()) {
      if ((*unknown)++ == 0) *firstUnknown = QString::fromUtf8(key);
      continue;
    }
    if (seen[size_t(it->second)]) {
      return Error::at(path, lineOfKey(value),
                       QStringLiteral("duplicate item '%1'").arg(QString::fromUtf8(key)));
    }
    seen[size_t(it->second)] = 1;
    (*perItem)[size_t(it->second)] = std::move(attrs);
  }
  return {};
}

/// The common shape {"12": [1, 2], ...} with plain numbers, read without building a tree.
/// Returns false on anything else (then the general parser reads the file and reports the
/// error, if there is one, with its line).
bool readAttributesFast(const QByteArray& bytes,
                        const std::unordered_map<uint32_t, int32_t>& itemIds,
                        std::vector<std::vector<uint32_t>>* perItem, int64_t* unknown,
                        QString* firstUnknown) {
  const char* p = bytes.constData();
  const char* const e = p + bytes.size();
  auto skipSpace = [&] {
    while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
  };
  auto number = [&](uint32_t* out) {
    const char* start = p;
    uint64_t v = 0;
    while (p < e && *p >= '0' && *p <= '9') {
      v = v * 10 + uint64_t(*p - '0');
      if (v > uint64_t(kMaxId)) return false;
      ++p;
    }
    *out = uint32_t(v);
    return p > start;
  };
  std::vector<char> seen(perItem->size(), 0);
  std::vector<uint32_t> attrs;
  skipSpace();
  if (p == e || *p != '{') return false;
  ++p;
  skipSpace();
  if (p < e && *p == '}') {
    ++p;
    skipSpace();
    return p == e;
  }
  for (;;) {
    if (p == e || *p != '"') return false;
    ++p;
    const char* keyBegin = p;
    uint32_t key = 0;
    if (!number(&key)) return false;
    const char* keyEnd = p;
    if (p == e || *p != '"') return false;
    ++p;
    skipSpace();
    if (p == e || *p != ':') return false;
    ++p;
    skipSpace();
    if (p == e || *p != '[') return false;
    ++p;
    skipSpace();
    attrs.clear();
    if (p < e && *p == ']') {
      ++p;
    } else {
      for (;;) {
        uint32_t a = 0;
        if (!number(&a)) return false;
        attrs.push_back(a);
        skipSpace();
        if (p == e) return false;
        if (*p == ',') {
          ++p;
          skipSpace();
          continue;
        }
        if (*p != ']') return false;
        ++p;
        break;
      }
    }
    const auto it = itemIds.find(key);
    if (it == itemIds.end()) {
      if ((*unknown)++ == 0) *firstUnknown = QString::fromLatin1(keyBegin, int(keyEnd - keyBegin));
    } else {
      if (seen[size_t(it->second)]) return false;  // duplicate: let the general path report it
      seen[size_t(it->second)] = 1;
      (*perItem)[size_t(it->second)] = attrs;
    }
    skipSpace();
    if (p == e) return false;
    if (*p == ',') {
      ++p;
      skipSpace();
      continue;
    }
    if (*p != '}') return false;
    ++p;
    skipSpace();
    return p == e;
  }
}

/// Reads the attributes json into per-item attribute lists. Items not in the sequences are
/// ignored and counted in a warning.
Status readAttributesJson(const QString& path, const std::unordered_map<uint32_t, int32_t>& itemIds,
                          Dataset* d) {
  auto data = readInputFile(path);
  if (!data.ok()) return data.error();
  const QByteArray& bytes = data.value();
  if (Status s = checkUtf8(bytes, path); !s.ok()) return s;
  std::vector<std::vector<uint32_t>> perItem(size_t(d->numItems()) + 1);
  int64_t unknown = 0;
  QString firstUnknown;
  if (!readAttributesFast(bytes, itemIds, &perItem, &unknown, &firstUnknown)) {
    perItem.assign(size_t(d->numItems()) + 1, {});
    unknown = 0;
    firstUnknown.clear();
    if (Status s = readAttributesGeneral(path, bytes, itemIds, &perItem, &unknown, &firstUnknown);
        !s.ok()) {
      return s;
    }
  }
  if (unknown > 0) {
    d->warnings.append(QStringLiteral("%1: %2 item(s) not in the sequences (e.g. '%3') ignored")
                           .arg(path)
                           .arg(unknown)
                           .arg(firstUnknown));
  }
  finishNumericAttributes(d, perItem);
  return {};
}

/// Ground truth of the synthetic benchmark: `item<TAB>cluster<TAB>tag` with a header line.
Status readTruthTsv(const QString& path, const std::unordered_map<uint32_t, int32_t>& itemIds,
                    Dataset* d) {
  auto data = readInputFile(path);
  if (!data.ok()) return data.error();
  const QByteArray& bytes = data.value();
  if (Status s = checkUtf8(bytes, path); !s.ok()) return s;
  LineCursor lines(bytes);
  const char* b;
  const char* e;
  std::vector<int32_t> cluster(size_t(d->numItems()) + 1, -1);
  std::vector<int32_t> tag(size_t(d->numItems()) + 1, -1);
  bool header = true;
  while (lines.next(&b, &e)) {
    if (b == e) continue;
    const QList<QByteArray> cols = QByteArray(b, int(e - b)).split('\t');
    if (header) {
      header = false;
      if (cols.size() < 3 || cols[0] != "item" || cols[1] != "cluster" || cols[2] != "tag") {
        return Error::at(path, lines.lineNumber(),
                         QStringLiteral("expected the header item<TAB>cluster<TAB>tag"));
      }
      continue;
    }
    if (cols.size() != 3) {
      return Error::at(
          path, lines.lineNumber(),
          QStringLiteral("expected 3 tab-separated columns, found %1").arg(cols.size()));
    }
    int64_t v[3];
    for (int k = 0; k < 3; ++k) {
      v[k] = parseId(cols[k].constData(), cols[k].constData() + cols[k].size());
      if (v[k] < 0) {
        return Error::at(path, lines.lineNumber(),
                         idCause(k == 0   ? "item"
                                 : k == 1 ? "cluster"
                                          : "tag",
                                 cols[k].constData(), cols[k].constData() + cols[k].size(), v[k]));
      }
    }
    const auto it = itemIds.find(uint32_t(v[0]));
    if (it == itemIds.end()) continue;  // item absent from this instance
    cluster[size_t(it->second)] = int32_t(v[1]);
    tag[size_t(it->second)] = int32_t(v[2]);
  }
  for (int32_t i = 1; i <= d->numItems(); ++i) {
    if (cluster[size_t(i)] < 0) {
      return Error::at(path, 0,
                       QStringLiteral("no ground truth for item '%1'").arg(d->itemTokens[i]));
    }
  }
  d->itemCluster = std::move(cluster);
  d->itemTag = std::move(tag);
  d->itemCluster[0] = d->itemTag[0] = 0;
  return {};
}

}  // namespace

QStringList sequenceTextInputFiles(const QString& path, const LoadOptions& options) {
  return {path,
          options.attributesPath.isEmpty()
              ? sidecarPath(path, QStringLiteral("_item2attributes.json"))
              : options.attributesPath,
          sidecarPath(path, QStringLiteral("_item2truth.tsv"))};
}

Expected<Dataset> readSequenceText(const QString& path, const LoadOptions& options) {
  auto data = readInputFile(path);
  if (!data.ok()) return data.error();
  const QByteArray& bytes = data.value();
  if (Status s = checkUtf8(bytes, path); !s.ok()) return s.error();

  Dataset d;
  d.sourcePath = path;
  d.name = baseName(path);
  d.format = Format::SequenceText;

  IdTable itemTable;  // numeric token -> first-appearance id
  IdTable userTable;  // numeric user token -> line of its first appearance
  std::vector<QByteArray> itemTokens;
  QStringList users;

  LineCursor lines(bytes);
  const char* b;
  const char* e;
  ProgressTicker progress(options, bytes.size());
  while (lines.next(&b, &e)) {
    const char* p = b;
    while (p < e && isSpace(*p)) ++p;
    if (p == e) continue;  // blank lines are allowed
    const int64_t line = lines.lineNumber();
    const char* tb = p;
    while (p < e && !isSpace(*p)) ++p;
    const int64_t user = parseId(tb, p);
    if (user < 0) return Error::at(path, line, idCause("user", tb, p, user));
    bool fresh = false;
    const int32_t firstLine = userTable.findOrInsert(uint32_t(user), int32_t(line), &fresh);
    if (!fresh) {
      return Error::at(
          path, line,
          QStringLiteral("duplicate user '%1' (first on line %2)").arg(user).arg(firstLine));
    }
    std::vector<int32_t> seq;
    for (;;) {
      while (p < e && isSpace(*p)) ++p;
      if (p == e) break;
      tb = p;
      while (p < e && !isSpace(*p)) ++p;
      const int64_t item = parseId(tb, p);
      if (item < 0) return Error::at(path, line, idCause("item", tb, p, item));
      bool added = false;
      const int32_t id =
          itemTable.findOrInsert(uint32_t(item), int32_t(itemTokens.size() + 1), &added);
      if (added) itemTokens.push_back(QByteArray::number(item));
      seq.push_back(id);
    }
    if (seq.empty()) {
      return Error::at(path, line,
                       QStringLiteral("user '%1' has no items (missing columns)").arg(user));
    }
    users.append(QString::number(user));
    d.sequences.push_back(std::move(seq));
    if (!progress.tick(p - bytes.constData()))
      return Error::at(path, 0, QStringLiteral("cancelled"));
  }
  d.userTokens = std::move(users);
  finishItems(&d, std::move(itemTokens));
  // The token map on the final ids (finishItems may have renumbered naturally).
  std::unordered_map<uint32_t, int32_t> itemIds;
  itemIds.reserve(size_t(d.numItems()));
  for (int32_t id = 1; id <= d.numItems(); ++id) itemIds[d.itemTokens[id].toUInt()] = id;

  const QString attributes = options.attributesPath.isEmpty()
                                 ? sidecarPath(path, QStringLiteral("_item2attributes.json"))
                                 : options.attributesPath;
  if (!options.attributesPath.isEmpty() || QFileInfo::exists(attributes)) {
    if (Status s = readAttributesJson(attributes, itemIds, &d); !s.ok()) return s.error();
  }
  const QString truth = sidecarPath(path, QStringLiteral("_item2truth.tsv"));
  if (QFileInfo::exists(truth)) {
    if (Status s = readTruthTsv(truth, itemIds, &d); !s.ok()) return s.error();
    d.format = Format::Synthetic;
  }
  return d;
}

}  // namespace irl4rec::data::detail
