#include "core/train/recipes.h"

#include "core/train/config_fields.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>

// The recipes are compiled into this static library (resources/recipes/recipes.qrc); a static
// library's resource initialiser is only linked when something refers to it.
static void initRecipeResources() { Q_INIT_RESOURCE(recipes); }

namespace irl4rec::train {
namespace {

const QStringList kTopLevelKeys = {
    QStringLiteral("name"),     QStringLiteral("version"),   QStringLiteral("title"),
    QStringLiteral("order"),    QStringLiteral("description"), QStringLiteral("source"),
    QStringLiteral("dataset"),  QStringLiteral("protocol"),  QStringLiteral("published"),
    QStringLiteral("settings_from_source"), QStringLiteral("settings_guessed"),
    QStringLiteral("config"),   QStringLiteral("published_curves")};
const QStringList kCurveKeys = {QStringLiteral("dataset"), QStringLiteral("key"), QStringLiteral("label"),
                                QStringLiteral("epochs"),  QStringLiteral("mean"), QStringLiteral("std")};
const QStringList kSourceKeys = {QStringLiteral("citation"), QStringLiteral("repository"),
                                 QStringLiteral("folder")};

/// For messages: the settings every configuration writes.
QString someConfigKeys() { return TrainConfig().toJson().keys().join(QStringLiteral(", ")); }

qint64 lineAtOffset(const QByteArray& text, qint64 offset) {
  return 1 + text.left(std::clamp<qint64>(offset, 0, text.size())).count('\n');
}

/// Byte offset of `"key"` used as an object key (followed by ':'), searching from `from`; -1 if absent.
qint64 keyOffset(const QByteArray& text, const QString& key, qint64 from = 0) {
  const QByteArray quoted = '"' + key.toUtf8() + '"';
  for (qint64 at = text.indexOf(quoted, from); at >= 0; at = text.indexOf(quoted, at + 1)) {
    qint64 i = at + quoted.size();
    while (i < text.size() && QChar::isSpace(uchar(text[i]))) ++i;
    if (i < text.size() && text[i] == ':') return at;
  }
  return -1;
}

/// Builds errors that point at the line of a key.
struct Locator {
  const QByteArray& text;
  const QString& path;

  Error at(const QString& key, const QString& cause, qint64 from = 0) const {
    const qint64 offset = keyOffset(text, key, from);
    return Error::at(path, offset < 0 ? 0 : lineAtOffset(text, offset), cause);
  }
  Error inConfig(const QString& key, const QString& cause) const {
    return at(key, cause, std::max<qint64>(0, keyOffset(text, QStringLiteral("config"))));
  }
};

QString metricLabel(const QString& key) {
  static const QRegularExpression re(QStringLiteral("^(hr|ndcg|mrr)(\\d+)$"));
  const auto m = re.match(key);
  if (!m.hasMatch()) return key;
  const QString kind = m.captured(1) == QLatin1String("hr") ? QStringLiteral("HR")
                       : m.captured(1) == QLatin1String("ndcg") ? QStringLiteral("NDCG")
                                                                : QStringLiteral("MRR");
  return kind + QLatin1Char('@') + m.captured(2);
}

Expected<QStringList> stringList(const QJsonObject& o, const QString& key, const Locator& loc) {
  QStringList out;
  if (!o.contains(key)) return out;
  if (!o.value(key).isArray()) return loc.at(key, QStringLiteral("'%1' must be a list of config keys").arg(key));
  for (const QJsonValue& v : o.value(key).toArray()) {
    if (!v.isString() || !isConfigKey(v.toString()))
      return loc.at(key, QStringLiteral("'%1' holds '%2', which is not a config key (e.g. %3)")
                             .arg(key, v.isString() ? v.toString() : QStringLiteral("a non-string"),
                                  someConfigKeys()));
    out << v.toString();
  }
  return out;
}

/// The config keys whose own value makes `c` fail validation: with that key reset to its
/// default the rest validates. The first such key in file order is blamed.
QString blameKey(const QJsonObject& config, const QByteArray& text, qint64 configOffset) {
  QList<QPair<qint64, QString>> keys;
  for (const QString& k : config.keys()) keys.append({keyOffset(text, k, configOffset), k});
  std::sort(keys.begin(), keys.end());
  for (const auto& [offset, key] : keys) {
    QJsonObject without = config;
    without.remove(key);
    auto c = TrainConfig::fromJson(without);
    if (c.ok() && c.value().validate().ok()) return key;
  }
  return QString();
}

/// Offset of the `index`-th (0-based) '{' after `from`: where the index-th curve of a list of
/// flat objects starts (a curve holds arrays, never objects).
qint64 objectOffset(const QByteArray& text, qint64 from, int index) {
  qint64 at = from;
  for (int i = 0; i <= index && at >= 0; ++i) at = text.indexOf('{', at + 1);
  return at < 0 ? from : at;
}

Expected<QList<PublishedCurve>> parseCurves(const QJsonObject& o, const QByteArray& text, const Locator& loc) {
  QList<PublishedCurve> out;
  const QString listKey = QStringLiteral("published_curves");
  if (!o.contains(listKey)) return out;
  if (!o.value(listKey).isArray())
    return loc.at(listKey, QStringLiteral("'published_curves' must be a list of curves"));
  static const QRegularExpression keyRe(
      QStringLiteral("^((val|test)/(hr|ndcg|mrr)@\\d+|train/epoch_loss)$"));
  const qint64 listOffset = keyOffset(text, listKey);
  const QJsonArray list = o.value(listKey).toArray();
  for (int i = 0; i < list.size(); ++i) {
    const qint64 from = objectOffset(text, listOffset, i);
    auto fail = [&](const QString& key, const QString& cause) {
      return loc.at(key, QStringLiteral("published curve %1: %2").arg(i + 1).arg(cause), from);
    };
    if (!list[i].isObject())
      return loc.at(listKey, QStringLiteral("published curve %1 must be an object").arg(i + 1));
    const QJsonObject c = list[i].toObject();
    for (const QString& key : c.keys())
      if (!kCurveKeys.contains(key))
        return fail(key, QStringLiteral("unknown key '%1' (known: %2)").arg(key, kCurveKeys.join(QStringLiteral(", "))));
    PublishedCurve curve;
    for (const auto& [key, out] : {std::pair<QString, QString*>{QStringLiteral("dataset"), &curve.dataset},
                                   {QStringLiteral("key"), &curve.key},
                                   {QStringLiteral("label"), &curve.label}}) {
      if (!c.value(key).isString() || c.value(key).toString().trimmed().isEmpty())
        return c.contains(key) ? fail(key, QStringLiteral("'%1' must be a non-empty string").arg(key))
                               : loc.at(listKey, QStringLiteral("published curve %1 needs '%2'").arg(i + 1).arg(key));
      *out = c.value(key).toString();
    }
    if (!keyRe.match(curve.key).hasMatch())
      return fail(QStringLiteral("key"),
                  QStringLiteral("'%1' is not a curve key (val/ndcg@10, val/hr@10, test/..., train/epoch_loss)").arg(curve.key));
    auto numbers = [&](const QString& key, QVector<double>& values, bool required) -> Status {
      if (!c.contains(key)) {
        if (required) return loc.at(listKey, QStringLiteral("published curve %1 needs '%2'").arg(i + 1).arg(key));
        return Status();
      }
      if (!c.value(key).isArray() || c.value(key).toArray().isEmpty())
        return fail(key, QStringLiteral("'%1' must be a non-empty list of numbers").arg(key));
      for (const QJsonValue& v : c.value(key).toArray()) {
        if (!v.isDouble() || !std::isfinite(v.toDouble()))
          return fail(key, QStringLiteral("'%1' must hold finite numbers only").arg(key));
        values << v.toDouble();
      }
      return Status();
    };
    if (Status s = numbers(QStringLiteral("epochs"), curve.epochs, true); !s) return s.error();
    if (Status s = numbers(QStringLiteral("mean"), curve.mean, true); !s) return s.error();
    if (Status s = numbers(QStringLiteral("std"), curve.std, false); !s) return s.error();
    for (int k = 0; k < curve.epochs.size(); ++k) {
      const double e = curve.epochs[k];
      if (e < 1 || e != std::floor(e) || (k > 0 && e <= curve.epochs[k - 1]))
        return fail(QStringLiteral("epochs"), QStringLiteral("epochs must be whole numbers >= 1, increasing (%1 at position %2)")
                                                  .arg(e).arg(k + 1));
    }
    if (curve.mean.size() != curve.epochs.size())
      return fail(QStringLiteral("mean"), QStringLiteral("'mean' has %1 values for %2 epochs")
                                              .arg(curve.mean.size()).arg(curve.epochs.size()));
    if (!curve.std.isEmpty() && curve.std.size() != curve.epochs.size())
      return fail(QStringLiteral("std"), QStringLiteral("'std' has %1 values for %2 epochs")
                                             .arg(curve.std.size()).arg(curve.epochs.size()));
    for (double v : curve.std)
      if (v < 0) return fail(QStringLiteral("std"), QStringLiteral("'std' must not be negative"));
    out << curve;
  }
  return out;
}

}  // namespace

QString PublishedResult::summary() const {
  QStringList parts;
  for (const auto& [key, value] : metrics)
    parts << QStringLiteral("%1 %2").arg(metricLabel(key)).arg(value, 0, 'f', 4);
  QString s = QStringLiteral("%1: %2").arg(dataset, parts.join(QStringLiteral(", ")));
  if (!note.isEmpty()) s += QStringLiteral(" (%1)").arg(note);
  return s;
}

QString Recipe::sourceLine() const {
  QString s = citation;
  QStringList where;
  if (!repository.isEmpty()) where << repository;
  if (!folder.isEmpty()) where << folder;
  if (!where.isEmpty()) s += QStringLiteral(" — ") + where.join(QStringLiteral(", "));
  return s;
}

QString Recipe::tooltip() const {
  auto esc = [](const QString& s) { return s.toHtmlEscaped(); };
  QString html = QStringLiteral("<b>%1</b> <small>(%2, version %3)</small>")
                     .arg(esc(title), esc(name))
                     .arg(version);
  html += QStringLiteral("<br><b>Source:</b> %1").arg(esc(sourceLine()));
  html += QStringLiteral("<br><b>Dataset:</b> %1").arg(esc(dataset));
  html += QStringLiteral("<br><b>Protocol:</b> %1").arg(esc(protocol));
  for (const PublishedResult& p : published)
    html += QStringLiteral("<br><b>Reported</b> %1").arg(esc(p.summary()));
  if (!fromSource.isEmpty())
    html += QStringLiteral("<br><b>From the source:</b> %1").arg(esc(fromSource.join(QStringLiteral(", "))));
  for (const PublishedCurve& c : curves)
    html += QStringLiteral("<br><b>Curve</b> %1 (%2, %3 points; Compare can draw it)")
                .arg(esc(c.label), esc(c.key))
                .arg(c.epochs.size());
  if (!guessed.isEmpty())
    html += QStringLiteral("<br><b>Our guess:</b> %1").arg(esc(guessed.join(QStringLiteral(", "))));
  if (!description.isEmpty()) html += QStringLiteral("<p>%1</p>").arg(esc(description));
  return html;
}

QJsonObject Recipe::toJson() const {
  QJsonObject o;
  o[QStringLiteral("name")] = name;
  o[QStringLiteral("version")] = version;
  o[QStringLiteral("title")] = title;
  o[QStringLiteral("order")] = order;
  o[QStringLiteral("description")] = description;
  QJsonObject source;
  source[QStringLiteral("citation")] = citation;
  if (!repository.isEmpty()) source[QStringLiteral("repository")] = repository;
  if (!folder.isEmpty()) source[QStringLiteral("folder")] = folder;
  o[QStringLiteral("source")] = source;
  o[QStringLiteral("dataset")] = dataset;
  o[QStringLiteral("protocol")] = protocol;
  QJsonObject pub;
  for (const PublishedResult& p : published) {
    QJsonObject m;
    for (const auto& [key, value] : p.metrics) m[key] = value;
    if (!p.note.isEmpty()) m[QStringLiteral("note")] = p.note;
    pub[p.dataset] = m;
  }
  o[QStringLiteral("published")] = pub;
  if (!curves.isEmpty()) {
    QJsonArray list;
    auto array = [](const QVector<double>& v) {
      QJsonArray a;
      for (double x : v) a.append(x);
      return a;
    };
    for (const PublishedCurve& c : curves) {
      QJsonObject j;
      j[QStringLiteral("dataset")] = c.dataset;
      j[QStringLiteral("key")] = c.key;
      j[QStringLiteral("label")] = c.label;
      j[QStringLiteral("epochs")] = array(c.epochs);
      j[QStringLiteral("mean")] = array(c.mean);
      if (!c.std.isEmpty()) j[QStringLiteral("std")] = array(c.std);
      list.append(j);
    }
    o[QStringLiteral("published_curves")] = list;
  }
  o[QStringLiteral("settings_from_source")] = QJsonArray::fromStringList(fromSource);
  o[QStringLiteral("settings_guessed")] = QJsonArray::fromStringList(guessed);
  o[QStringLiteral("config")] = configJson;
  o[QStringLiteral("effective_config")] = config.toJson();
  o[QStringLiteral("path")] = path;
  return o;
}

Expected<Recipe> parseRecipe(const QByteArray& text, const QString& path) {
  const Locator loc{text, path};
  QJsonParseError parseError;
  const QJsonDocument doc = QJsonDocument::fromJson(text, &parseError);
  if (parseError.error != QJsonParseError::NoError)
    return Error::at(path, lineAtOffset(text, parseError.offset),
                     QStringLiteral("not valid JSON: %1").arg(parseError.errorString()));
  if (!doc.isObject()) return Error::at(path, 1, QStringLiteral("a recipe is a JSON object"));
  const QJsonObject o = doc.object();
  for (const QString& key : o.keys())
    if (!kTopLevelKeys.contains(key))
      return loc.at(key, QStringLiteral("unknown recipe key '%1' (known: %2)")
                             .arg(key, kTopLevelKeys.join(QStringLiteral(", "))));

  Recipe r;
  r.path = path;
  auto requireString = [&](const QString& key, QString& out, bool required) -> Status {
    if (!o.contains(key)) {
      if (required) return Error::at(path, 0, QStringLiteral("missing recipe key '%1'").arg(key));
      return Status();
    }
    if (!o.value(key).isString() || (required && o.value(key).toString().trimmed().isEmpty()))
      return loc.at(key, QStringLiteral("'%1' must be a non-empty string").arg(key));
    out = o.value(key).toString();
    return Status();
  };
  for (const auto& [key, out, required] :
       {std::tuple<QString, QString*, bool>{QStringLiteral("name"), &r.name, true},
        {QStringLiteral("title"), &r.title, true},
        {QStringLiteral("dataset"), &r.dataset, true},
        {QStringLiteral("protocol"), &r.protocol, true},
        {QStringLiteral("description"), &r.description, false}}) {
    if (Status s = requireString(key, *out, required); !s) return s.error();
  }
  static const QRegularExpression nameRe(QStringLiteral("^[a-z0-9][a-z0-9.-]*$"));
  if (!nameRe.match(r.name).hasMatch())
    return loc.at(QStringLiteral("name"), QStringLiteral("name '%1' must be lower-case letters, digits, '.' and '-'").arg(r.name));
  const QString base = QFileInfo(path).completeBaseName();
  if (r.name != base)
    return loc.at(QStringLiteral("name"), QStringLiteral("name '%1' must match the file name '%2.json'").arg(r.name, base));

  auto integer = [&](const QString& key, int& out, bool required, int minimum) -> Status {
    if (!o.contains(key)) {
      if (required) return Error::at(path, 0, QStringLiteral("missing recipe key '%1'").arg(key));
      return Status();
    }
    const QJsonValue v = o.value(key);
    if (!v.isDouble() || v.toDouble() != std::floor(v.toDouble()) || v.toDouble() < minimum ||
        v.toDouble() > 1e9)
      return loc.at(key, QStringLiteral("'%1' must be an integer >= %2").arg(key).arg(minimum));
    out = int(v.toDouble());
    return Status();
  };
  if (Status s = integer(QStringLiteral("version"), r.version, true, 1); !s) return s.error();
  if (Status s = integer(QStringLiteral("order"), r.order, false, 0); !s) return s.error();

  // source
  if (!o.value(QStringLiteral("source")).isObject())
    return o.contains(QStringLiteral("source"))
               ? loc.at(QStringLiteral("source"), QStringLiteral("'source' must be an object with a citation"))
               : Error::at(path, 0, QStringLiteral("missing recipe key 'source'"));
  {
    const qint64 from = keyOffset(text, QStringLiteral("source"));
    const QJsonObject source = o.value(QStringLiteral("source")).toObject();
    for (const QString& key : source.keys()) {
      if (!kSourceKeys.contains(key))
        return loc.at(key, QStringLiteral("unknown source key '%1' (known: %2)").arg(key, kSourceKeys.join(QStringLiteral(", "))), from);
      if (!source.value(key).isString())
        return loc.at(key, QStringLiteral("source '%1' must be a string").arg(key), from);
    }
    r.citation = source.value(QStringLiteral("citation")).toString();
    r.repository = source.value(QStringLiteral("repository")).toString();
    r.folder = source.value(QStringLiteral("folder")).toString();
    if (r.citation.trimmed().isEmpty())
      return loc.at(QStringLiteral("source"), QStringLiteral("source needs a non-empty 'citation'"));
  }

  // published figures
  if (!o.value(QStringLiteral("published")).isObject())
    return o.contains(QStringLiteral("published"))
               ? loc.at(QStringLiteral("published"), QStringLiteral("'published' must be an object: dataset -> {metric: value}"))
               : Error::at(path, 0, QStringLiteral("missing recipe key 'published'"));
  {
    const qint64 from = keyOffset(text, QStringLiteral("published"));
    static const QRegularExpression metricRe(QStringLiteral("^(hr|ndcg|mrr)\\d+$"));
    const QJsonObject pub = o.value(QStringLiteral("published")).toObject();
    for (const QString& dataset : pub.keys()) {
      if (!pub.value(dataset).isObject())
        return loc.at(dataset, QStringLiteral("published '%1' must be an object of metrics").arg(dataset), from);
      const qint64 inner = keyOffset(text, dataset, from);
      PublishedResult p;
      p.dataset = dataset;
      const QJsonObject m = pub.value(dataset).toObject();
      for (const QString& key : m.keys()) {
        if (key == QLatin1String("note")) {
          if (!m.value(key).isString()) return loc.at(key, QStringLiteral("published note must be a string"), inner);
          p.note = m.value(key).toString();
          continue;
        }
        const QJsonValue v = m.value(key);
        if (!metricRe.match(key).hasMatch())
          return loc.at(key, QStringLiteral("unknown published metric '%1' (hr10, ndcg10, mrr10, hr20, ...; or 'note')").arg(key), inner);
        if (!v.isDouble() || v.toDouble() < 0 || v.toDouble() > 1)
          return loc.at(key, QStringLiteral("published %1 must be a number in [0, 1]").arg(key), inner);
        p.metrics.append({key, v.toDouble()});
      }
      r.published.append(p);
    }
  }

  auto from = stringList(o, QStringLiteral("settings_from_source"), loc);
  if (!from) return from.error();
  r.fromSource = from.value();
  auto guessed = stringList(o, QStringLiteral("settings_guessed"), loc);
  if (!guessed) return guessed.error();
  r.guessed = guessed.value();
  auto curves = parseCurves(o, text, loc);
  if (!curves) return curves.error();
  r.curves = curves.value();

  // config: TrainConfig keys only, values that parse and validate
  if (!o.value(QStringLiteral("config")).isObject())
    return o.contains(QStringLiteral("config"))
               ? loc.at(QStringLiteral("config"), QStringLiteral("'config' must be an object of training settings"))
               : Error::at(path, 0, QStringLiteral("missing recipe key 'config'"));
  r.configJson = o.value(QStringLiteral("config")).toObject();
  for (const QString& key : r.configJson.keys())
    if (!isConfigKey(key))
      return loc.inConfig(key, QStringLiteral("unknown config key '%1' (e.g. %2)").arg(key, someConfigKeys()));
  auto config = TrainConfig::fromJson(r.configJson);
  if (!config) {
    static const QRegularExpression quotedKey(QStringLiteral("'([a-z_]+)'"));
    const QString key = quotedKey.match(config.error().cause).captured(1);
    if (r.configJson.contains(key)) return loc.inConfig(key, config.error().cause);
    // Enum parse errors do not name the key: find the key whose value was refused.
    for (const QString& k : r.configJson.keys()) {
      const QJsonValue v = r.configJson.value(k);
      if (v.isString() && config.error().cause.contains(QLatin1Char('\'') + v.toString() + QLatin1Char('\'')))
        return loc.inConfig(k, QStringLiteral("%1: %2").arg(k, config.error().cause));
    }
    return loc.at(QStringLiteral("config"), config.error().cause);
  }
  if (Status s = config.value().validate(); !s) {
    const QString key = blameKey(r.configJson, text, keyOffset(text, QStringLiteral("config")));
    if (key.isEmpty()) return loc.at(QStringLiteral("config"), s.error().cause);
    return loc.inConfig(key, QStringLiteral("%1: %2").arg(key, s.error().cause));
  }
  r.config = config.value();
  return r;
}

Expected<Recipe> loadRecipeFile(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly))
    return Error::at(path, 0, QStringLiteral("cannot read the recipe: %1").arg(file.errorString()));
  return parseRecipe(file.readAll(), path);
}

Expected<QList<Recipe>> loadRecipeDirectory(const QString& dir) {
  const QDir d(dir);
  if (!d.exists()) return Error::at(dir, 0, QStringLiteral("no such recipe directory"));
  QList<Recipe> recipes;
  for (const QString& file : d.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
    auto r = loadRecipeFile(d.filePath(file));
    if (!r) return r.error();
    for (const Recipe& other : recipes)
      if (other.name == r.value().name)
        return Error::at(r.value().path, 0, QStringLiteral("recipe name '%1' also used by %2").arg(other.name, other.path));
    recipes.append(std::move(r.value()));
  }
  std::stable_sort(recipes.begin(), recipes.end(), [](const Recipe& a, const Recipe& b) {
    return a.order != b.order ? a.order < b.order : a.name < b.name;
  });
  return recipes;
}

Expected<QList<Recipe>> builtinRecipes() {
  // Compiled in, so read and checked once per process (the form's preset box and Compare's
  // published curves ask again on every fill); a thread-safe static.
  static const Expected<QList<Recipe>> loaded = [] {
    initRecipeResources();
    return loadRecipeDirectory(QStringLiteral(":/recipes"));
  }();
  return loaded;
}

Expected<Recipe> findRecipe(const QString& nameOrPath) {
  if (nameOrPath.endsWith(QLatin1String(".json"))) return loadRecipeFile(nameOrPath);
  auto all = builtinRecipes();
  if (!all) return all.error();
  QStringList names;
  for (const Recipe& r : all.value()) {
    if (r.name == nameOrPath) return r;
    names << r.name;
  }
  return Error::general(QStringLiteral("unknown recipe '%1' (known: %2; or a path to a recipe .json file)")
                            .arg(nameOrPath, names.join(QStringLiteral(", "))));
}

QList<QPair<QString, PublishedCurve>> publishedCurves(const QString& key) {
  QList<QPair<QString, PublishedCurve>> out;
  auto all = builtinRecipes();
  if (!all) return out;
  for (const Recipe& r : all.value())
    for (const PublishedCurve& c : r.curves)
      if (c.key == key) out.append({r.name, c});
  return out;
}

}  // namespace irl4rec::train
