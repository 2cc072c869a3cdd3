// A command's output folder, written so that it never holds files of two runs.
//
// Everything is written into a fresh hidden staging folder beside the final one
// (`.NAME.gpufleet-staging-PID`), and commit() puts it in place in one step: a rename when
// nothing is there, else an atomic exchange with the old folder (renameat2 RENAME_EXCHANGE),
// which is then removed. So the final path holds, at every instant, either the old complete
// results or the new ones; a run that fails (a full disk, an internal error) or is killed leaves
// the old folder as it was, and two runs into one folder at once leave the folder of one of them.
// Staging folders of processes that no longer exist are removed the next time a command
// writes beside them.
//
// An existing folder is only replaced when everything in it is something gpufleet writes
// (is_result_entry()): an --out that names a folder of the user's own is refused, never emptied.
#pragma once

#include <string>

namespace gpufleet {

class ResultFolder {
 public:
  // Checks `final_dir`, clears stale staging folders beside it and creates the staging folder.
  // Throws InputError naming `final_dir` (an empty path, the current folder or one of its
  // parents, an existing file or symbolic link, a folder holding files gpufleet did not write, an
  // unwritable place).
  explicit ResultFolder(const std::string& final_dir);
  ResultFolder(const ResultFolder&) = delete;
  ResultFolder& operator=(const ResultFolder&) = delete;
  // Removes the staging folder unless committed.
  ~ResultFolder();

  const std::string& staging() const { return staging_; }
  const std::string& final_dir() const { return final_; }
  // Puts the staging folder in place of the final one; throws InputError when it cannot.
  void commit();

 private:
  std::string final_;   // as the user gave it (for messages)
  std::string target_;  // absolute, normalised
  std::string staging_;
  bool keep_ = false;  // committed, or kept for the user after a failed commit
};

// Whether `name`, an entry of a results folder (kind: directory or not), is one gpufleet writes:
// the files of a run, of a comparison (and its runs/ folder), temporary and staging files.
bool is_result_entry(const std::string& name, bool directory);

}  // namespace gpufleet
