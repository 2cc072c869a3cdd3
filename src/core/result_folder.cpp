#include "core/result_folder.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <string_view>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "gpufleet/diagnostics.hpp"

namespace gpufleet {
namespace {

namespace fs = std::filesystem;

constexpr const char* kStagingTag = ".gpufleet-staging-";

[[noreturn]] void refuse(const std::string& dir, const std::string& message) {
  Diagnostics d;
  d.add(dir, "", message);
  throw InputError(std::move(d));
}

bool all_digits(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

// The first entry of `dir` that gpufleet did not write, or "" when there is none.
std::string foreign_entry(const fs::path& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool is_dir = it->is_directory(ec);
    if (!is_result_entry(name, is_dir)) return name;
    if (is_dir && name == "runs") {
      const std::string inner = foreign_entry(it->path());
      if (!inner.empty()) return "runs/" + inner;
    }
  }
  if (ec) return fmt::format("(cannot list it: {})", ec.message());
  return "";
}

// Removes staging folders beside `target` left by processes that no longer exist.
void remove_stale_staging(const fs::path& parent, const std::string& name) {
  const std::string prefix = "." + name + kStagingTag;
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string entry = it->path().filename().string();
    if (entry.rfind(prefix, 0) != 0) continue;
    std::string pid_text = entry.substr(prefix.size());
    pid_text = pid_text.substr(0, pid_text.find_first_not_of("0123456789"));  // "PID" or "PID-old"
    if (pid_text.empty() || pid_text.size() > 9) continue;
    const auto pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid != ::getpid() && (::kill(pid, 0) == 0 || errno != ESRCH)) continue;  // its writer may be alive
    std::error_code rm;
    fs::remove_all(it->path(), rm);
  }
}

void sync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

bool is_result_entry(const std::string& name, bool directory) {
  static const std::set<std::string> kFiles = {
      "summary.json", "report.html", "jobs.csv",    "timeseries.csv", "scenario.json", "run.json",  "rollout.csv",
      "orders.csv",   "tenants.csv", "compare.csv", "compare.md",     "compare.html",  "sweep.json"};
  if (!directory && kFiles.count(name)) return true;
  if (directory && name == "runs") return true;
  if (name.find(kStagingTag) != std::string::npos && name[0] == '.') return true;
  // write_file_atomic's temporary files: NAME.tmp.PID
  const auto tmp = name.rfind(".tmp.");
  if (!directory && tmp != std::string::npos && all_digits(name.substr(tmp + 5))) return true;
  // Inside runs/: one folder per run ("r0007-v2-s3") and its log ("r0007-v2-s3.log").
  std::string_view stem(name);
  const bool log = stem.size() > 4 && stem.substr(stem.size() - 4) == ".log";
  if (log) stem.remove_suffix(4);
  if (stem.size() > 1 && stem[0] == 'r' && stem.find("-v") != std::string_view::npos &&
      stem.find("-s") != std::string_view::npos && stem.find_first_not_of("0123456789rvs-") == std::string_view::npos)
    return directory != log;
  return false;
}

ResultFolder::ResultFolder(const std::string& final_dir) : final_(final_dir) {
  if (final_dir.empty()) refuse("--out", "expected an output folder, found an empty path");
  std::error_code ec;
  const fs::path target = fs::absolute(fs::path(final_dir), ec).lexically_normal();
  if (ec) refuse(final_dir, fmt::format("cannot resolve the output folder: {}", ec.message()));
  fs::path t = target;
  if (!t.has_filename()) t = t.parent_path();  // "out/" -> "out"
  target_ = t.string();
  const fs::path cwd = fs::current_path(ec);
  if (!t.has_filename() || t == t.root_path() || (!ec && (cwd == t || cwd.string().rfind(t.string() + "/", 0) == 0)))
    refuse(final_dir, "expected an output folder other than the current folder, one of its parents or /");
  if (fs::is_symlink(fs::symlink_status(t, ec)))
    refuse(final_dir,
           "cannot write results: it is a symbolic link; give the folder itself (gpufleet replaces it as a whole)");
  if (fs::exists(fs::status(t, ec))) {
    if (!fs::is_directory(fs::status(t, ec)))
      refuse(final_dir, "cannot write results: it exists and is not a folder (choose another --out)");
    const std::string foreign = foreign_entry(t);
    if (!foreign.empty())
      refuse(final_dir,
             fmt::format("cannot write results: the folder holds \"{}\", which gpufleet did not write; "
                         "gpufleet replaces a results folder as a whole, so choose another --out or remove it",
                         foreign));
  }
  const fs::path parent = t.parent_path();
  fs::create_directories(parent, ec);
  if (ec) refuse(final_dir, fmt::format("cannot create the folder {}: {}", parent.string(), ec.message()));
  const std::string name = t.filename().string();
  remove_stale_staging(parent, name);
  staging_ = (parent / fmt::format(".{}{}{}", name, kStagingTag, ::getpid())).string();
  fs::remove_all(staging_, ec);
  if (::mkdir(staging_.c_str(), 0755) != 0)
    refuse(final_dir, fmt::format("cannot write results: cannot create {}: {}", staging_, std::strerror(errno)));
}

ResultFolder::~ResultFolder() {
  if (keep_) return;
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

void ResultFolder::commit() {
  const fs::path t(target_);
  std::error_code ec;
  // Someone may have put files of their own there since the constructor looked.
  if (fs::is_directory(t, ec)) {
    const std::string foreign = foreign_entry(t);
    if (!foreign.empty()) {
      keep_ = true;
      refuse(final_, fmt::format("cannot write results: the folder now holds \"{}\", which gpufleet did not write; "
                                 "the results stay in {}",
                                 foreign, staging_));
    }
  }
  for (int attempt = 0; attempt < 8; ++attempt) {
    // Nothing there (or an empty folder): a plain rename puts the new folder in place.
    if (::rename(staging_.c_str(), target_.c_str()) == 0) {
      keep_ = true;
      sync_dir(t.parent_path());
      return;
    }
    if (errno != ENOTEMPTY && errno != EEXIST) break;
    // An old folder: exchange the two in one step, then remove the old one (now at staging_).
    if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) == 0) {
      keep_ = true;
      sync_dir(t.parent_path());
      fs::remove_all(staging_, ec);
      return;
    }
    if (errno == ENOENT) continue;  // the old folder went away meanwhile: rename again
    if (errno != EINVAL && errno != ENOSYS) break;
    // A file system without RENAME_EXCHANGE: move the old folder aside first.
    const std::string aside = staging_ + "-old";
    if (::rename(target_.c_str(), aside.c_str()) == 0) {
      if (::rename(staging_.c_str(), target_.c_str()) == 0) {
        keep_ = true;
        sync_dir(t.parent_path());
        fs::remove_all(aside, ec);
        return;
      }
      ::rename(aside.c_str(), target_.c_str());  // put the old one back
    }
    break;
  }
  keep_ = true;
  refuse(final_, fmt::format("cannot put the results in place: {}; they stay in {}", std::strerror(errno), staging_));
}

}  // namespace gpufleet
