// One training step (forward, loss, backward) of the transformer regressor of
// core/model/networks.ts, written out by hand so that a step is a few dozen
// GEMMs and fused loops instead of hundreds of framework kernels.
//
// The arithmetic follows core/model/layers.ts op for op (post-norm encoder
// layers, PyTorch's defaults), and the dropout masks are drawn with the same
// generator and seeds as tf.randomUniform there (alea, row-major), so a step
// here and a step of the stock tfjs back end give the same numbers up to
// float rounding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mirage {

struct TransformerDims {
  int tokens;      // seqLen / patchLen
  int tokenWidth;  // patchLen * inFeatures
  int dModel;
  int heads;
  int ffDim;
  int layers;
  bool positional;
  bool flatten;  // head: flatten (true) or mean over tokens
  int outputs;   // values per row
  float dropout;
};

enum class Loss { Mse = 0, L1 = 1, Huber = 2, Bce = 3 };

// The state of one alea generator (seedrandom), as the seed's Mash leaves it.
struct AleaState {
  double s0, s1, s2, c;
};

// The first `count` uniforms of a generator, as float32 (what tf.randomUniform stores): for tests of the masks.
void uniforms(const AleaState& seed, size_t count, float* out);

class TransformerStep {
 public:
  explicit TransformerStep(const TransformerDims& dims);

  // Number of parameter tensors and the size of each, in the canonical order.
  const std::vector<size_t>& paramSizes() const { return sizes_; }
  size_t layerCount() const { return static_cast<size_t>(d_.layers); }
  size_t tokens() const { return static_cast<size_t>(d_.tokens); }
  size_t outputs() const { return static_cast<size_t>(d_.outputs); }

  // Forward, loss and backward over `batch` rows. x: [batch, tokens * tokenWidth]; y: [batch, outputs];
  // seeds: 4 per layer (attention weights, attention output, feed-forward hidden, feed-forward output),
  // or null for no dropout. Writes every gradient; returns the loss (a mean over batch x outputs).
  double step(const std::vector<const float*>& params, const std::vector<float*>& grads, const float* x, const float* y,
              int batch, Loss loss, float huberDelta, const AleaState* seeds);

  // Inference: out [batch, outputs].
  void predict(const std::vector<const float*>& params, const float* x, int batch, float* out);

 private:
  struct LayerCache {
    std::vector<float> input, q, k, v, probs, dropped, context, xhat1, rstd1, x1, pre, hidden, xhat2, rstd2;
    std::vector<uint8_t> maskAttention, maskAttended, maskHidden, maskOut;
  };

  void forward(const std::vector<const float*>& params, const float* x, int batch, const AleaState* seeds);

  TransformerDims d_;
  std::vector<size_t> sizes_;
  // Derived from the dimensions once: where layer 0's and the decoder's parameters start, dropout's scale of the
  // kept values, the attention scores' 1 / sqrt(head width).
  size_t firstLayer_, decoder_;
  float keepScale_, attentionScale_;
  // Whether the last forward pass drew dropout masks (the backward pass applies the same ones).
  bool dropped_ = false;
  std::vector<LayerCache> layers_;
  std::vector<float> top_, out_;
  // Backward scratch.
  std::vector<float> dX_, dX1_, dR_, dA_, dCtx_, dQ_, dK_, dV_, dPre_, dHidden_, dFo_, dProbs_, dOut_, dPooled_, pooled_;
};

}  // namespace mirage
