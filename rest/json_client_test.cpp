#include "rest/json_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

using namespace stratus;

namespace {

// A listening socket on 127.0.0.1 that the kernel accepts connections on but nobody
// ever answers: what a stopped (SIGSTOP) or wedged peer looks like to a client.
class SilentPeer {
 public:
  SilentPeer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentPeer() { ::close(fd_); }
  SilentPeer(const SilentPeer&) = delete;
  SilentPeer& operator=(const SilentPeer&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace

TEST_CASE("a peer that never answers costs one bound, then Unavailable naming it") {
  SilentPeer peer;
  rest::JsonClientOptions options;
  options.base_url = peer.url();
  options.service_name = "placement";
  options.timeout = std::chrono::milliseconds(300);
  auto client = rest::JsonClient::create(options);
  REQUIRE(client.ok());
  const auto start = std::chrono::steady_clock::now();
  auto r = (*client)->call("GET", "/resource_providers");
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kUnavailable);
  CHECK(r.error().message.rfind("placement GET /resource_providers: ", 0) == 0);
  CHECK(took < std::chrono::milliseconds(2000));
  CHECK(took >= std::chrono::milliseconds(300));
}

TEST_CASE("a refused connection is Unavailable at once") {
  std::string url;
  {
    SilentPeer gone;
    url = gone.url();
  }
  rest::JsonClientOptions options;
  options.base_url = url;
  options.service_name = "compute API";
  options.timeout = std::chrono::milliseconds(5000);
  auto client = rest::JsonClient::create(options);
  REQUIRE(client.ok());
  const auto start = std::chrono::steady_clock::now();
  auto r = (*client)->call("GET", "/");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kUnavailable);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(3000));
}
