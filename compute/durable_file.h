// Replacing a small state file so that a crash leaves either the old contents or the
// new ones, never a torn file: the agent's records under [compute] instances_path.
#pragma once

#include <string>

namespace stratus::compute {

// Writes `data` to "<path>.tmp", fsyncs it, renames it over `path` and fsyncs the
// directory (created first if missing). Returns "" on success, else why it failed
// ("cannot write <path>.tmp: No space left on device").
std::string replaceFileDurably(const std::string& path, const std::string& data);

// Creates `path` holding `data` only if it does not exist yet, durably and atomically:
// the data goes to a uniquely named temporary file that is fsynced and then hard-linked
// to `path`, so concurrent callers (several agents started at once on one instances
// path) never see a torn file and exactly one of them wins.
enum class CreateOutcome { kCreated, kExists, kFailed };
struct CreateResult {
  CreateOutcome outcome;
  std::string why;  // set when kFailed ("cannot link ...: Permission denied")
};
CreateResult createFileDurablyOnce(const std::string& path, const std::string& data);

}  // namespace stratus::compute
