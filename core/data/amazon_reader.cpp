// Amazon review dumps (McAuley 2014): reviews as one JSON object per line (reviewerID, asin,
// overall, unixReviewTime), metadata as one Python dict literal per line (asin, categories,
// brand), each plain or gzipped. Sequences are ordered by review time (stable), filtered by
// rating and k-core; attributes are the item's brand and categories, re-indexed.
#include "core/data/input_file.h"
#include "core/data/literal_parser.h"
#include "core/data/reader_common.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>

#include <algorithm>
#include <cstring>

namespace irl4rec::data::detail {

namespace {

/// "reviews_Beauty_5.json.gz" -> "Beauty".
QString datasetName(const QString& path) {
  QString name = QFileInfo(path).fileName();
  for (const char* ext : {".gz", ".json", ".jsonl"}) {
    if (name.endsWith(QLatin1String(ext))) name.chop(int(qstrlen(ext)));
  }
  if (name.startsWith(QLatin1String("reviews_"))) name = name.mid(8);
  if (name.endsWith(QLatin1String("_5"))) name.chop(2);
  return name;
}

QString findMetadata(const QString& path, const QString& name) {
  const QDir dir = QFileInfo(path).dir();
  for (const char* ext : {".json.gz", ".json", ".jsonl.gz", ".jsonl"}) {
    const QString candidate = dir.filePath(QStringLiteral("meta_") + name + QLatin1String(ext));
    if (QFileInfo::exists(candidate)) return candidate;
  }
  return QString();
}

Expected<LiteralValue> parseLine(const QString& path, int64_t line, const char* b, const char* e) {
  LiteralValue v;
  int64_t offset = 0;
  QString cause;
  if (!parseLiteral(b, e, LiteralSyntax::Python, &v, &offset, &cause)) {
    return Error::at(path, line,
                     QStringLiteral("invalid record at column %1: %2").arg(offset + 1).arg(cause));
  }
  if (v.kind != LiteralValue::Kind::Dict)
    return Error::at(path, line, QStringLiteral("expected one object per line"));
  return v;
}

Expected<QByteArray> stringField(const QString& path, int64_t line, const LiteralValue& v,
                                 const char* key) {
  const LiteralValue* f = v.member(key);
  if (!f)
    return Error::at(path, line, QStringLiteral("missing field '%1'").arg(QLatin1String(key)));
  if (f->kind != LiteralValue::Kind::String || f->text.isEmpty()) {
    return Error::at(
        path, line,
        QStringLiteral("field '%1' must be a non-empty string").arg(QLatin1String(key)));
  }
  return f->text;
}

Expected<double> numberField(const QString& path, int64_t line, const LiteralValue& v,
                             const char* key) {
  const LiteralValue* f = v.member(key);
  if (!f)
    return Error::at(path, line, QStringLiteral("missing field '%1'").arg(QLatin1String(key)));
  if (f->kind == LiteralValue::Kind::Number) return f->number;
  double d = 0;
  if (f->kind == LiteralValue::Kind::String &&
      parseDouble(f->text.constData(), f->text.constData() + f->text.size(), &d)) {
    return d;
  }
  return Error::at(path, line, QStringLiteral("field '%1' is not numeric").arg(QLatin1String(key)));
}

/// The asin of a metadata line that starts with it ({'asin': 'X', ... as the 2014 dumps do),
/// or a null array when the line is not that simple (then it is parsed in full).
QByteArray quickAsin(const char* b, const char* e) {
  while (b < e && (*b == ' ' || *b == '\t')) ++b;
  for (const char* pattern : {"{'asin': '", "{\"asin\": \""}) {
    const size_t n = qstrlen(pattern);
    if (size_t(e - b) <= n || std::memcmp(b, pattern, n) != 0) continue;
    const char quote = pattern[n - 1];
    const char* start = b + n;
    const char* end = start;
    while (end < e && *end != quote && *end != '\\') ++end;
    if (end == e || *end != quote || end == start) return QByteArray();
    return QByteArray(start, int(end - start));
  }
  return QByteArray();
}

}  // namespace

QStringList amazonInputFiles(const QString& path, const LoadOptions& options) {
  if (!options.metadataPath.isEmpty()) return {path, options.metadataPath};
  QStringList files{path};
  const QDir dir = QFileInfo(path).dir();
  for (const char* ext : {".json.gz", ".json", ".jsonl.gz", ".jsonl"}) {
    files.append(dir.filePath(QStringLiteral("meta_") + datasetName(path) + QLatin1String(ext)));
  }
  return files;
}

Expected<Dataset> readAmazon(const QString& path, const LoadOptions& options) {
  auto data = readInputFile(path);
  if (!data.ok()) return data.error();
  const QByteArray& bytes = data.value();
  if (Status s = checkUtf8(bytes, path); !s.ok()) return s.error();

  struct Review {
    double time;
    int32_t user;
    int32_t item;
  };
  QHash<QByteArray, int32_t> userIndex, itemIndex;
  std::vector<QByteArray> userTokens, itemTokens;
  std::vector<Review> reviews;
  LineCursor lines(bytes);
  const char* b;
  const char* e;
  ProgressTicker progress(options, bytes.size());
  while (lines.next(&b, &e)) {
    const char* p = b;
    while (p < e && (*p == ' ' || *p == '\t')) ++p;
    if (p == e) continue;
    const int64_t line = lines.lineNumber();
    if (!progress.tick(e - bytes.constData()))
      return Error::at(path, 0, QStringLiteral("cancelled"));
    auto v = parseLine(path, line, b, e);
    if (!v.ok()) return v.error();
    auto user = stringField(path, line, v.value(), "reviewerID");
    if (!user.ok()) return user.error();
    auto item = stringField(path, line, v.value(), "asin");
    if (!item.ok()) return item.error();
    auto rating = numberField(path, line, v.value(), "overall");
    if (!rating.ok()) return rating.error();
    auto time = numberField(path, line, v.value(), "unixReviewTime");
    if (!time.ok()) return time.error();
    if (options.minRating > 0 && rating.value() < options.minRating) continue;
    auto uit = userIndex.constFind(user.value());
    int32_t u = uit == userIndex.constEnd() ? -1 : uit.value();
    if (u < 0) {
      u = int32_t(userTokens.size());
      userTokens.push_back(user.value());
      userIndex.insert(user.value(), u);
    }
    auto iit = itemIndex.constFind(item.value());
    int32_t i = iit == itemIndex.constEnd() ? -1 : iit.value();
    if (i < 0) {
      i = int32_t(itemTokens.size());
      itemTokens.push_back(item.value());
      itemIndex.insert(item.value(), i);
    }
    reviews.push_back(Review{time.value(), u, i});
  }

  // Iterative k-core on users and items.
  std::vector<char> keep(reviews.size(), 1);
  if (options.kCore > 1) {
    for (bool changed = true; changed;) {
      changed = false;
      std::vector<int64_t> userCount(userTokens.size(), 0), itemCount(itemTokens.size(), 0);
      for (size_t r = 0; r < reviews.size(); ++r) {
        if (!keep[r]) continue;
        ++userCount[size_t(reviews[r].user)];
        ++itemCount[size_t(reviews[r].item)];
      }
      for (size_t r = 0; r < reviews.size(); ++r) {
        if (keep[r] && (userCount[size_t(reviews[r].user)] < options.kCore ||
                        itemCount[size_t(reviews[r].item)] < options.kCore)) {
          keep[r] = 0;
          changed = true;
        }
      }
    }
  }
  std::vector<std::vector<std::pair<double, int32_t>>> perUser(userTokens.size());
  for (size_t r = 0; r < reviews.size(); ++r) {
    if (keep[r]) perUser[size_t(reviews[r].user)].emplace_back(reviews[r].time, reviews[r].item);
  }
  Dataset d;
  d.sourcePath = path;
  d.name = datasetName(path);
  d.format = Format::AmazonDump;
  FirstAppearanceIds ids(itemTokens);
  for (size_t u = 0; u < perUser.size(); ++u) {
    auto& ev = perUser[u];
    if (ev.empty()) continue;
    std::stable_sort(ev.begin(), ev.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    std::vector<int32_t> seq;
    seq.reserve(ev.size());
    for (const auto& [t, item] : ev) seq.push_back(ids(item));
    d.sequences.push_back(std::move(seq));
    d.userTokens.append(QString::fromUtf8(userTokens[u]));
  }
  if (d.sequences.empty()) {
    return Error::at(path, 0,
                     QStringLiteral("no interactions left after filtering (min rating %1, %2-core)")
                         .arg(options.minRating)
                         .arg(options.kCore));
  }
  finishItems(&d, std::move(ids).tokens());

  const QString metaPath =
      options.metadataPath.isEmpty() ? findMetadata(path, d.name) : options.metadataPath;
  if (metaPath.isEmpty()) {
    d.warnings.append(
        QStringLiteral("%1: no metadata file meta_%2.json[.gz] beside it; no attributes")
            .arg(path, d.name));
    return d;
  }
  auto meta = readInputFile(metaPath);
  if (!meta.ok()) return meta.error();
  const QByteArray& mbytes = meta.value();
  if (Status s = checkUtf8(mbytes, metaPath); !s.ok()) return s.error();
  QHash<QByteArray, int32_t> idOf;
  for (int32_t id = 1; id <= d.numItems(); ++id) idOf.insert(d.itemTokens[id].toUtf8(), id);
  std::vector<std::vector<QByteArray>> perItem(size_t(d.numItems()) + 1);
  std::vector<int64_t> seenOn(size_t(d.numItems()) + 1, 0);
  LineCursor mlines(mbytes);
  ProgressTicker metaProgress(options, mbytes.size());
  while (mlines.next(&b, &e)) {
    const char* p = b;
    while (p < e && (*p == ' ' || *p == '\t')) ++p;
    if (p == e) continue;
    const int64_t line = mlines.lineNumber();
    if (!metaProgress.tick(e - mbytes.constData()))
      return Error::at(metaPath, 0, QStringLiteral("cancelled"));
    // Most metadata lines describe items outside the dataset: read their asin cheaply and
    // parse only the lines that matter.
    const QByteArray quick = quickAsin(b, e);
    if (!quick.isNull() && !idOf.contains(quick)) continue;
    auto v = parseLine(metaPath, line, b, e);
    if (!v.ok()) return v.error();
    auto asin = stringField(metaPath, line, v.value(), "asin");
    if (!asin.ok()) return asin.error();
    const auto it = idOf.constFind(asin.value());
    if (it == idOf.constEnd()) continue;  // catalogue items outside the filtered reviews
    if (seenOn[size_t(it.value())]) {
      return Error::at(metaPath, line,
                       QStringLiteral("duplicate asin '%1' (first on line %2)")
                           .arg(QString::fromUtf8(asin.value()))
                           .arg(seenOn[size_t(it.value())]));
    }
    seenOn[size_t(it.value())] = line;
    auto& attrs = perItem[size_t(it.value())];
    if (const LiteralValue* brand = v.value().member("brand")) {
      if (brand->kind == LiteralValue::Kind::String && !brand->text.trimmed().isEmpty())
        attrs.push_back(brand->text.trimmed());
    }
    // The 2018 dumps have one flat path under "category".
    const LiteralValue* flat = v.value().member("category");
    if (flat && !v.value().member("categories") && flat->kind == LiteralValue::Kind::List) {
      for (size_t k = options.dropRootCategory ? 1 : 0; k < flat->items.size(); ++k) {
        const LiteralValue& c = flat->items[k];
        if (c.kind == LiteralValue::Kind::String && !c.text.trimmed().isEmpty()) {
          attrs.push_back(c.text.trimmed());
        }
      }
    }
    if (const LiteralValue* cats = v.value().member("categories")) {
      if (cats->kind != LiteralValue::Kind::List) {
        return Error::at(metaPath, line,
                         QStringLiteral("'categories' must be a list of category paths"));
      }
      for (const LiteralValue& path_ : cats->items) {
        if (path_.kind != LiteralValue::Kind::List) {
          return Error::at(metaPath, line,
                           QStringLiteral("'categories' must be a list of lists of strings"));
        }
        for (size_t k = options.dropRootCategory ? 1 : 0; k < path_.items.size(); ++k) {
          const LiteralValue& c = path_.items[k];
          if (c.kind != LiteralValue::Kind::String) {
            return Error::at(metaPath, line,
                             QStringLiteral("'categories' must be a list of lists of strings"));
          }
          if (!c.text.trimmed().isEmpty()) attrs.push_back(c.text.trimmed());
        }
      }
    }
  }
  finishAttributes(&d, perItem);
  return d;
}

}  // namespace irl4rec::data::detail
