// Turning CLI arguments into session options and input options (shared by run, bench, compare, deploy).
#pragma once

#include <map>
#include <string>

#include "cli/options.hpp"
#include "piu/jobs_session.hpp"
#include "piu/session.hpp"

namespace piu::cli {

// --backend, --device, --provider-option, --threads, --inter-threads, --optimization.
SessionOptions session_options_from(const Args& args);
// The KEY=VALUE pairs given with `flag` (repeatable); kBadInput for one without '='.
std::map<std::string, std::string> provider_options_from(const Args& args, const std::string& flag);
// --io host|device (default host).
IoPlacement io_from(const Args& args);
// --input, --shape, --seed; a given --batch wins over a given tensor's first dim.
InputOptions input_options_from(const Args& args);

}  // namespace piu::cli
