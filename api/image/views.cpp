#include "api/image/views.h"

namespace stratus::api::image {

using nlohmann::json;

json imageView(const ImageRecord& i) {
  json out = {{"id", i.id},
              {"name", i.name.empty() ? json() : json(i.name)},
              {"status", i.status},
              {"visibility", i.visibility},
              {"protected", i.is_protected},
              {"os_hidden", i.os_hidden},
              {"owner", i.owner.empty() ? json() : json(i.owner)},
              {"size", i.size ? json(*i.size) : json()},
              {"virtual_size", nullptr},
              {"checksum", nullptr},
              {"os_hash_algo", nullptr},
              {"os_hash_value", nullptr},
              {"min_ram", i.min_ram},
              {"min_disk", i.min_disk},
              {"disk_format", i.disk_format.empty() ? json() : json(i.disk_format)},
              {"container_format", i.container_format.empty() ? json() : json(i.container_format)},
              {"tags", i.tags},
              {"created_at", i.created_at},
              {"updated_at", i.updated_at},
              {"self", "/v2/images/" + i.id},
              {"file", "/v2/images/" + i.id + "/file"},
              {"schema", "/v2/schemas/image"}};
  for (const auto& [k, v] : i.properties) out[k] = v;
  return out;
}

}  // namespace stratus::api::image
