#include "core/data/dataset.h"

#include <QCryptographicHash>
#include <QJsonValue>

#include <algorithm>

namespace irl4rec::data {

QString formatName(Format format) {
  switch (format) {
    case Format::SequenceText:
      return QStringLiteral("sequence-text");
    case Format::RecBole:
      return QStringLiteral("recbole");
    case Format::AmazonDump:
      return QStringLiteral("amazon");
    case Format::Synthetic:
      return QStringLiteral("synthetic");
    case Format::Cache:
      return QStringLiteral("cache");
  }
  return QString();
}

namespace {

void addInt(QCryptographicHash* hash, int64_t value) {
  // Little-endian regardless of the machine so that the fingerprint is portable.
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = char((uint64_t(value) >> (8 * i)) & 0xFF);
  hash->addData(QByteArrayView(bytes, 8));
}

void addInts(QCryptographicHash* hash, const std::vector<int32_t>& values, QByteArray* scratch) {
  scratch->resize(int(values.size() * 4));
  char* out = scratch->data();
  for (int32_t v : values) {
    const auto u = uint32_t(v);
    *out++ = char(u & 0xFF);
    *out++ = char((u >> 8) & 0xFF);
    *out++ = char((u >> 16) & 0xFF);
    *out++ = char((u >> 24) & 0xFF);
  }
  hash->addData(*scratch);
}

QString fingerprintOf(const Dataset& d) {
  QCryptographicHash hash(QCryptographicHash::Sha256);
  QByteArray scratch;
  hash.addData(QByteArrayView("irl4rec-dataset-v1"));
  addInt(&hash, d.numUsers());
  addInt(&hash, d.numItems());
  for (const auto& seq : d.sequences) {
    addInt(&hash, int64_t(seq.size()));
    addInts(&hash, seq, &scratch);
  }
  addInt(&hash, d.numAttributes());
  if (d.hasAttributes()) {
    std::vector<int32_t> sorted;
    for (size_t i = 1; i < d.itemAttributes.size(); ++i) {
      sorted = d.itemAttributes[i];
      std::sort(sorted.begin(), sorted.end());
      addInt(&hash, int64_t(sorted.size()));
      addInts(&hash, sorted, &scratch);
    }
  }
  return QString::fromLatin1(hash.result().toHex().left(16));
}

}  // namespace

DatasetStats Dataset::stats() const {
  DatasetStats s;
  s.users = numUsers();
  s.items = numItems();
  s.attributes = numAttributes();
  for (size_t i = 1; i < itemAttributes.size(); ++i)
    s.itemsWithAttributes += !itemAttributes[i].empty();
  std::vector<int64_t> lengths;
  lengths.reserve(sequences.size());
  for (const auto& seq : sequences) {
    const auto n = int64_t(seq.size());
    lengths.push_back(n);
    s.interactions += n;
    if (n < 3) ++s.usersTrainOnly;
  }
  if (!lengths.empty()) {
    std::sort(lengths.begin(), lengths.end());
    s.minLength = lengths.front();
    s.maxLength = lengths.back();
    s.meanLength = double(s.interactions) / double(lengths.size());
    const size_t mid = lengths.size() / 2;
    s.medianLength =
        lengths.size() % 2 ? double(lengths[mid]) : 0.5 * double(lengths[mid - 1] + lengths[mid]);
  }
  if (s.users > 0 && s.items > 0)
    s.density = double(s.interactions) / (double(s.users) * double(s.items));
  s.fingerprint = fingerprintOf(*this);
  return s;
}

QJsonObject statsToJson(const Dataset& dataset, const DatasetStats& s) {
  QJsonObject o;
  o.insert(QStringLiteral("name"), dataset.name);
  o.insert(QStringLiteral("path"), dataset.sourcePath);
  o.insert(QStringLiteral("format"), formatName(dataset.format));
  o.insert(QStringLiteral("users"), s.users);
  o.insert(QStringLiteral("items"), s.items);
  o.insert(QStringLiteral("interactions"), s.interactions);
  o.insert(QStringLiteral("attributes"), s.attributes);
  o.insert(QStringLiteral("items_with_attributes"), s.itemsWithAttributes);
  o.insert(QStringLiteral("mean_length"), s.meanLength);
  o.insert(QStringLiteral("median_length"), s.medianLength);
  o.insert(QStringLiteral("max_length"), s.maxLength);
  o.insert(QStringLiteral("min_length"), s.minLength);
  o.insert(QStringLiteral("density"), s.density);
  o.insert(QStringLiteral("users_train_only"), s.usersTrainOnly);
  o.insert(QStringLiteral("fingerprint"), s.fingerprint);
  return o;
}

}  // namespace irl4rec::data
