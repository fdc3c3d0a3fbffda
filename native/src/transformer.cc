#include "transformer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "blas.h"

namespace mirage {
namespace {

// Per layer, in core/train/native.ts's order.
enum LayerParam { Qk, Qb, Kk, Kb, Vk, Vb, Ok, Ob, N1g, N1b, F1k, F1b, F2k, F2b, N2g, N2b, kLayerParams };

constexpr float kLayerNormEps = 1e-5f;

// seedrandom's alea, step for step in doubles (the file is built with -ffp-contract=off so no product is fused):
//   t = 2091639 s0 + c 2^-32;  s0 = s1;  s1 = s2;  c = trunc(t);  s2 = t - c.
// trunc(t) waits on the previous step's c, a chain of ~18 cycles a number. But c 2^-32 < 2^-11, so unless the
// fraction of p = 2091639 s0 is within 2^-11 of 1, trunc(t) = trunc(p), which does not wait: the same value,
// about three times sooner. The rare other case takes trunc(t) itself.
struct Alea {
  double s0, s1, s2, c;
  explicit Alea(const AleaState& s) : s0(s.s0), s1(s.s1), s2(s.s2), c(s.c) {}
  double next() {
    const double p = 2091639.0 * s0;
    const double t = p + c * 2.3283064365386963e-10;
    double whole = static_cast<double>(static_cast<int32_t>(p));
    if (p - whole >= 1.0 - 1.0 / 2048) whole = static_cast<double>(static_cast<int32_t>(t));
    s0 = s1;
    s1 = s2;
    c = whole;
    s2 = t - c;
    return s2;
  }
};

// Inverted dropout as core/model/layers.ts: keep where float32(u) >= float32(rate), scale kept values by float32(1 / (1 - rate)).
// Two masks at a time: each generator is one dependency chain, and two independent chains keep the core busy.
void drawMasks(const AleaState& seedA, size_t countA, uint8_t* maskA, const AleaState& seedB, size_t countB, uint8_t* maskB, float rate) {
  Alea a(seedA), b(seedB);
  const size_t both = std::min(countA, countB);
  for (size_t i = 0; i < both; i++) {
    maskA[i] = static_cast<float>(a.next()) >= rate ? 1 : 0;
    maskB[i] = static_cast<float>(b.next()) >= rate ? 1 : 0;
  }
  for (size_t i = both; i < countA; i++) maskA[i] = static_cast<float>(a.next()) >= rate ? 1 : 0;
  for (size_t i = both; i < countB; i++) maskB[i] = static_cast<float>(b.next()) >= rate ? 1 : 0;
}

void applyMask(const float* in, const uint8_t* mask, float scale, size_t count, float* out) {
  for (size_t i = 0; i < count; i++) out[i] = in[i] * (mask[i] ? scale : 0.0f);
}

// out [n, outDim] = in [n, inDim] W [inDim, outDim] + b.
void linear(const float* in, int n, int inDim, const float* w, const float* b, int outDim, float* out) {
  for (int r = 0; r < n; r++) std::memcpy(out + static_cast<size_t>(r) * outDim, b, sizeof(float) * outDim);
  sgemm(false, false, n, outDim, inDim, 1.0f, in, inDim, w, outDim, 1.0f, out, outDim);
}

// Gradients of linear: dW = in^T dOut, db = column sums of dOut, and (if dIn) dIn (+)= dOut W^T.
void linearBackward(const float* in, int n, int inDim, const float* w, int outDim, const float* dOut, float* dW, float* dB,
                    float* dIn, bool accumulate) {
  sgemm(true, false, inDim, outDim, n, 1.0f, in, inDim, dOut, outDim, 0.0f, dW, outDim);
  std::fill(dB, dB + outDim, 0.0f);
  for (int r = 0; r < n; r++) {
    const float* row = dOut + static_cast<size_t>(r) * outDim;
    for (int j = 0; j < outDim; j++) dB[j] += row[j];
  }
  if (dIn) sgemm(false, true, n, inDim, outDim, 1.0f, dOut, outDim, w, outDim, accumulate ? 1.0f : 0.0f, dIn, inDim);
}

// y = gamma * (x - mean) / sqrt(var + eps) + beta per row; keeps xhat and 1 / sqrt(var + eps).
void layerNorm(const float* x, int n, int dim, const float* gamma, const float* beta, float* xhat, float* rstd, float* y) {
  for (int r = 0; r < n; r++) {
    const float* xr = x + static_cast<size_t>(r) * dim;
    double sum = 0;
    for (int j = 0; j < dim; j++) sum += xr[j];
    const float mean = static_cast<float>(sum / dim);
    double sq = 0;
    for (int j = 0; j < dim; j++) {
      const float c = xr[j] - mean;
      sq += static_cast<double>(c) * c;
    }
    const float inv = 1.0f / std::sqrt(static_cast<float>(sq / dim) + kLayerNormEps);
    rstd[r] = inv;
    float* hr = xhat + static_cast<size_t>(r) * dim;
    float* yr = y + static_cast<size_t>(r) * dim;
    for (int j = 0; j < dim; j++) {
      hr[j] = (xr[j] - mean) * inv;
      yr[j] = hr[j] * gamma[j] + beta[j];
    }
  }
}

// dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * gamma; dGamma, dBeta summed over rows.
void layerNormBackward(const float* dy, const float* xhat, const float* rstd, int n, int dim, const float* gamma, float* dGamma,
                       float* dBeta, float* dx) {
  std::fill(dGamma, dGamma + dim, 0.0f);
  std::fill(dBeta, dBeta + dim, 0.0f);
  for (int r = 0; r < n; r++) {
    const float* dyr = dy + static_cast<size_t>(r) * dim;
    const float* hr = xhat + static_cast<size_t>(r) * dim;
    float* dxr = dx + static_cast<size_t>(r) * dim;
    double sumG = 0, sumGh = 0;
    for (int j = 0; j < dim; j++) {
      dGamma[j] += dyr[j] * hr[j];
      dBeta[j] += dyr[j];
      const float g = dyr[j] * gamma[j];
      sumG += g;
      sumGh += static_cast<double>(g) * hr[j];
    }
    const float meanG = static_cast<float>(sumG / dim);
    const float meanGh = static_cast<float>(sumGh / dim);
    for (int j = 0; j < dim; j++) dxr[j] = rstd[r] * (dyr[j] * gamma[j] - meanG - hr[j] * meanGh);
  }
}

void softmaxRows(float* x, int rows, int cols) {
  for (int r = 0; r < rows; r++) {
    float* xr = x + static_cast<size_t>(r) * cols;
    float max = xr[0];
    for (int j = 1; j < cols; j++) max = std::max(max, xr[j]);
    float sum = 0.0f;
    for (int j = 0; j < cols; j++) {
      xr[j] = std::exp(xr[j] - max);
      sum += xr[j];
    }
    const float inv = 1.0f / sum;
    for (int j = 0; j < cols; j++) xr[j] *= inv;
  }
}

// Loss over n values and its gradient with respect to each prediction, as core/train/supervised.ts's lossTensor.
double lossAndGradient(Loss loss, const float* p, const float* y, size_t n, float huberDelta, float* grad) {
  double total = 0;
  const double inv = 1.0 / static_cast<double>(n);
  for (size_t i = 0; i < n; i++) {
    const double z = p[i];
    const double e = z - y[i];
    double g = 0;
    switch (loss) {
      case Loss::Mse:
        total += e * e;
        g = 2 * e;
        break;
      case Loss::L1:
        total += std::fabs(e);
        g = (e > 0) - (e < 0);
        break;
      case Loss::Huber: {
        const double a = std::fabs(e);
        const double q = std::min(a, static_cast<double>(huberDelta));
        total += 0.5 * q * q + huberDelta * (a - q);
        g = a <= huberDelta ? e : huberDelta * ((e > 0) - (e < 0));
        break;
      }
      case Loss::Bce: {
        // relu(z) - z y + log1p(exp(-|z|)), and its derivative piece by piece (as tfjs differentiates it).
        const double ex = std::exp(-std::fabs(z));
        total += std::max(z, 0.0) - z * y[i] + std::log1p(ex);
        g = (z > 0 ? 1.0 : 0.0) - y[i] - ((z > 0) - (z < 0)) * ex / (1 + ex);
        break;
      }
    }
    grad[i] = static_cast<float>(g * inv);
  }
  return total * inv;
}

template <typename T>
void ensure(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

}  // namespace

void uniforms(const AleaState& seed, size_t count, float* out) {
  Alea alea(seed);
  for (size_t i = 0; i < count; i++) out[i] = static_cast<float>(alea.next());
}

TransformerStep::TransformerStep(const TransformerDims& dims) : d_(dims) {
  if (d_.tokens <= 0 || d_.tokenWidth <= 0 || d_.dModel <= 0 || d_.heads <= 0 || d_.ffDim <= 0 || d_.layers < 0 || d_.outputs <= 0)
    throw std::invalid_argument("every dimension of the transformer must be positive");
  if (d_.dModel % d_.heads != 0) throw std::invalid_argument("dModel is not a multiple of heads");
  const size_t T = d_.tokens, D = d_.dModel, F = d_.ffDim;
  sizes_ = {static_cast<size_t>(d_.tokenWidth) * D, D};
  if (d_.positional) sizes_.push_back(T * D);
  for (int l = 0; l < d_.layers; l++) {
    for (int p = 0; p < 4; p++) {
      sizes_.push_back(D * D);
      sizes_.push_back(D);
    }
    sizes_.insert(sizes_.end(), {D, D, D * F, F, F * D, D, D, D});
  }
  const size_t pooled = d_.flatten ? T * D : D;
  decoder_ = sizes_.size();
  sizes_.push_back(pooled * d_.outputs);
  sizes_.push_back(d_.outputs);
  firstLayer_ = d_.positional ? 3 : 2;
  keepScale_ = static_cast<float>(1.0 / (1.0 - static_cast<double>(d_.dropout)));
  attentionScale_ = static_cast<float>(1.0 / std::sqrt(static_cast<double>(D / d_.heads)));
  layers_.resize(d_.layers);
}

void TransformerStep::forward(const std::vector<const float*>& params, const float* x, int batch, const AleaState* seeds) {
  const int T = d_.tokens, D = d_.dModel, F = d_.ffDim, H = d_.heads, hd = D / H;
  const int n = batch * T;
  const size_t nd = static_cast<size_t>(n) * D;
  const float rate = d_.dropout;
  const bool drop = seeds != nullptr && rate > 0;
  const float scale = keepScale_;
  dropped_ = drop;
  const float* position = d_.positional ? params[2] : nullptr;

  std::vector<float>* current = d_.layers > 0 ? &layers_[0].input : &top_;
  ensure(*current, nd);
  linear(x, n, d_.tokenWidth, params[0], params[1], D, current->data());
  if (position) {
    for (int r = 0; r < n; r++) {
      float* row = current->data() + static_cast<size_t>(r) * D;
      const float* pos = position + static_cast<size_t>(r % T) * D;
      for (int j = 0; j < D; j++) row[j] += pos[j];
    }
  }

  for (int l = 0; l < d_.layers; l++) {
    LayerCache& c = layers_[l];
    const float* const* p = &params[firstLayer_ + static_cast<size_t>(l) * kLayerParams];
    const size_t scores = static_cast<size_t>(batch) * H * T * T;
    for (auto* v : {&c.q, &c.k, &c.v, &c.context, &c.xhat1, &c.x1, &c.xhat2}) ensure(*v, nd);
    ensure(c.probs, scores);
    ensure(c.rstd1, n);
    ensure(c.rstd2, n);
    ensure(c.pre, static_cast<size_t>(n) * F);
    ensure(c.hidden, static_cast<size_t>(n) * F);
    const float* in = c.input.data();
    const size_t nf = static_cast<size_t>(n) * F;
    if (drop) {
      for (auto* m : {&c.maskAttended, &c.maskOut}) ensure(*m, nd);
      ensure(c.maskAttention, scores);
      ensure(c.maskHidden, nf);
      drawMasks(seeds[l * 4 + 1], nd, c.maskAttended.data(), seeds[l * 4 + 3], nd, c.maskOut.data(), rate);
      drawMasks(seeds[l * 4 + 0], scores, c.maskAttention.data(), seeds[l * 4 + 2], nf, c.maskHidden.data(), rate);
    }
    linear(in, n, D, p[Qk], p[Qb], D, c.q.data());
    linear(in, n, D, p[Kk], p[Kb], D, c.k.data());
    linear(in, n, D, p[Vk], p[Vb], D, c.v.data());

    // Scores and softmax per (sample, head), batch-major as the tfjs network's [B * heads, T, T].
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < H; h++) {
        const size_t rows = static_cast<size_t>(b) * T * D + static_cast<size_t>(h) * hd;
        float* s = c.probs.data() + (static_cast<size_t>(b) * H + h) * T * T;
        sgemm(false, true, T, T, hd, attentionScale_, c.q.data() + rows, D, c.k.data() + rows, D, 0.0f, s, T);
        softmaxRows(s, T, T);
      }
    }
    const float* weights = c.probs.data();
    if (drop) {
      ensure(c.dropped, scores);
      applyMask(c.probs.data(), c.maskAttention.data(), scale, scores, c.dropped.data());
      weights = c.dropped.data();
    }
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < H; h++) {
        const size_t rows = static_cast<size_t>(b) * T * D + static_cast<size_t>(h) * hd;
        const float* w = weights + (static_cast<size_t>(b) * H + h) * T * T;
        sgemm(false, false, T, hd, T, 1.0f, w, T, c.v.data() + rows, D, 0.0f, c.context.data() + rows, D);
      }
    }

    // x1 = norm1(x + drop(out(context))); the residual sum goes through x1's buffer.
    std::vector<float>& residual = c.x1;
    linear(c.context.data(), n, D, p[Ok], p[Ob], D, residual.data());
    if (drop) {
      applyMask(residual.data(), c.maskAttended.data(), scale, nd, residual.data());
    }
    for (size_t i = 0; i < nd; i++) residual[i] += in[i];
    layerNorm(residual.data(), n, D, p[N1g], p[N1b], c.xhat1.data(), c.rstd1.data(), c.x1.data());

    // hidden = drop(relu(ff1(x1))); x2 = norm2(x1 + drop(ff2(hidden))).
    linear(c.x1.data(), n, D, p[F1k], p[F1b], F, c.pre.data());
    for (size_t i = 0; i < nf; i++) c.hidden[i] = c.pre[i] > 0 ? c.pre[i] : 0.0f;
    if (drop) {
      applyMask(c.hidden.data(), c.maskHidden.data(), scale, nf, c.hidden.data());
    }
    std::vector<float>* next = l + 1 < d_.layers ? &layers_[l + 1].input : &top_;
    ensure(*next, nd);
    linear(c.hidden.data(), n, F, p[F2k], p[F2b], D, next->data());
    if (drop) {
      applyMask(next->data(), c.maskOut.data(), scale, nd, next->data());
    }
    for (size_t i = 0; i < nd; i++) (*next)[i] += c.x1[i];
    layerNorm(next->data(), n, D, p[N2g], p[N2b], c.xhat2.data(), c.rstd2.data(), next->data());
  }

  // Head: flatten ([B, T * D], the buffer as it is) or mean over tokens ([B, D]).
  const float* pooled = top_.data();
  int pooledWidth = T * D;
  if (!d_.flatten) {
    pooledWidth = D;
    ensure(pooled_, static_cast<size_t>(batch) * D);
    for (int b = 0; b < batch; b++) {
      float* out = pooled_.data() + static_cast<size_t>(b) * D;
      std::fill(out, out + D, 0.0f);
      for (int t = 0; t < T; t++) {
        const float* row = top_.data() + (static_cast<size_t>(b) * T + t) * D;
        for (int j = 0; j < D; j++) out[j] += row[j];
      }
      for (int j = 0; j < D; j++) out[j] /= static_cast<float>(T);
    }
    pooled = pooled_.data();
  }
  ensure(out_, static_cast<size_t>(batch) * d_.outputs);
  linear(pooled, batch, pooledWidth, params[decoder_], params[decoder_ + 1], d_.outputs, out_.data());
}

void TransformerStep::predict(const std::vector<const float*>& params, const float* x, int batch, float* out) {
  forward(params, x, batch, nullptr);
  std::memcpy(out, out_.data(), sizeof(float) * static_cast<size_t>(batch) * d_.outputs);
}

double TransformerStep::step(const std::vector<const float*>& params, const std::vector<float*>& grads, const float* x, const float* y,
                             int batch, Loss lossKind, float huberDelta, const AleaState* seeds) {
  forward(params, x, batch, seeds);
  const int T = d_.tokens, D = d_.dModel, F = d_.ffDim, H = d_.heads, hd = D / H, K = d_.outputs;
  const int n = batch * T;
  const size_t nd = static_cast<size_t>(n) * D;
  const size_t nf = static_cast<size_t>(n) * F;
  const bool drop = dropped_;
  const float scale = keepScale_;

  ensure(dOut_, static_cast<size_t>(batch) * K);
  const double loss = lossAndGradient(lossKind, out_.data(), y, static_cast<size_t>(batch) * K, huberDelta, dOut_.data());

  // Head.
  ensure(dX_, nd);
  if (d_.flatten) {
    linearBackward(top_.data(), batch, T * D, params[decoder_], K, dOut_.data(), grads[decoder_], grads[decoder_ + 1], dX_.data(), false);
  } else {
    ensure(dPooled_, static_cast<size_t>(batch) * D);
    linearBackward(pooled_.data(), batch, D, params[decoder_], K, dOut_.data(), grads[decoder_], grads[decoder_ + 1], dPooled_.data(), false);
    for (int r = 0; r < n; r++) {
      const float* src = dPooled_.data() + static_cast<size_t>(r / T) * D;
      float* dst = dX_.data() + static_cast<size_t>(r) * D;
      for (int j = 0; j < D; j++) dst[j] = src[j] / static_cast<float>(T);
    }
  }

  for (auto* v : {&dX1_, &dR_, &dA_, &dCtx_, &dQ_, &dK_, &dV_, &dFo_}) ensure(*v, nd);
  ensure(dPre_, nf);
  ensure(dHidden_, nf);
  for (int l = d_.layers - 1; l >= 0; l--) {
    LayerCache& c = layers_[l];
    const float* const* p = &params[firstLayer_ + static_cast<size_t>(l) * kLayerParams];
    float* const* g = &grads[firstLayer_ + static_cast<size_t>(l) * kLayerParams];

    // x2 = norm2(x1 + drop(ff2(hidden))).
    layerNormBackward(dX_.data(), c.xhat2.data(), c.rstd2.data(), n, D, p[N2g], g[N2g], g[N2b], dR_.data());
    std::memcpy(dX1_.data(), dR_.data(), sizeof(float) * nd);
    if (drop) applyMask(dR_.data(), c.maskOut.data(), scale, nd, dFo_.data());
    const float* dFo = drop ? dFo_.data() : dR_.data();
    linearBackward(c.hidden.data(), n, F, p[F2k], D, dFo, g[F2k], g[F2b], dHidden_.data(), false);
    for (size_t i = 0; i < nf; i++) {
      const float dh = drop ? dHidden_[i] * (c.maskHidden[i] ? scale : 0.0f) : dHidden_[i];
      dPre_[i] = c.pre[i] > 0 ? dh : 0.0f;
    }
    linearBackward(c.x1.data(), n, D, p[F1k], F, dPre_.data(), g[F1k], g[F1b], dX1_.data(), true);

    // x1 = norm1(x + drop(out(context))).
    layerNormBackward(dX1_.data(), c.xhat1.data(), c.rstd1.data(), n, D, p[N1g], g[N1g], g[N1b], dR_.data());
    // dR_ is now the gradient at the layer's input through the residual; dX_ takes it below.
    if (drop) applyMask(dR_.data(), c.maskAttended.data(), scale, nd, dA_.data());
    const float* dA = drop ? dA_.data() : dR_.data();
    linearBackward(c.context.data(), n, D, p[Ok], D, dA, g[Ok], g[Ob], dCtx_.data(), false);

    const float* weights = drop ? c.dropped.data() : c.probs.data();
    ensure(dProbs_, static_cast<size_t>(T) * T);
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < H; h++) {
        const size_t rows = static_cast<size_t>(b) * T * D + static_cast<size_t>(h) * hd;
        const size_t block = (static_cast<size_t>(b) * H + h) * T * T;
        const float* probs = c.probs.data() + block;
        // dV = weights^T dContext; dWeights = dContext V^T.
        sgemm(true, false, T, hd, T, 1.0f, weights + block, T, dCtx_.data() + rows, D, 0.0f, dV_.data() + rows, D);
        float* dP = dProbs_.data();
        sgemm(false, true, T, T, hd, 1.0f, dCtx_.data() + rows, D, c.v.data() + rows, D, 0.0f, dP, T);
        for (int i = 0; i < T; i++) {
          float* dr = dP + static_cast<size_t>(i) * T;
          const float* pr = probs + static_cast<size_t>(i) * T;
          if (drop) {
            const uint8_t* mr = c.maskAttention.data() + block + static_cast<size_t>(i) * T;
            for (int j = 0; j < T; j++) dr[j] = mr[j] ? dr[j] * scale : 0.0f;
          }
          float dot = 0.0f;
          for (int j = 0; j < T; j++) dot += dr[j] * pr[j];
          for (int j = 0; j < T; j++) dr[j] = pr[j] * (dr[j] - dot);
        }
        // scores = scale * Q K^T: dQ = scale * dS K, dK = scale * dS^T Q.
        sgemm(false, false, T, hd, T, attentionScale_, dP, T, c.k.data() + rows, D, 0.0f, dQ_.data() + rows, D);
        sgemm(true, false, T, hd, T, attentionScale_, dP, T, c.q.data() + rows, D, 0.0f, dK_.data() + rows, D);
      }
    }
    std::memcpy(dX_.data(), dR_.data(), sizeof(float) * nd);
    const float* in = c.input.data();
    linearBackward(in, n, D, p[Qk], D, dQ_.data(), g[Qk], g[Qb], dX_.data(), true);
    linearBackward(in, n, D, p[Kk], D, dK_.data(), g[Kk], g[Kb], dX_.data(), true);
    linearBackward(in, n, D, p[Vk], D, dV_.data(), g[Vk], g[Vb], dX_.data(), true);
  }

  // Embedding (and position): dX_ is the gradient at the embedded tokens.
  linearBackward(x, n, d_.tokenWidth, params[0], D, dX_.data(), grads[0], grads[1], nullptr, false);
  if (d_.positional) {
    float* dPos = grads[2];
    std::fill(dPos, dPos + static_cast<size_t>(T) * D, 0.0f);
    for (int r = 0; r < n; r++) {
      const float* row = dX_.data() + static_cast<size_t>(r) * D;
      float* out = dPos + static_cast<size_t>(r % T) * D;
      for (int j = 0; j < D; j++) out[j] += row[j];
    }
  }
  return loss;
}

}  // namespace mirage
