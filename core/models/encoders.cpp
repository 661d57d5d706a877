#include "core/models/encoders.h"

#include "core/models/random.h"

#include <cmath>

namespace irl4rec::models {

TransformerBlockImpl::TransformerBlockImpl(int64_t hidden, int64_t heads, double dropout,
                                           BlockStyle style)
    : hidden_(hidden), heads_(heads), dropout_(dropout), style_(style) {
  TORCH_CHECK(hidden % heads == 0, "heads must divide the hidden size");
  const int64_t inner = style.ffn == FfnKind::ReluD ? hidden : 4 * hidden;
  qkv_ = register_module("qkv", torch::nn::Linear(hidden, 3 * hidden));
  out_ = register_module("out", torch::nn::Linear(hidden, hidden));
  ff1_ = register_module("ff1", torch::nn::Linear(hidden, inner));
  ff2_ = register_module("ff2", torch::nn::Linear(inner, hidden));
  ln1_ = register_module("ln1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden}).eps(1e-12)));
  ln2_ = register_module("ln2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden}).eps(1e-12)));
}

torch::Tensor TransformerBlockImpl::attend(const torch::Tensor& x, const torch::Tensor& q,
                                           const torch::Tensor& k, const torch::Tensor& v,
                                           const torch::Tensor& mask,
                                           const torch::Tensor& padLogCount) {
  // q: [B, h, Tq, dh], k/v: [B, h, T, dh], x: the residual input [B, Tq, d].
  const int64_t B = q.size(0), Tq = q.size(2), T = k.size(2), dh = hidden_ / heads_;
  const double invSqrt = 1.0 / std::sqrt(double(dh));
  auto scores = torch::matmul(q, k.transpose(-1, -2)).mul_(invSqrt);
  scores = scores + mask;
  torch::Tensor ctx;
  if (style_.padKeys && padLogCount.defined()) {
    // The padding keys all equal the key bias and their values the value bias: one extra
    // column whose score counts them (log of their number) stands for all of them.
    auto bk = qkv_->bias.narrow(0, hidden_, hidden_).view({1, heads_, 1, dh});
    auto bv = qkv_->bias.narrow(0, 2 * hidden_, hidden_).view({1, heads_, 1, dh});
    auto sink = (q * bk).sum(-1, /*keepdim=*/true).mul(invSqrt) + padLogCount;  // [B,h,Tq,1]
    auto probs = runDropout(torch::softmax(torch::cat({scores, sink}, -1), -1), dropout_,
                            is_training());
    ctx = torch::matmul(probs.narrow(-1, 0, T), v) + probs.narrow(-1, T, 1) * bv;
  } else {
    auto probs = runDropout(torch::softmax(scores, -1), dropout_, is_training());
    ctx = torch::matmul(probs, v);
  }
  ctx = ctx.transpose(1, 2).reshape({B, Tq, hidden_});
  auto attended = out_->forward(ctx);
  if (style_.norm != NormKind::Kang) attended = runDropout(attended, dropout_, is_training());
  auto feedForward = [&](const torch::Tensor& in) {
    if (style_.ffn == FfnKind::ReluD) {
      auto inner = torch::relu(runDropout(ff1_->forward(in), dropout_, is_training()));
      return runDropout(ff2_->forward(inner), dropout_, is_training());
    }
    if (style_.ffn == FfnKind::Gelu4dDropout) {
      auto inner = runDropout(torch::gelu(ff1_->forward(in)), dropout_, is_training());
      return runDropout(ff2_->forward(inner), dropout_, is_training());
    }
    return runDropout(ff2_->forward(torch::gelu(ff1_->forward(in))), dropout_, is_training());
  };
  switch (style_.norm) {
    case NormKind::Pre: {
      auto h = x + attended;
      return h + feedForward(ln2_->forward(h));
    }
    case NormKind::Kang: {
      auto h = ln2_->forward(x + attended);
      return h + feedForward(h);
    }
    case NormKind::Post: break;
  }
  auto h = ln1_->forward(x + attended);
  return ln2_->forward(h + feedForward(h));
}

torch::Tensor TransformerBlockImpl::forward(const torch::Tensor& x,
                                            const torch::Tensor& additiveMask,
                                            const torch::Tensor& padLogCount) {
  const int64_t B = x.size(0), T = x.size(1), dh = hidden_ / heads_;
  if (style_.norm == NormKind::Kang) {
    // Queries from LN(x), keys and values from x itself.
    auto q = torch::nn::functional::linear(ln1_->forward(x), qkv_->weight.narrow(0, 0, hidden_),
                                           qkv_->bias.narrow(0, 0, hidden_))
                 .view({B, T, heads_, dh})
                 .transpose(1, 2);
    auto kv = torch::nn::functional::linear(x, qkv_->weight.narrow(0, hidden_, 2 * hidden_),
                                            qkv_->bias.narrow(0, hidden_, 2 * hidden_))
                  .view({B, T, 2, heads_, dh})
                  .permute({2, 0, 3, 1, 4});
    return attend(x, q, kv[0], kv[1], additiveMask, padLogCount);
  }
  auto in = style_.norm == NormKind::Pre ? ln1_->forward(x) : x;
  auto qkv = qkv_->forward(in).view({B, T, 3, heads_, dh}).permute({2, 0, 3, 1, 4});
  return attend(x, qkv[0], qkv[1], qkv[2], additiveMask, padLogCount);
}

torch::Tensor TransformerBlockImpl::forwardQueries(const torch::Tensor& x,
                                                   const torch::Tensor& last,
                                                   const torch::Tensor& keyMask,
                                                   const torch::Tensor& padLogCount) {
  const int64_t B = x.size(0), T = x.size(1), dh = hidden_ / heads_;
  auto xq = gatherRows(x, last).unsqueeze(1);  // [B, 1, d], the residual
  const bool pre = style_.norm == NormKind::Pre, kang = style_.norm == NormKind::Kang;
  auto in = pre ? ln1_->forward(x) : x;  // what keys and values read
  auto inq = pre ? gatherRows(in, last).unsqueeze(1) : kang ? ln1_->forward(xq) : xq;
  // Keys and values for every position, the query for one.
  auto wkv = qkv_->weight.narrow(0, hidden_, 2 * hidden_);
  auto bkv = qkv_->bias.narrow(0, hidden_, 2 * hidden_);
  auto kv = torch::nn::functional::linear(in, wkv, bkv).view({B, T, 2, heads_, dh})
                .permute({2, 0, 3, 1, 4});
  auto q = torch::nn::functional::linear(inq, qkv_->weight.narrow(0, 0, hidden_),
                                         qkv_->bias.narrow(0, 0, hidden_))
               .view({B, 1, heads_, dh})
               .transpose(1, 2);
  return attend(xq, q, kv[0], kv[1], keyMask, padLogCount);
}

TransformerEncoderImpl::TransformerEncoderImpl(int64_t hidden, int64_t blocks, int64_t heads,
                                               double dropout, int64_t maxLength, bool causal,
                                               BlockStyle style)
    : maxLength_(maxLength), dropout_(dropout), causal_(causal), style_(style) {
  TORCH_CHECK(hidden > 0 && blocks > 0 && heads > 0 && maxLength > 0, "sizes must be > 0");
  position_ = register_module("position", torch::nn::Embedding(maxLength, hidden));
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden}).eps(1e-12)));
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < blocks; ++i)
    blocks_->push_back(TransformerBlock(hidden, heads, dropout, style));
  if (style.init == InitKind::XavierClamped) {
    initWeightsXavierClamped(*this);
    // nn.MultiheadAttention's in_proj is not an nn.Linear: PyTorch's own Xavier-uniform over
    // the stacked [3d, d] matrix (bound √(6 / (d + 3d))), zero bias, never clamped.
    torch::NoGradGuard noGrad;
    for (auto& block : *blocks_) {
      auto qkv = block->as<TransformerBlock>()->qkvLayer();
      const double bound = std::sqrt(6.0 / double(qkv->weight.size(0) + qkv->weight.size(1)));
      qkv->weight.uniform_(-bound, bound, currentGenerator());
      qkv->bias.zero_();
    }
    return;
  }
  if (style.init != InitKind::Xavier) {
    initWeights(*this);
    return;
  }
  initWeightsXavier(*this);
  // Kang & McAuley's feed-forward is a pair of Conv1d layers left at PyTorch's default init:
  // weights and biases uniform in ±1/√fan_in.
  torch::NoGradGuard noGrad;
  for (auto& block : *blocks_)
    for (auto& layer : block->as<TransformerBlock>()->feedForwardLayers()) {
      const double bound = 1.0 / std::sqrt(double(layer->weight.size(1)));
      layer->weight.uniform_(-bound, bound, currentGenerator());
      layer->bias.uniform_(-bound, bound, currentGenerator());
    }
}

torch::Tensor TransformerEncoderImpl::embed(const torch::Tensor& emb,
                                            const torch::Tensor& lengths) {
  TORCH_CHECK(emb.dim() == 3 && lengths.dim() == 1 && emb.size(0) == lengths.size(0),
              "encoder input must be [B, T, d] with lengths [B]");
  const int64_t T = emb.size(1);
  TORCH_CHECK(T <= maxLength_, "sequence width ", T, " exceeds max_length ", maxLength_);
  const auto idx = torch::arange(T, lengths.options());
  auto pos = ((maxLength_ - lengths).unsqueeze(1) + idx.unsqueeze(0)).clamp_(0, maxLength_ - 1);
  // Post-LN normalises the input; pre-LN (Kang & McAuley) scales the item embeddings by √d
  // instead and normalises after the last block.
  if (style_.norm != NormKind::Post) {
    const double scale = std::sqrt(double(emb.size(2)));
    return runDropout(emb * scale + position_->forward(pos), dropout_, is_training());
  }
  return runDropout(norm_->forward(emb + position_->forward(pos)), dropout_, is_training());
}

torch::Tensor TransformerEncoderImpl::keyPaddingMask(const torch::Tensor& lengths, int64_t T,
                                                     const torch::TensorOptions& opts) const {
  auto pad = torch::arange(T, lengths.options()).unsqueeze(0).ge(lengths.unsqueeze(1));
  return torch::zeros(pad.sizes(), opts).masked_fill_(pad, -1e9).view({-1, 1, 1, T});
}

torch::Tensor TransformerEncoderImpl::padLogCount(const torch::Tensor& lengths,
                                                  const torch::TensorOptions& opts) const {
  if (!style_.padKeys) return {};
  auto pads = (maxLength_ - lengths).clamp_min(0).to(opts.dtype());
  return torch::where(pads.gt(0), pads.log(), torch::full_like(pads, -1e9)).view({-1, 1, 1, 1});
}

torch::Tensor TransformerEncoderImpl::forward(const torch::Tensor& emb,
                                              const torch::Tensor& lengths) {
  auto x = embed(emb, lengths);
  const int64_t T = x.size(1);
  const auto opts = emb.options().requires_grad(false);
  // Right padding: real positions never see later pads, so the causal mask is all we need.
  torch::Tensor mask = causal_ ? torch::full({T, T}, -1e9, opts).triu_(1).view({1, 1, T, T})
                               : keyPaddingMask(lengths, T, opts);
  const auto pads = padLogCount(lengths, opts);
  for (auto& block : *blocks_) x = block->as<TransformerBlock>()->forward(x, mask, pads);
  return style_.norm != NormKind::Post ? norm_->forward(x) : x;
}

torch::Tensor TransformerEncoderImpl::forwardLast(const torch::Tensor& emb,
                                                  const torch::Tensor& lengths) {
  auto x = embed(emb, lengths);
  const int64_t T = x.size(1);
  const auto opts = emb.options().requires_grad(false);
  const auto n = blocks_->size();
  torch::Tensor full = causal_ ? torch::full({T, T}, -1e9, opts).triu_(1).view({1, 1, T, T})
                               : keyPaddingMask(lengths, T, opts);
  const auto pads = padLogCount(lengths, opts);
  for (size_t i = 0; i + 1 < n; ++i)
    x = blocks_[i]->as<TransformerBlock>()->forward(x, full, pads);
  // The last real position may see every real key, causal or not.
  auto last = blocks_[n - 1]
                  ->as<TransformerBlock>()
                  ->forwardQueries(x, lengths - 1, keyPaddingMask(lengths, T, opts), pads)
                  .squeeze(1);
  return style_.norm != NormKind::Post ? norm_->forward(last) : last;
}

SasRecImpl::SasRecImpl(const SasRecOptions& o)
    : TransformerEncoderImpl(o.hidden_size(), o.num_blocks(), o.num_heads(), o.dropout(),
                             o.max_length(), /*causal=*/true, o.style()),
      options(o) {}

Bert4RecImpl::Bert4RecImpl(const Bert4RecOptions& o)
    : TransformerEncoderImpl(o.hidden_size(), o.num_blocks(), o.num_heads(), o.dropout(),
                             o.max_length(), /*causal=*/false, o.style()),
      options(o) {}

Gru4RecImpl::Gru4RecImpl(const Gru4RecOptions& o) : options(o) {
  TORCH_CHECK(o.hidden_size() > 0 && o.num_layers() > 0, "sizes must be > 0");
  gru_ = register_module(
      "gru", torch::nn::GRU(torch::nn::GRUOptions(o.hidden_size(), o.hidden_size())
                                .num_layers(o.num_layers())
                                .batch_first(true)));
  out_ = register_module("out", torch::nn::Linear(o.hidden_size(), o.hidden_size()));
  initWeights(*out_);
  // Re-draw the GRU's default uniform init from the run's generator (determinism).
  torch::NoGradGuard noGrad;
  const double bound = 1.0 / std::sqrt(double(o.hidden_size()));
  for (auto& p : gru_->parameters()) p.uniform_(-bound, bound, currentGenerator());
}

torch::Tensor Gru4RecImpl::forward(const torch::Tensor& emb, const torch::Tensor& lengths) {
  TORCH_CHECK(emb.dim() == 3, "encoder input must be [B, T, d]");
  // Right padding: outputs at real positions never depend on the padding after them.
  auto x = runDropout(emb, options.dropout(), is_training());
  auto h = std::get<0>(gru_->forward(x));
  return out_->forward(h);
}

torch::Tensor gatherRows(const torch::Tensor& x, const torch::Tensor& index) {
  return x.gather(1, index.view({-1, 1, 1}).expand({-1, 1, x.size(2)})).squeeze(1);
}

torch::Tensor SequenceEncoderImpl::forwardLast(const torch::Tensor& emb,
                                               const torch::Tensor& lengths) {
  return gatherRows(forward(emb, lengths), lengths - 1);
}

namespace {
void initOne(torch::nn::Module& m) {
  if (auto* linear = dynamic_cast<torch::nn::LinearImpl*>(&m)) {
    linear->weight.normal_(0.0, 0.02, currentGenerator());
    if (linear->bias.defined()) linear->bias.zero_();
  } else if (auto* embedding = dynamic_cast<torch::nn::EmbeddingImpl*>(&m)) {
    embedding->weight.normal_(0.0, 0.02, currentGenerator());
  } else if (auto* norm = dynamic_cast<torch::nn::LayerNormImpl*>(&m)) {
    norm->weight.fill_(1.0);
    norm->bias.zero_();
  }
}

/// std of Xavier-normal for a [rows, cols] weight: fan_in = cols, fan_out = rows (PyTorch's
/// convention, also for embedding tables).
double xavierStd(const torch::Tensor& w) {
  return std::sqrt(2.0 / double(w.size(0) + w.size(1)));
}

void initOneXavier(torch::nn::Module& m) {
  if (auto* linear = dynamic_cast<torch::nn::LinearImpl*>(&m)) {
    linear->weight.normal_(0.0, xavierStd(linear->weight), currentGenerator());
    if (linear->bias.defined()) linear->bias.zero_();
  } else if (auto* embedding = dynamic_cast<torch::nn::EmbeddingImpl*>(&m)) {
    embedding->weight.normal_(0.0, xavierStd(embedding->weight), currentGenerator());
  } else if (auto* norm = dynamic_cast<torch::nn::LayerNormImpl*>(&m)) {
    norm->weight.fill_(1.0);
    norm->bias.zero_();
  }
}
}  // namespace

void initWeights(torch::nn::Module& module) {
  torch::NoGradGuard noGrad;
  // modules(include_self=true) needs a shared_ptr, which constructors do not have yet.
  initOne(module);
  for (auto& m : module.modules(/*include_self=*/false)) initOne(*m);
}

void initWeightsXavier(torch::nn::Module& module) {
  torch::NoGradGuard noGrad;
  initOneXavier(module);
  for (auto& m : module.modules(/*include_self=*/false)) initOneXavier(*m);
}

void initWeightsXavierClamped(torch::nn::Module& module) {
  torch::NoGradGuard noGrad;
  auto clampOne = [](torch::nn::Module& m) {
    initOneXavier(m);
    if (auto* linear = dynamic_cast<torch::nn::LinearImpl*>(&m)) linear->weight.clamp_(-0.02, 0.02);
    if (auto* embedding = dynamic_cast<torch::nn::EmbeddingImpl*>(&m))
      embedding->weight.clamp_(-0.02, 0.02);
  };
  clampOne(module);
  for (auto& m : module.modules(/*include_self=*/false)) clampOne(*m);
}

}  // namespace irl4rec::models
