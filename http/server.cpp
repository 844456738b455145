#include "http/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <optional>
#include <thread>
#include <vector>

namespace stratus::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const RequestHandler& handler, const ServerOptions& options)
      : stream_(std::move(socket)), handler_(handler), options_(options) {}

  void run() {
    // Room for a typical request in one read: the default 512 bytes took a trait
    // PUT four reads, each with its own poll and timer update.
    buffer_.reserve(16 * 1024);
    read();
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(options_.body_limit);
    stream_.expires_after(std::chrono::seconds(120));
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      return close();
    }
    if (ec == bhttp::error::body_limit) {
      return reply(
          toWire(options_.error_response(413, "The request body is larger than " +
                                                  std::to_string(options_.body_limit) + " bytes.")),
          false);
    }
    if (ec == bhttp::error::bad_content_length) {
      return reply(
          toWire(options_.error_response(400, "content-length header must be an integer.")), false);
    }
    if (ec) {
      return reply(toWire(options_.error_response(400, "The request could not be parsed.")), false);
    }
    auto& req = parser_->get();
    HttpRequest in;
    in.method = std::string(req.method_string());
    const auto target = req.target();
    if (!splitTarget(std::string_view(target.data(), target.size()), in.path, in.query)) {
      return reply(toWire(options_.error_response(400, "The request URL is not valid.")),
                   req.keep_alive());
    }
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto [it, inserted] = in.headers.emplace(name, std::string(field.value()));
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    in.body = std::move(req.body());
    HttpResponse out;
    try {
      out = handler_(in);
    } catch (const std::exception& e) {
      out = options_.error_response(500, std::string("Unexpected error: ") + e.what());
    }
    reply(toWire(std::move(out)), req.keep_alive());
  }

  static bhttp::response<bhttp::string_body> toWire(HttpResponse&& r) {
    bhttp::response<bhttp::string_body> res;
    res.result(static_cast<unsigned>(r.status));
    res.version(11);
    for (const auto& [k, v] : r.headers) res.set(k, v);
    res.body() = std::move(r.body);  // candidate bodies run to megabytes
    if (r.status != 204 && r.status != 304) res.prepare_payload();
    return res;
  }

  void reply(bhttp::response<bhttp::string_body> res, bool keep_alive) {
    res.keep_alive(keep_alive);
    auto owned = std::make_shared<bhttp::response<bhttp::string_body>>(std::move(res));
    bhttp::async_write(
        stream_, *owned,
        [self = shared_from_this(), owned, keep_alive](beast::error_code ec, std::size_t) {
          if (ec || !keep_alive) return self->close();
          self->read();
        });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const RequestHandler& handler_;
  const ServerOptions& options_;
};

// One io_context per thread, each connection pinned to one of them: a request is
// read, handled and answered on one thread without waking another (with a shared
// context every request cost several futex wakes between the pool's threads).
class BeastServer final : public HttpServer {
 public:
  BeastServer(const ServerOptions& options, RequestHandler handler)
      : options_(options), handler_(std::move(handler)) {
    const unsigned n = std::max(1u, options_.threads);
    for (unsigned i = 0; i < n; ++i) {
      contexts_.push_back(std::make_unique<asio::io_context>(1));
      guards_.emplace_back(asio::make_work_guard(*contexts_.back()));
    }
    acceptor_.emplace(accept_io_);
  }

  ~BeastServer() override {
    stop();
    wait();
  }

  Status listen() {
    beast::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return Error::invalid("--bind", options_.host, "an IP address such as 127.0.0.1");
    tcp::endpoint endpoint(address, options_.port);
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Error::make(ErrorCode::kUnavailable, "cannot listen on " + options_.host + ":" +
                                                      std::to_string(options_.port) + ": " +
                                                      ec.message());
    }
    accept();
    threads_.emplace_back([this] { accept_io_.run(); });
    for (auto& io : contexts_) {
      threads_.emplace_back([ctx = io.get()] { ctx->run(); });
    }
    return okStatus();
  }

  unsigned short port() const override { return acceptor_->local_endpoint().port(); }

  void wait() override {
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  void stop() override {
    accept_io_.stop();
    for (auto& io : contexts_) io->stop();
  }

 private:
  void accept() {
    auto& target = *contexts_[next_++ % contexts_.size()];
    acceptor_->async_accept(target, [this](beast::error_code ec, tcp::socket s) {
      if (!ec) {
        s.set_option(tcp::no_delay(true), ec);
        auto executor = s.get_executor();
        // Start it on its own thread, so each session is only ever touched by one.
        asio::dispatch(executor, [session = std::make_shared<Session>(
                                      std::move(s), handler_, options_)] { session->run(); });
      }
      if (acceptor_->is_open()) accept();
    });
  }

  ServerOptions options_;
  RequestHandler handler_;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  // Accepting has a thread of its own: on a serving thread, one long request
  // would keep every new connection waiting.
  asio::io_context accept_io_{1};
  std::optional<tcp::acceptor> acceptor_;
  std::size_t next_ = 0;  // touched only by the accepting thread
  std::vector<std::thread> threads_;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(const ServerOptions& options,
                                                      RequestHandler handler) {
  auto server = std::make_unique<BeastServer>(options, std::move(handler));
  STRATUS_RETURN_IF_ERROR(server->listen());
  return std::unique_ptr<HttpServer>(std::move(server));
}

Result<std::pair<std::string, unsigned short>> parseBind(const std::string& bind,
                                                         const std::string& key) {
  auto colon = bind.rfind(':');
  unsigned port = 0;
  if (colon == std::string::npos || colon == 0) {
    return Error::invalid(key, bind, "HOST:PORT, e.g. 127.0.0.1:8778");
  }
  auto digits = std::string_view(bind).substr(colon + 1);
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || p != digits.data() + digits.size() || port > 65535) {
    return Error::invalid(key, bind, "HOST:PORT with a port from 0 to 65535");
  }
  return std::pair<std::string, unsigned short>{bind.substr(0, colon),
                                                static_cast<unsigned short>(port)};
}

}  // namespace stratus::http
