// The Beast server over real sockets on 127.0.0.1: what it refuses before any
// handler runs, and that a connection serves more than one request.
#include "http/server.h"

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

using namespace stratus::http;
namespace asio = boost::asio;

namespace {

struct RunningServer {
  std::unique_ptr<HttpServer> server;
  std::atomic<int> handled = 0;
  // GET /hold waits in its handler until released (or 3 s pass).
  std::atomic<bool> holding = false;
  std::atomic<bool> release = false;
  std::atomic<bool> hold_timed_out = false;

  RunningServer() {
    ServerOptions options;
    options.port = 0;
    options.threads = 2;
    options.body_limit = 1024;
    options.error_response = [](int status, const std::string& detail) {
      HttpResponse res;
      res.status = status;
      res.setHeader("content-type", "text/plain");
      res.body = detail;
      return res;
    };
    auto started = HttpServer::start(options, [this](HttpRequest& r) {
      ++handled;
      if (r.path == "/hold") {
        holding = true;
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        while (!release && std::chrono::steady_clock::now() < until) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        hold_timed_out = !release;
      }
      HttpResponse res;
      res.body = r.method + " " + r.path + " " + std::to_string(r.body.size());
      return res;
    });
    REQUIRE(started.ok());
    server = std::move(*started);
  }
  ~RunningServer() { server->stop(); }
};

// Sends raw bytes and reads until the server closes or `responses` came back.
std::string exchange(unsigned short port, const std::string& wire, int responses = 1) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(socket, asio::buffer(wire));
  std::string got;
  std::array<char, 4096> buf{};
  boost::system::error_code ec;
  for (;;) {
    std::size_t n = socket.read_some(asio::buffer(buf), ec);
    got.append(buf.data(), n);
    if (ec) break;
    std::size_t seen = 0;
    for (auto at = got.find("HTTP/1.1 "); at != std::string::npos;
         at = got.find("HTTP/1.1 ", at + 1)) {
      ++seen;
    }
    const auto last = got.rfind("HTTP/1.1 ");
    if (seen >= static_cast<std::size_t>(responses) &&
        got.find("\r\n\r\n", last) != std::string::npos) {
      // Bodies here are short and sent with the headers.
      const auto len_at = got.find("Content-Length: ", last);
      if (len_at == std::string::npos) break;
      const auto len = std::stoul(got.substr(len_at + 16));
      if (got.size() - (got.find("\r\n\r\n", last) + 4) >= len) break;
    }
  }
  return got;
}

}  // namespace

TEST_CASE(
    "a body over the limit is a 413 in the service's error shape, and the handler never runs") {
  RunningServer s;
  const std::string body(1025, 'x');
  auto got = exchange(s.server->port(), "POST /things HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                            std::to_string(body.size()) + "\r\n\r\n" + body);
  CHECK(got.starts_with("HTTP/1.1 413 "));
  CHECK(got.find("The request body is larger than 1024 bytes.") != std::string::npos);
  CHECK(s.handled == 0);
}

TEST_CASE("a content-length that is not a number is a 400 that says so") {
  RunningServer s;
  auto got = exchange(s.server->port(),
                      "POST /things HTTP/1.1\r\nHost: x\r\nContent-Length: hi mom\r\n\r\n{}");
  CHECK(got.starts_with("HTTP/1.1 400 "));
  CHECK(got.find("content-length header must be an integer.") != std::string::npos);
  CHECK(s.handled == 0);
}

TEST_CASE("a body at the limit reaches the handler; one connection serves two requests") {
  RunningServer s;
  const std::string body(1024, 'x');
  const std::string one = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n" + body;
  const std::string two = "GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
  auto got = exchange(s.server->port(), one + two, 2);
  CHECK(got.find("POST /a 1024") != std::string::npos);
  CHECK(got.find("GET /b 0") != std::string::npos);
  CHECK(s.handled == 2);
}

TEST_CASE("a request held up in its handler does not hold up the next connection") {
  RunningServer s;  // two threads: connections are dealt to them in turn
  std::thread held([&] { exchange(s.server->port(), "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"); });
  for (int i = 0; i < 5000 && !s.holding; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(s.holding);
  auto got = exchange(s.server->port(), "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(got.find("GET /b 0") != std::string::npos);
  CHECK(!s.hold_timed_out);  // answered while the other request was still held
  s.release = true;
  held.join();
  CHECK(s.handled == 2);
}
