#pragma once
/// The configuration tests and GUI benchmarks train with: an Irl4Rec SASRec (hidden 16, one
/// block, sampled CE with 32 negatives) that trains in a second or two on
/// datasets/synthetic/iid.txt on the shared 2-core machine.

#include "core/train/train_config.h"

namespace irl4rec::testing {

inline train::TrainConfig tinyConfig(int epochs) {
  train::TrainConfig c;
  c.model = train::ModelKind::Irl4Rec;
  c.encoder = train::EncoderKind::SasRec;
  c.loss = train::LossKind::SampledCe;
  c.negatives = 32;
  c.alpha = 0.1;
  c.beta = 0.01;
  c.gamma = 0.1;
  c.hiddenSize = 16;
  c.layers = 1;
  c.heads = 1;
  c.maxLength = 20;
  c.batchSize = 256;
  c.epochs = epochs;
  c.patience = 0;
  c.threads = 1;
  return c;
}

}  // namespace irl4rec::testing
