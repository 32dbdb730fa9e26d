#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/checked.hpp"
#include "piu/core.hpp"

namespace piu {

namespace fs = std::filesystem;

namespace {
std::string errno_text() { return std::strerror(errno); }
}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  fs::path target(path_);
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  if (!fs::is_directory(dir))
    throw Error(ErrorCode::kIo, "cannot write " + path_ + ": folder " + dir.string() + " does not exist");
  // Renaming over a device, FIFO or socket (-o /dev/null) would replace it with a plain file.
  std::error_code ec;
  const fs::file_status st = fs::status(target, ec);
  if (!ec && fs::exists(st) && !fs::is_regular_file(st))
    throw Error(ErrorCode::kIo, "cannot write " + path_ + ": " +
                                    (fs::is_directory(st) ? "it is a folder" : "not a regular file") +
                                    " (piu writes a temp file and renames it over the target)");
  std::string temp_name = target.filename().string();
  temp_name.insert(0, 1, '.');
  temp_name.append(".tmp.XXXXXX");
  std::string pattern = (dir / temp_name).string();
  int fd = ::mkstemp(pattern.data());
  if (fd < 0) throw Error(ErrorCode::kIo, "cannot write " + path_ + ": " + errno_text());
  temp_path_ = pattern;
  temp_guard_ = RemoveOnSignal(temp_path_, RemoveOnSignal::Kind::kFile);
  ::fchmod(fd, 0644);
  ::close(fd);
  auto out = std::make_unique<std::ofstream>(temp_path_, std::ios::binary | std::ios::trunc);
  if (!*out) {
    ::unlink(temp_path_.c_str());
    throw Error(ErrorCode::kIo, "cannot write " + path_ + ": cannot open temp file " + temp_path_);
  }
  stream_ = std::move(out);
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    stream_.reset();
    ::unlink(temp_path_.c_str());
  }
}

std::ostream& AtomicFile::stream() { return *stream_; }

void AtomicFile::flush() {
  stream_->flush();
  if (!*stream_) throw Error(ErrorCode::kIo, "cannot write " + path_ + ": write failed (disk full?)");
}

void AtomicFile::commit() {
  auto* out = static_cast<std::ofstream*>(stream_.get());
  out->flush();
  if (!*out) throw Error(ErrorCode::kIo, "cannot write " + path_ + ": write failed (disk full?)");
  out->close();
  int fd = ::open(temp_path_.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0)
    throw Error(ErrorCode::kIo, "cannot write " + path_ + ": rename failed: " + errno_text());
  committed_ = true;
  temp_guard_.release();
}

void check_writable(const std::string& path) {
  AtomicFile probe(path);  // removes its temp file as it goes out of scope uncommitted
}

void write_file_atomic(const std::string& path, std::string_view content) {
  AtomicFile file(path);
  file.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
  file.commit();
}

void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& writer) {
  AtomicFile file(path);
  writer(file.stream());
  file.commit();
}

void check_regular_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw Error(ErrorCode::kIo, "cannot read " + path + ": " + (errno == ENOENT ? "no such file" : errno_text()));
  if (S_ISREG(st.st_mode)) return;
  const char* kind = S_ISDIR(st.st_mode)    ? "a folder"
                     : S_ISFIFO(st.st_mode) ? "a FIFO (named pipe)"
                     : S_ISCHR(st.st_mode)  ? "a character device"
                     : S_ISBLK(st.st_mode)  ? "a block device"
                     : S_ISSOCK(st.st_mode) ? "a socket"
                                            : "a special file";
  throw Error(ErrorCode::kBadInput, path + ": is " + std::string(kind) + ", not a regular file");
}

std::string read_file(const std::string& path) {
  check_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, "cannot read " + path + ": " + errno_text());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace piu
