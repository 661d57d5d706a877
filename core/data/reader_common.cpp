#include "core/data/reader_common.h"

#include "core/data/input_file.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>

#include <algorithm>
#include <unordered_map>

namespace irl4rec::data::detail {

bool isNaturalNumbering(const std::vector<QByteArray>& tokens) {
  const auto n = int64_t(tokens.size());
  std::vector<char> seen(size_t(n) + 1, 0);
  for (const QByteArray& t : tokens) {
    if (t.isEmpty() || t[0] == '0') return false;  // canonical form only: no leading zeros
    const int64_t v = parseId(t.constData(), t.constData() + t.size());
    if (v < 1 || v > n || seen[size_t(v)]) return false;
    seen[size_t(v)] = 1;
  }
  return true;
}

void finishItems(Dataset* d, std::vector<QByteArray> tokens) {
  const auto n = int32_t(tokens.size());
  if (isNaturalNumbering(tokens)) {
    std::vector<int32_t> perm(size_t(n) + 1, 0);
    for (int32_t old = 1; old <= n; ++old) {
      const QByteArray& t = tokens[size_t(old - 1)];
      perm[size_t(old)] = int32_t(parseId(t.constData(), t.constData() + t.size()));
    }
    for (auto& seq : d->sequences) {
      for (auto& item : seq) item = perm[size_t(item)];
    }
    std::vector<QByteArray> sorted(tokens.size());
    for (int32_t old = 1; old <= n; ++old)
      sorted[size_t(perm[size_t(old)] - 1)] = std::move(tokens[size_t(old - 1)]);
    tokens = std::move(sorted);
  }
  d->itemTokens.clear();
  d->itemTokens.reserve(n + 1);
  d->itemTokens.append(QString());
  for (const QByteArray& t : tokens) d->itemTokens.append(QString::fromUtf8(t));
  d->itemAttributes.assign(size_t(n) + 1, {});
}

void finishAttributes(Dataset* d, const std::vector<std::vector<QByteArray>>& perItem) {
  QHash<QByteArray, int32_t> ids;
  std::vector<QByteArray> tokens;
  const size_t numItems = size_t(d->numItems()) + 1;
  d->itemAttributes.assign(numItems, {});
  for (size_t item = 1; item < perItem.size() && item < numItems; ++item) {
    auto& out = d->itemAttributes[item];
    for (const QByteArray& t : perItem[item]) {
      auto it = ids.constFind(t);
      int32_t id;
      if (it == ids.constEnd()) {
        tokens.push_back(t);
        id = int32_t(tokens.size());
        ids.insert(t, id);
      } else {
        id = it.value();
      }
      if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    }
  }
  if (isNaturalNumbering(tokens)) {
    std::vector<int32_t> perm(tokens.size() + 1, 0);
    for (size_t old = 1; old <= tokens.size(); ++old) {
      const QByteArray& t = tokens[old - 1];
      perm[old] = int32_t(parseId(t.constData(), t.constData() + t.size()));
    }
    for (auto& list : d->itemAttributes) {
      for (auto& a : list) a = perm[size_t(a)];
    }
    std::vector<QByteArray> sorted(tokens.size());
    for (size_t old = 1; old <= tokens.size(); ++old)
      sorted[size_t(perm[old] - 1)] = tokens[old - 1];
    tokens = std::move(sorted);
  }
  for (auto& list : d->itemAttributes) std::sort(list.begin(), list.end());
  d->attributeTokens.clear();
  if (!tokens.empty()) {
    d->attributeTokens.reserve(int(tokens.size()) + 1);
    d->attributeTokens.append(QString());
    for (const QByteArray& t : tokens) d->attributeTokens.append(QString::fromUtf8(t));
  }
}

void finishNumericAttributes(Dataset* d, const std::vector<std::vector<uint32_t>>& perItem) {
  std::unordered_map<uint32_t, int32_t> ids;
  std::vector<uint32_t> tokens;
  const size_t numItems = size_t(d->numItems()) + 1;
  d->itemAttributes.assign(numItems, {});
  for (size_t item = 1; item < perItem.size() && item < numItems; ++item) {
    auto& out = d->itemAttributes[item];
    for (uint32_t t : perItem[item]) {
      auto [it, added] = ids.emplace(t, int32_t(tokens.size() + 1));
      if (added) tokens.push_back(t);
      if (std::find(out.begin(), out.end(), it->second) == out.end()) out.push_back(it->second);
    }
  }
  // Natural numbering: the tokens are exactly 1..M.
  bool natural = true;
  for (uint32_t t : tokens) natural = natural && t >= 1 && t <= tokens.size();
  if (natural) {  // distinct values in 1..M, M of them: a permutation
    for (auto& list : d->itemAttributes) {
      for (auto& a : list) a = int32_t(tokens[size_t(a - 1)]);
    }
    std::sort(tokens.begin(), tokens.end());
  }
  for (auto& list : d->itemAttributes) std::sort(list.begin(), list.end());
  d->attributeTokens.clear();
  if (!tokens.empty()) {
    d->attributeTokens.reserve(int(tokens.size()) + 1);
    d->attributeTokens.append(QString());
    for (uint32_t t : tokens) d->attributeTokens.append(QString::number(t));
  }
}

QString baseName(const QString& datasetPath) {
  QString base = QFileInfo(datasetPath).fileName();
  if (base.endsWith(QLatin1String(".gz"))) base.chop(3);
  const int dot = base.lastIndexOf(QLatin1Char('.'));
  if (dot > 0) base = base.left(dot);
  return base;
}

QString sidecarPath(const QString& datasetPath, const QString& suffix) {
  return QFileInfo(datasetPath).dir().filePath(baseName(datasetPath) + suffix);
}

}  // namespace irl4rec::data::detail
