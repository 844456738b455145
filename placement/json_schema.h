// Moved to http/json_schema.h, shared with the compute API; these names keep placement's.
#pragma once

#include "http/json_schema.h"

namespace stratus::placement {
using http::canonicalUuid, http::isUuid, http::ObjectSchema, http::pyRepr, http::SchemaField,
    http::validateObject;
}  // namespace stratus::placement
