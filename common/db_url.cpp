#include "common/db_url.h"

#include <charconv>

namespace stratus {
namespace {

constexpr std::string_view kPgForm = "postgresql://USER[:PASS]@HOST[:PORT]/DB";

std::size_t schemeLength(const std::string& url) {
  for (std::string_view s : {"postgresql://", "postgres://"}) {
    if (url.starts_with(s)) return s.size();
  }
  return 0;
}

}  // namespace

bool isPostgresUrl(const std::string& url) {
  return schemeLength(url) != 0;
}

std::string redactDbUrl(const std::string& url) {
  const std::size_t start = schemeLength(url);
  if (start == 0) return url;
  // The userinfo ends at the last '@' before the path: a password may hold '@'
  // only percent-encoded, but hide everything up to the last one anyway.
  const std::size_t slash = url.find('/', start);
  const std::size_t at = url.rfind('@', slash == std::string::npos ? url.size() : slash);
  if (at == std::string::npos || at < start) return url;
  const std::size_t colon = url.find(':', start);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

Result<PostgresUrl> parsePostgresUrl(const std::string& url, const std::string& key) {
  const std::string shown = redactDbUrl(url);
  auto bad = [&](std::string_view why) -> Error {
    return Error::invalid(key, shown, std::string(kPgForm), why);
  };
  const std::size_t start = schemeLength(url);
  if (start == 0) return bad("not a postgresql:// URL");
  const std::size_t slash = url.find('/', start);
  if (slash == std::string::npos || slash + 1 == url.size()) return bad("it names no database");
  PostgresUrl out;
  out.dbname = url.substr(slash + 1);
  if (out.dbname.find_first_of("?/#") != std::string::npos) {
    return bad("the database name holds '/', '?' or '#' (options are not supported)");
  }
  const std::string authority = url.substr(start, slash - start);
  const std::size_t at = authority.rfind('@');
  if (at == std::string::npos || at == 0) return bad("it names no user");
  const std::string userinfo = authority.substr(0, at);
  const std::size_t colon = userinfo.find(':');
  out.user = userinfo.substr(0, colon);
  if (out.user.empty()) return bad("it names no user");
  if (colon != std::string::npos) out.password = userinfo.substr(colon + 1);
  std::string hostport = authority.substr(at + 1);
  if (const std::size_t c = hostport.rfind(':'); c != std::string::npos) {
    const std::string p = hostport.substr(c + 1);
    int port = 0;
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || port < 1 || port > 65535) {
      return bad("the port is not a number from 1 to 65535");
    }
    out.port = port;
    hostport.resize(c);
  }
  if (hostport.empty()) return bad("it names no host");
  out.host = hostport;
  return out;
}

}  // namespace stratus
