// The N-API surface of the native training step (core/train/native.ts is its
// only caller). N-API keeps one binary working in Node and Electron alike.
//
//   blas() -> string                     the BLAS in use, or "built-in"
//   setThreads(n)                        threads the BLAS may use
//   useBuiltinGemm(on)                   products on the built-in loop even where a BLAS is loaded
//   uniforms(state Float64Array(4), out Float32Array)   a dropout generator's uniforms (tests)
//   create(dims Int32Array(9), dropout) -> handle
//   paramSizes(handle) -> number[]
//   step(handle, params Float32Array[], grads Float32Array[], x, y, batch, loss, huberDelta, seeds Float64Array | null) -> loss
//   predict(handle, params Float32Array[], x, batch, out Float32Array)
//
// Every size is checked here, so a wrong call throws a JavaScript error
// instead of reading or writing out of bounds.
#include <node_api.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "blas.h"
#include "transformer.h"

namespace {

using mirage::AleaState;
using mirage::Loss;
using mirage::TransformerDims;
using mirage::TransformerStep;

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check(napi_env env, napi_status status, const char* what) {
  if (status == napi_ok) return;
  const napi_extended_error_info* info = nullptr;
  napi_get_last_error_info(env, &info);
  const char* why = info && info->error_message ? info->error_message : "unknown reason";
  throw Failure(std::string("native training: cannot read ") + what + " (" + why + ")");
}

std::vector<napi_value> args(napi_env env, napi_callback_info info, size_t expected) {
  size_t count = expected;
  std::vector<napi_value> values(expected);
  check(env, napi_get_cb_info(env, info, &count, values.data(), nullptr, nullptr), "the arguments");
  if (count < expected) throw Failure("native training: expected " + std::to_string(expected) + " arguments");
  return values;
}

template <typename T>
std::pair<T*, size_t> typedArray(napi_env env, napi_value value, napi_typedarray_type type, const char* what) {
  bool is = false;
  check(env, napi_is_typedarray(env, value, &is), what);
  if (!is) throw Failure(std::string("native training: ") + what + " is not a typed array");
  napi_typedarray_type actual;
  size_t length = 0;
  void* data = nullptr;
  check(env, napi_get_typedarray_info(env, value, &actual, &length, &data, nullptr, nullptr), what);
  if (actual != type) throw Failure(std::string("native training: ") + what + " has the wrong element type");
  return {static_cast<T*>(data), length};
}

double number(napi_env env, napi_value value, const char* what) {
  double out = 0;
  check(env, napi_get_value_double(env, value, &out), what);
  return out;
}

TransformerStep* handle(napi_env env, napi_value value) {
  void* data = nullptr;
  check(env, napi_get_value_external(env, value, &data), "the handle");
  return static_cast<TransformerStep*>(data);
}

// Float32Arrays of exactly the sizes the network has, in its order.
template <typename P>
std::vector<P> tensors(napi_env env, napi_value list, const std::vector<size_t>& sizes, const char* what) {
  uint32_t length = 0;
  bool isArray = false;
  check(env, napi_is_array(env, list, &isArray), what);
  if (!isArray) throw Failure(std::string("native training: ") + what + " is not an array");
  check(env, napi_get_array_length(env, list, &length), what);
  if (length != sizes.size())
    throw Failure(std::string("native training: ") + what + ": " + std::to_string(length) + " tensors for " + std::to_string(sizes.size()));
  std::vector<P> out(length);
  for (uint32_t i = 0; i < length; i++) {
    napi_value item;
    check(env, napi_get_element(env, list, i, &item), what);
    auto [data, size] = typedArray<float>(env, item, napi_float32_array, what);
    if (size != sizes[i])
      throw Failure(std::string("native training: ") + what + " " + std::to_string(i) + " has " + std::to_string(size) + " values, not " +
                    std::to_string(sizes[i]));
    out[i] = data;
  }
  return out;
}

// Every exported function runs through this: a C++ exception becomes a JavaScript error.
template <napi_value (*F)(napi_env, napi_callback_info)>
napi_value guarded(napi_env env, napi_callback_info info) {
  try {
    return F(env, info);
  } catch (const std::exception& err) {
    napi_throw_error(env, nullptr, err.what());
    return nullptr;
  }
}

int batchOf(napi_env env, napi_value value) {
  const double batch = number(env, value, "the batch size");
  if (!(batch >= 1 && batch <= 1 << 20) || batch != static_cast<int>(batch)) throw Failure("native training: the batch size must be a positive integer");
  return static_cast<int>(batch);
}

napi_value Blas(napi_env env, napi_callback_info) {
  napi_value out;
  const std::string& name = mirage::blasName();
  napi_create_string_utf8(env, name.c_str(), name.size(), &out);
  return out;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  auto a = args(env, info, 1);
  mirage::setBlasThreads(static_cast<int>(number(env, a[0], "the thread count")));
  return nullptr;
}

napi_value UseBuiltinGemm(napi_env env, napi_callback_info info) {
  auto a = args(env, info, 1);
  bool on = false;
  check(env, napi_get_value_bool(env, a[0], &on), "the flag");
  mirage::useBuiltinGemm(on);
  return nullptr;
}

napi_value Uniforms(napi_env env, napi_callback_info info) {
  auto a = args(env, info, 2);
  auto [state, stateLength] = typedArray<double>(env, a[0], napi_float64_array, "the state");
  if (stateLength != 4) throw Failure("native training: a generator state has 4 values");
  auto [out, count] = typedArray<float>(env, a[1], napi_float32_array, "out");
  mirage::uniforms(*reinterpret_cast<const AleaState*>(state), count, out);
  return nullptr;
}

napi_value Create(napi_env env, napi_callback_info info) {
  auto a = args(env, info, 2);
  auto [dims, count] = typedArray<int32_t>(env, a[0], napi_int32_array, "dims");
  if (count != 9) throw Failure("native training: dims needs 9 values");
  const double dropout = number(env, a[1], "dropout");
  if (!(dropout >= 0 && dropout < 1)) throw Failure("native training: dropout must be in [0, 1)");
  TransformerDims d{dims[0], dims[1], dims[2], dims[3], dims[4], dims[5], dims[6] != 0, dims[7] != 0, dims[8], static_cast<float>(dropout)};
  auto* step = new TransformerStep(d);
  napi_value out;
  napi_status status = napi_create_external(
      env, step, [](napi_env, void* data, void*) { delete static_cast<TransformerStep*>(data); }, nullptr, &out);
  if (status != napi_ok) {
    delete step;
    throw Failure("native training: cannot create the handle");
  }
  return out;
}

napi_value ParamSizes(napi_env env, napi_callback_info info) {
  auto a = args(env, info, 1);
  const auto& sizes = handle(env, a[0])->paramSizes();
  napi_value out;
  napi_create_array_with_length(env, sizes.size(), &out);
  for (size_t i = 0; i < sizes.size(); i++) {
    napi_value v;
    napi_create_double(env, static_cast<double>(sizes[i]), &v);
    napi_set_element(env, out, static_cast<uint32_t>(i), v);
  }
  return out;
}

// The arguments step and predict share: the handle, the parameters, a batch of windows and its size.
struct Batch {
  TransformerStep* step;
  std::vector<const float*> params;
  const float* x;
  int rows;
};

Batch batchArgs(napi_env env, napi_value handleValue, napi_value paramsValue, napi_value xValue, napi_value rowsValue) {
  TransformerStep* step = handle(env, handleValue);
  auto params = tensors<const float*>(env, paramsValue, step->paramSizes(), "parameter");
  const int rows = batchOf(env, rowsValue);
  auto [x, length] = typedArray<float>(env, xValue, napi_float32_array, "x");
  const auto& sizes = step->paramSizes();
  const size_t inputWidth = sizes[0] / sizes[1];  // embedding kernel [tokenWidth, d]
  if (length != static_cast<size_t>(rows) * step->tokens() * inputWidth) throw Failure("native training: x does not hold the batch");
  return {step, std::move(params), x, rows};
}

napi_value Step(napi_env env, napi_callback_info info) {
  auto a = args(env, info, 9);
  Batch b = batchArgs(env, a[0], a[1], a[3], a[5]);
  TransformerStep* step = b.step;
  auto grads = tensors<float*>(env, a[2], step->paramSizes(), "gradient");
  auto [y, yLength] = typedArray<float>(env, a[4], napi_float32_array, "y");
  const double lossCode = number(env, a[6], "the loss");
  if (lossCode != 0 && lossCode != 1 && lossCode != 2 && lossCode != 3) throw Failure("native training: unknown loss");
  const double huber = number(env, a[7], "the Huber delta");
  const AleaState* seeds = nullptr;
  napi_valuetype seedType;
  check(env, napi_typeof(env, a[8], &seedType), "the seeds");
  if (seedType != napi_null && seedType != napi_undefined) {
    auto [values, length] = typedArray<double>(env, a[8], napi_float64_array, "the seeds");
    if (length != step->layerCount() * 16) throw Failure("native training: the seeds need 16 values a layer");
    seeds = reinterpret_cast<const AleaState*>(values);
  }
  if (yLength < static_cast<size_t>(b.rows) * step->outputs()) throw Failure("native training: y does not hold the batch");
  const double loss = step->step(b.params, grads, b.x, y, b.rows, static_cast<Loss>(static_cast<int>(lossCode)), static_cast<float>(huber), seeds);
  napi_value out;
  napi_create_double(env, loss, &out);
  return out;
}

napi_value Predict(napi_env env, napi_callback_info info) {
  auto a = args(env, info, 5);
  Batch b = batchArgs(env, a[0], a[1], a[2], a[3]);
  auto [out, outLength] = typedArray<float>(env, a[4], napi_float32_array, "out");
  if (outLength != static_cast<size_t>(b.rows) * b.step->outputs()) throw Failure("native training: out does not fit the batch");
  b.step->predict(b.params, b.x, b.rows, out);
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor methods[] = {
      {"blas", nullptr, guarded<Blas>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, guarded<SetThreads>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"useBuiltinGemm", nullptr, guarded<UseBuiltinGemm>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"uniforms", nullptr, guarded<Uniforms>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"create", nullptr, guarded<Create>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"paramSizes", nullptr, guarded<ParamSizes>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"step", nullptr, guarded<Step>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"predict", nullptr, guarded<Predict>, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(methods) / sizeof(methods[0]), methods);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
