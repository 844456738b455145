// Output the way the openstack CLI prints it: -f table (boxed), json, or value (the
// cells separated by spaces, one row per line).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace stratus::cli {

enum class OutputFormat { kTable, kJson, kValue };

struct Rows {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

// Cells may hold several lines; table rows grow to fit them.
void printTable(std::ostream& out, const Rows& rows);
void printRows(std::ostream& out, const Rows& rows, OutputFormat format);
// For -f json of a list: an array of objects keyed by column name.
nlohmann::json rowsToJson(const Rows& rows);

}  // namespace stratus::cli
