// The one way gpufleet opens a file it reads (scenarios, patches, sweep files, summaries,
// manifests, compare.csv, traces, files it hashes).
//
// A path is opened without blocking and then checked on the open descriptor (no window in
// which a file could be swapped for a pipe): it must be a regular file, and its size must not
// exceed the caller's cap. So a FIFO, /dev/zero, a directory or a 16 GB sparse file is a clear
// error naming the file and the limit, never a hang or an exhausted memory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "gpufleet/diagnostics.hpp"

namespace gpufleet {

// An open regular file (closed on destruction). The descriptor is blocking again once checked.
class InputFile {
 public:
  InputFile() = default;
  InputFile(InputFile&& other) noexcept;
  InputFile& operator=(InputFile&& other) noexcept;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile();

  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  std::uint64_t size() const { return size_; }
  // Gives the descriptor away (e.g. to zlib's gzdopen, which closes it).
  int release();

 private:
  friend std::optional<InputFile> open_input_file(const std::string&, const std::string&, std::uint64_t, const char*,
                                                  Diagnostics&);
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// Opens `path` for reading. `what` names the file in messages ("scenario file", "trace");
// `max_bytes` caps its size on disk and `limit_name` is the --limit that raises the cap (null:
// a fixed cap). Problems go to `diags` (file: `path`), and the result is empty.
std::optional<InputFile> open_input_file(const std::string& path, const std::string& what, std::uint64_t max_bytes,
                                         const char* limit_name, Diagnostics& diags);

// The whole content of `path`, opened as above.
std::optional<std::string> read_input_file(const std::string& path, const std::string& what, std::uint64_t max_bytes,
                                           const char* limit_name, Diagnostics& diags);

// "256 MiB", "1.5 GiB": a byte count for messages.
std::string format_bytes(double bytes);

}  // namespace gpufleet
