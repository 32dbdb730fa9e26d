// Writing a transformed model the way every piu command does: refuse to overwrite the input,
// check it with the ONNX checker, verify it against the input on ONNX Runtime, then save it
// atomically. Used by optimize and round-weights (and later simplify, quantize, ...).
#pragma once

#include <nlohmann/json.hpp>
#include <functional>
#include <memory>
#include <string>

#include "cli/options.hpp"
#include "piu/onnx.hpp"
#include "piu/session.hpp"

namespace piu::cli {

struct ModelWriteResult {
  bool verified = false;
  VerifyReport verify;
  std::string checker_warning;  // set when the input itself fails the checker
};

// Checks that --output names a writable place that is not the input file.
void check_output_path(const std::string& input, const std::string& output);
// Verification settings from --shape, --batch (default 1,3) and --seed; tolerances from --rtol/--atol.
VerifyOptions verify_options_from(const Args& args);
// Checks `result` with the ONNX checker, writes it under temp names beside `output` (its weights
// leave memory as they are written), verifies that file against the input file on ONNX Runtime
// one model at a time (unless --no-verify), then renames it into place: at most one copy of the
// weights is held at any time. Throws kVerificationFailed naming the first differing output (and
// writes nothing) when verification fails; kInternal when the result fails the ONNX checker while
// the input passes it.
// `view_candidate`, when set, wraps the result's session before it is compared (fp16: a view that
// feeds and returns float32).
ModelWriteResult check_verify_and_save(
    const std::string& input_path, OnnxModel&& result, const std::string& output, const Args& args,
    const std::function<std::unique_ptr<Session>(std::unique_ptr<Session>)>& view_candidate = {});
// One line per verified output: "output 'y' batch 3: max abs 1.2e-07 (scale 4.5)".
std::string format_verify_report(const VerifyReport& report);
// The closing lines every model-writing command prints: checker warning, verification, "wrote OUT".
std::string format_write_summary(const ModelWriteResult& written, const std::string& output);
// The same as JSON fields ("verified", "verification", "checker_warning"), added to `j`.
void add_write_json(nlohmann::ordered_json& j, const ModelWriteResult& written);

}  // namespace piu::cli
