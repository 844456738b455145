// The JSON form of one inventory record, shared by the inventory handlers and the
// reshaper: its schema, and reading and writing it.
#pragma once

#include <nlohmann/json.hpp>

#include "placement/json_schema.h"
#include "placement/model.h"

namespace stratus::placement {

// The record's fields; with_generation adds resource_provider_generation (optional
// when with_class, as POST takes it), with_class adds resource_class.
const ObjectSchema& inventorySchema(bool with_generation, bool with_class);
// From a record that passed inventorySchema; absent fields take Placement's defaults.
Inventory inventoryFrom(const nlohmann::json& j);
nlohmann::json inventoryJson(const Inventory& i);

}  // namespace stratus::placement
