#include "placement/json_schema.h"

#include <cctype>

namespace stratus::placement {
namespace {

std::string typeName(SchemaField::Type t) {
  switch (t) {
    case SchemaField::Type::kString:
    case SchemaField::Type::kUuid:
      return "string";
    case SchemaField::Type::kNullableUuid:
      return "string', 'null";
    case SchemaField::Type::kInteger:
      return "integer";
    case SchemaField::Type::kNumber:
      return "number";
    case SchemaField::Type::kBoolean:
      return "boolean";
    case SchemaField::Type::kArray:
      return "array";
    case SchemaField::Type::kObject:
      return "object";
    case SchemaField::Type::kAny:
      return "any";
  }
  return "";
}

std::string fail(const std::string& message, const std::string& validator,
                 const std::string& property = {}) {
  const std::string where = property.empty() ? "" : "['properties']['" + property + "']";
  return "JSON does not validate: " + message + "\n\nFailed validating '" + validator +
         "' in schema" + where;
}

}  // namespace

std::string pyRepr(const nlohmann::json& v) {
  if (v.is_string()) return std::string("'").append(v.get<std::string>()).append("'");
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_null()) return "None";
  if (v.is_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + pyRepr(v[i]);
    return out + "]";
  }
  if (v.is_object()) {
    std::string out = "{";
    bool first = true;
    for (const auto& [k, x] : v.items()) {
      out += (first ? "'" : ", '") + k + "': " + pyRepr(x);
      first = false;
    }
    return out + "}";
  }
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool isUuid(const std::string& s) {
  std::string hex;
  for (char c : s) {
    if (c == '-') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    hex.push_back(c);
  }
  if (hex.size() != 32) return false;
  if (s.size() == 32) return true;
  // Dashes only at the canonical places.
  return s.size() == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-';
}

std::string canonicalUuid(const std::string& s) {
  std::string hex;
  for (char c : s) {
    if (c != '-') hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (hex.size() != 32) return s;
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

std::optional<std::string> validateObject(const nlohmann::json& value, const ObjectSchema& schema) {
  if (!value.is_object()) return fail(pyRepr(value) + " is not of type 'object'", "type");
  for (const auto& [name, field] : schema.fields) {
    if (field.required && !value.contains(name)) {
      return fail("'" + name + "' is a required property", "required");
    }
  }
  if (!schema.additional_properties) {
    for (const auto& [k, v] : value.items()) {
      if (!schema.fields.count(k)) {
        return fail("Additional properties are not allowed ('" + k + "' was unexpected)",
                    "additionalProperties");
      }
    }
  }
  for (const auto& [name, field] : schema.fields) {
    if (!value.contains(name)) continue;
    const auto& v = value.at(name);
    using T = SchemaField::Type;
    bool ok = true;
    switch (field.type) {
      case T::kString:
        ok = v.is_string();
        break;
      case T::kUuid:
        ok = v.is_string();
        break;
      case T::kNullableUuid:
        ok = v.is_string() || v.is_null();
        break;
      case T::kInteger:
        ok = v.is_number_integer();
        break;
      case T::kNumber:
        ok = v.is_number();
        break;
      case T::kBoolean:
        ok = v.is_boolean();
        break;
      case T::kArray:
        ok = v.is_array();
        break;
      case T::kObject:
        ok = v.is_object();
        break;
      case T::kAny:
        ok = true;
        break;
    }
    if (!ok)
      return fail(pyRepr(v) + " is not of type '" + typeName(field.type) + "'", "type", name);
    if ((field.type == T::kUuid || field.type == T::kNullableUuid) && v.is_string() &&
        !isUuid(v.get<std::string>())) {
      return fail(pyRepr(v) + " is not a 'uuid'", "format", name);
    }
    if (v.is_string()) {
      const auto len = v.get<std::string>().size();
      if (field.min_length && len < *field.min_length) {
        return fail(pyRepr(v) + " is too short", "minLength", name);
      }
      if (field.max_length && len > *field.max_length) {
        return fail(pyRepr(v) + " is too long", "maxLength", name);
      }
    }
    if (v.is_number()) {
      const double d = v.get<double>();
      if (field.minimum && d < *field.minimum) {
        return fail(pyRepr(v) + " is less than the minimum of " +
                        std::to_string(static_cast<long long>(*field.minimum)),
                    "minimum", name);
      }
      if (field.maximum && d > *field.maximum) {
        return fail(pyRepr(v) + " is greater than the maximum of " +
                        std::to_string(static_cast<long long>(*field.maximum)),
                    "maximum", name);
      }
    }
  }
  return std::nullopt;
}

}  // namespace stratus::placement
