#include "core/data/synthetic.h"

#include "core/data/reader_common.h"
#include "core/data/readers.h"

#include <QDir>
#include <QLocale>
#include <QSaveFile>

#include <algorithm>
#include <random>

namespace irl4rec::data {

namespace {

/// Hand-written distributions over std::mt19937_64 (whose output is fixed by the standard).
class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}
  /// Uniform in [0, n), unbiased (rejects the lowest 2^64 mod n values).
  uint64_t below(uint64_t n) {
    const uint64_t threshold = (0 - n) % n;
    uint64_t x;
    do {
      x = engine_();
    } while (x < threshold);
    return x % n;
  }
  /// Uniform in [0, 1) with 53 random bits.
  double unit() { return double(engine_() >> 11) * (1.0 / 9007199254740992.0); }
  bool chance(double p) { return unit() < p; }

 private:
  std::mt19937_64 engine_;
};

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

template <typename T>
void shuffle(std::vector<T>* v, Random* rng) {  // Fisher-Yates
  for (size_t i = v->size(); i > 1; --i) std::swap((*v)[i - 1], (*v)[size_t(rng->below(i))]);
}

/// The generative model over provisional item indices (cell-major: (cluster*tags+tag)*m + j).
struct World {
  const SyntheticParams& p;
  std::vector<int> tagOf;      // π per cluster (0-based)
  std::vector<int> successor;  // [item * tags + tag] -> item in (cluster(item), tag)

  int cellItem(int cluster, int tag, int j) const {
    return (cluster * p.tags + tag) * p.itemsPerCell + j;
  }
  int clusterOf(int item) const { return item / (p.tags * p.itemsPerCell); }

  /// One click. `seen` marks the user's items; `allowed` (may be null) restricts candidates.
  int click(Random* rng, int userCluster, int previous, double rho, const std::vector<char>& seen,
            const std::vector<char>* allowed) const {
    int cluster = userCluster;
    if (rng->chance(p.noise)) cluster = int(rng->below(uint64_t(p.clusters)));
    int tag = tagOf[size_t(cluster)];
    if (p.tags > 1 && !rng->chance(rho)) {
      tag = int(rng->below(uint64_t(p.tags - 1)));
      if (tag >= tagOf[size_t(cluster)]) ++tag;
    }
    auto usable = [&](int item) {
      return !seen[size_t(item)] && (!allowed || (*allowed)[size_t(item)]);
    };
    const bool follow = rng->chance(p.sequential);
    if (follow && previous >= 0 && clusterOf(previous) == cluster) {
      const int next = successor[size_t(previous * p.tags + tag)];
      if (usable(next)) return next;
    }
    // Uniform in the cell among usable items; then any usable item of the cluster, then any.
    for (int attempt = 0; attempt < 3; ++attempt) {
      std::vector<int> candidates;
      for (int t = 0; t < p.tags; ++t) {
        if (attempt == 0 && t != tag) continue;
        for (int c = 0; c < p.clusters; ++c) {
          if (attempt < 2 && c != cluster) continue;
          for (int j = 0; j < p.itemsPerCell; ++j) {
            if (usable(cellItem(c, t, j))) candidates.push_back(cellItem(c, t, j));
          }
        }
      }
      if (!candidates.empty()) return candidates[size_t(rng->below(candidates.size()))];
    }
    return -1;
  }
};

Status writeText(const QString& path, const QByteArray& bytes) {
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly))
    return Error::at(path, 0, QStringLiteral("cannot write: %1").arg(f.errorString()));
  f.write(bytes);
  if (!f.commit())
    return Error::at(path, 0, QStringLiteral("cannot write: %1").arg(f.errorString()));
  return {};
}

}  // namespace

Status SyntheticParams::validate() const {
  auto bad = [](const QString& cause) { return Status(Error::general(cause)); };
  if (users < 1 || users > 10000000) return bad(QStringLiteral("users must be in 1..10000000"));
  if (clusters < 1 || tags < 1 || itemsPerCell < 1)
    return bad(QStringLiteral("clusters, tags and items-per-cell must be >= 1"));
  if (int64_t(clusters) * tags * itemsPerCell > 10000000)
    return bad(QStringLiteral("too many items (clusters*tags*items-per-cell > 10^7)"));
  if (minLength < 3)
    return bad(QStringLiteral("min-length must be >= 3 (history, validation and test)"));
  if (maxLength < minLength) return bad(QStringLiteral("max-length must be >= min-length"));
  if (int64_t(maxLength) > int64_t(tags) * itemsPerCell) {
    return bad(QStringLiteral(
        "max-length must be <= tags*items-per-cell (items never repeat within a user)"));
  }
  for (double v : {rhoTrain, rhoTest, sequential, noise}) {
    if (!(v >= 0.0 && v <= 1.0))
      return bad(QStringLiteral("rho-train, rho-test, sequential and noise must be in [0, 1]"));
  }
  return {};
}

Expected<SyntheticParams> SyntheticParams::fromArguments(const QStringList& args) {
  SyntheticParams p;
  for (int i = 0; i < args.size(); ++i) {
    const QString& name = args[i];
    if (i + 1 >= args.size())
      return Error::general(QStringLiteral("option '%1' needs a value").arg(name));
    const QString value = args[++i];
    bool ok = false;
    auto asInt = [&](int* out) { *out = value.toInt(&ok); };
    auto asDouble = [&](double* out) { *out = value.toDouble(&ok); };
    if (name == QLatin1String("--seed"))
      p.seed = value.toULongLong(&ok);
    else if (name == QLatin1String("--users"))
      asInt(&p.users);
    else if (name == QLatin1String("--clusters"))
      asInt(&p.clusters);
    else if (name == QLatin1String("--tags"))
      asInt(&p.tags);
    else if (name == QLatin1String("--items-per-cell"))
      asInt(&p.itemsPerCell);
    else if (name == QLatin1String("--min-length"))
      asInt(&p.minLength);
    else if (name == QLatin1String("--max-length"))
      asInt(&p.maxLength);
    else if (name == QLatin1String("--rho-train"))
      asDouble(&p.rhoTrain);
    else if (name == QLatin1String("--rho-test"))
      asDouble(&p.rhoTest);
    else if (name == QLatin1String("--sequential"))
      asDouble(&p.sequential);
    else if (name == QLatin1String("--noise"))
      asDouble(&p.noise);
    else
      return Error::general(QStringLiteral("unknown option '%1'").arg(name));
    if (!ok)
      return Error::general(
          QStringLiteral("option '%1': '%2' is not a valid number").arg(name, value));
  }
  if (Status s = p.validate(); !s.ok()) return s.error();
  return p;
}

QString SyntheticParams::describe() const {
  QString s;
  s += QStringLiteral("seed=%1\n").arg(seed);
  s += QStringLiteral("users=%1\n").arg(users);
  s += QStringLiteral("clusters=%1\n").arg(clusters);
  s += QStringLiteral("tags=%1\n").arg(tags);
  s += QStringLiteral("items-per-cell=%1\n").arg(itemsPerCell);
  s += QStringLiteral("min-length=%1\n").arg(minLength);
  s += QStringLiteral("max-length=%1\n").arg(maxLength);
  s += QStringLiteral("rho-train=%1\n")
           .arg(QString::number(rhoTrain, 'g', QLocale::FloatingPointShortest));
  s += QStringLiteral("rho-test=%1\n")
           .arg(QString::number(rhoTest, 'g', QLocale::FloatingPointShortest));
  s += QStringLiteral("sequential=%1\n")
           .arg(QString::number(sequential, 'g', QLocale::FloatingPointShortest));
  s +=
      QStringLiteral("noise=%1\n").arg(QString::number(noise, 'g', QLocale::FloatingPointShortest));
  return s;
}

Expected<SyntheticBenchmark> generateSynthetic(const SyntheticParams& p) {
  if (Status s = p.validate(); !s.ok()) return s.error();
  Random rng(splitmix64(p.seed));
  World world{p, {}, {}};
  const int numCells = p.clusters * p.tags;
  const int numItems = numCells * p.itemsPerCell;

  std::vector<int> tagPerm(size_t(p.tags));
  for (int t = 0; t < p.tags; ++t) tagPerm[size_t(t)] = t;
  shuffle(&tagPerm, &rng);
  world.tagOf.resize(size_t(p.clusters));
  for (int c = 0; c < p.clusters; ++c) world.tagOf[size_t(c)] = tagPerm[size_t(c % p.tags)];
  world.successor.resize(size_t(numItems) * size_t(p.tags));
  for (int item = 0; item < numItems; ++item) {
    const int c = world.clusterOf(item);
    for (int t = 0; t < p.tags; ++t) {
      world.successor[size_t(item * p.tags + t)] =
          world.cellItem(c, t, int(rng.below(uint64_t(p.itemsPerCell))));
    }
  }

  // Histories and validation items (training environment).
  std::vector<int> userCluster(size_t(p.users));
  std::vector<std::vector<int>> shared(size_t(p.users));
  std::vector<char> seen(size_t(numItems), 0);
  std::vector<char> clicked(size_t(numItems), 0);
  for (int u = 0; u < p.users; ++u) {
    userCluster[size_t(u)] = int(rng.below(uint64_t(p.clusters)));
    const int length = p.minLength + int(rng.below(uint64_t(p.maxLength - p.minLength + 1)));
    auto& seq = shared[size_t(u)];
    int previous = -1;
    for (int k = 0; k + 1 < length; ++k) {
      const int item =
          world.click(&rng, userCluster[size_t(u)], previous, p.rhoTrain, seen, nullptr);
      seq.push_back(item);
      seen[size_t(item)] = 1;
      clicked[size_t(item)] = 1;
      previous = item;
    }
    for (int item : seq) seen[size_t(item)] = 0;
  }

  // Test items: the same per-user stream twice, once per environment, among items that occur
  // in some history so that both instances have the same item set.
  std::vector<int> testIid(size_t(p.users)), testShifted(size_t(p.users));
  for (int u = 0; u < p.users; ++u) {
    const auto& seq = shared[size_t(u)];
    for (int item : seq) seen[size_t(item)] = 1;
    const uint64_t stream = splitmix64(p.seed ^ splitmix64(0x7e57ULL + uint64_t(u)));
    Random a(stream), b(stream);
    testIid[size_t(u)] =
        world.click(&a, userCluster[size_t(u)], seq.back(), p.rhoTrain, seen, &clicked);
    testShifted[size_t(u)] =
        world.click(&b, userCluster[size_t(u)], seq.back(), p.rhoTest, seen, &clicked);
    for (int item : seq) seen[size_t(item)] = 0;
    if (testIid[size_t(u)] < 0 || testShifted[size_t(u)] < 0) {
      return Error::general(
          QStringLiteral("no test item possible for user %1; use more users or items").arg(u + 1));
    }
  }

  // Public ids: a seeded shuffle of the clicked items, 1..N.
  std::vector<int> used;
  for (int item = 0; item < numItems; ++item) {
    if (clicked[size_t(item)]) used.push_back(item);
  }
  shuffle(&used, &rng);
  std::vector<int32_t> publicId(size_t(numItems), 0);
  for (size_t k = 0; k < used.size(); ++k) publicId[size_t(used[k])] = int32_t(k + 1);

  SyntheticBenchmark out;
  out.params = p;
  out.userCluster.resize(size_t(p.users));
  for (int u = 0; u < p.users; ++u) out.userCluster[size_t(u)] = userCluster[size_t(u)] + 1;
  out.clusterTag.assign(size_t(p.clusters) + 1, 0);
  for (int c = 0; c < p.clusters; ++c) out.clusterTag[size_t(c) + 1] = world.tagOf[size_t(c)] + 1;

  auto build = [&](const std::vector<int>& test, const QString& name) {
    Dataset d;
    d.name = name;
    d.format = Format::Synthetic;
    d.sequences.resize(size_t(p.users));
    std::vector<QByteArray> firstAppearance;
    std::vector<char> appeared(used.size() + 1, 0);
    for (int u = 0; u < p.users; ++u) {
      d.userTokens.append(QString::number(u + 1));
      auto& seq = d.sequences[size_t(u)];
      for (int item : shared[size_t(u)]) seq.push_back(publicId[size_t(item)]);
      seq.push_back(publicId[size_t(test[size_t(u)])]);
      for (int32_t id : seq) {
        if (!appeared[size_t(id)]) {
          appeared[size_t(id)] = 1;
          firstAppearance.push_back(QByteArray::number(id));
        }
      }
    }
    // Same path as the reader: ids become first-appearance ids, then natural again.
    std::vector<int32_t> toFirst(used.size() + 1, 0);
    for (size_t k = 0; k < firstAppearance.size(); ++k)
      toFirst[size_t(firstAppearance[k].toInt())] = int32_t(k + 1);
    for (auto& seq : d.sequences) {
      for (auto& id : seq) id = toFirst[size_t(id)];
    }
    detail::finishItems(&d, firstAppearance);
    std::vector<std::vector<QByteArray>> perItem(size_t(d.numItems()) + 1);
    d.itemCluster.assign(size_t(d.numItems()) + 1, 0);
    d.itemTag.assign(size_t(d.numItems()) + 1, 0);
    for (int item : used) {
      const int32_t id = publicId[size_t(item)];
      const int cluster = world.clusterOf(item);
      const int tag = (item / p.itemsPerCell) % p.tags;
      perItem[size_t(id)].push_back(QByteArray::number(tag + 1));
      d.itemCluster[size_t(id)] = cluster + 1;
      d.itemTag[size_t(id)] = tag + 1;
    }
    detail::finishAttributes(&d, perItem);
    return d;
  };
  out.iid = build(testIid, QStringLiteral("iid"));
  out.shifted = build(testShifted, QStringLiteral("shifted"));
  return out;
}

bool sameExceptTestTargets(const Dataset& a, const Dataset& b) {
  if (a.numUsers() != b.numUsers() || a.itemTokens != b.itemTokens ||
      a.itemAttributes != b.itemAttributes || a.attributeTokens != b.attributeTokens) {
    return false;
  }
  for (size_t u = 0; u < a.sequences.size(); ++u) {
    const auto& x = a.sequences[u];
    const auto& y = b.sequences[u];
    if (x.size() != y.size() || x.empty() || !std::equal(x.begin(), x.end() - 1, y.begin())) {
      return false;
    }
  }
  return true;
}

Status writeSynthetic(const SyntheticBenchmark& b, const QString& directory) {
  if (!QDir().mkpath(directory))
    return Error::at(directory, 0, QStringLiteral("cannot create the directory"));
  const QDir dir(directory);
  if (Status s = writeSequenceText(b.iid, dir.filePath(QStringLiteral("iid.txt"))); !s.ok())
    return s;
  if (Status s = writeSequenceText(b.shifted, dir.filePath(QStringLiteral("shifted.txt"))); !s.ok())
    return s;
  return writeText(dir.filePath(QStringLiteral("generator.txt")), b.params.describe().toUtf8());
}

}  // namespace irl4rec::data
