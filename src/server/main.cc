// redis-server: see server/server.h.
#include "server/server.h"

int main(int argc, char** argv) {
  int rc = server::Start(argc, argv);
  if (rc >= 0) return rc;
  server::Run();
  return 0;
}
