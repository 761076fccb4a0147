// Intentionally empty: SwiftPM needs one source file in a C target. See include/CLibFuzzer.h.
#include "CLibFuzzer.h"
