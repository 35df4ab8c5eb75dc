#include "commands/keys.h"

#include "common/util.h"

namespace commands {
namespace {

// Where a spec's keys begin, or 0 when the spec cannot be followed (an
// unknown step, or its keyword is absent: no keys from it, not an error).
// *skip is set when the keyword is absent.
int BeginSearch(const KeySpec& spec, const std::vector<std::string_view>& argv, bool* skip) {
  const int argc = static_cast<int>(argv.size());
  *skip = false;
  switch (spec.begin) {
    case KeySpec::Begin::kIndex:
      return spec.index;
    case KeySpec::Begin::kKeyword: {
      // Forwards from startfrom to the end, or backwards from argc+startfrom
      // down to argument 2 (Redis's loop stops before reaching index 1).
      int start = spec.startfrom > 0 ? spec.startfrom : argc + spec.startfrom;
      int end = spec.startfrom > 0 ? argc - 1 : 1;
      for (int i = start; i != end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (common::EqualsNoCase(argv[i], spec.keyword)) return i + 1;
      }
      *skip = true;
      return 0;
    }
    case KeySpec::Begin::kUnknown:
      break;
  }
  return 0;
}

// Appends the keys one spec finds; false when the spec cannot be followed.
bool FollowSpec(const KeySpec& spec, const std::vector<std::string_view>& argv, std::vector<KeyRef>* out) {
  const int argc = static_cast<int>(argv.size());
  bool skip = false;
  int first = BeginSearch(spec, argv, &skip);
  if (skip) return true;
  if (first == 0) return false;
  int last = 0, step = spec.keystep;
  switch (spec.find) {
    case KeySpec::Find::kRange:
      if (spec.lastkey >= 0) {
        last = first + spec.lastkey;
      } else if (spec.limit == 0) {
        last = argc + spec.lastkey;
      } else {
        last = first + ((argc - first) / spec.limit + spec.lastkey);
      }
      break;
    case KeySpec::Find::kKeynum: {
      int64_t numkeys;
      int at = first + spec.keynumidx;
      if (at >= argc || !common::StringToInt64(argv[at], &numkeys) || numkeys < 0) return false;
      // More keys than arguments cannot fit (and must not overflow the int
      // arithmetic below).
      if (numkeys > argc) return false;
      first += spec.firstkey;
      last = first + static_cast<int>(numkeys) - 1;
      break;
    }
    case KeySpec::Find::kUnknown:
      return false;
  }
  // Out of bounds: the arguments do not fit (a syntax error of the command).
  if (last >= argc || last < first || first >= argc) return false;
  for (int i = first; i <= last; i += step) out->push_back({i, spec.flags});
  return !(spec.flags & kKeyIncomplete);
}

}  // namespace

bool CommandHasKeys(const CommandSpec& cmd, bool include_not_keys) {
  if (cmd.getkeys != nullptr) return true;
  for (const KeySpec& k : cmd.key_specs)
    if (include_not_keys || !(k.flags & kKeyNotKey)) return true;
  return false;
}

void GetKeysFromCommand(const CommandSpec& cmd, const std::vector<std::string_view>& argv,
                        std::vector<KeyRef>* out, bool include_not_keys) {
  std::vector<KeyRef>& keys = *out;
  keys.clear();
  bool specs_ok = !cmd.key_specs.empty();
  // Flags that depend on the arguments: the command's own procedure knows
  // them (Redis prefers it then).
  for (const KeySpec& spec : cmd.key_specs)
    if ((spec.flags & kKeyVariableFlags) && cmd.getkeys != nullptr) specs_ok = false;
  for (const KeySpec& spec : cmd.key_specs) {
    if (!specs_ok) break;
    if ((spec.flags & kKeyNotKey) && !include_not_keys) continue;
    if (!FollowSpec(spec, argv, &keys)) {
      specs_ok = false;
      break;
    }
  }
  if (specs_ok) return;
  keys.clear();
  if (cmd.getkeys != nullptr) cmd.getkeys(argv, &keys);
}

std::vector<KeyRef> GetKeysFromCommand(const CommandSpec& cmd, const std::vector<std::string_view>& argv) {
  std::vector<KeyRef> keys;
  GetKeysFromCommand(cmd, argv, &keys);
  return keys;
}

}  // namespace commands
