#include "http/json_schema.h"

#include <cctype>

namespace stratus::http {
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
    case SchemaField::Type::kIntegerOrDigits:
      return "integer', 'string";
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

namespace {

bool isDigits(const std::string& s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool hasType(const nlohmann::json& v, SchemaField::Type type) {
  using T = SchemaField::Type;
  switch (type) {
    case T::kString:
    case T::kUuid:
      return v.is_string();
    case T::kNullableUuid:
      return v.is_string() || v.is_null();
    case T::kInteger:
      return v.is_number_integer();
    case T::kIntegerOrDigits:
      return v.is_number_integer() || (v.is_string() && isDigits(v.get<std::string>()));
    case T::kNumber:
      return v.is_number();
    case T::kBoolean:
      return v.is_boolean();
    case T::kArray:
      return v.is_array();
    case T::kObject:
      return v.is_object();
    case T::kAny:
      return true;
  }
  return false;
}

}  // namespace

double numberOf(const nlohmann::json& v) {
  if (v.is_string()) return static_cast<double>(std::stoll(v.get<std::string>()));
  return v.is_number() ? v.get<double>() : 0;
}

std::optional<SchemaRule> checkValue(const nlohmann::json& v, const SchemaField& field) {
  using T = SchemaField::Type;
  if (field.nullable && v.is_null()) return std::nullopt;
  if (!hasType(v, field.type)) return SchemaRule::kType;
  const bool digits = field.type == T::kIntegerOrDigits && v.is_string();
  if (v.is_string() && !digits) {
    const std::string& s = v.get_ref<const std::string&>();
    if ((field.type == T::kUuid || field.type == T::kNullableUuid) && !isUuid(s)) {
      return SchemaRule::kFormat;
    }
    if (field.format && !field.format(s)) return SchemaRule::kFormat;
    if (field.min_length && s.size() < *field.min_length) return SchemaRule::kTooShort;
    if (field.max_length && s.size() > *field.max_length) return SchemaRule::kTooLong;
  }
  if (v.is_number() || digits) {
    const double d = numberOf(v);
    if (field.minimum && (field.exclusive_minimum ? d <= *field.minimum : d < *field.minimum)) {
      return SchemaRule::kBelowMinimum;
    }
    if (field.maximum && d > *field.maximum) return SchemaRule::kAboveMaximum;
  }
  return std::nullopt;
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
    auto broken = checkValue(v, field);
    if (!broken) continue;
    switch (*broken) {
      case SchemaRule::kType:
        return fail(pyRepr(v) + " is not of type '" + typeName(field.type) + "'", "type", name);
      case SchemaRule::kFormat:
        return fail(pyRepr(v) + " is not a 'uuid'", "format", name);
      case SchemaRule::kTooShort:
        return fail(pyRepr(v) + " is too short", "minLength", name);
      case SchemaRule::kTooLong:
        return fail(pyRepr(v) + " is too long", "maxLength", name);
      case SchemaRule::kBelowMinimum:
        return fail(pyRepr(v) +
                        (field.exclusive_minimum ? " is less than or equal to the minimum of "
                                                 : " is less than the minimum of ") +
                        std::to_string(static_cast<long long>(*field.minimum)),
                    "minimum", name);
      case SchemaRule::kAboveMaximum:
        return fail(pyRepr(v) + " is greater than the maximum of " +
                        std::to_string(static_cast<long long>(*field.maximum)),
                    "maximum", name);
    }
  }
  return std::nullopt;
}

}  // namespace stratus::http
