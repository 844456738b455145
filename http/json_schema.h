// The JSON Schema checks the services' request bodies need (a subset of JSON Schema:
// type, required, additionalProperties, minimum/maximum, minLength/maxLength, a
// format, null allowed). Two layers:
//   checkValue / SchemaViolation: which rule a value breaks, for a service to word
//     its own way (the compute API words them as Nova does, api/compute/schemas.cpp);
//   validateObject: the whole object with the wording of Python's jsonschema, which
//     OpenStack clients and Placement's tests look for ("'x' is a required
//     property", "Additional properties are not allowed", ...).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::http {

struct SchemaField {
  enum class Type {
    kString,
    kInteger,
    // An integer, or a string of at most 18 digits read as one (Nova's flavor sizes:
    // "type": ["integer", "string"], "pattern": "^[0-9]*$").
    kIntegerOrDigits,
    kNumber,
    kBoolean,
    kArray,
    kObject,
    kUuid,
    kNullableUuid,
    kAny
  };
  // A string format: true when the string has it (JSON Schema "format"/"pattern").
  using Format = bool (*)(std::string_view);

  SchemaField() = default;
  SchemaField(Type t, bool req) : type(t), required(req) {}  // NOLINT(google-explicit-constructor)
  SchemaField& range(double lo, double hi) {
    minimum = lo;
    maximum = hi;
    return *this;
  }
  SchemaField& atLeast(double lo) {
    minimum = lo;
    return *this;
  }
  // JSON Schema "exclusiveMinimum": the value must be greater than `lo`.
  SchemaField& above(double lo) {
    minimum = lo;
    exclusive_minimum = true;
    return *this;
  }
  SchemaField& atMost(double hi) {
    maximum = hi;
    return *this;
  }
  SchemaField& length(std::size_t lo, std::size_t hi) {
    min_length = lo;
    max_length = hi;
    return *this;
  }
  SchemaField& maxLength(std::size_t hi) {
    max_length = hi;
    return *this;
  }
  SchemaField& orNull() {
    nullable = true;
    return *this;
  }
  SchemaField& withFormat(Format f) {
    format = f;
    return *this;
  }

  Type type = Type::kString;
  bool required = false;
  bool nullable = false;  // null is accepted and no other rule applies to it
  bool exclusive_minimum = false;
  std::optional<double> minimum;
  std::optional<double> maximum;
  std::optional<std::size_t> min_length;
  std::optional<std::size_t> max_length;
  Format format = nullptr;
};

struct ObjectSchema {
  std::map<std::string, SchemaField> fields;
  bool additional_properties = false;
};

// The rule a value breaks, in the order checkValue tries them.
enum class SchemaRule {
  kType,
  kFormat,  // kUuid's UUID shape, or the field's Format
  kTooShort,
  kTooLong,
  kBelowMinimum,
  kAboveMaximum,
};

// The first rule a present value breaks: type, then (strings) length and format,
// then (numbers) minimum and maximum. nullopt when it keeps them all.
std::optional<SchemaRule> checkValue(const nlohmann::json& value, const SchemaField& field);

// The number a kInteger/kIntegerOrDigits/kNumber value stands for, once it passed
// checkValue ("64" -> 64).
double numberOf(const nlohmann::json& value);

// Empty when valid; otherwise the message for the 400's detail.
std::optional<std::string> validateObject(const nlohmann::json& value, const ObjectSchema& schema);

// How Python's jsonschema shows a value in its messages: 'text', 1, True, None, [...].
std::string pyRepr(const nlohmann::json& value);

bool isUuid(const std::string& s);
// Placement stores UUIDs in the canonical dashed, lower-case form.
std::string canonicalUuid(const std::string& s);

}  // namespace stratus::http
