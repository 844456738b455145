// Appends JSON text straight into a string. For large responses (allocation
// candidates) building a DOM first costs more than the search itself.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace stratus::placement {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void beginObject() {
    separate();
    out_ += '{';
    first_ = true;
  }
  void endObject() {
    out_ += '}';
    first_ = false;
  }
  void beginArray() {
    separate();
    out_ += '[';
    first_ = true;
  }
  void endArray() {
    out_ += ']';
    first_ = false;
  }
  void key(std::string_view k) {
    separate();
    string(k);
    out_ += ':';
    first_ = true;  // the value follows without a comma
  }
  void value(std::string_view s) {
    separate();
    string(s);
  }
  // For names the model has validated (uuids, resource class and trait names):
  // they never need escaping, so they are not scanned.
  void validatedKey(std::string_view k) {
    separate();
    quoted(k);
    out_ += ':';
    first_ = true;
  }
  void validatedValue(std::string_view s) {
    separate();
    quoted(s);
  }
  void value(std::int64_t n) {
    separate();
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    out_.append(digits, end);
  }
  void null() {
    separate();
    out_ += "null";
  }
  // Already-rendered JSON (a cached fragment), as one value.
  void raw(std::string_view json) {
    separate();
    out_ += json;
  }

 private:
  void separate() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  void string(std::string_view s);
  void quoted(std::string_view s) {
    out_ += '"';
    out_.append(s);
    out_ += '"';
  }

  std::string& out_;
  bool first_ = true;
};

}  // namespace stratus::placement
