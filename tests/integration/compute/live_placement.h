// A real stratus-placement (SQLite, HTTP on 127.0.0.1) for the compute agent's
// integration tests, and the small helpers they share.
#pragma once

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "http/server.h"
#include "placement/service.h"
#include "placement/store.h"
#include "placement_client/client.h"

namespace stratus::testing {

namespace fs = std::filesystem;

// One placement service on a fixed port that can be stopped and started again.
class LivePlacement {
 public:
  explicit LivePlacement(fs::path db, unsigned short port = 0) : db_(std::move(db)), port_(port) {
    start();
  }
  ~LivePlacement() { stop(); }

  void start() {
    auto store = placement::openStore("sqlite://" + db_.string());
    REQUIRE(store.ok());
    auto service = placement::PlacementService::create(std::move(*store), {});
    REQUIRE(service.ok());
    service_ = std::move(*service);
    http::ServerOptions options;
    options.port = port_;
    options.threads = 2;
    auto* svc = service_.get();
    auto server =
        http::HttpServer::start(options, [svc](http::HttpRequest& r) { return svc->handle(r); });
    REQUIRE(server.ok());
    server_ = std::move(*server);
    port_ = server_->port();
  }
  void stop() {
    if (server_) server_->stop();
    server_.reset();
    service_.reset();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::uint64_t writes() const { return service_->counters().writes; }

 private:
  fs::path db_;
  unsigned short port_;
  std::unique_ptr<placement::PlacementService> service_;
  std::unique_ptr<http::HttpServer> server_;
};

inline std::unique_ptr<placement_client::PlacementClient> clientFor(const std::string& url) {
  placement_client::ClientOptions options;
  options.base_url = url;
  options.microversion = "1.26";
  options.timeout = std::chrono::milliseconds(3000);
  auto client = placement_client::PlacementClient::create(options);
  REQUIRE(client.ok());
  return std::move(*client);
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("stratus-sync-" + std::to_string(::getpid()) + "-" +
                                               std::to_string(std::rand()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

}  // namespace stratus::testing
