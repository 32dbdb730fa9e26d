// Turning CLI arguments into session options and input tensors (shared by run, bench, compare).
#pragma once

#include "cli/options.hpp"
#include "piu/session.hpp"

namespace piu::cli {

// --backend, --threads, --inter-threads, --optimization.
SessionOptions session_options_from(const Args& args);
// Inputs for `session`: --input NAME=FILE.npy (or FILE.npy for the first input) where given,
// random tensors (shapes from --shape, the first dim from `batch`, values from --seed) elsewhere.
std::vector<Tensor> inputs_from(const Session& session, const Args& args, int64_t batch);
// A file name for a tensor name ("a/b:0" -> "a_b_0").
std::string file_name_for(const std::string& tensor_name);

}  // namespace piu::cli
