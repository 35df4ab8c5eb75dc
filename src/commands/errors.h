// Every error text a client can see, Redis 7.0-exact, in one place: clients
// match on prefixes (-WRONGTYPE, -OOM, -NOSCRIPT...), so these never drift.
// Texts are given without the leading '-' and trailing CRLF.
#pragma once

namespace commands::err {

inline constexpr char kWrongType[] = "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr char kSyntax[] = "ERR syntax error";
inline constexpr char kNotInteger[] = "ERR value is not an integer or out of range";
inline constexpr char kNotFloat[] = "ERR value is not a valid float";
inline constexpr char kOverflow[] = "ERR increment or decrement would overflow";
inline constexpr char kNoSuchKey[] = "ERR no such key";
inline constexpr char kOutOfRange[] = "ERR index out of range";
inline constexpr char kDbIndex[] = "ERR DB index is out of range";
inline constexpr char kInvalidDb[] = "ERR invalid DB index";
inline constexpr char kSameObject[] = "ERR source and destination objects are the same";
inline constexpr char kOom[] = "OOM command not allowed when used memory > 'maxmemory'.";
inline constexpr char kNoAuth[] = "NOAUTH Authentication required.";
inline constexpr char kWrongPass[] =
    "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr char kNoPasswordSet[] =
    "ERR AUTH <password> called without any password configured for the default user. Are you sure your "
    "configuration is correct?";
inline constexpr char kMultiNested[] = "ERR MULTI calls can not be nested";
inline constexpr char kExecNoMulti[] = "ERR EXEC without MULTI";
inline constexpr char kDiscardNoMulti[] = "ERR DISCARD without MULTI";
inline constexpr char kWatchInMulti[] = "ERR WATCH inside MULTI is not allowed";
inline constexpr char kExecAbort[] = "EXECABORT Transaction discarded because of previous errors.";
inline constexpr char kExecAbortBecause[] = "EXECABORT Transaction discarded because of: ";  // + reason
inline constexpr char kInvalidExpire[] = "ERR invalid expire time in '%s' command";
inline constexpr char kStringTooLong[] = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr char kBitOffset[] = "ERR offset is out of range";
inline constexpr char kNanOrInf[] = "ERR increment would produce NaN or Infinity";
inline constexpr char kTimeout[] = "ERR timeout is not a float or out of range";
inline constexpr char kTimeoutNegative[] = "ERR timeout is negative";
inline constexpr char kLoading[] = "LOADING Redis is loading the dataset in memory";
inline constexpr char kBusyKey[] = "BUSYKEY Target key name already exists.";
inline constexpr char kDumpPayload[] = "ERR DUMP payload version or checksum are wrong";
inline constexpr char kDebugNotAllowed[] =
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a "
    "local connection, otherwise you need to set this option in the configuration file, and then restart the "
    "server.";
inline constexpr char kModuleNotAllowed[] =
    "ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", you can run it from a "
    "local connection, otherwise you need to set this option in the configuration file, and then restart the "
    "server.";
inline constexpr char kModuleLoadFailed[] = "ERR Error loading the extension. Please check the server logs.";
inline constexpr char kModuleUnloadNoSuch[] = "ERR Error unloading module: no such module with that name";
inline constexpr char kMisconf[] =
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands "
    "that may modify the data set are disabled, because this instance is configured to report errors during "
    "writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for "
    "details about the RDB error.";

}  // namespace commands::err
