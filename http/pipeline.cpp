#include "http/pipeline.h"

#include <charconv>
#include <chrono>
#include <iomanip>
#include <sstream>

#include "common/http_status.h"
#include "common/uuid.h"

namespace stratus::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parseNumber(std::string_view s, int& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The service's entry of an OpenStack-API-Version header, if it names one.
std::optional<std::string> serviceEntry(std::string_view header, const std::string& service) {
  std::optional<std::string> value;
  while (!header.empty()) {
    auto comma = header.find(',');
    auto item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    auto space = item.find(' ');
    if (space == std::string_view::npos) continue;
    if (lower(item.substr(0, space)) == service) value = std::string(trim(item.substr(space + 1)));
  }
  return value;
}

bool reached(const ApiVersion& v, const Since& since) {
  return v.major == since.major && v.minor >= since.minor;
}

bool isWrite(const std::string& method) {
  return method == "PUT" || method == "POST" || method == "PATCH";
}

}  // namespace

bool acceptsJson(const std::optional<std::string>& accept) {
  if (!accept || accept->empty()) return true;
  std::stringstream in(*accept);
  std::string range;
  while (std::getline(in, range, ',')) {
    range = range.substr(0, range.find(';'));
    range.erase(0, range.find_first_not_of(' '));
    range.erase(range.find_last_not_of(' ') + 1);
    if (range == "application/json" || range == "application/*" || range == "*/*") return true;
  }
  return false;
}

VersionRequest negotiateVersion(const VersionRules& rules,
                                const std::map<std::string, std::string>& headers) {
  VersionRequest out;
  out.version = rules.min;
  std::optional<std::string> asked;
  if (auto h = headers.find("openstack-api-version"); h != headers.end()) {
    asked = serviceEntry(h->second, lower(rules.service));
  }
  if (!asked && !rules.legacy_header.empty()) {
    if (auto h = headers.find(rules.legacy_header); h != headers.end()) {
      asked = std::string(trim(h->second));
    }
  }
  if (!asked) return out;
  if (*asked == "latest") {
    out.version = rules.max;
    return out;
  }
  const std::string_view value = *asked;
  const auto dot = value.find('.');
  ApiVersion v;
  if (dot == std::string_view::npos || !parseNumber(value.substr(0, dot), v.major) ||
      !parseNumber(value.substr(dot + 1), v.minor)) {
    out.outcome = VersionRequest::Outcome::kBadFormat;
    out.given = *asked;
    return out;
  }
  if (v < rules.min || v > rules.max) {
    out.outcome = VersionRequest::Outcome::kUnsupported;
    out.given = *asked;
    return out;
  }
  out.version = v;
  return out;
}

Pipeline::Pipeline(PipelineConfig config) : config_(std::move(config)) {}

void Pipeline::add(Route route) {
  router_.add(route.method, route.path, Entry{std::move(route.handler), route.spec});
}

void Pipeline::add(std::vector<Route> routes) {
  for (auto& r : routes) add(std::move(r));
}

HttpResponse Pipeline::render(const HttpRequest& r, const Error& e) const {
  HttpResponse res = config_.render_error(r, e);
  res.status = httpStatusFor(e.code);
  return res;
}

void Pipeline::finish(const HttpRequest& r, HttpResponse& res) const {
  for (const auto& name : config_.request_id_headers) res.setHeader(name, r.request_id);
  if (config_.versions) {
    res.setHeader("openstack-api-version", config_.versions->service + " " + r.version.str());
    std::string vary = "openstack-api-version";
    if (!config_.versions->legacy_header.empty()) {
      res.setHeader(config_.versions->legacy_header, r.version.str());
      vary += ", " + config_.versions->legacy_header;
    }
    res.setHeader("vary", vary);
  }
  if (config_.finish) config_.finish(r, res);
}

HttpResponse Pipeline::reject(const Error& error) const {
  HttpRequest r;
  r.request_id = "req-" + newUuid();
  if (config_.versions) r.version = config_.versions->max;
  HttpResponse res = render(r, error);
  for (const auto& name : config_.request_id_headers) res.setHeader(name, r.request_id);
  return res;
}

Result<HttpResponse> Pipeline::dispatch(HttpRequest& r) const {
  if (const auto& rules = config_.versions) {
    const auto asked = negotiateVersion(*rules, r.headers);
    r.version = asked.version;
    if (asked.outcome == VersionRequest::Outcome::kBadFormat) {
      auto e = Error::make(ErrorCode::kInvalidArgument, rules->bad_format_text(asked.given));
      e.key = "openstack-api-version";
      e.value = asked.given;
      return e;
    }
    if (asked.outcome == VersionRequest::Outcome::kUnsupported) {
      auto e = Error::make(ErrorCode::kNotAcceptable, rules->unsupported_text(asked.given));
      e.key = "openstack-api-version";
      e.value = asked.given;
      e.allowed = rules->min.str() + " to " + rules->max.str();
      return e;
    }
  }
  std::string path = r.path;
  if (config_.strip_trailing_slash && path.size() > 1 && path.back() == '/') path.pop_back();
  const bool is_public = config_.public_paths.count(path) != 0;

  std::optional<Credentials> who;
  auto authenticate = [&]() -> Status {
    if (is_public) return okStatus();
    auto c = stratus::authenticate(config_.auth, r.headers);
    if (!c) {
      Error e = c.takeError();
      if (config_.unauthenticated_text) e.message = config_.unauthenticated_text(r, e);
      return e;
    }
    r.auth = AuthContext{c->admin(), c->user_id, c->project_id};
    who = std::move(*c);
    return okStatus();
  };
  if (config_.authenticate_before_routing) STRATUS_RETURN_IF_ERROR(authenticate());

  auto match = router_.match(r.method, path);
  using Kind = BasicRouter<Entry>::Match::Kind;
  if (match.kind == Kind::kNoPath) {
    return Error::make(ErrorCode::kNotFound, config_.not_found_text(r));
  }
  if (match.kind == Kind::kNoMethod) {
    auto e = Error::make(ErrorCode::kMethodNotAllowed, config_.method_text(r, match.allowed));
    e.allowed = match.allowed;
    return e;
  }
  if (!config_.authenticate_before_routing) STRATUS_RETURN_IF_ERROR(authenticate());
  if (who && config_.authorize) STRATUS_RETURN_IF_ERROR(config_.authorize(r, *who));

  const RouteSpec& spec = match.value->spec;
  if (spec.since.major != 0 && !reached(r.version, spec.since)) {
    return Error::make(ErrorCode::kNotFound, config_.not_found_text(r));
  }
  const bool bodiless_now = spec.body_until.major != 0 && reached(r.version, spec.body_until);
  if (spec.body == Body::kJson && isWrite(r.method) && !bodiless_now) {
    const auto type = r.header("content-type");
    if (!type && !r.body.empty() && config_.missing_type_text) {
      return Error::make(ErrorCode::kInvalidArgument, config_.missing_type_text(r));
    }
    if (!type || type->find("application/json") == std::string::npos) {
      auto e =
          Error::make(ErrorCode::kUnsupportedMediaType, config_.unsupported_type_text(r, type));
      e.key = "content-type";
      e.value = type.value_or("");
      e.allowed = "application/json";
      return e;
    }
  }
  if (config_.not_acceptable_text && !spec.any_accept && r.method == "GET" &&
      !acceptsJson(r.header("accept"))) {
    return Error::make(ErrorCode::kNotAcceptable, config_.not_acceptable_text(r));
  }
  return match.value->handler(r, match.params);
}

HttpResponse Pipeline::handle(HttpRequest& r) const {
  const auto start = std::chrono::steady_clock::now();
  if (r.request_id.empty()) r.request_id = "req-" + newUuid();
  auto result = dispatch(r);
  HttpResponse res;
  if (result) {
    res = std::move(*result);
  } else {
    res = render(r, result.error());
    if (result.error().code == ErrorCode::kMethodNotAllowed && !result.error().allowed.empty()) {
      res.setHeader("allow", result.error().allowed);
    }
  }
  finish(r, res);
  if (config_.log && !(config_.skip_log && config_.skip_log(r, res))) {
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::ostringstream line;
    if (!config_.log_prefix.empty()) line << config_.log_prefix << " ";
    line << r.method << " " << r.path << " " << res.status << " " << std::fixed
         << std::setprecision(2) << ms << "ms " << r.request_id;
    config_.log(line.str());
  }
  return res;
}

}  // namespace stratus::http
