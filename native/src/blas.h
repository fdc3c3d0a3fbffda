// Row-major single-precision GEMM: C = alpha * op(A) op(B) + beta * C.
//
// The products go to the machine's BLAS when one can be loaded at run time
// (OpenBLAS, as PyTorch's Debian build uses, or Apple's Accelerate): nothing
// is linked at build time, so the addon builds without BLAS headers and runs
// without BLAS, on a plain blocked loop that is correct but slower.
#pragma once

#include <string>

namespace mirage {

// Loads a BLAS once (MIRAGE_BLAS names a library to try first); returns what was loaded, or "built-in".
const std::string& blasName();

// Whether products skip the loaded BLAS for the built-in loop (tests of the fallback on a machine that has a BLAS).
void useBuiltinGemm(bool on);

// Threads the BLAS may use (where it can be told); the built-in loop is single-threaded.
void setBlasThreads(int threads);

void sgemm(bool transA, bool transB, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
           float beta, float* c, int ldc);

}  // namespace mirage
