#include "common/status.h"

namespace common {

const std::string& Status::message() const {
  static const std::string kEmpty;
  return state_ ? state_->msg : kEmpty;
}

}  // namespace common
