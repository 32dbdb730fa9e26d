// Turning CLI arguments into session options and input options (shared by run, bench, compare, deploy).
#pragma once

#include "cli/options.hpp"
#include "piu/jobs_session.hpp"
#include "piu/session.hpp"

namespace piu::cli {

// --backend, --threads, --inter-threads, --optimization.
SessionOptions session_options_from(const Args& args);
// --input, --shape, --seed; a given --batch wins over a given tensor's first dim.
InputOptions input_options_from(const Args& args);

}  // namespace piu::cli
