#include "placement/inventory_body.h"

namespace stratus::placement {

const ObjectSchema& inventorySchema(bool with_generation, bool with_class) {
  static const auto make = [](bool gen, bool cls) {
    using T = SchemaField::Type;
    const double max = static_cast<double>(kMaxInt);
    ObjectSchema s;
    s.fields["total"] = SchemaField(T::kInteger, true).range(1, max);
    s.fields["reserved"] = SchemaField(T::kInteger, false).range(0, max);
    s.fields["min_unit"] = SchemaField(T::kInteger, false).range(1, max);
    s.fields["max_unit"] = SchemaField(T::kInteger, false).range(1, max);
    s.fields["step_size"] = SchemaField(T::kInteger, false).range(1, max);
    s.fields["allocation_ratio"] = SchemaField(T::kNumber, false).range(0, 3.40282e38);
    if (gen) s.fields["resource_provider_generation"] = SchemaField(T::kInteger, !cls);
    if (cls) s.fields["resource_class"] = SchemaField(T::kString, true).length(1, 255);
    return s;
  };
  static const ObjectSchema plain = make(false, false);
  static const ObjectSchema gen = make(true, false);
  static const ObjectSchema gen_cls = make(true, true);
  return with_class ? gen_cls : (with_generation ? gen : plain);
}

Inventory inventoryFrom(const nlohmann::json& j) {
  Inventory i;
  i.total = j.at("total");
  i.reserved = j.value("reserved", std::int64_t{0});
  i.min_unit = j.value("min_unit", std::int64_t{1});
  i.max_unit = j.value("max_unit", kMaxInt);
  i.step_size = j.value("step_size", std::int64_t{1});
  i.allocation_ratio = j.value("allocation_ratio", 1.0);
  return i;
}

nlohmann::json inventoryJson(const Inventory& i) {
  return {{"total", i.total},         {"reserved", i.reserved},
          {"min_unit", i.min_unit},   {"max_unit", i.max_unit},
          {"step_size", i.step_size}, {"allocation_ratio", i.allocation_ratio}};
}

}  // namespace stratus::placement
