// A PlacementService over a real SQLite store in a temporary directory (or a given
// database), called in process through handle(), for the service's tests.
#pragma once

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "placement/service.h"
#include "placement/store.h"

namespace stratus::placement {

class ServiceUnderTest {
 public:
  // `db_url` empty: a fresh SQLite file of its own.
  explicit ServiceUnderTest(ServiceOptions options = {}, Clock& clock = realClock(),
                            const std::string& db_url = "") {
    std::filesystem::remove_all(dir_);
    auto store =
        openStore(db_url.empty() ? "sqlite://" + (dir_ / "placement.db").string() : db_url);
    REQUIRE(store.ok());
    auto service = PlacementService::create(std::move(*store), std::move(options), clock);
    REQUIRE(service.ok());
    service_ = std::move(*service);
  }
  ~ServiceUnderTest() { std::filesystem::remove_all(dir_); }

  HttpResponse call(const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& version = "latest",
                    const std::optional<std::string>& token = "admin") {
    HttpRequest r;
    r.method = method;
    REQUIRE(http::splitTarget(target, r.path, r.query));
    if (token) r.headers["x-auth-token"] = *token;
    r.headers["openstack-api-version"] = "placement " + version;
    r.headers["accept"] = "application/json";
    if (!body.empty()) r.headers["content-type"] = "application/json";
    r.body = body;
    return service_->handle(r);
  }

  // The message of the one error, without the status explanation Placement's
  // details open with ("...incorrect.\n\n <message>  ").
  static std::string detail(const HttpResponse& res) {
    std::string d = nlohmann::json::parse(res.body)["errors"][0]["detail"].get<std::string>();
    if (auto at = d.find("\n\n "); at != std::string::npos) d.erase(0, at + 3);
    while (!d.empty() && d.back() == ' ') d.pop_back();
    return d;
  }

 private:
  std::filesystem::path dir_ =
      std::filesystem::temp_directory_path() /
      ("stratus-service-" + std::to_string(::getpid()) + "-" + std::to_string(++instances_));
  static inline int instances_ = 0;
  std::unique_ptr<PlacementService> service_;
};

}  // namespace stratus::placement
