// What piu deploy prints: the report as JSON, or the files written.
#include <fmt/format.h>

#include "jobs/job_json.hpp"
#include "piu/deploy.hpp"

namespace piu {

using jobs_internal::Json;

std::string DeployReport::to_json() const {
  Json j;
  j["input"] = input;
  j["model"] = model_path;
  j["report"] = report_path;
  j["chart"] = chart_path;
  j["nodes_before"] = before.nodes;
  j["nodes_after"] = after.nodes;
  j["stages"] = Json::array();
  for (const auto& s : stages)
    j["stages"].push_back({{"name", s.name},
                           {"skipped", s.skipped},
                           {"summary", s.summary},
                           {"details", s.details},
                           {"seconds", s.seconds},
                           {"nodes_before", s.nodes_before},
                           {"nodes_after", s.nodes_after}});
  j["verification"] = verification ? jobs_internal::verification_json(*verification, true) : Json::array();
  if (int8_sqnr_db) j["int8_sqnr_db"] = *int8_sqnr_db;
  j["latency"] = Json::array();
  for (const auto& p : latency)
    j["latency"].push_back({{"batch", p.batch}, {"before_p50_ms", p.before_p50_ms}, {"after_p50_ms", p.after_p50_ms}});
  j["seconds"] = seconds;
  return j.dump(2);
}

std::string DeployReport::to_text() const {
  std::string s =
      fmt::format("wrote {} ({} -> {} nodes)\nwrote {}\n", model_path, before.nodes, after.nodes, report_path);
  if (!chart_path.empty()) s += "wrote " + chart_path + "\n";
  return s;
}

}  // namespace piu
