#include "cli/output_format.h"

#include <algorithm>
#include <sstream>

namespace stratus::cli {
namespace {

std::vector<std::string> linesOf(const std::string& cell) {
  std::vector<std::string> out;
  std::istringstream in(cell);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  if (out.empty()) out.emplace_back();
  return out;
}

}  // namespace

void printTable(std::ostream& out, const Rows& rows) {
  std::vector<std::size_t> width(rows.columns.size(), 0);
  for (std::size_t c = 0; c < rows.columns.size(); ++c) width[c] = rows.columns[c].size();
  for (const auto& row : rows.rows) {
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) {
      for (const auto& line : linesOf(row[c])) width[c] = std::max(width[c], line.size());
    }
  }
  const auto rule = [&] {
    out << '+';
    for (auto w : width) out << std::string(w + 2, '-') << '+';
    out << '\n';
  };
  const auto line = [&](const std::vector<std::vector<std::string>>& cells) {
    std::size_t height = 1;
    for (const auto& c : cells) height = std::max(height, c.size());
    for (std::size_t h = 0; h < height; ++h) {
      out << '|';
      for (std::size_t c = 0; c < width.size(); ++c) {
        const std::string text = c < cells.size() && h < cells[c].size() ? cells[c][h] : "";
        out << ' ' << text << std::string(width[c] - text.size(), ' ') << " |";
      }
      out << '\n';
    }
  };
  rule();
  std::vector<std::vector<std::string>> header;
  for (const auto& c : rows.columns) header.push_back({c});
  line(header);
  rule();
  for (const auto& row : rows.rows) {
    std::vector<std::vector<std::string>> cells;
    for (const auto& cell : row) cells.push_back(linesOf(cell));
    line(cells);
  }
  if (!rows.rows.empty()) rule();
}

nlohmann::json rowsToJson(const Rows& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& row : rows.rows) {
    nlohmann::json obj = nlohmann::json::object();
    for (std::size_t c = 0; c < rows.columns.size() && c < row.size(); ++c) {
      obj[rows.columns[c]] = row[c];
    }
    out.push_back(std::move(obj));
  }
  return out;
}

void printRows(std::ostream& out, const Rows& rows, OutputFormat format) {
  switch (format) {
    case OutputFormat::kTable:
      printTable(out, rows);
      return;
    case OutputFormat::kJson:
      out << rowsToJson(rows).dump(2) << '\n';
      return;
    case OutputFormat::kValue:
      for (const auto& row : rows.rows) {
        for (std::size_t c = 0; c < row.size(); ++c) out << (c ? " " : "") << row[c];
        out << '\n';
      }
      return;
  }
}

}  // namespace stratus::cli
