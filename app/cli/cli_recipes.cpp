// irl4rec recipes list | show NAME: the named training configurations shipped in the binary.
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/train/recipes.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace irl4rec::cli {

namespace {

const char* const kRecipesUsage =
    "usage:\n"
    "  irl4rec recipes list [--json]          every shipped recipe: name, version, title, numbers\n"
    "  irl4rec recipes show NAME|FILE [--json] one recipe: source, protocol, published numbers,\n"
    "                                         which settings are the source's, its config\n"
    "Train one with: irl4rec train --recipe NAME --data PATH [flags that override it]\n";

QString json(const QJsonObject& o) {
  return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented));
}

}  // namespace

int runRecipes(const QStringList& args) {
  if (args.isEmpty() || args.contains(QLatin1String("--help")) || args.contains(QLatin1String("-h"))) {
    out(QString::fromUtf8(kRecipesUsage));
    return args.isEmpty() ? kExitBadInput : kExitOk;
  }
  const QString sub = args.first();
  const Flags f = parseFlags(args.mid(1), {}, {QStringLiteral("--json")}, /*positional=*/true);
  if (!f.error.isEmpty()) return badInput(QStringLiteral("recipes: %1").arg(f.error));

  if (sub == QLatin1String("list")) {
    if (!f.positional.isEmpty()) return badInput(QStringLiteral("recipes list: takes no arguments"));
    auto recipes = train::builtinRecipes();
    if (!recipes) return badInput(recipes.error());
    if (f.on("--json")) {
      QJsonArray array;
      for (const train::Recipe& r : recipes.value()) array.append(r.toJson());
      out(QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact)) + QLatin1Char('\n'));
      return kExitOk;
    }
    for (const train::Recipe& r : recipes.value()) {
      out(QStringLiteral("%1  (v%2)  %3\n").arg(r.name).arg(r.version).arg(r.title));
      out(QStringLiteral("    source: %1\n").arg(r.sourceLine()));
      for (const train::PublishedResult& p : r.published) out(QStringLiteral("    %1\n").arg(p.summary()));
    }
    return kExitOk;
  }
  if (sub == QLatin1String("show")) {
    if (f.positional.size() != 1) return badInput(QStringLiteral("recipes show: give one recipe NAME or FILE"));
    auto recipe = train::findRecipe(f.positional.first());
    if (!recipe) return badInput(recipe.error());
    const train::Recipe& r = recipe.value();
    if (f.on("--json")) {
      out(QString::fromUtf8(QJsonDocument(r.toJson()).toJson(QJsonDocument::Compact)) + QLatin1Char('\n'));
      return kExitOk;
    }
    QString text = QStringLiteral("%1 (version %2): %3\n").arg(r.name).arg(r.version).arg(r.title);
    text += QStringLiteral("source:   %1\n").arg(r.sourceLine());
    text += QStringLiteral("dataset:  %1\nprotocol: %2\n").arg(r.dataset, r.protocol);
    for (const train::PublishedResult& p : r.published) text += QStringLiteral("reported: %1\n").arg(p.summary());
    text += QStringLiteral("from the source: %1\n").arg(r.fromSource.join(QStringLiteral(", ")));
    text += QStringLiteral("our guess:       %1\n").arg(r.guessed.isEmpty() ? QStringLiteral("(none)")
                                                                          : r.guessed.join(QStringLiteral(", ")));
    text += QStringLiteral("\n%1\n\nconfig (unset keys keep the defaults of irl4rec train):\n%2")
                .arg(r.description, json(r.configJson));
    out(text);
    return kExitOk;
  }
  return badInput(QStringLiteral("recipes: unknown sub-command '%1' (list or show)").arg(sub));
}

}  // namespace irl4rec::cli
