#include "http/json_schema.h"

#include <catch2/catch.hpp>

using namespace stratus::http;
using nlohmann::json;
using T = SchemaField::Type;

TEST_CASE("checkValue names the first rule a value breaks") {
  const SchemaField size = SchemaField(T::kIntegerOrDigits, true).range(1, 4096);
  CHECK_FALSE(checkValue(json(64), size));
  CHECK_FALSE(checkValue(json("64"), size));
  CHECK(numberOf(json("64")) == 64);
  CHECK(checkValue(json(""), size) == SchemaRule::kType);
  CHECK(checkValue(json("-1"), size) == SchemaRule::kType);
  CHECK(checkValue(json(1.5), size) == SchemaRule::kType);
  CHECK(checkValue(json("1234567890123456789"), size) == SchemaRule::kType);  // over 18 digits
  CHECK(checkValue(json(0), size) == SchemaRule::kBelowMinimum);
  CHECK(checkValue(json("5000"), size) == SchemaRule::kAboveMaximum);

  const SchemaField ratio = SchemaField(T::kNumber, false).above(0);
  CHECK(checkValue(json(0), ratio) == SchemaRule::kBelowMinimum);
  CHECK_FALSE(checkValue(json(0.5), ratio));

  const SchemaField name =
      SchemaField(T::kString, true).length(1, 3).orNull().withFormat([](std::string_view s) {
        return s.find('/') == std::string_view::npos;
      });
  CHECK_FALSE(checkValue(json(nullptr), name));
  CHECK(checkValue(json("a/b"), name) == SchemaRule::kFormat);
  CHECK(checkValue(json(""), name) == SchemaRule::kTooShort);
  CHECK(checkValue(json("abcd"), name) == SchemaRule::kTooLong);
  CHECK(checkValue(json(3), name) == SchemaRule::kType);
}

TEST_CASE("validateObject keeps Python jsonschema's words") {
  const ObjectSchema schema{{{"total", SchemaField(T::kInteger, true).range(1, 10)},
                             {"uuid", SchemaField(T::kUuid, false)}},
                            false};
  CHECK(validateObject(json::object(), schema) ==
        std::optional<std::string>("JSON does not validate: 'total' is a required property\n\n"
                                   "Failed validating 'required' in schema"));
  CHECK(validateObject(json{{"total", 0}}, schema) ==
        std::optional<std::string>("JSON does not validate: 0 is less than the minimum of 1\n\n"
                                   "Failed validating 'minimum' in schema['properties']['total']"));
  CHECK(validateObject(json{{"total", 1}, {"uuid", "nope"}}, schema) ==
        std::optional<std::string>("JSON does not validate: 'nope' is not a 'uuid'\n\n"
                                   "Failed validating 'format' in schema['properties']['uuid']"));
  CHECK(validateObject(json{{"total", 1}, {"x", 1}}, schema) ==
        std::optional<std::string>("JSON does not validate: Additional properties are not "
                                   "allowed ('x' was unexpected)\n\nFailed validating "
                                   "'additionalProperties' in schema"));
  CHECK_FALSE(validateObject(json{{"total", 10}}, schema));
}
