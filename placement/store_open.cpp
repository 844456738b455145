#include "common/db_url.h"
#include "placement/store.h"

namespace stratus::placement {

Result<std::unique_ptr<Store>> openStore(const std::string& url) {
  if (isPostgresUrl(url)) return openPostgresStore(url);
  return openSqliteStore(url);  // refuses anything that is not sqlite:// either
}

}  // namespace stratus::placement
