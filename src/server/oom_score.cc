#include "server/oom_score.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/log.h"
#include "server/config.h"

namespace server {
namespace {

constexpr const char* kPath = "/proc/self/oom_score_adj";
// The kernel's OOM_SCORE_ADJ_MIN and OOM_SCORE_ADJ_MAX.
constexpr int kMinScore = -1000;
constexpr int kMaxScore = 1000;

OomClass g_server_class = OomClass::kMaster;
// Whether we changed the score, and the score before we did (restored
// when oom-score-adj goes back to no).
bool g_adjusted = false;
int g_base = 0;

// Logs why, and returns CONFIG SET's error text (Redis's).
common::Status Failure(const char* what) {
  LOG_WARNING("Unable to %s oom_score_adj: %s", what, strerror(errno));
  return common::Status::IoError("Failed to set current oom_score_adj. Check server logs.");
}

}  // namespace

common::Status SetOomScoreAdj(OomClass cls) {
  const auto& cfg = Config();
  int val;
  if (cfg.oom_score_adj != "no") {
    if (!g_adjusted) {
      char buf[64] = {};
      int fd = open(kPath, O_RDONLY);
      if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0) {
        common::Status s = Failure("read");
        if (fd >= 0) close(fd);
        return s;
      }
      close(fd);
      g_base = atoi(buf);
      g_adjusted = true;
    }
    val = cfg.oom_score_adj_values[static_cast<int>(cls)];
    if (cfg.oom_score_adj != "absolute") val += g_base;  // yes, relative
    val = std::clamp(val, kMinScore, kMaxScore);
  } else if (g_adjusted) {
    g_adjusted = false;
    val = g_base;
  } else {
    return common::Status::Ok();
  }
  std::string text = std::to_string(val) + "\n";
  int fd = open(kPath, O_WRONLY);
  if (fd < 0 || write(fd, text.data(), text.size()) < 0) {
    common::Status s = Failure("write");
    if (fd >= 0) close(fd);
    return s;
  }
  close(fd);
  return common::Status::Ok();
}

common::Status SetOomScoreAdj() { return SetOomScoreAdj(g_server_class); }

void SetOomServerClass(OomClass cls) {
  g_server_class = cls;
  SetOomScoreAdj();
}

}  // namespace server
