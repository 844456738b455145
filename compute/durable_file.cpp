#include "compute/durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace stratus::compute {
namespace {

// Writes all of `data` to `fd` and fsyncs it.
bool writeAllAndSync(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return ::fsync(fd) == 0;
}

// The rename or link is durable only once the directory entry is.
void syncDirectory(const std::filesystem::path& dir) {
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace

std::string replaceFileDurably(const std::string& path, const std::string& data) {
  const std::filesystem::path target(path);
  const std::filesystem::path dir = target.parent_path().empty() ? "." : target.parent_path();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return std::string("cannot write ") + tmp + ": " + strerror(errno);
  const bool written = writeAllAndSync(fd, data);
  const int saved = errno;
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    return std::string("cannot write ") + tmp + ": " + strerror(saved);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return std::string("cannot rename ") + tmp + " over it: " + strerror(e);
  }
  syncDirectory(dir);
  return {};
}

CreateResult createFileDurablyOnce(const std::string& path, const std::string& data) {
  const std::filesystem::path target(path);
  const std::filesystem::path dir = target.parent_path().empty() ? "." : target.parent_path();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) {
    return {CreateOutcome::kFailed, std::string("cannot create ") + tmp + ": " + strerror(errno)};
  }
  const bool written = writeAllAndSync(fd, data);
  const int saved = errno;
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    return {CreateOutcome::kFailed, std::string("cannot write ") + tmp + ": " + strerror(saved)};
  }
  const int linked = ::link(tmp.c_str(), path.c_str());
  const int e = errno;
  ::unlink(tmp.c_str());
  if (linked != 0) {
    if (e == EEXIST) return {CreateOutcome::kExists, {}};
    return {CreateOutcome::kFailed,
            std::string("cannot link ") + tmp + " to " + path + ": " + strerror(e)};
  }
  syncDirectory(dir);
  return {CreateOutcome::kCreated, {}};
}

}  // namespace stratus::compute
