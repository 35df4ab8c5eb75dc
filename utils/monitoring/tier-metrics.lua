-- Tier metrics for Prometheus through the Redis exporter's -script option
-- (prometheus-redis-exporter -script utils/monitoring/tier-metrics.lua).
--
-- The exporter exports only the INFO fields it knows, so tieredis's own
-- (DRAM and NVM use, placement and movement counters) never reach a
-- dashboard by themselves. The exporter runs this script with EVAL on every
-- scrape and exports each name/value pair it returns as
-- redis_script_value{key="<name>"}.
--
-- Returns a flat array: name1, value1, name2, value2, ... with every numeric
-- tier field of INFO memory: used_memory_dram*, used_memory_nvm*, the
-- tier_* counters and settings, nvm_* and dram_nvm_ratio. Text fields
-- (tier_mode, *_human...) are left out: Prometheus values are numbers.
local info = redis.call('INFO', 'memory')
local out = {}
for line in string.gmatch(info, '[^\r\n]+') do
  local name, value = string.match(line, '^([%w_]+):(.*)$')
  if name and tonumber(value) and
     (string.find(name, '^used_memory_dram') or string.find(name, '^used_memory_nvm') or
      string.find(name, '^tier_') or string.find(name, '^nvm_') or name == 'dram_nvm_ratio') then
    out[#out + 1] = name
    out[#out + 1] = value
  end
end
return out
