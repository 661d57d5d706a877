// Writers for the sequence-text and RecBole formats. Both write ids so that reading the files
// back assigns the same internal ids (see reader_common.h), hence the same fingerprint.
#include "core/data/input_file.h"
#include "core/data/reader_common.h"
#include "core/common/files.h"
#include "core/data/readers.h"

#include <QDir>
#include <QFileInfo>

namespace irl4rec::data {

namespace {

/// True when every token is a number in canonical form ("7", not "007"), so that the sequence
/// text reader gives each back unchanged.
bool allIds(const QStringList& tokens, int from) {
  for (int i = from; i < tokens.size(); ++i) {
    const QByteArray t = tokens[i].toLatin1();
    if (detail::parseId(t.constData(), t.constData() + t.size()) < 0) return false;
    if (t.size() > 1 && t[0] == '0') return false;
  }
  return true;
}


Status checkShape(const Dataset& d, const QString& path) {
  if (d.sequences.empty()) return Error::at(path, 0, QStringLiteral("the dataset has no users"));
  if (d.userTokens.size() != d.numUsers() && !d.userTokens.isEmpty()) {
    return Error::at(path, 0,
                     QStringLiteral("dataset has %1 user tokens for %2 users")
                         .arg(d.userTokens.size())
                         .arg(d.numUsers()));
  }
  // A dataset built by other code could be inconsistent; refuse rather than index out of range.
  for (const auto& seq : d.sequences) {
    for (int32_t item : seq) {
      if (item < 1 || item > d.numItems()) {
        return Error::at(
            path, 0,
            QStringLiteral("dataset has item id %1 outside 1..%2").arg(item).arg(d.numItems()));
      }
    }
  }
  if (d.hasAttributes()) {
    if (d.itemAttributes.size() != size_t(d.numItems()) + 1) {
      return Error::at(path, 0,
                       QStringLiteral("dataset has attributes for %1 items, not %2")
                           .arg(qint64(d.itemAttributes.size()) - 1)
                           .arg(d.numItems()));
    }
    for (const auto& attrs : d.itemAttributes) {
      for (int32_t a : attrs) {
        if (a < 1 || a > d.numAttributes()) {
          return Error::at(path, 0,
                           QStringLiteral("dataset has attribute id %1 outside 1..%2")
                               .arg(a)
                               .arg(d.numAttributes()));
        }
      }
    }
  }
  return {};
}

bool hasTruth(const Dataset& d) {
  return d.itemCluster.size() == size_t(d.numItems()) + 1 &&
         d.itemTag.size() == d.itemCluster.size();
}

}  // namespace

Status writeSequenceText(const Dataset& d, const QString& path) {
  if (Status s = checkShape(d, path); !s.ok()) return s;
  // Numeric tokens are kept; otherwise (e.g. Amazon asins) internal ids are written, since the
  // format only has numbers.
  const bool itemTokens = allIds(d.itemTokens, 1);
  const bool userTokens = d.userTokens.size() == d.numUsers() && allIds(d.userTokens, 0);
  const bool attrTokens = allIds(d.attributeTokens, 1);
  auto itemText = [&](int32_t id) {
    return itemTokens ? d.itemTokens[id].toLatin1() : QByteArray::number(id);
  };
  QByteArray out;
  out.reserve(int(d.numUsers() * 48));
  for (size_t u = 0; u < d.sequences.size(); ++u) {
    out += userTokens ? d.userTokens[int(u)].toLatin1() : QByteArray::number(qulonglong(u + 1));
    for (int32_t item : d.sequences[u]) {
      out += ' ';
      out += itemText(item);
    }
    out += '\n';
  }
  if (Status s = writeFileAtomically(path, out); !s.ok()) return s;

  if (d.hasAttributes()) {
    QByteArray json = "{";
    bool first = true;
    for (int32_t i = 1; i <= d.numItems(); ++i) {
      const auto& attrs = d.itemAttributes[size_t(i)];
      if (attrs.empty()) continue;
      json += first ? "\"" : ", \"";
      first = false;
      json += itemText(i);
      json += "\": [";
      for (size_t k = 0; k < attrs.size(); ++k) {
        if (k) json += ", ";
        json += attrTokens ? d.attributeTokens[attrs[k]].toLatin1() : QByteArray::number(attrs[k]);
      }
      json += ']';
    }
    json += "}";
    const QString attrPath = detail::sidecarPath(path, QStringLiteral("_item2attributes.json"));
    if (Status s = writeFileAtomically(attrPath, json); !s.ok()) return s;
  }
  if (hasTruth(d)) {
    QByteArray tsv = "item\tcluster\ttag\n";
    for (int32_t i = 1; i <= d.numItems(); ++i) {
      tsv += itemText(i) + '\t' + QByteArray::number(d.itemCluster[size_t(i)]) + '\t' +
             QByteArray::number(d.itemTag[size_t(i)]) + '\n';
    }
    const QString truthPath = detail::sidecarPath(path, QStringLiteral("_item2truth.tsv"));
    if (Status s = writeFileAtomically(truthPath, tsv); !s.ok()) return s;
  }
  return {};
}

Status writeRecBole(const Dataset& d, const QString& directory) {
  if (Status s = checkShape(d, directory); !s.ok()) return s;
  if (!QDir().mkpath(directory))
    return Error::at(directory, 0, QStringLiteral("cannot create the directory"));
  const QString name = QFileInfo(QDir::cleanPath(directory)).fileName();
  const QDir dir(directory);
  auto clean = [](const QString& token) {
    QByteArray t = token.toUtf8();
    t.replace('\t', ' ');
    t.replace('\n', ' ');
    return t;
  };
  auto seqToken = [&](const QString& token) {  // token_seq elements are space separated
    QByteArray t = clean(token);
    t.replace(' ', '_');
    return t;
  };
  const bool userTokens = d.userTokens.size() == d.numUsers();
  QByteArray inter = "user_id:token\titem_id:token\ttimestamp:float\n";
  inter.reserve(int(d.numUsers() * 64));
  for (size_t u = 0; u < d.sequences.size(); ++u) {
    const QByteArray user =
        userTokens ? clean(d.userTokens[int(u)]) : QByteArray::number(qulonglong(u + 1));
    int64_t t = 0;
    for (int32_t item : d.sequences[u]) {
      inter += user + '\t' + clean(d.itemTokens[item]) + '\t' + QByteArray::number(qlonglong(t++)) +
               '\n';
    }
  }
  if (Status s = writeFileAtomically(dir.filePath(name + QStringLiteral(".inter")), inter); !s.ok()) return s;
  if (d.hasAttributes()) {
    QByteArray item = "item_id:token\tattributes:token_seq\n";
    for (int32_t i = 1; i <= d.numItems(); ++i) {
      const auto& attrs = d.itemAttributes[size_t(i)];
      if (attrs.empty()) continue;
      item += clean(d.itemTokens[i]) + '\t';
      for (size_t k = 0; k < attrs.size(); ++k) {
        if (k) item += ' ';
        item += seqToken(d.attributeTokens[attrs[k]]);
      }
      item += '\n';
    }
    if (Status s = writeFileAtomically(dir.filePath(name + QStringLiteral(".item")), item); !s.ok()) return s;
  }
  return {};
}

}  // namespace irl4rec::data
