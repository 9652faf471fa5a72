using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Capacity.Service.Redis;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;
using StackExchange.Redis;

namespace Capacity.Service.Capacity;

/// <summary>
/// One published capacity figure: free places (beds) of one provider in one area for one care
/// type, stored as "version|publishedAtMs|free|availableFromDayNumber|hoursPerWeek".
/// The version leads so the write script can compare it without decoding the rest.
/// <see cref="Held"/> (not part of the encoding; its own field) counts places held for referrals
/// that a provider has not answered yet: they come out of the published figure.
/// </summary>
public readonly record struct CapacityCell(long Version, long PublishedAtMs, int FreePlaces, DateOnly AvailableFrom, double? HoursPerWeek)
{
    public DateTimeOffset PublishedAt => DateTimeOffset.FromUnixTimeMilliseconds(PublishedAtMs);

    /// <summary>Places held for open offers.</summary>
    public int Held { get; init; }

    /// <summary>What others searching can still have: the published figure minus the holds.</summary>
    public int Available => Math.Max(0, FreePlaces - Held);

    public string Encode() => string.Create(CultureInfo.InvariantCulture,
        $"{Version}|{PublishedAtMs}|{FreePlaces}|{AvailableFrom.DayNumber}|{HoursPerWeek}");

    /// <summary>
    /// Reads a stored figure; null when absent or not in the encoding. Parses the reply's bytes,
    /// copied to the stack: no string per figure on a search's path.
    /// </summary>
    public static CapacityCell? Decode(RedisValue value)
    {
        if (value.IsNullOrEmpty) return null;
        var length = value.GetByteCount();
        if (length > 256) return null; // no figure is that long
        Span<byte> utf8 = stackalloc byte[length];
        return Decode(utf8[..value.CopyTo(utf8)]);
    }

    static CapacityCell? Decode(ReadOnlySpan<byte> s)
    {
        Span<Range> parts = stackalloc Range[6];
        var count = 0;
        for (int start = 0, i = 0; i <= s.Length && count < parts.Length; i++)
        {
            if (i < s.Length && s[i] != (byte)'|') continue;
            parts[count++] = new Range(start, i);
            start = i + 1;
        }
        // Utf8Parser: the UTF-8 number reader made for this (a search decodes tens of figures; the
        // general number parser was most of that). Only whole parts count, as Encode writes them.
        if (count != 5
            || !Whole(s[parts[0]], out long version)
            || !Whole(s[parts[1]], out long published)
            || !Whole(s[parts[2]], out long free) || free is < int.MinValue or > int.MaxValue
            || !Whole(s[parts[3]], out long day)
            || day < DateOnly.MinValue.DayNumber || day > DateOnly.MaxValue.DayNumber) return null;
        var hours = s[parts[4]];
        double? hoursPerWeek = null;
        if (!hours.IsEmpty)
        {
            if (!double.TryParse(hours, NumberStyles.Float, CultureInfo.InvariantCulture, out var h)) return null;
            hoursPerWeek = h;
        }
        return new CapacityCell(version, published, (int)free, DateOnly.FromDayNumber((int)day), hoursPerWeek);

        static bool Whole(ReadOnlySpan<byte> part, out long value) => Utf8Parser.TryParse(part, out value, out var used) && used == part.Length;
    }
}

public sealed record CapacityWrite(string Agb, int Pc4, CareType CareType, CapacityCell Cell)
{
    /// <summary>The 7-day outlook published with the figure (none: the old one is cleared), written by <see cref="Outlook.OutlookStore"/> after the figure.</summary>
    public Outlook.Outlook? Outlook { get; init; }
}

public sealed record CapacityWriteOutcome(int Pc4, bool Applied, long StoredVersion);

/// <summary>
/// Capacity in Redis: one hash per postcode area, <c>cap:{1183}</c>, with a field per provider
/// and care type (<c>12345678:1</c>). A search needs the figures of the patient's own area only,
/// so it reads one hash on one slot in one round trip, whatever the size of the country. Writes
/// to an area are one script that keeps the highest provider version per field and announces
/// the change on the area's sharded channel <c>cap:{1183}:changed</c> (same slot).
/// </summary>
public sealed class CapacityStore(IConnectionMultiplexer redis)
{
    public static class Keys
    {
        public static RedisKey Area(int pc4) =>
            pc4 is >= 0 and < 10_000 ? s_areas[pc4] ??= $"cap:{{{Codes.Pc4(pc4)}}}" : $"cap:{{{Codes.Pc4(pc4)}}}";

        // Made once per area and per provider rather than on every search: a search names two
        // fields per provider serving the patient's area. Field names are kept as UTF-8, as sent.
        static readonly string?[] s_areas = new string?[10_000];
        static readonly ConcurrentDictionary<string, RedisValue[]> s_fields = new(StringComparer.Ordinal);
        const int MaxProvidersNamed = 100_000;

        /// <summary>A provider's figure and held-count fields for a care type, as RedisValues made once.</summary>
        public static (RedisValue Figure, RedisValue Held) FieldsOf(string agb, CareType careType)
        {
            var index = (int)careType;
            if (!s_fields.TryGetValue(agb, out var fields))
            {
                if (s_fields.Count >= MaxProvidersNamed) s_fields.Clear();
                fields = new RedisValue[2 * (CareTypes.All.Max(ct => (int)ct) + 1)];
                foreach (var ct in CareTypes.All)
                {
                    fields[2 * (int)ct] = System.Text.Encoding.UTF8.GetBytes(Field(agb, ct));
                    fields[2 * (int)ct + 1] = System.Text.Encoding.UTF8.GetBytes(HeldField(agb, ct));
                }
                s_fields[agb] = fields;
            }
            return index >= 0 && 2 * index + 1 < fields.Length && !fields[2 * index].IsNull
                ? (fields[2 * index], fields[2 * index + 1])
                : (Field(agb, careType), HeldField(agb, careType));
        }

        public static string Field(string agb, CareType careType) => $"{agb}:{(int)careType}";

        /// <summary>The count of places held, next to the figure in the same hash (so one HMGET reads both).</summary>
        public static string HeldField(string agb, CareType careType) => $"{agb}:{(int)careType}:h";

        /// <summary>Parses "agb:careType" (a figure) and "agb:careType:h" (its holds).</summary>
        public static (string Agb, CareType CareType, bool Held)? ParseField(string field) =>
            field.Length is 10 or 12 && field[8] == ':' && char.IsAsciiDigit(field[9])
            && (field.Length == 10 || field.AsSpan(10).SequenceEqual(":h"))
                ? (field[..8], (CareType)(field[9] - '0'), field.Length == 12)
                : null;
    }

    // Per field: store only when the new version is higher than the stored one. Returns the
    // stored version per field, negated when this write was not applied.
    const string WriteScript = """
        local out = {}
        local changed = {}
        for i = 2, #ARGV, 2 do
          local new = tonumber(string.match(ARGV[i + 1], '^(%d+)'))
          local cur = redis.call('HGET', KEYS[1], ARGV[i])
          local stored = 0
          if cur then stored = tonumber(string.match(cur, '^(%d+)')) end
          if new > stored then
            redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
            out[#out + 1] = new
            changed[#changed + 1] = ARGV[i]
          else
            out[#out + 1] = -stored
          end
        end
        if #changed > 0 then redis.call('SPUBLISH', ARGV[1], table.concat(changed, ' ')) end
        return out
        """;

    // Per field: store only where the area has no figure for it yet (a seed never overwrites one).
    const string SeedScript = """
        local changed = {}
        for i = 2, #ARGV, 2 do
          if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then changed[#changed + 1] = ARGV[i] end
        end
        if #changed > 0 then redis.call('SPUBLISH', ARGV[1], table.concat(changed, ' ')) end
        return #changed
        """;

    IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// Writes figures only where none is stored (the demo's seed: what a provider published is never
    /// overwritten), one script per area, all in flight at once; returns how many were written.
    /// </summary>
    public async Task<long> SeedAsync(IReadOnlyList<CapacityWrite> writes)
    {
        var db = Db;
        var perArea = writes.GroupBy(w => w.Pc4).Select(area =>
        {
            var args = new List<RedisValue> { ChangedChannel(area.Key).ToString() };
            foreach (var w in area)
            {
                args.Add(Keys.Field(w.Agb, w.CareType));
                args.Add(w.Cell.Encode());
            }
            return db.ScriptEvaluateAsync(SeedScript, [Keys.Area(area.Key)], [.. args]);
        }).ToArray();
        long written = 0;
        foreach (var area in perArea) written += (long)await area;
        Telemetry.StaleProviders.Published(db, writes);
        return written;
    }

    /// <summary>Sharded channel on the area's slot where every applied write announces itself.</summary>
    public RedisChannel ChangedChannel(int pc4) => RedisChannels.Sharded(redis, $"cap:{{{Codes.Pc4(pc4)}}}:changed");

    /// <summary>Writes figures, one script call per area, all areas in flight at once. Outcomes follow the input order.</summary>
    public async Task<CapacityWriteOutcome[]> WriteAsync(IReadOnlyList<CapacityWrite> writes)
    {
        var outcomes = new CapacityWriteOutcome[writes.Count];
        var perArea = new List<Task>();
        foreach (var area in Enumerable.Range(0, writes.Count).GroupBy(i => writes[i].Pc4))
        {
            var indices = area.ToArray();
            var args = new RedisValue[1 + indices.Length * 2];
            args[0] = ChangedChannel(area.Key).ToString();
            for (var j = 0; j < indices.Length; j++)
            {
                var w = writes[indices[j]];
                args[1 + j * 2] = Keys.Field(w.Agb, w.CareType);
                args[2 + j * 2] = w.Cell.Encode();
            }
            perArea.Add(WriteAreaAsync(area.Key, indices, args));
        }
        await Task.WhenAll(perArea);
        Telemetry.CapacityMetrics.Written(writes, outcomes);
        Telemetry.StaleProviders.Published(Db, writes, outcomes);
        return outcomes;

        async Task WriteAreaAsync(int pc4, int[] indices, RedisValue[] args)
        {
            var stored = (long[])(await Db.ScriptEvaluateAsync(WriteScript, [Keys.Area(pc4)], args))!;
            for (var j = 0; j < indices.Length; j++)
                outcomes[indices[j]] = new CapacityWriteOutcome(pc4, stored[j] > 0, Math.Abs(stored[j]));
        }
    }

    /// <summary>
    /// Removes a provider's figures from areas it no longer serves, so they cannot come back to
    /// life if it serves the area again, and do not linger in the area hashes. One HDEL per area, pipelined.
    /// </summary>
    public async Task ForgetAsync(string agb, IReadOnlyCollection<int> pc4s)
    {
        if (pc4s.Count == 0) return;
        var db = Db;
        var fields = CareTypes.All.Select(ct => (RedisValue)Keys.Field(agb, ct)).ToArray();
        await Task.WhenAll(pc4s.Select(pc4 => db.HashDeleteAsync(Keys.Area(pc4), fields)));
        // Held counts stay: open offers there still release or consume their places.
    }

    // The fields a search reads in the patient's area (figure and held count of each provider serving
    // it, for the care type) follow from the registry snapshot's list of those providers: made once
    // per list and care type, and dropped with the snapshot that holds the list (a weak table). Some
    // hundreds of bytes per area searched: far less than building them on every search.
    readonly ConditionalWeakTable<IReadOnlyList<ProviderInfo>, RedisValue[]?[]> _fields = new();

    /// <summary>
    /// The figures, with their holds, of <paramref name="providers"/> (a registry snapshot's list of
    /// the providers serving the area) for one care type in one area, in their order: one HMGET.
    /// Each figure is decoded when it is read, so a search makes no array of figures next to the reply.
    /// </summary>
    public async Task<IReadOnlyList<CapacityCell?>> GetAsync(int pc4, IReadOnlyList<ProviderInfo> providers, CareType careType) =>
        providers.Count == 0 ? [] : new StoredCells(await Db.HashGetAsync(Keys.Area(pc4), FieldsOf(providers, careType)));

    RedisValue[] FieldsOf(IReadOnlyList<ProviderInfo> providers, CareType careType)
    {
        var byCareType = _fields.GetValue(providers, static _ => new RedisValue[]?[CareTypes.All.Max(ct => (int)ct) + 1]);
        var index = (int)careType;
        return index >= 0 && index < byCareType.Length ? byCareType[index] ??= Make() : Make();

        RedisValue[] Make()
        {
            var fields = new RedisValue[providers.Count * 2];
            for (var i = 0; i < providers.Count; i++) (fields[2 * i], fields[2 * i + 1]) = Keys.FieldsOf(providers[i].Agb, careType);
            return fields;
        }
    }

    /// <summary>An HMGET reply of figure and held-count pairs, read as figures.</summary>
    sealed class StoredCells(RedisValue[] values) : IReadOnlyList<CapacityCell?>
    {
        public int Count => values.Length / 2;

        public CapacityCell? this[int index] =>
            CapacityCell.Decode(values[2 * index]) is { } cell ? cell with { Held = (int)((long?)values[2 * index + 1] ?? 0) } : null;

        public IEnumerator<CapacityCell?> GetEnumerator()
        {
            for (var i = 0; i < Count; i++) yield return this[i];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>Every figure of one provider in the given areas: one HMGET per area, all pipelined.</summary>
    public async Task<List<(int Pc4, CareType CareType, CapacityCell Cell)>> GetProviderAsync(string agb, IReadOnlyList<int> pc4s)
    {
        var db = Db;
        var fields = CareTypes.All.SelectMany(ct => new RedisValue[] { Keys.Field(agb, ct), Keys.HeldField(agb, ct) }).ToArray();
        var reads = pc4s.Select(pc4 => (pc4, task: db.HashGetAsync(Keys.Area(pc4), fields))).ToArray();
        var figures = new List<(int, CareType, CapacityCell)>();
        foreach (var (pc4, task) in reads)
        {
            var values = await task;
            for (var i = 0; i < CareTypes.All.Count; i++)
                if (CapacityCell.Decode(values[2 * i]) is { } cell)
                    figures.Add((pc4, CareTypes.All[i], cell with { Held = (int)((long?)values[2 * i + 1] ?? 0) }));
        }
        return figures;
    }

    /// <summary>Every figure in each of the given areas: one HGETALL per area, all pipelined.</summary>
    public async Task<Dictionary<int, HashEntry[]>> GetAreasAsync(IReadOnlyCollection<int> pc4s)
    {
        var db = Db;
        var reads = pc4s.Distinct().Select(pc4 => (pc4, task: db.HashGetAllAsync(Keys.Area(pc4)))).ToArray();
        var areas = new Dictionary<int, HashEntry[]>(reads.Length);
        foreach (var (pc4, task) in reads) areas[pc4] = await task;
        return areas;
    }
}
