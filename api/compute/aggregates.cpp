// Host aggregates (Nova's aggregates.py): Stratus has none yet, so the list is empty.
#include "api/compute/handlers.h"

namespace stratus::api::compute {

Reply listAggregates(const Context&, const HttpRequest&, const PathParams&) {
  return jsonResponse(200, {{"aggregates", nlohmann::json::array()}});
}

}  // namespace stratus::api::compute
