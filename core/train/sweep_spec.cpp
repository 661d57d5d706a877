#include "core/train/sweep_spec.h"

#include "core/common/files.h"
#include "core/train/config_fields.h"
#include "core/train/recipes.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonValue>
#include <QUuid>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

namespace irl4rec::train {
namespace {

/// Line (1-based) of the key path `keys` ({"axes", "beta"}) in JSON text: each key is looked for
/// as `"key"` followed by a colon, after the previous one. 0 when not found.
qint64 keyLine(const QByteArray& text, const QStringList& keys) {
  qsizetype from = 0;
  for (const QString& key : keys) {
    const QByteArray needle = '"' + key.toUtf8() + '"';
    qsizetype at = -1;
    for (qsizetype i = text.indexOf(needle, from); i >= 0; i = text.indexOf(needle, i + 1)) {
      qsizetype j = i + needle.size();
      while (j < text.size() && QChar::isSpace(uchar(text[j]))) ++j;
      if (j < text.size() && text[j] == ':') {
        at = i;
        break;
      }
    }
    if (at < 0) return 0;
    from = at + needle.size();
  }
  return text.left(from).count('\n') + 1;
}

QString scalarText(const QJsonValue& v) {
  if (v.isString()) return v.toString();
  if (v.isBool()) return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
  if (v.isDouble()) return QString::number(v.toDouble(), 'g', 12);
  return QString::fromUtf8(QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact)).mid(1).chopped(1);
}

/// Keys the sweep sets itself.
bool reservedKey(const QString& key, QString* why) {
  if (key == QLatin1String("seed")) {
    *why = QStringLiteral("list seeds in \"seeds\", not as an axis");
    return true;
  }
  if (key == QLatin1String("data_path")) {
    *why = QStringLiteral("datasets are listed in \"datasets\"");
    return true;
  }
  if (key == QLatin1String("checkpoint_path")) {
    *why = QStringLiteral("each run's checkpoint goes next to its store");
    return true;
  }
  return false;
}

/// True when the key takes integers only (1 is accepted, 0.5 is not).
bool integerKey(const QString& key) {
  return TrainConfig::fromJson(QJsonObject{{key, 1}}).ok() &&
         !TrainConfig::fromJson(QJsonObject{{key, 0.5}}).ok();
}

bool nonNegativeInteger(const QJsonValue& v, uint64_t* out) {
  if (!v.isDouble()) return false;
  const double d = v.toDouble();
  if (!(d >= 0) || d != std::floor(d) || d > 9007199254740992.0) return false;
  *out = uint64_t(d);
  return true;
}

const QStringList& topLevelKeys() {
  static const QStringList keys = {
      QStringLiteral("name"),   QStringLiteral("description"), QStringLiteral("base"),
      QStringLiteral("recipe"), QStringLiteral("datasets"),    QStringLiteral("test_data"),
      QStringLiteral("seeds"),
      QStringLiteral("axes"),   QStringLiteral("points"),      QStringLiteral("search"),
      QStringLiteral("trials"),
      QStringLiteral("sample_seed"), QStringLiteral("select")};
  return keys;
}

/// Validation metrics the run store holds: val/{hr,ndcg,mrr}@{5,10,20}.
bool validationMetric(const QString& key) {
  static const QStringList names = {QStringLiteral("hr"), QStringLiteral("ndcg"),
                                    QStringLiteral("mrr")};
  for (const QString& n : names)
    for (int k : {5, 10, 20})
      if (key == QStringLiteral("val/%1@%2").arg(n).arg(k)) return true;
  return false;
}

/// Uniform double in [0, 1) from a generator whose output the C++ standard fixes (the
/// standard's distributions are not portable across library implementations).
double unit(std::mt19937_64& g) { return double(g() >> 11) * (1.0 / 9007199254740992.0); }

QJsonValue sample(const SweepAxis& axis, std::mt19937_64& g) {
  if (axis.kind == SweepAxis::Kind::Values) {
    const auto i = std::min<qsizetype>(qsizetype(unit(g) * double(axis.values.size())),
                                       axis.values.size() - 1);
    return axis.values.at(i);
  }
  const double u = unit(g);
  double v = axis.kind == SweepAxis::Kind::Uniform
                 ? axis.low + u * (axis.high - axis.low)
                 : std::exp(std::log(axis.low) + u * (std::log(axis.high) - std::log(axis.low)));
  if (axis.integer) return double(std::llround(v));
  // Four significant digits: readable in tables and names, exact through JSON.
  return QString::number(v, 'g', 4).toDouble();
}

bool lessValue(const QJsonValue& a, const QJsonValue& b) {
  if (a.isDouble() && b.isDouble()) return a.toDouble() < b.toDouble();
  return scalarText(a) < scalarText(b);
}

}  // namespace

const PlannedRun* SweepPlan::find(const QString& id) const {
  for (const PlannedRun& r : runs)
    if (r.id == id) return &r;
  return nullptr;
}

QString sweepTag(const QString& name) { return QStringLiteral("sweep:") + name; }

QString sweepRunId(const QString& dataset, const TrainConfig& config) {
  // A fixed namespace for the workbench's sweep runs.
  static const QUuid kNamespace(QStringLiteral("{6f1c2a9e-3b1d-4f7a-9c55-1e4b8d0a7c21}"));
  QJsonObject c = config.toJson();
  c.remove(QStringLiteral("data_path"));
  c.remove(QStringLiteral("checkpoint_path"));
  const QJsonObject identity{{QStringLiteral("dataset"), dataset}, {QStringLiteral("config"), c}};
  return QUuid::createUuidV5(kNamespace, QJsonDocument(identity).toJson(QJsonDocument::Compact))
      .toString(QUuid::WithoutBraces);
}

Expected<SweepSpec> SweepSpec::read(const QString& path) {
  auto bytes = readFileBytes(path);
  if (!bytes.ok()) return bytes.error();
  return parse(bytes.value(), path);
}

Expected<SweepSpec> SweepSpec::parse(const QByteArray& bytes, const QString& path) {
  auto parsed = parseJsonObject(bytes, path);
  if (!parsed.ok()) return parsed.error();
  const QJsonObject o = parsed.value();
  auto at = [&](const QStringList& keys, const QString& cause) {
    return Error::at(path, keys.isEmpty() ? 1 : std::max<qint64>(1, keyLine(bytes, keys)), cause);
  };

  SweepSpec spec;
  spec.path = path;
  spec.name = QFileInfo(path).completeBaseName();
  for (auto it = o.begin(); it != o.end(); ++it) {
    if (!topLevelKeys().contains(it.key()))
      return at({it.key()}, QStringLiteral("unknown field '%1' (expected one of %2)")
                                .arg(it.key(), topLevelKeys().join(QStringLiteral(", "))));
  }
  auto string = [&](const char* key, QString* out) -> Status {
    const QString k = QLatin1String(key);
    if (!o.contains(k)) return {};
    if (!o.value(k).isString()) return at({k}, QStringLiteral("\"%1\" must be a string").arg(k));
    *out = o.value(k).toString();
    return {};
  };
  for (const auto& [key, out] : {std::pair<const char*, QString*>{"name", &spec.name},
                                 {"description", &spec.description},
                                 {"recipe", &spec.recipe},
                                 {"select", &spec.selectMetric}}) {
    if (Status s = string(key, out); !s) return s.error();
  }
  if (spec.name.trimmed().isEmpty()) return at({QStringLiteral("name")}, QStringLiteral("\"name\" is empty"));
  if (o.contains(QLatin1String("select")) && !validationMetric(spec.selectMetric))
    return at({QStringLiteral("select")},
              QStringLiteral("\"select\" must be a validation metric val/{hr,ndcg,mrr}@{5,10,20} "
                             "(got '%1'); test metrics never choose")
                  .arg(spec.selectMetric));
  spec.baseLine = keyLine(bytes, {QStringLiteral("base")});
  spec.recipeLine = keyLine(bytes, {QStringLiteral("recipe")});
  spec.datasetsLine = keyLine(bytes, {QStringLiteral("datasets")});
  spec.axesLine = keyLine(bytes, {QStringLiteral("axes")});
  spec.seedsLine = keyLine(bytes, {QStringLiteral("seeds")});
  spec.pointsLine = keyLine(bytes, {QStringLiteral("points")});
  spec.testDataLine = keyLine(bytes, {QStringLiteral("test_data")});

  // base: TrainConfig keys, each checked on its own so that the error has its line.
  if (o.contains(QLatin1String("base"))) {
    if (!o.value(QLatin1String("base")).isObject())
      return at({QStringLiteral("base")}, QStringLiteral("\"base\" must be an object of config keys"));
    spec.base = o.value(QLatin1String("base")).toObject();
    for (auto it = spec.base.begin(); it != spec.base.end(); ++it) {
      const QStringList where = {QStringLiteral("base"), it.key()};
      QString why;
      if (it.key() != QLatin1String("seed") && reservedKey(it.key(), &why))
        return at(where, QStringLiteral("base: '%1' is set by the sweep: %2").arg(it.key(), why));
      if (!isConfigKey(it.key()))
        return at(where, QStringLiteral("base: unknown config key '%1'").arg(it.key()));
      auto one = TrainConfig::fromJson(QJsonObject{{it.key(), it.value()}});
      if (!one.ok()) return at(where, QStringLiteral("base: %1").arg(one.error().cause));
    }
  }

  // points: a non-empty array of objects of config keys.
  if (o.contains(QLatin1String("points"))) {
    const QJsonValue v = o.value(QLatin1String("points"));
    const QStringList where = {QStringLiteral("points")};
    if (!v.isArray()) return at(where, QStringLiteral("\"points\" must be an array of objects of config keys"));
    int n = 0;
    for (const QJsonValue& p : v.toArray()) {
      ++n;
      if (!p.isObject() || p.toObject().isEmpty())
        return at(where, QStringLiteral("point %1 must be a non-empty object of config keys").arg(n));
      const QJsonObject point = p.toObject();
      for (auto it = point.begin(); it != point.end(); ++it) {
        QString why;
        if (reservedKey(it.key(), &why))
          return at(where, QStringLiteral("point %1: '%2' is set by the sweep: %3").arg(n).arg(it.key(), why));
        if (!isConfigKey(it.key()))
          return at(where, QStringLiteral("point %1: unknown config key '%2'").arg(n).arg(it.key()));
        auto one = TrainConfig::fromJson(QJsonObject{{it.key(), it.value()}});
        if (!one.ok()) return at(where, QStringLiteral("point %1: %2").arg(n).arg(one.error().cause));
      }
      if (std::find(spec.points.begin(), spec.points.end(), point) == spec.points.end()) spec.points.push_back(point);
    }
    if (spec.points.empty()) return at(where, QStringLiteral("\"points\" is empty"));
  }

  // datasets: a string or a non-empty array of strings.
  {
    const QJsonValue v = o.value(QLatin1String("datasets"));
    const QStringList where = {QStringLiteral("datasets")};
    if (v.isUndefined()) return at({}, QStringLiteral("missing \"datasets\" (the dataset files to train on)"));
    if (v.isString()) {
      spec.datasets << v.toString();
    } else if (v.isArray()) {
      for (const QJsonValue& d : v.toArray()) {
        if (!d.isString() || d.toString().isEmpty())
          return at(where, QStringLiteral("\"datasets\" must list file paths as strings"));
        spec.datasets << d.toString();
      }
    } else {
      return at(where, QStringLiteral("\"datasets\" must be a path or an array of paths"));
    }
    if (spec.datasets.isEmpty()) return at(where, QStringLiteral("\"datasets\" is empty"));
  }

  // test_data: one path.
  if (o.contains(QLatin1String("test_data"))) {
    const QJsonValue v = o.value(QLatin1String("test_data"));
    if (!v.isString() || v.toString().trimmed().isEmpty())
      return at({QStringLiteral("test_data")},
                QStringLiteral("\"test_data\" must be the path of a dataset whose test targets every "
                               "run is also evaluated on"));
    spec.testData = v.toString();
  }

  // seeds: non-empty array of non-negative integers.
  if (o.contains(QLatin1String("seeds"))) {
    const QJsonValue v = o.value(QLatin1String("seeds"));
    const QStringList where = {QStringLiteral("seeds")};
    if (!v.isArray()) return at(where, QStringLiteral("\"seeds\" must be an array of integers"));
    for (const QJsonValue& s : v.toArray()) {
      uint64_t seed = 0;
      if (!nonNegativeInteger(s, &seed))
        return at(where, QStringLiteral("\"seeds\" must hold non-negative integers (got %1)").arg(scalarText(s)));
      if (std::find(spec.seeds.begin(), spec.seeds.end(), seed) == spec.seeds.end())
        spec.seeds.push_back(seed);
    }
    if (spec.seeds.empty()) return at(where, QStringLiteral("\"seeds\" is empty"));
  }

  // search, trials, sample_seed.
  if (o.contains(QLatin1String("search"))) {
    const QString s = o.value(QLatin1String("search")).toString();
    if (s == QLatin1String("grid")) spec.search = SweepSearch::Grid;
    else if (s == QLatin1String("random")) spec.search = SweepSearch::Random;
    else return at({QStringLiteral("search")}, QStringLiteral("\"search\" must be \"grid\" or \"random\""));
  }
  if (o.contains(QLatin1String("trials"))) {
    uint64_t n = 0;
    if (!nonNegativeInteger(o.value(QLatin1String("trials")), &n) || n == 0 || n > 100000)
      return at({QStringLiteral("trials")}, QStringLiteral("\"trials\" must be an integer in 1..100000"));
    spec.trials = int(n);
  }
  if (spec.search == SweepSearch::Random && spec.trials == 0)
    return at({QStringLiteral("search")}, QStringLiteral("a random search needs \"trials\": N"));
  if (spec.search == SweepSearch::Grid && o.contains(QLatin1String("trials")))
    return at({QStringLiteral("trials")}, QStringLiteral("\"trials\" applies to \"search\": \"random\" only"));
  if (o.contains(QLatin1String("sample_seed")) &&
      !nonNegativeInteger(o.value(QLatin1String("sample_seed")), &spec.sampleSeed))
    return at({QStringLiteral("sample_seed")}, QStringLiteral("\"sample_seed\" must be a non-negative integer"));

  // axes: {"key": [values...]} or {"key": {"uniform"|"log_uniform": [lo, hi], "count": N}}.
  if (o.contains(QLatin1String("axes"))) {
    const QJsonValue v = o.value(QLatin1String("axes"));
    if (!v.isObject()) return at({QStringLiteral("axes")}, QStringLiteral("\"axes\" must be an object {\"key\": values}"));
    const QJsonObject axes = v.toObject();
    for (auto it = axes.begin(); it != axes.end(); ++it) {
      const QString key = it.key();
      const QStringList where = {QStringLiteral("axes"), key};
      SweepAxis axis;
      axis.key = key;
      axis.line = std::max<qint64>(1, keyLine(bytes, where));
      auto fail = [&](const QString& cause) {
        return Error::at(path, axis.line, QStringLiteral("axis '%1': %2").arg(key, cause));
      };
      QString why;
      if (reservedKey(key, &why)) return fail(why);
      if (!isConfigKey(key)) return fail(QStringLiteral("unknown config key"));
      QJsonValue values = it.value();
      if (it.value().isObject()) {
        const QJsonObject r = it.value().toObject();
        static const QStringList allowed = {QStringLiteral("values"), QStringLiteral("uniform"),
                                            QStringLiteral("log_uniform"), QStringLiteral("count")};
        for (auto f = r.begin(); f != r.end(); ++f)
          if (!allowed.contains(f.key()))
            return Error::at(path, std::max<qint64>(1, keyLine(bytes, where + QStringList{f.key()})),
                             QStringLiteral("axis '%1': unknown field '%2' (expected values, uniform, "
                                            "log_uniform, count)")
                                 .arg(key, f.key()));
        const int forms = int(r.contains(QLatin1String("values"))) +
                          int(r.contains(QLatin1String("uniform"))) +
                          int(r.contains(QLatin1String("log_uniform")));
        if (forms != 1) return fail(QStringLiteral("give exactly one of values, uniform, log_uniform"));
        if (r.contains(QLatin1String("values"))) {
          values = r.value(QLatin1String("values"));
        } else {
          const bool log = r.contains(QLatin1String("log_uniform"));
          axis.kind = log ? SweepAxis::Kind::LogUniform : SweepAxis::Kind::Uniform;
          const QJsonArray range = r.value(log ? QLatin1String("log_uniform") : QLatin1String("uniform")).toArray();
          if (range.size() != 2 || !range[0].isDouble() || !range[1].isDouble())
            return fail(QStringLiteral("a range is [low, high] with two numbers"));
          axis.low = range[0].toDouble();
          axis.high = range[1].toDouble();
          if (!std::isfinite(axis.low) || !std::isfinite(axis.high) || axis.low > axis.high)
            return fail(QStringLiteral("a range needs finite low <= high"));
          if (log && axis.low <= 0) return fail(QStringLiteral("a log-uniform range needs low > 0"));
          axis.integer = integerKey(key);
          for (double edge : {axis.low, axis.high}) {
            const QJsonValue e = axis.integer ? QJsonValue(double(std::llround(edge))) : QJsonValue(edge);
            auto one = TrainConfig::fromJson(QJsonObject{{key, e}});
            if (!one.ok()) return fail(one.error().cause);
          }
          if (r.contains(QLatin1String("count"))) {
            uint64_t n = 0;
            if (!nonNegativeInteger(r.value(QLatin1String("count")), &n) || n > 10000)
              return fail(QStringLiteral("\"count\" must be an integer in 0..10000"));
            axis.count = int(n);
          } else if (spec.search == SweepSearch::Grid) {
            return fail(QStringLiteral("a range in a grid search needs \"count\": N samples"));
          }
          if (spec.search == SweepSearch::Grid && axis.count == 0)
            return fail(QStringLiteral("empty: \"count\" is 0"));
          spec.axes.push_back(axis);
          continue;
        }
      }
      if (!values.isArray())
        return fail(QStringLiteral("must be an array of values or a range object"));
      if (values.toArray().isEmpty()) return fail(QStringLiteral("empty: give at least one value"));
      for (const QJsonValue& value : values.toArray()) {
        if (value.isArray() || value.isObject() || value.isNull())
          return fail(QStringLiteral("values must be numbers, strings or true/false"));
        auto one = TrainConfig::fromJson(QJsonObject{{key, value}});
        if (!one.ok()) return fail(one.error().cause);
        bool duplicate = false;
        for (const QJsonValue& seen : std::as_const(axis.values)) duplicate = duplicate || seen == value;
        if (!duplicate) axis.values.append(value);
      }
      spec.axes.push_back(axis);
    }
  }
  return spec;
}

Expected<SweepPlan> planSweep(const SweepSpec& spec, const RecipeResolver& recipes) {
  SweepPlan plan;
  plan.specPath = spec.path;
  plan.name = spec.name;
  plan.selectMetric = spec.selectMetric;
  for (const SweepAxis& a : spec.axes) plan.axisKeys << a.key;

  QJsonObject base;
  if (!spec.recipe.isEmpty()) {
    // Default: the built-in recipes (resources/recipes/), or a recipe file when the name ends
    // in ".json" (relative to the spec).
    const RecipeResolver builtin = [&spec](const QString& name) -> Expected<QJsonObject> {
      const QString ref = name.endsWith(QLatin1String(".json"))
                              ? QFileInfo(spec.path).absoluteDir().absoluteFilePath(name)
                              : name;
      auto r = findRecipe(ref);
      if (!r.ok()) return r.error();
      return r.value().configJson;
    };
    auto r = (recipes ? recipes : builtin)(spec.recipe);
    if (!r.ok())
      return Error::at(spec.path, spec.recipeLine,
                       QStringLiteral("recipe '%1': %2").arg(spec.recipe, r.error().message()));
    base = r.value();
  }
  for (auto it = spec.base.begin(); it != spec.base.end(); ++it) base.insert(it.key(), it.value());

  // The points of the search.
  std::mt19937_64 g(spec.sampleSeed);
  std::vector<QJsonObject> points;
  if (spec.search == SweepSearch::Grid) {
    points = spec.points.empty() ? std::vector<QJsonObject>(1) : spec.points;
    for (const SweepAxis& axis : spec.axes) {
      std::vector<QJsonValue> values;
      if (axis.kind == SweepAxis::Kind::Values) {
        for (const QJsonValue& v : axis.values) values.push_back(v);
      } else {
        for (int i = 0; i < axis.count; ++i) {
          const QJsonValue v = sample(axis, g);
          if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
        }
        std::sort(values.begin(), values.end(), lessValue);
      }
      std::vector<QJsonObject> next;
      for (const QJsonObject& p : points) {
        for (const QJsonValue& v : values) {
          QJsonObject q = p;
          q.insert(axis.key, v);
          next.push_back(q);
        }
      }
      points.swap(next);
    }
  } else {
    for (int t = 0; t < spec.trials; ++t) {
      // A random trial draws one of the points (if any) like a value axis.
      QJsonObject p;
      if (!spec.points.empty()) {
        SweepAxis pick;
        for (const QJsonObject& q : spec.points) pick.values.append(q);
        p = sample(pick, g).toObject();
      }
      for (const SweepAxis& axis : spec.axes) p.insert(axis.key, sample(axis, g));
      points.push_back(p);
    }
  }

  const QDir specDir = QFileInfo(spec.path).absoluteDir();
  std::set<QString> ids;
  for (const QString& dataset : spec.datasets) {
    const QString dataPath = QDir::cleanPath(specDir.absoluteFilePath(dataset));
    for (const QJsonObject& point : points) {
      QJsonObject json = base;
      for (auto it = point.begin(); it != point.end(); ++it) json.insert(it.key(), it.value());
      std::vector<uint64_t> seeds = spec.seeds;
      if (seeds.empty()) {
        auto c = TrainConfig::fromJson(json);
        seeds.push_back(c.ok() ? c.value().seed : TrainConfig().seed);
      }
      for (uint64_t seed : seeds) {
        json.insert(QStringLiteral("seed"), QString::number(seed));
        json.insert(QStringLiteral("data_path"), dataPath);
        QStringList label;
        for (auto it = point.begin(); it != point.end(); ++it)
          label << QStringLiteral("%1=%2").arg(it.key(), scalarText(it.value()));
        label << QStringLiteral("seed=%1").arg(seed);
        auto where = [&](const QString& cause) {
          const qint64 line = !spec.axes.empty() ? spec.axesLine : !spec.points.empty() ? spec.pointsLine : spec.baseLine;
          return Error::at(spec.path, line, QStringLiteral("run %1 (%2): %3")
                                                .arg(plan.runs.size() + 1)
                                                .arg(label.join(QLatin1Char(' ')), cause));
        };
        auto config = TrainConfig::fromJson(json);
        if (!config.ok()) return where(config.error().cause);
        if (Status s = config.value().validate(); !s) return where(s.error().cause);
        PlannedRun run;
        run.id = sweepRunId(dataset, config.value());
        if (!ids.insert(run.id).second) continue;  // random search drew the same point twice
        run.index = int(plan.runs.size());
        run.dataset = dataset;
        run.dataPath = dataPath;
        if (!spec.testData.isEmpty())
          run.testDataPath = QDir::cleanPath(specDir.absoluteFilePath(spec.testData));
        run.config = config.value();
        run.point = point;
        if (spec.datasets.size() > 1) label.prepend(QFileInfo(dataset).completeBaseName());
        run.name = spec.name + QLatin1Char(' ') + label.join(QLatin1Char(' '));
        plan.runs.push_back(std::move(run));
      }
    }
  }
  return plan;
}

}  // namespace irl4rec::train
