#include "engine/print_table.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace lake::engine {

void PrintTable(const QueryResult& r, std::ostream& out, bool row_count) {
  const size_t nc = r.column_count();
  auto cell = [&](size_t c, size_t row) -> std::string_view {
    return r.IsNull(c, row) ? std::string_view("NULL") : r.GetString(c, row);
  };
  std::vector<size_t> width(nc);
  for (size_t c = 0; c < nc; ++c) {
    width[c] = r.column_name(c).size();
    for (size_t row = 0; row < r.row_count(); ++row)
      width[c] = std::max(width[c], cell(c, row).size());
  }
  auto print_row = [&](auto&& value) {
    for (size_t c = 0; c < nc; ++c) {
      std::string_view v = value(c);
      out << (c ? " | " : "") << v << std::string(width[c] - v.size(), ' ');
    }
    out << "\n";
  };
  print_row([&](size_t c) -> std::string_view { return r.column_name(c); });
  for (size_t c = 0; c < nc; ++c) out << (c ? "-+-" : "") << std::string(width[c], '-');
  out << "\n";
  for (size_t row = 0; row < r.row_count(); ++row) {
    print_row([&](size_t c) { return cell(c, row); });
  }
  if (row_count) out << "(" << r.row_count() << (r.row_count() == 1 ? " row)\n" : " rows)\n");
}

}  // namespace lake::engine
