// RecBole atomic files: `<name>.inter` (tab separated, header `field:type`, at least user_id and
// item_id, optional timestamp) and an optional `<name>.item` whose token_seq columns (and a
// `brand:token` column) are the item attributes.
#include "core/data/input_file.h"
#include "core/data/reader_common.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>

#include <algorithm>

namespace irl4rec::data::detail {

namespace {

struct Field {
  QByteArray name;
  QByteArray type;
};

/// Splits a line on tabs into `cols` (views into the line).
void splitTabs(const char* b, const char* e,
               std::vector<std::pair<const char*, const char*>>* cols) {
  cols->clear();
  const char* start = b;
  for (const char* p = b; p < e; ++p) {
    if (*p == '\t') {
      cols->emplace_back(start, p);
      start = p + 1;
    }
  }
  cols->emplace_back(start, e);
}

Expected<std::vector<Field>> parseHeader(const QString& path, const char* b, const char* e) {
  std::vector<std::pair<const char*, const char*>> cols;
  splitTabs(b, e, &cols);
  std::vector<Field> fields;
  for (const auto& [cb, ce] : cols) {
    const QByteArray text(cb, int(ce - cb));
    const int colon = text.indexOf(':');
    if (colon <= 0) {
      return Error::at(path, 1,
                       QStringLiteral("header field '%1' is not of the form name:type")
                           .arg(QString::fromUtf8(text)));
    }
    Field f{text.left(colon).trimmed(), text.mid(colon + 1).trimmed()};
    if (f.type != "token" && f.type != "token_seq" && f.type != "float" && f.type != "float_seq") {
      return Error::at(path, 1,
                       QStringLiteral("header field '%1' has unknown type '%2' "
                                      "(token, token_seq, float or float_seq)")
                           .arg(QString::fromUtf8(f.name), QString::fromUtf8(f.type)));
    }
    for (const Field& g : fields) {
      if (g.name == f.name) {
        return Error::at(
            path, 1,
            QStringLiteral("header field '%1' appears twice").arg(QString::fromUtf8(f.name)));
      }
    }
    fields.push_back(std::move(f));
  }
  return fields;
}

int fieldIndex(const std::vector<Field>& fields, const char* name) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == name) return int(i);
  }
  return -1;
}

Status columnCountError(const QString& path, int64_t line, size_t expected, size_t found) {
  return Error::at(path, line,
                   QStringLiteral("%1: expected %2 tab-separated fields as in the header, found %3")
                       .arg(found < expected ? QStringLiteral("missing column(s)")
                                             : QStringLiteral("extra column(s)"))
                       .arg(expected)
                       .arg(found));
}

/// Checks float / float_seq values of a row.
Status checkNumbers(const QString& path, int64_t line, const std::vector<Field>& fields,
                    const std::vector<std::pair<const char*, const char*>>& cols) {
  for (size_t i = 0; i < fields.size(); ++i) {
    const bool seq = fields[i].type == "float_seq";
    if (fields[i].type != "float" && !seq) continue;
    const char* p = cols[i].first;
    const char* e = cols[i].second;
    if (p == e && seq) continue;
    while (p <= e) {
      const char* q = p;
      while (q < e && *q != ' ') ++q;
      double v;
      if (!parseDouble(p, q, &v)) {
        return Error::at(
            path, line,
            QStringLiteral("non-numeric value '%1' in float field '%2'")
                .arg(excerpt(cols[i].first, cols[i].second), QString::fromUtf8(fields[i].name)));
      }
      if (!seq) break;
      p = q + 1;
    }
  }
  return {};
}

Expected<QString> findInterFile(const QString& path) {
  const QFileInfo info(path);
  if (!info.isDir()) return path;
  const QDir dir(path);
  const QString own = dir.filePath(info.fileName() + QStringLiteral(".inter"));
  if (QFileInfo(own).isFile()) return own;
  const QStringList inter = dir.entryList({QStringLiteral("*.inter")}, QDir::Files, QDir::Name);
  if (inter.size() == 1) return dir.filePath(inter[0]);
  if (inter.isEmpty()) return Error::at(path, 0, QStringLiteral("directory holds no .inter file"));
  return Error::at(path, 0,
                   QStringLiteral("directory holds several .inter files (%1); name one")
                       .arg(inter.join(QStringLiteral(", "))));
}

}  // namespace

QStringList recboleInputFiles(const QString& path) {
  auto inter = findInterFile(path);
  if (!inter.ok()) return {path};
  return {inter.value(), sidecarPath(inter.value(), QStringLiteral(".item"))};
}

Expected<Dataset> readRecBole(const QString& given, const LoadOptions& options) {
  auto interPath = findInterFile(given);
  if (!interPath.ok()) return interPath.error();
  const QString path = interPath.value();
  auto data = readInputFile(path);
  if (!data.ok()) return data.error();
  const QByteArray& bytes = data.value();
  if (Status s = checkUtf8(bytes, path); !s.ok()) return s.error();

  LineCursor lines(bytes);
  const char* b;
  const char* e;
  lines.next(&b, &e);
  auto header = parseHeader(path, b, e);
  if (!header.ok()) return header.error();
  const std::vector<Field>& fields = header.value();
  const int userCol = fieldIndex(fields, "user_id");
  const int itemCol = fieldIndex(fields, "item_id");
  const int timeCol = fieldIndex(fields, "timestamp");
  if (itemCol < 0) return Error::at(path, 1, QStringLiteral("header has no item_id field"));
  if (userCol < 0) return Error::at(path, 1, QStringLiteral("header has no user_id field"));
  if (timeCol >= 0 && fields[size_t(timeCol)].type != "float") {
    return Error::at(path, 1, QStringLiteral("timestamp must be of type float"));
  }

  struct Event {
    double time;
    int32_t item;  // provisional id (order of first appearance in the file)
  };
  QHash<QByteArray, int32_t> userIndex;
  QHash<QByteArray, int32_t> itemIndex;
  std::vector<QByteArray> userTokens;
  std::vector<QByteArray> itemTokens;
  std::vector<std::vector<Event>> events;
  std::vector<std::pair<const char*, const char*>> cols;
  int64_t rows = 0;
  ProgressTicker progress(options, bytes.size());
  while (lines.next(&b, &e)) {
    if (b == e) continue;
    const int64_t line = lines.lineNumber();
    if (!progress.tick(e - bytes.constData()))
      return Error::at(path, 0, QStringLiteral("cancelled"));
    splitTabs(b, e, &cols);
    if (cols.size() != fields.size())
      return columnCountError(path, line, fields.size(), cols.size()).error();
    if (Status s = checkNumbers(path, line, fields, cols); !s.ok()) return s.error();
    const auto [ub, ue] = cols[size_t(userCol)];
    const auto [ib, ie] = cols[size_t(itemCol)];
    if (ub == ue) return Error::at(path, line, QStringLiteral("empty user_id"));
    if (ib == ie) return Error::at(path, line, QStringLiteral("empty item_id"));
    const QByteArray uKey = QByteArray::fromRawData(ub, int(ue - ub));
    auto uit = userIndex.constFind(uKey);
    int32_t u;
    if (uit == userIndex.constEnd()) {
      u = int32_t(userTokens.size());
      userTokens.emplace_back(ub, int(ue - ub));
      userIndex.insert(userTokens.back(), u);
      events.emplace_back();
    } else {
      u = uit.value();
    }
    const QByteArray iKey = QByteArray::fromRawData(ib, int(ie - ib));
    auto iit = itemIndex.constFind(iKey);
    int32_t item;
    if (iit == itemIndex.constEnd()) {
      item = int32_t(itemTokens.size());
      itemTokens.emplace_back(ib, int(ie - ib));
      itemIndex.insert(itemTokens.back(), item);
    } else {
      item = iit.value();
    }
    double t = double(rows);
    if (timeCol >= 0) parseDouble(cols[size_t(timeCol)].first, cols[size_t(timeCol)].second, &t);
    events[size_t(u)].push_back(Event{t, item});
    ++rows;
  }
  if (rows == 0) return Error::at(path, 0, QStringLiteral("no interactions after the header"));

  Dataset d;
  d.sourcePath = given;
  d.name = baseName(path);
  d.format = Format::RecBole;
  // Items are numbered by first appearance in the time-ordered sequences (see reader_common.h).
  FirstAppearanceIds ids(itemTokens);
  d.sequences.resize(events.size());
  for (size_t u = 0; u < events.size(); ++u) {
    auto& ev = events[u];
    if (timeCol >= 0) {
      std::stable_sort(ev.begin(), ev.end(),
                       [](const Event& x, const Event& y) { return x.time < y.time; });
    }
    auto& seq = d.sequences[u];
    seq.reserve(ev.size());
    for (const Event& x : ev) seq.push_back(ids(x.item));
  }
  d.userTokens.reserve(int(userTokens.size()));
  for (const QByteArray& t : userTokens) d.userTokens.append(QString::fromUtf8(t));
  finishItems(&d, std::move(ids).tokens());

  const QString itemPath = sidecarPath(path, QStringLiteral(".item"));
  if (!QFileInfo::exists(itemPath)) return d;
  auto itemData = readInputFile(itemPath);
  if (!itemData.ok()) return itemData.error();
  const QByteArray& ibytes = itemData.value();
  if (Status s = checkUtf8(ibytes, itemPath); !s.ok()) return s.error();
  LineCursor ilines(ibytes);
  ilines.next(&b, &e);
  auto iheader = parseHeader(itemPath, b, e);
  if (!iheader.ok()) return iheader.error();
  const std::vector<Field>& ifields = iheader.value();
  const int idCol = fieldIndex(ifields, "item_id");
  if (idCol < 0) return Error::at(itemPath, 1, QStringLiteral("header has no item_id field"));
  std::vector<int> attrCols;
  for (size_t i = 0; i < ifields.size(); ++i) {
    if ((ifields[i].type == "token_seq" && ifields[i].name != "title") ||
        (ifields[i].type == "token" && ifields[i].name == "brand")) {
      attrCols.push_back(int(i));
    }
  }
  QHash<QByteArray, int32_t> idOf;
  for (int32_t id = 1; id <= d.numItems(); ++id) idOf.insert(d.itemTokens[id].toUtf8(), id);
  std::vector<std::vector<QByteArray>> perItem(size_t(d.numItems()) + 1);
  std::vector<int64_t> seenOn(size_t(d.numItems()) + 1, 0);
  int64_t unknown = 0;
  QString firstUnknown;
  while (ilines.next(&b, &e)) {
    if (b == e) continue;
    const int64_t line = ilines.lineNumber();
    splitTabs(b, e, &cols);
    if (cols.size() != ifields.size())
      return columnCountError(itemPath, line, ifields.size(), cols.size()).error();
    if (Status s = checkNumbers(itemPath, line, ifields, cols); !s.ok()) return s.error();
    const auto [ib, ie] = cols[size_t(idCol)];
    if (ib == ie) return Error::at(itemPath, line, QStringLiteral("empty item_id"));
    const auto it = idOf.constFind(QByteArray::fromRawData(ib, int(ie - ib)));
    if (it == idOf.constEnd()) {
      if (unknown++ == 0) firstUnknown = excerpt(ib, ie);
      continue;
    }
    if (seenOn[size_t(it.value())]) {
      return Error::at(itemPath, line,
                       QStringLiteral("duplicate item '%1' (first on line %2)")
                           .arg(excerpt(ib, ie))
                           .arg(seenOn[size_t(it.value())]));
    }
    seenOn[size_t(it.value())] = line;
    auto& attrs = perItem[size_t(it.value())];
    for (int c : attrCols) {
      const auto [ab, ae] = cols[size_t(c)];
      if (ifields[size_t(c)].type == "token") {
        if (ab != ae) attrs.emplace_back(ab, int(ae - ab));
        continue;
      }
      const char* p = ab;
      while (p < ae) {
        while (p < ae && *p == ' ') ++p;
        const char* q = p;
        while (q < ae && *q != ' ') ++q;
        if (q > p) attrs.emplace_back(p, int(q - p));
        p = q;
      }
    }
  }
  if (unknown > 0) {
    d.warnings.append(QStringLiteral("%1: %2 item(s) not in the interactions (e.g. '%3') ignored")
                          .arg(itemPath)
                          .arg(unknown)
                          .arg(firstUnknown));
  }
  finishAttributes(&d, perItem);
  return d;
}

}  // namespace irl4rec::data::detail
