#include "http/request_log.h"

#include <chrono>
#include <iomanip>
#include <sstream>

namespace stratus::http {

RequestHandler withRequestLog(RequestHandler handler, RequestLog log) {
  return [handler = std::move(handler), log = std::move(log)](HttpRequest& r) {
    const auto start = std::chrono::steady_clock::now();
    HttpResponse res = handler(r);
    if (log.skip && log.skip(r, res)) return res;
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::ostringstream line;
    if (!log.prefix.empty()) line << log.prefix << " ";
    line << r.method << " " << r.path << " " << res.status << " " << std::fixed
         << std::setprecision(2) << ms << "ms " << r.request_id;
    log.write(line.str());
    return res;
  };
}

}  // namespace stratus::http
