{
  "targets": [
    {
      "target_name": "mirage_native",
      "sources": ["src/addon.cc", "src/blas.cc", "src/transformer.cc"],
      "cflags_cc": ["-O3", "-std=c++17", "-ffp-contract=off", "-fexceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "conditions": [["OS!='win'", { "libraries": ["-ldl"] }]],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-ffp-contract=off"]
      },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17", "/fp:precise"] } }
    }
  ]
}
