// ONNX model load/save with external data kept inside the model's folder.
#include <fcntl.h>
#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <filesystem>
#include <functional>

#include "core/checked.hpp"
#include "onnx/tensor_data.hpp"
#include "piu/onnx.hpp"

namespace piu {

namespace fs = std::filesystem;

OnnxModel::OnnxModel() : proto_(std::make_unique<onnx::ModelProto>()) {}
OnnxModel::OnnxModel(onnx::ModelProto proto, std::string path)
    : proto_(std::make_unique<onnx::ModelProto>(std::move(proto))), path_(std::move(path)) {}
OnnxModel::OnnxModel(OnnxModel&&) noexcept = default;
OnnxModel& OnnxModel::operator=(OnnxModel&&) noexcept = default;
OnnxModel::~OnnxModel() = default;

namespace {

constexpr uint64_t kProtobufLimit = uint64_t{2} << 30;

// Calls fn on every TensorProto of a graph: initializers, sparse initializers and tensor attributes,
// recursing into subgraphs (If/Loop/Scan bodies).
void for_each_tensor(onnx::GraphProto& graph, const std::function<void(onnx::TensorProto&)>& fn) {
  for (auto& t : *graph.mutable_initializer()) fn(t);
  for (auto& s : *graph.mutable_sparse_initializer()) {
    fn(*s.mutable_values());
    fn(*s.mutable_indices());
  }
  for (auto& node : *graph.mutable_node()) {
    for (auto& attr : *node.mutable_attribute()) {
      if (attr.has_t()) fn(*attr.mutable_t());
      for (auto& t : *attr.mutable_tensors()) fn(t);
      if (attr.has_g()) for_each_tensor(*attr.mutable_g(), fn);
      for (auto& g : *attr.mutable_graphs()) for_each_tensor(g, fn);
    }
  }
}

void for_each_tensor(onnx::ModelProto& model, const std::function<void(onnx::TensorProto&)>& fn) {
  if (model.has_graph()) for_each_tensor(*model.mutable_graph(), fn);
  for (auto& function : *model.mutable_functions())
    for (auto& node : *function.mutable_node())
      for (auto& attr : *node.mutable_attribute()) {
        if (attr.has_t()) fn(*attr.mutable_t());
        for (auto& t : *attr.mutable_tensors()) fn(t);
      }
}

// Names a file format from its first bytes, for a friendlier "not an ONNX model" message.
std::string sniff_format(const std::string& head) {
  auto starts = [&](std::string_view magic) { return head.compare(0, magic.size(), magic) == 0; };
  if (starts("\x89PNG")) return "a PNG image";
  if (starts("\xff\xd8\xff")) return "a JPEG image";
  if (starts("PK\x03\x04")) return "a ZIP archive (a PyTorch/TorchScript .pt file?)";
  if (starts("\x93NUMPY")) return "a NumPy .npy file";
  if (starts("\x7f"
             "ELF"))
    return "an executable";
  if (starts("%PDF")) return "a PDF document";
  if (starts("GIF8")) return "a GIF image";
  if (starts("\x1f\x8b")) return "a gzip archive";
  return {};
}

bool parse_uint64(const std::string& text, uint64_t& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

// Resolves an external-data location against the model's folder, refusing anything outside it.
fs::path resolve_external(const fs::path& base_dir, const std::string& location, const std::string& tensor,
                          const std::string& model_path) {
  auto fail = [&](const std::string& why) -> fs::path {
    throw Error(ErrorCode::kBadInput,
                model_path + ": tensor '" + tensor + "' external data location '" + location + "' " + why);
  };
  if (location.empty()) fail("is empty");
  fs::path rel(location);
  if (rel.is_absolute() || location.front() == '/' || location.front() == '\\')
    fail("is an absolute path; external data must be inside the model's folder");
  for (const auto& part : rel)
    if (part == "..") fail("contains '..'; external data must be inside the model's folder");
  std::error_code ec;
  const fs::path base = fs::canonical(base_dir, ec);
  if (ec) fail("cannot be resolved: model folder " + base_dir.string() + " is not accessible");
  const fs::path candidate = base / rel;
  if (!fs::exists(candidate, ec)) fail("does not exist (looked for " + candidate.string() + ")");
  const fs::path real = fs::canonical(candidate, ec);
  if (ec) fail("cannot be resolved: " + ec.message());
  auto [b, r] = std::mismatch(base.begin(), base.end(), real.begin(), real.end());
  if (b != base.end()) fail("resolves to " + real.string() + ", outside the model's folder " + base.string());
  if (!fs::is_regular_file(real, ec)) fail("is not a regular file");
  // A hard link has no path of its own to check: its other names may lie outside the folder (ONNX
  // 1.21 and newer refuse them too).
  if (fs::hard_link_count(real, ec) > 1 && !ec)
    fail("is a hard link (" + std::to_string(fs::hard_link_count(real, ec)) +
         " names); external data must be a plain file of its own");
  return real;
}

class FileReader {
 public:
  explicit FileReader(const fs::path& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~FileReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;
  bool ok() const { return fd_ >= 0; }
  uint64_t size() const {
    struct stat st {};
    return ::fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  }
  bool read_at(char* out, uint64_t length, uint64_t offset) const {
    while (length > 0) {
      const ssize_t n = ::pread(fd_, out, std::min<uint64_t>(length, 1u << 30), static_cast<off_t>(offset));
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        return false;
      }
      out += n;
      length -= static_cast<uint64_t>(n);
      offset += static_cast<uint64_t>(n);
    }
    return true;
  }

 private:
  int fd_;
};

// Checks one external-data reference (containment, bounds, size) and, when `read`, loads its bytes.
void load_external_tensor(onnx::TensorProto& t, const fs::path& base_dir, const std::string& model_path,
                          std::vector<ExternalFile>& files, bool read) {
  std::string location, offset_text, length_text;
  for (const auto& kv : t.external_data()) {
    if (kv.key() == "location") location = kv.value();
    if (kv.key() == "offset") offset_text = kv.value();
    if (kv.key() == "length") length_text = kv.value();
    // The ONNX spec's keys; ONNX Runtime refuses any other ("model format error!", naming nothing).
    if (kv.key() != "location" && kv.key() != "offset" && kv.key() != "length" && kv.key() != "checksum")
      throw Error(ErrorCode::kBadInput, model_path + ": tensor '" + t.name() + "': unknown external-data key '" +
                                            kv.key() + "' (known: location, offset, length, checksum)");
  }
  const std::string& name = t.name();
  auto fail = [&](const std::string& why) {
    throw Error(ErrorCode::kBadInput, model_path + ": tensor '" + name + "' external data '" + location + "': " + why);
  };
  const fs::path file = resolve_external(base_dir, location, name, model_path);
  FileReader reader(file);
  if (!reader.ok()) throw Error(ErrorCode::kIo, model_path + ": cannot open external data file " + file.string());
  const uint64_t file_size = reader.size();
  uint64_t offset = 0, length = 0;
  if (!offset_text.empty() && !parse_uint64(offset_text, offset)) fail("offset '" + offset_text + "' is not a number");
  if (offset > file_size)
    fail("offset " + std::to_string(offset) + " is past the end of the file (" + std::to_string(file_size) + " bytes)");
  if (!length_text.empty()) {
    if (!parse_uint64(length_text, length)) fail("length '" + length_text + "' is not a number");
    if (length > file_size - offset)
      fail("offset " + std::to_string(offset) + " + length " + std::to_string(length) +
           " is past the end of the file (" + std::to_string(file_size) + " bytes)");
  } else {
    length = file_size - offset;
  }
  auto dtype = dtype_from_onnx(t.data_type());
  if (dtype) {
    Shape shape(t.dims().begin(), t.dims().end());
    uint64_t expected = 0;
    try {
      expected = checked_nbytes(*dtype, shape, "tensor '" + name + "'");
    } catch (const Error& e) {
      throw e.with_context(model_path);
    }
    if (expected != length)
      fail("holds " + std::to_string(length) + " bytes, shape " + shape_to_string(shape) + " of " +
           std::string(dtype_name(*dtype)) + " needs " + std::to_string(expected));
  }
  if (read) {
    std::string* raw = t.mutable_raw_data();
    raw->resize(length);
    if (!reader.read_at(raw->data(), length, offset)) fail("read failed");
    t.clear_external_data();
    t.set_data_location(onnx::TensorProto::DEFAULT);
  }
  auto it = std::find_if(files.begin(), files.end(), [&](const ExternalFile& f) { return f.location == location; });
  if (it == files.end()) it = files.insert(files.end(), ExternalFile{location, 0, 0});
  it->bytes += length;
  it->tensors += 1;
}

// The data file's name for a model saved at `path`: a plain file name in the model's folder.
std::string external_location(const std::string& path, const SaveOptions& options) {
  const std::string location =
      options.external_file.empty() ? fs::path(path).filename().string() + ".data" : options.external_file;
  if (fs::path(location).is_absolute() || location.find("..") != std::string::npos ||
      location.find('/') != std::string::npos)
    throw Error(ErrorCode::kBadInput, "external data file name '" + location + "' must be a plain file name");
  return location;
}

// Appends each tensor's raw bytes to `out` (64-byte aligned) and turns the tensor into a reference
// to `location`. The bytes move into `kept` (in order) when given, else they are freed.
void move_to_external(const std::vector<onnx::TensorProto*>& tensors, std::ostream& out, const std::string& location,
                      std::vector<std::string>* kept) {
  uint64_t offset = 0;
  constexpr uint64_t kAlign = 64;
  static const char zeros[kAlign] = {};
  for (onnx::TensorProto* t : tensors) {
    const uint64_t pad = (kAlign - offset % kAlign) % kAlign;
    out.write(zeros, static_cast<std::streamsize>(pad));
    offset += pad;
    out.write(t->raw_data().data(), static_cast<std::streamsize>(t->raw_data().size()));
    if (!out) throw Error(ErrorCode::kIo, "cannot write external data for tensor '" + t->name() + "' (disk full?)");
    std::string raw;
    raw.swap(*t->mutable_raw_data());
    t->clear_raw_data();
    t->set_data_location(onnx::TensorProto::EXTERNAL);
    auto add = [&](const std::string& k, const std::string& v) {
      auto* e = t->add_external_data();
      e->set_key(k);
      e->set_value(v);
    };
    add("location", location);
    add("offset", std::to_string(offset));
    add("length", std::to_string(raw.size()));
    offset += raw.size();
    if (kept) kept->push_back(std::move(raw));
  }
}

}  // namespace

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one.
size_t utf8_sequence(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
  return n;
}

// Names in the main graph (inputs, outputs, initializers, nodes, value_info) must be UTF-8, as
// ONNX's strings are: they reach JSON reports, file names and terminals. Throws kBadInput naming
// the file and the name with its invalid bytes escaped (\xNN).
void check_names_are_utf8(const onnx::GraphProto& g, const std::string& path) {
  auto check = [&](const std::string& name, const char* what) {
    bool ok = true;
    for (size_t i = 0; i < name.size() && ok;) {
      const size_t n = utf8_sequence(name, i);
      ok = n > 0;
      i += n;
    }
    if (ok) return;
    std::string shown;
    for (size_t i = 0; i < name.size();) {
      const size_t n = utf8_sequence(name, i);
      const auto c = static_cast<unsigned char>(name[i]);
      if (n == 0 || (n == 1 && (c < 0x20 || c == 0x7F))) {
        shown += fmt::format("\\x{:02x}", c);
        ++i;
      } else {
        shown.append(name, i, n);
        i += n;
      }
    }
    throw Error(ErrorCode::kBadInput, path + ": " + what + " name '" + shown + "' is not valid UTF-8");
  };
  for (const auto& v : g.input()) check(v.name(), "graph input");
  for (const auto& v : g.output()) check(v.name(), "graph output");
  for (const auto& v : g.value_info()) check(v.name(), "value");
  for (const auto& t : g.initializer()) check(t.name(), "initializer");
  for (const auto& n : g.node()) {
    check(n.name(), "node");
    check(n.op_type(), "op type");
    for (const auto& v : n.input()) check(v, "node input");
    for (const auto& v : n.output()) check(v, "node output");
  }
}

}  // namespace

OnnxModel OnnxModel::load(const std::string& path, const LoadOptions& options) {
  check_regular_file(path);
  std::error_code ec;
  const uint64_t size = fs::file_size(path, ec);
  if (ec) throw Error(ErrorCode::kIo, "cannot read " + path + ": " + ec.message());
  if (size == 0) throw Error(ErrorCode::kBadInput, path + ": not an ONNX model: the file is empty");
  if (size >= kProtobufLimit)
    throw Error(ErrorCode::kBadInput, path + ": the file is " + std::to_string(size >> 20) +
                                          " MiB; a protobuf cannot exceed 2 GiB, so weights of models this large "
                                          "must be stored as external data");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorCode::kIo, "cannot read " + path + ": " + std::strerror(errno));
  std::string head(16, '\0');
  const ssize_t head_len = ::pread(fd, head.data(), head.size(), 0);
  head.resize(head_len > 0 ? static_cast<size_t>(head_len) : 0);
  const std::string format = sniff_format(head);
  if (!format.empty()) {
    ::close(fd);
    throw Error(ErrorCode::kBadInput, path + ": not an ONNX model: the file is " + format);
  }

  auto proto = std::make_unique<onnx::ModelProto>();
  bool parsed;
  {
    google::protobuf::io::FileInputStream raw(fd);
    raw.SetCloseOnDelete(true);
    google::protobuf::io::CodedInputStream coded(&raw);
    coded.SetTotalBytesLimit(INT_MAX);
    parsed = proto->ParseFromCodedStream(&coded) && coded.ConsumedEntireMessage();
  }
  if (!parsed)
    throw Error(ErrorCode::kBadInput,
                path + ": not an ONNX model: protobuf parsing failed (truncated or corrupt file)");
  if (!proto->has_graph()) throw Error(ErrorCode::kBadInput, path + ": not an ONNX model: ModelProto has no graph");
  if (proto->ir_version() <= 0) throw Error(ErrorCode::kBadInput, path + ": ModelProto has no ir_version");
  check_names_are_utf8(proto->graph(), path);

  OnnxModel model(std::move(*proto), path);
  const fs::path base_dir = fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
  // Every tensor's dims are checked against its data before anything is sized by them.
  for_each_tensor(*model.proto_, [&](onnx::TensorProto& t) {
    try {
      check_tensor_data(t);  // dims of every tensor; the data of those held in the file
    } catch (const Error& e) {
      throw e.with_context(path);
    }
    if (t.data_location() == onnx::TensorProto::EXTERNAL)
      load_external_tensor(t, base_dir, path, model.external_files_, options.load_external_data);
  });
  return model;
}

std::string OnnxModel::serialize() const {
  const size_t size = proto_->ByteSizeLong();
  if (size >= kProtobufLimit)
    throw Error(ErrorCode::kUnsupported, "model is " + std::to_string(size >> 20) +
                                             " MiB, over protobuf's 2 GiB limit; save it with external data");
  std::string out;
  if (!proto_->SerializeToString(&out)) throw Error(ErrorCode::kInternal, "model serialization failed");
  return out;
}

std::vector<onnx::TensorProto*> OnnxModel::external_candidates(const std::string& path, const SaveOptions& options) {
  std::vector<onnx::TensorProto*> candidates;
  for_each_tensor(*proto_, [&](onnx::TensorProto& t) {
    if (t.data_location() == onnx::TensorProto::EXTERNAL)
      throw Error(ErrorCode::kBadInput, "cannot save to " + path + ": tensor '" + t.name() +
                                            "' references external data that was not loaded");
    if (t.has_raw_data() && t.raw_data().size() >= options.external_threshold_bytes) candidates.push_back(&t);
  });
  return candidates;
}

void OnnxModel::serialize_to(std::ostream& out) const {
  const size_t size = proto_->ByteSizeLong();
  if (size >= kProtobufLimit)
    throw Error(ErrorCode::kUnsupported, "model is " + std::to_string(size >> 20) +
                                             " MiB, over protobuf's 2 GiB limit; save it with external data");
  if (!proto_->SerializeToOstream(&out)) throw Error(ErrorCode::kIo, "model serialization failed (disk full?)");
}

void OnnxModel::save(const std::string& path, const SaveOptions& options) {
  const std::vector<onnx::TensorProto*> candidates = external_candidates(path, options);
  bool external = options.external_data == SaveOptions::ExternalData::kAlways;
  if (options.external_data == SaveOptions::ExternalData::kAuto)
    external = proto_->ByteSizeLong() > options.auto_limit_bytes;
  if (!external || candidates.empty()) {
    AtomicFile file(path);
    serialize_to(file.stream());
    file.commit();
    return;
  }

  const std::string location = external_location(path, options);
  const fs::path dir = fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
  AtomicFile data_file((dir / location).string());
  // Move each tensor's bytes to the data file and swap them out of the proto while it is serialized;
  // the guard swaps them back even when serialization throws, so the model is unchanged afterwards.
  std::vector<std::string> kept;
  struct Restore {
    const std::vector<onnx::TensorProto*>& tensors;
    std::vector<std::string>& raw;
    ~Restore() {
      for (size_t i = 0; i < raw.size(); ++i) {
        tensors[i]->mutable_raw_data()->swap(raw[i]);
        tensors[i]->clear_external_data();
        tensors[i]->clear_data_location();
      }
    }
  } restore{candidates, kept};
  move_to_external(candidates, data_file.stream(), location, &kept);
  const std::string bytes = serialize();
  AtomicFile model_file(path);
  model_file.stream().write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  data_file.commit();
  model_file.commit();
}

// ---------------------------------------------------------------------------------------------
// StagedSave
// ---------------------------------------------------------------------------------------------

struct StagedSave::Impl {
  OnnxModel model;
  std::string path;
  std::string location;  // final name of the data file; empty when everything is inline
  std::vector<onnx::TensorProto*> external;
  std::unique_ptr<AtomicFile> data_file;
  std::unique_ptr<AtomicFile> staged_model;
};

StagedSave::StagedSave(OnnxModel model, std::string path, const SaveOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->model = std::move(model);
  impl_->path = std::move(path);
  OnnxModel& m = impl_->model;
  const std::vector<onnx::TensorProto*> candidates = m.external_candidates(impl_->path, options);
  bool external = options.external_data == SaveOptions::ExternalData::kAlways;
  if (options.external_data == SaveOptions::ExternalData::kAuto)
    external = m.proto().ByteSizeLong() > options.auto_limit_bytes;
  if (external && !candidates.empty()) {
    impl_->location = external_location(impl_->path, options);
    const fs::path dir =
        fs::path(impl_->path).parent_path().empty() ? fs::path(".") : fs::path(impl_->path).parent_path();
    impl_->data_file = std::make_unique<AtomicFile>((dir / impl_->location).string());
    // The staged model names the data file's temp name, so a runtime can open it as it is.
    move_to_external(candidates, impl_->data_file->stream(),
                     fs::path(impl_->data_file->temp_path()).filename().string(), nullptr);
    impl_->data_file->flush();
    impl_->external = candidates;
  }
  impl_->staged_model = std::make_unique<AtomicFile>(impl_->path);
  m.serialize_to(impl_->staged_model->stream());  // straight to the file: no second copy in memory
  impl_->staged_model->flush();
  if (!impl_->data_file) impl_->model = OnnxModel();  // all on disk now; commit() only renames
}

StagedSave::~StagedSave() = default;

const std::string& StagedSave::temp_path() const { return impl_->staged_model->temp_path(); }

void StagedSave::commit() {
  if (!impl_->data_file) {
    impl_->staged_model->commit();
    return;
  }
  for (onnx::TensorProto* t : impl_->external)
    for (auto& e : *t->mutable_external_data())
      if (e.key() == "location") e.set_value(impl_->location);
  const std::string bytes = impl_->model.serialize();
  impl_->data_file->commit();
  write_file_atomic(impl_->path, bytes);
  impl_->staged_model.reset();  // removes the staged copy of the model file
}

}  // namespace piu
