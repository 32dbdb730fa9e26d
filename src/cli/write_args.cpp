#include "cli/write_args.hpp"

namespace piu::cli {

VerifyOptions verify_options_from(const Args& args, VerifyOptions v) {
  if (args.has("--shape")) v.shapes = args.shapes();
  v.batches = args.get_int_list("--batch", v.batches);
  v.seed = static_cast<uint64_t>(args.get_int("--seed", static_cast<int64_t>(v.seed)));
  v.rel_tol = args.get_double("--rtol", v.rel_tol);
  v.abs_tol = args.get_double("--atol", v.abs_tol);
  for (const auto& r : args.all("--int-range")) v.int_ranges.push_back(parse_int_range(r));
  // Read now: a bad file stops the command before any work.
  if (args.has("--input")) v.inputs = read_given_inputs(args.all("--input"));
  return v;
}

WriteOptions write_options_from(const Args& args, WriteOptions w) {
  w.output = args.get("--output");
  w.verify = !args.has("--no-verify");
  w.threads = static_cast<int>(args.get_int("--threads", w.threads));
  w.verify_options = verify_options_from(args, w.verify_options);
  return w;
}

}  // namespace piu::cli
