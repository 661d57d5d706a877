#pragma once
/// Recipes: named, versioned, citable training configurations (DESIGN.md §1 "Evaluation":
/// baselines come from named recipes that state their source and the numbers they reproduce).
///
/// A recipe is one JSON file, `resources/recipes/NAME.json`, compiled into the binary under
/// `:/recipes/`. Changing a recipe is a JSON edit and a rebuild; no C++ changes. Format:
///
///     {
///       "name": "xu2024-sasrec-ce",          // = the file's base name; [a-z0-9-]+
///       "version": 1,                         // bump when the config changes
///       "title": "SASRec, full CE (Xu et al. 2024)",
///       "order": 20,                          // optional: place in lists (low first)
///       "description": "...",                 // which settings are the source's, which ours
///       "source": {"citation": "...", "repository": "...", "folder": "..."},
///       "dataset": "Beauty (S3-Rec 5-core)",
///       "protocol": "leave-one-out, full ranking, ...",
///       "published": {"Beauty": {"hr10": 0.0986, "ndcg10": 0.0597, "note": "5-seed mean"}},
///       "settings_from_source": ["loss", "hidden_size", ...],
///       "settings_guessed": ["patience", ...],
///       "config": { TrainConfig keys as written by TrainConfig::toJson() },
///       "published_curves": [                 // optional: curves from the source's logs
///         {"dataset": "Beauty", "key": "val/ndcg@10", "label": "Xu et al. 2024, 5 seeds",
///          "epochs": [5, 10, ...], "mean": [...], "std": [...]}   // std optional
///       ]
///     }
///
/// Unknown keys, wrong types and configurations that do not validate are an Error naming the
/// file and the line of the offending key. Qt Core only.

#include "core/common/error.h"
#include "core/train/train_config.h"

#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QVector>

namespace irl4rec::train {

/// Figures a source reports for one dataset: metric key ("hr10", "ndcg10", "mrr10", ...) and value.
struct PublishedResult {
  QString dataset;
  QList<QPair<QString, double>> metrics;  ///< in key order
  QString note;                           ///< e.g. "mean of 5 seeds, test"

  /// "Beauty: HR@10 0.0986, NDCG@10 0.0597 (mean of 5 seeds)"
  QString summary() const;
};

/// A curve the source published (e.g. the mean over its logs' seeds), drawn as a reference
/// beside one's own runs in Compare. `key` is a workbench metric key ("val/ndcg@10",
/// "val/hr@10", "train/epoch_loss"); epochs increase strictly; std is empty or as long as mean.
struct PublishedCurve {
  QString dataset;
  QString key;
  QString label;  ///< legend text, e.g. "Xu et al. 2024 (log), mean of 5 seeds"
  QVector<double> epochs;
  QVector<double> mean;
  QVector<double> std;
};

struct Recipe {
  QString name;         ///< what `--recipe` and the GUI's preset box take
  int version = 0;
  QString title;        ///< human-readable, shown in the preset box
  int order = 1000;     ///< lists are sorted by (order, name)
  QString description;
  QString citation;     ///< source.citation
  QString repository;   ///< source.repository
  QString folder;       ///< source.folder (inside the repository)
  QString dataset;
  QString protocol;
  QList<PublishedResult> published;
  QList<PublishedCurve> curves;  ///< "published_curves"
  QStringList fromSource;  ///< config keys whose values are the source's
  QStringList guessed;     ///< config keys whose values are our guess
  QJsonObject configJson;  ///< the recipe's "config" object as written
  TrainConfig config;      ///< TrainConfig defaults overlaid with configJson (validated)
  QString path;            ///< file it was read from (":/recipes/NAME.json" for built-ins)

  /// "citation — repository, folder"
  QString sourceLine() const;
  /// Rich-text tooltip: title, version, source, dataset, protocol, published figures, which
  /// settings are the source's and which are guessed, the description.
  QString tooltip() const;
  /// Everything above as JSON (for `irl4rec recipes show --json`).
  QJsonObject toJson() const;
};

/// Parses and validates one recipe; `path` names it in errors (and must be NAME.json).
Expected<Recipe> parseRecipe(const QByteArray& text, const QString& path);
Expected<Recipe> loadRecipeFile(const QString& path);
/// Every *.json file in `dir` (a directory or a resource path such as ":/recipes"), sorted by
/// (order, name). The first bad file, or two recipes with one name, is an Error.
Expected<QList<Recipe>> loadRecipeDirectory(const QString& dir);
/// The recipes compiled into the binary (resources/recipes/), parsed on the first call.
Expected<QList<Recipe>> builtinRecipes();
/// The built-in recipes' published curves of metric `key` as (recipe name, curve) pairs, in
/// recipe order; empty when none (or the built-ins fail to load).
QList<QPair<QString, PublishedCurve>> publishedCurves(const QString& key);
/// A built-in recipe by name, or — when `nameOrPath` ends in ".json" — the recipe file there.
/// An unknown name is an Error listing the known ones.
Expected<Recipe> findRecipe(const QString& nameOrPath);

}  // namespace irl4rec::train
