// The options of every model-writing command: -o, --no-verify and the verification settings.
#pragma once

#include "cli/options.hpp"
#include "piu/jobs.hpp"

namespace piu::cli {

// `defaults` (the job's own) overridden by -o, --no-verify, --threads and verify_options_from.
WriteOptions write_options_from(const Args& args, WriteOptions defaults);
// `defaults` overridden by --shape, --batch, --seed, --rtol, --atol, --int-range and --input (the
// files are read here: a bad one throws before any work).
VerifyOptions verify_options_from(const Args& args, VerifyOptions defaults);

}  // namespace piu::cli
