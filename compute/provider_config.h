// Nova's provider config files: YAML documents, read at agent start, that add custom
// inventories and traits to the agent's providers. Format and rules as Nova defines them
// (nova/compute/provider_config.py, schema version 1.0; the admin guide "Managing
// Resource Providers Using Config Files"):
//
//   meta:
//     schema_version: '1.0'          # a quoted string "1.N"; major 1 only
//   providers:
//     - identification:              # exactly one of:
//         name: cn1                  #   a provider name, 1 to 200 characters
//         # uuid: <uuid> | $COMPUTE_NODE   (the agent's compute node provider)
//       inventories:
//         additional:
//           - CUSTOM_X: {total: 4, reserved: 0, min_unit: 1, max_unit: 4,
//                        step_size: 1, allocation_ratio: 1.0}
//       traits:
//         additional: [CUSTOM_Y]
//
// Parsing and validating is pure (text in, plain data out); only loadProviderConfigDir
// touches the filesystem. Every error is InvalidArgument with one line that starts with
// the file's path and names the field ("providers[0].inventories.additional[1].CUSTOM_X
// .total"), the value and what is allowed: the agent exits 2 with it.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "placement_client/client.h"

namespace stratus::compute {

// The uuid that stands for the agent's compute node provider.
inline constexpr std::string_view kComputeNodeSentinel = "$COMPUTE_NODE";

struct ProviderConfigEntry {
  enum class By { kName, kUuid };
  By by = By::kName;
  std::string id;      // the name, or the uuid in lower case, or "$COMPUTE_NODE" (kUuid)
  std::string source;  // "<file>: providers[<i>]", for messages
  // Absent fields take Placement's defaults: reserved 0, min_unit 1,
  // max_unit 2147483647, step_size 1, allocation_ratio 1.0.
  placement_client::Inventories inventories;
  std::set<std::string> traits;

  bool operator==(const ProviderConfigEntry&) const = default;
};

struct ProviderConfigs {
  std::vector<ProviderConfigEntry> entries;  // files in name order, entries in file order
  // One line each, for the log: a schema minor version above 0 (read, unknown keys
  // ignored, as Nova does), an entry with nothing to add (ignored, as Nova does).
  std::vector<std::string> warnings;
};

// One file's text. `path` is used only in messages. Refused: YAML syntax; a document
// that is not a mapping; meta or meta.schema_version missing; a schema_version that is
// not a quoted "1.N"; a key Stratus does not know (in schema 1.0; with 1.N, N > 0, such
// keys are skipped with a warning); identification with other than exactly one of name,
// uuid; a name that is empty or over 200 characters; a uuid that is neither 8-4-4-4-12
// hex digits nor $COMPUTE_NODE; a resource class or trait that does not match
// [A-Z0-9_]{1,255} or is not CUSTOM_ (only custom classes and traits may be set this
// way, Nova's rule); a class given twice for one provider; an inventory without total,
// with a field that is not a whole number (allocation_ratio: a number), outside
// Placement's ranges (total, min_unit, max_unit, step_size 1..2147483647; reserved
// 0..2147483647; allocation_ratio 0..3.4e38), with reserved over total or min_unit over
// max_unit (Placement refuses both).
Result<ProviderConfigs> parseProviderConfig(const std::string& path, const std::string& text);

// Adds `file`'s entries to `all`; a provider identified the same way (same name, or
// same uuid) twice, in one file or two, is refused naming both places (Nova's rule).
Status mergeProviderConfigs(ProviderConfigs& all, ProviderConfigs file);

// Every "*.yaml" file directly in `dir`, in name order, parsed and merged. A directory
// that does not exist holds no files (Nova's default directory need not exist); a path
// that is not a directory, or a file that cannot be read, is an error naming
// [compute] provider_config_location or the file.
Result<ProviderConfigs> loadProviderConfigDir(const std::string& dir);

}  // namespace stratus::compute
