#include "blas.h"

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <vector>

#if defined(_WIN32)
#define NOMINMAX  // windows.h's min and max macros would break std::min and std::max
#include <windows.h>
#else
#include <dlfcn.h>
#endif

namespace mirage {
namespace {

// CBLAS's enum values, fixed by the standard interface.
constexpr int kRowMajor = 101;
constexpr int kNoTrans = 111;
constexpr int kTrans = 112;

using CblasSgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
using SetThreads = void (*)(int);

struct Blas {
  CblasSgemm sgemm = nullptr;
  SetThreads setThreads = nullptr;
  std::string name = "built-in";
};

void* openLibrary(const char* path) {
#if defined(_WIN32)
  return reinterpret_cast<void*>(LoadLibraryA(path));
#else
  return dlopen(path, RTLD_NOW | RTLD_LOCAL);
#endif
}

void* symbol(void* lib, const char* name) {
#if defined(_WIN32)
  return reinterpret_cast<void*>(GetProcAddress(reinterpret_cast<HMODULE>(lib), name));
#else
  return dlsym(lib, name);
#endif
}

Blas load() {
  Blas blas;
  std::vector<std::string> candidates;
  if (const char* own = std::getenv("MIRAGE_BLAS")) {
    // MIRAGE_BLAS=none keeps the built-in loop (tests of the fallback).
    if (std::string(own) == "none") return blas;
    candidates.emplace_back(own);
  }
  for (const char* path : {"libopenblas.so.0", "libopenblas.so", "libopenblas.0.dylib", "libopenblas.dylib",
                           "/System/Library/Frameworks/Accelerate.framework/Accelerate", "libopenblas.dll", "libmkl_rt.so.2",
                           "libmkl_rt.so", "libblis.so.4", "libcblas.so.3"}) {
    candidates.emplace_back(path);
  }
  for (const std::string& path : candidates) {
    void* lib = openLibrary(path.c_str());
    if (!lib) continue;
    auto gemm = reinterpret_cast<CblasSgemm>(symbol(lib, "cblas_sgemm"));
    if (!gemm) continue;
    blas.sgemm = gemm;
    blas.setThreads = reinterpret_cast<SetThreads>(symbol(lib, "openblas_set_num_threads"));
    if (!blas.setThreads) blas.setThreads = reinterpret_cast<SetThreads>(symbol(lib, "MKL_Set_Num_Threads"));
    if (!blas.setThreads) blas.setThreads = reinterpret_cast<SetThreads>(symbol(lib, "bli_thread_set_num_threads"));
    blas.name = path;
    // One thread unless told otherwise: the caller decides how many cores a step gets.
    if (blas.setThreads) blas.setThreads(1);
    break;
  }
  return blas;
}

std::atomic<bool> forceBuiltin{false};

const Blas& blas() {
  static std::once_flag once;
  static Blas loaded;
  std::call_once(once, [] { loaded = load(); });
  return loaded;
}

// The fallback: C[i, :] += alpha * A[i, p] * B[p, :], rows of B streamed (vectorises), blocked over p.
void builtinGemm(bool transA, bool transB, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                 int ldb, float beta, float* c, int ldc) {
  for (int i = 0; i < m; i++) {
    float* ci = c + static_cast<size_t>(i) * ldc;
    if (beta == 0.0f) {
      for (int j = 0; j < n; j++) ci[j] = 0.0f;
    } else if (beta != 1.0f) {
      for (int j = 0; j < n; j++) ci[j] *= beta;
    }
  }
  if (transB) {
    // C[i, j] += alpha * sum_p A[i, p] * B[j, p]: dot products over contiguous rows of B.
    for (int i = 0; i < m; i++) {
      float* ci = c + static_cast<size_t>(i) * ldc;
      for (int j = 0; j < n; j++) {
        const float* bj = b + static_cast<size_t>(j) * ldb;
        float sum = 0.0f;
        for (int p = 0; p < k; p++) sum += (transA ? a[static_cast<size_t>(p) * lda + i] : a[static_cast<size_t>(i) * lda + p]) * bj[p];
        ci[j] += alpha * sum;
      }
    }
    return;
  }
  for (int i = 0; i < m; i++) {
    float* ci = c + static_cast<size_t>(i) * ldc;
    for (int p = 0; p < k; p++) {
      const float aip = alpha * (transA ? a[static_cast<size_t>(p) * lda + i] : a[static_cast<size_t>(i) * lda + p]);
      if (aip == 0.0f) continue;
      const float* bp = b + static_cast<size_t>(p) * ldb;
      for (int j = 0; j < n; j++) ci[j] += aip * bp[j];
    }
  }
}

}  // namespace

const std::string& blasName() {
  static const std::string builtin = "built-in";
  return forceBuiltin ? builtin : blas().name;
}

void useBuiltinGemm(bool on) { forceBuiltin = on; }

void setBlasThreads(int threads) {
  if (blas().setThreads) blas().setThreads(threads < 1 ? 1 : threads);
}

void sgemm(bool transA, bool transB, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
           float beta, float* c, int ldc) {
  if (m == 0 || n == 0) return;
  const Blas& lib = blas();
  if (lib.sgemm && !forceBuiltin) {
    lib.sgemm(kRowMajor, transA ? kTrans : kNoTrans, transB ? kTrans : kNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    builtinGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

}  // namespace mirage
