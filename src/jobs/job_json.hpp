// JSON pieces the job reports share (internal: nlohmann stays out of the public headers).
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>

#include "piu/jobs.hpp"

namespace piu::jobs_internal {

using Json = nlohmann::ordered_json;

// {"input": ..., "output": ...}: how every model-writing job's JSON starts.
inline Json write_json_head(const WriteReport& written) {
  Json j;
  j["input"] = written.input;
  j["output"] = written.output;
  return j;
}

// One entry per verification check.
inline Json verification_json(const VerifyReport& report, bool with_ok = false) {
  Json list = Json::array();
  for (const auto& c : report.checks) {
    Json check = {{"output", c.output}, {"batch", c.batch}, {"max_abs", c.max_abs}, {"scale", c.scale}};
    if (with_ok) check["ok"] = c.ok;
    list.push_back(check);
  }
  return list;
}

// "verified", "verification" and (when set) "checker_warning", added to `j`.
inline void add_write_json(Json& j, const WriteReport& written) {
  j["verified"] = written.verified;
  j["verification"] = verification_json(written.verify);
  if (!written.checker_warning.empty()) j["checker_warning"] = written.checker_warning;
}

// JSON has no inf or nan: those become null.
inline Json finite_or_null(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

}  // namespace piu::jobs_internal
