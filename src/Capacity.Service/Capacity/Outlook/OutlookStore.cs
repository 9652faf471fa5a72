using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;
using StackExchange.Redis;

namespace Capacity.Service.Capacity.Outlook;

/// <summary>
/// The 7-day outlooks in Redis: one hash per postcode area beside the figures, <c>cap:{1183}:o</c>
/// (same hash tag, so the same slot as <c>cap:{1183}</c>), a field per provider and care type named
/// as the figure's (<c>12345678:1</c>), holding <see cref="Outlook.Encode"/>. A sibling hash rather
/// than more fields in the figures' hash: what reads every figure of an area (regions, FHIR, HSDS)
/// reads no outlook it does not need, and a search for today reads exactly what it read before.
/// <para>
/// The figure is written first (<see cref="CapacityStore.WriteAsync"/>), then its outlook by
/// <see cref="WriteScript"/>, which stores it only if the stored figure has the outlook's version.
/// The two are not one atomic step, so every reader also ignores an outlook whose version is not
/// the stored figure's: a crash between the two steps, or a figure written by a path that knows no
/// outlook (pull, seed), leaves no expectation standing next to a figure it was not made for.
/// Redis 7.0 has no expiry per hash field (HEXPIRE is 7.4+): past days stay in the value until the
/// next write of the figure replaces or removes it, and readers skip them.
/// </para>
/// </summary>
public sealed class OutlookStore(IConnectionMultiplexer redis, CapacityStore capacity)
{
    public static class Keys
    {
        public static RedisKey Area(int pc4) => $"cap:{{{Codes.Pc4(pc4)}}}:o";
    }

    // Per field: if the figure's stored version is the outlook's, the outlook is set (or removed
    // when empty). Otherwise this write's figure was not applied (or was overtaken): nothing is
    // set, and an outlook of another version than the stored figure's, if any, is removed (it
    // can never count again). Returns 1 per field stored, 0 per field not.
    const string WriteScript = """
        -- KEYS: 1 cap:{pc4}, 2 cap:{pc4}:o; ARGV: 1 channel, then per field: field, version, outlook ('' = none)
        local out = {}
        local changed = {}
        for i = 2, #ARGV, 3 do
          local field, version, value = ARGV[i], ARGV[i + 1], ARGV[i + 2]
          local cur = redis.call('HGET', KEYS[1], field)
          local stored = cur and string.match(cur, '^(%d+)') or nil
          local old = redis.call('HGET', KEYS[2], field)
          if stored == version then
            if value == '' then
              if old then redis.call('HDEL', KEYS[2], field); changed[#changed + 1] = field end
            elseif old ~= value then
              redis.call('HSET', KEYS[2], field, value)
              changed[#changed + 1] = field
            end
            out[#out + 1] = 1
          else
            if old and string.match(old, '^(%d+)') ~= stored then redis.call('HDEL', KEYS[2], field) end
            out[#out + 1] = 0
          end
        end
        if #changed > 0 then redis.call('SPUBLISH', ARGV[1], table.concat(changed, ' ')) end
        return out
        """;

    IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// After <see cref="CapacityStore.WriteAsync"/>: stores the outlook of every applied write that
    /// has one (awaited: the caller answers only once it is stored), and removes the old outlook of
    /// every applied write without one (fire and forget: readers already ignore it, its version
    /// being older than the figure's). One script per area.
    /// </summary>
    public async Task WriteAsync(IReadOnlyList<CapacityWrite> writes, IReadOnlyList<CapacityWriteOutcome> outcomes)
    {
        var db = Db;
        var stores = new List<Task>();
        foreach (var area in Enumerable.Range(0, writes.Count).Where(i => outcomes[i].Applied).GroupBy(i => writes[i].Pc4))
        {
            var withOutlook = area.Any(i => writes[i].Outlook is { Days.Count: > 0 });
            var args = new List<RedisValue>(1 + area.Count() * 3) { capacity.ChangedChannel(area.Key).ToString() };
            foreach (var i in area)
            {
                args.Add(CapacityStore.Keys.Field(writes[i].Agb, writes[i].CareType));
                args.Add(writes[i].Cell.Version);
                args.Add(writes[i].Outlook is { Days.Count: > 0 } o ? o.Encode() : "");
            }
            var call = db.ScriptEvaluateAsync(WriteScript, [CapacityStore.Keys.Area(area.Key), Keys.Area(area.Key)], [.. args],
                withOutlook ? CommandFlags.None : CommandFlags.FireAndForget);
            if (withOutlook) stores.Add(call);
        }
        await Task.WhenAll(stores);
    }

    /// <summary>
    /// The outlooks of <paramref name="providers"/> (those serving the area, as the figures are read)
    /// for one care type in one area, in their order: one HMGET, read only by searches for a coming day.
    /// </summary>
    public async Task<IReadOnlyList<Outlook?>> GetAsync(int pc4, IReadOnlyList<ProviderInfo> providers, CareType careType)
    {
        if (providers.Count == 0) return [];
        var fields = new RedisValue[providers.Count];
        for (var i = 0; i < fields.Length; i++) fields[i] = CapacityStore.Keys.FieldsOf(providers[i].Agb, careType).Figure;
        var values = await Db.HashGetAsync(Keys.Area(pc4), fields);
        return [.. values.Select(v => Outlook.Decode(v))];
    }

    /// <summary>Every outlook of one provider in the given areas, by area and care type: one HMGET per area, pipelined.</summary>
    public async Task<Dictionary<(int Pc4, CareType CareType), Outlook>> GetProviderAsync(string agb, IReadOnlyList<int> pc4s)
    {
        var db = Db;
        var fields = CareTypes.All.Select(ct => (RedisValue)CapacityStore.Keys.Field(agb, ct)).ToArray();
        var reads = pc4s.Select(pc4 => (pc4, task: db.HashGetAsync(Keys.Area(pc4), fields))).ToArray();
        var outlooks = new Dictionary<(int, CareType), Outlook>();
        foreach (var (pc4, task) in reads)
        {
            var values = await task;
            for (var i = 0; i < CareTypes.All.Count; i++)
                if (Outlook.Decode(values[i]) is { } outlook) outlooks[(pc4, CareTypes.All[i])] = outlook;
        }
        return outlooks;
    }

    /// <summary>Every outlook in each of the given areas, by provider and care type: one HGETALL per area, pipelined.</summary>
    public async Task<Dictionary<int, Dictionary<(string Agb, CareType CareType), Outlook>>> GetAreasAsync(IReadOnlyCollection<int> pc4s)
    {
        var db = Db;
        var reads = pc4s.Distinct().Select(pc4 => (pc4, task: db.HashGetAllAsync(Keys.Area(pc4)))).ToArray();
        var areas = new Dictionary<int, Dictionary<(string, CareType), Outlook>>(reads.Length);
        foreach (var (pc4, task) in reads)
        {
            var area = new Dictionary<(string, CareType), Outlook>();
            foreach (var entry in await task)
                if (CapacityStore.Keys.ParseField(entry.Name!) is { Held: false } field && Outlook.Decode(entry.Value) is { } outlook)
                    area[(field.Agb, field.CareType)] = outlook;
            areas[pc4] = area;
        }
        return areas;
    }
}
