#include "core/train/ablation_grid.h"

namespace irl4rec::train {
namespace {

bool sameConfig(const TrainConfig& a, const TrainConfig& b) { return a.toJson() == b.toJson(); }

}  // namespace

Expected<AblationGrid> ablationGrid(const TrainConfig& base) {
  if (base.model != ModelKind::Irl4Rec) {
    return Error::general(
        QStringLiteral("the ablation grid starts from an irl4rec configuration (this one is %1)")
            .arg(toString(base.model)));
  }
  if (!base.useConfounder) {
    return Error::general(QStringLiteral(
        "the ablation grid starts from the full model: turn the confounder branch on"));
  }
  if (Status s = base.validate(); !s.ok()) return s.error();

  const TrainConfig defaults;
  TrainConfig baseline = base;
  baseline.model = ModelKind::Baseline;
  baseline.alpha = baseline.beta = baseline.gamma = 0.0;
  baseline.compression = defaults.compression;
  baseline.dependence = defaults.dependence;
  baseline.useConfounder = defaults.useConfounder;
  baseline.reparameterize = defaults.reparameterize;

  TrainConfig gamma0 = base;
  gamma0.gamma = 0.0;
  TrainConfig beta0 = base;
  beta0.beta = 0.0;
  TrainConfig alpha0 = base;
  alpha0.alpha = 0.0;
  TrainConfig noConfounder = base;
  noConfounder.useConfounder = false;
  noConfounder.alpha = 0.0;
  noConfounder.gamma = 0.0;

  const std::vector<AblationVariant> all = {
      {QStringLiteral("baseline"), QStringLiteral("baseline"), baseline},
      {QStringLiteral("full"), QStringLiteral("full"), base},
      {QStringLiteral("gamma0"), QStringLiteral("γ=0"), gamma0},
      {QStringLiteral("beta0"), QStringLiteral("β=0"), beta0},
      {QStringLiteral("alpha0"), QStringLiteral("α=0"), alpha0},
      {QStringLiteral("no-confounder"), QStringLiteral("no confounder"), noConfounder}};

  AblationGrid grid;
  for (const AblationVariant& v : all) {
    const AblationVariant* same = nullptr;
    for (const AblationVariant& kept : grid.variants) {
      if (sameConfig(kept.config, v.config)) same = &kept;
    }
    if (same) {
      grid.notes << QStringLiteral("%1 is the same configuration as %2 here: queued once")
                        .arg(v.label, same->label);
      continue;
    }
    grid.variants.push_back(v);
  }
  return grid;
}

}  // namespace irl4rec::train
