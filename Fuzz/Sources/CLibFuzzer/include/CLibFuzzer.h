// libFuzzer's public driver entry point (compiler-rt FuzzerInterface.h), declared here so Swift can call it.
// The definition comes from libclang_rt.fuzzer, which `-sanitize=fuzzer` links.
#ifndef SPAR_CLIBFUZZER_H
#define SPAR_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));

#endif
