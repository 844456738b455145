// The few JSON Schema checks placement's request bodies need, with messages in the
// wording OpenStack clients and Placement's tests look for ("'x' is a required
// property", "Additional properties are not allowed", ...).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace stratus::placement {

struct SchemaField {
  enum class Type {
    kString,
    kInteger,
    kNumber,
    kBoolean,
    kArray,
    kObject,
    kUuid,
    kNullableUuid,
    kAny
  };
  SchemaField() = default;
  SchemaField(Type t, bool req) : type(t), required(req) {}  // NOLINT(google-explicit-constructor)
  SchemaField& range(double lo, double hi) {
    minimum = lo;
    maximum = hi;
    return *this;
  }
  SchemaField& length(std::size_t lo, std::size_t hi) {
    min_length = lo;
    max_length = hi;
    return *this;
  }

  Type type = Type::kString;
  bool required = false;
  std::optional<double> minimum;
  std::optional<double> maximum;
  std::optional<std::size_t> min_length;
  std::optional<std::size_t> max_length;
};

struct ObjectSchema {
  std::map<std::string, SchemaField> fields;
  bool additional_properties = false;
};

// Empty when valid; otherwise the message for the 400's detail.
std::optional<std::string> validateObject(const nlohmann::json& value, const ObjectSchema& schema);

// How Python's jsonschema shows a value in its messages: 'text', 1, True, None, [...].
std::string pyRepr(const nlohmann::json& value);

bool isUuid(const std::string& s);
// Placement stores UUIDs in the canonical dashed, lower-case form.
std::string canonicalUuid(const std::string& s);

}  // namespace stratus::placement
