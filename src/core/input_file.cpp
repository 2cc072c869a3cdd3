#include "core/input_file.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace gpufleet {

InputFile::InputFile(InputFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)), size_(other.size_) {}

InputFile& InputFile::operator=(InputFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
  }
  return *this;
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

int InputFile::release() { return std::exchange(fd_, -1); }

std::string format_bytes(double bytes) {
  if (bytes >= 1024.0 * 1024 * 1024) return fmt::format("{:.3g} GiB", bytes / (1024.0 * 1024 * 1024));
  if (bytes >= 1024.0 * 1024) return fmt::format("{:.3g} MiB", bytes / (1024.0 * 1024));
  if (bytes >= 1024.0) return fmt::format("{:.3g} KiB", bytes / 1024.0);
  return fmt::format("{:.0f} bytes", bytes);
}

std::optional<InputFile> open_input_file(const std::string& path, const std::string& what, std::uint64_t max_bytes,
                                         const char* limit_name, Diagnostics& diags) {
  if (path.empty()) {
    diags.add("(empty path)", "", fmt::format("expected the path of the {}, found an empty string", what));
    return std::nullopt;
  }
  // O_NONBLOCK: opening a FIFO without a writer must not wait for one.
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    const int err = errno;
    diags.add(path, "",
              fmt::format("cannot open {}: {}{}", what, std::strerror(err), err == ENOENT ? " (does it exist?)" : ""));
    return std::nullopt;
  }
  InputFile f;
  f.fd_ = fd;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    diags.add(path, "", fmt::format("cannot read {}: {}", what, std::strerror(errno)));
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    const char* kind = S_ISDIR(st.st_mode)    ? "a directory"
                       : S_ISFIFO(st.st_mode) ? "a pipe (FIFO)"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISBLK(st.st_mode)  ? "a block device"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "not a regular file";
    diags.add(path, "", fmt::format("expected a regular file ({}), found {}", what, kind));
    return std::nullopt;
  }
  f.size_ = static_cast<std::uint64_t>(st.st_size);
  if (f.size_ > max_bytes) {
    if (limit_name)
      diags.add(path, "",
                fmt::format("the {} is {}, larger than the limit of {} ({}). If this is intended, raise it "
                            "with --limit {}=N (N in MiB)",
                            what, format_bytes(static_cast<double>(f.size_)),
                            format_bytes(static_cast<double>(max_bytes)), limit_name, limit_name));
    else
      diags.add(path, "",
                fmt::format("expected a {} of at most {}, found {}", what, format_bytes(static_cast<double>(max_bytes)),
                            format_bytes(static_cast<double>(f.size_))));
    return std::nullopt;
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return f;
}

std::optional<std::string> read_input_file(const std::string& path, const std::string& what, std::uint64_t max_bytes,
                                           const char* limit_name, Diagnostics& diags) {
  auto f = open_input_file(path, what, max_bytes, limit_name, diags);
  if (!f) return std::nullopt;
  std::string text;
  text.resize(static_cast<std::size_t>(f->size()));
  std::size_t got = 0;
  // Read what fstat promised, and stop there: a file that grows while it is read is cut at the
  // size that was checked (and then fails to parse), never read without end.
  while (got < text.size()) {
    const ssize_t n = ::read(f->fd(), text.data() + got, text.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      diags.add(path, "", fmt::format("cannot read {}: {}", what, std::strerror(errno)));
      return std::nullopt;
    }
    if (n == 0) break;  // shrank meanwhile
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  return text;
}

}  // namespace gpufleet
