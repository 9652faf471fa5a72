using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Capacity.Service.Insight.History;
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
public sealed class CapacityStore(IConnectionMultiplexer redis, TimeProvider time)
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
    // stored version per field, negated when this write was not applied, and the zero states that
    // changed. The history (Insight/History) is kept in the same script, so it cannot diverge.
    const string WriteScript = CapacityHistoryKeys.Lua + "\n" + """
        local zero = {}
        local before = load_now(zero)
        local after = copy(before)
        local out = {}
        local changed = {}
        for i = 7, #ARGV, 2 do
          local new = tonumber(string.match(ARGV[i + 1], '^(%d+)'))
          local cur = redis.call('HGET', KEYS[1], ARGV[i])
          local stored = 0
          if cur then stored = tonumber(string.match(cur, '^(%d+)')) end
          if new > stored then
            redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
            out[#out + 1] = new
            changed[#changed + 1] = ARGV[i]
            delta(after, ARGV[i], cur, ARGV[i + 1])
          else
            out[#out + 1] = -stored
          end
        end
        if #changed > 0 then redis.call('SPUBLISH', ARGV[1], table.concat(changed, ' ')) end
        return {out, commit(before, after, zero)}
        """;

    // Per field: store only where the area has no figure for it yet (a seed never overwrites one).
    const string SeedScript = CapacityHistoryKeys.Lua + "\n" + """
        local zero = {}
        local before = load_now(zero)
        local after = copy(before)
        local changed = {}
        for i = 7, #ARGV, 2 do
          if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
            changed[#changed + 1] = ARGV[i]
            delta(after, ARGV[i], nil, ARGV[i + 1])
          end
        end
        if #changed > 0 then redis.call('SPUBLISH', ARGV[1], table.concat(changed, ' ')) end
        return {#changed, commit(before, after, zero)}
        """;

    // Removes fields; the history's totals are then recomputed from what the area still holds.
    const string ForgetScript = CapacityHistoryKeys.Lua + "\n" + """
        local zero = {}
        local before = load_now(zero)
        for i = 7, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
        return {0, commit(before, area_totals(), zero)}
        """;

    IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// Writes figures only where none is stored (the demo's seed: what a provider published is never
    /// overwritten), one script per area, all in flight at once; returns how many were written.
    /// </summary>
    public async Task<long> SeedAsync(IReadOnlyList<CapacityWrite> writes)
    {
        var perArea = writes.GroupBy(w => w.Pc4).Select(area =>
            RunAsync(SeedScript, area.Key, ChangedChannel(area.Key).ToString(), area.SelectMany(w => new RedisValue[] { Keys.Field(w.Agb, w.CareType), w.Cell.Encode() }))).ToArray();
        long written = 0;
        foreach (var area in perArea) written += (long)(await area)[0];
        Telemetry.StaleProviders.Published(Db, writes);
        return written;
    }

    /// <summary>
    /// Runs a capacity script on one area with the history's keys and clock, then follows up on the
    /// zero states it changed (caphist:{zero} is on another slot, so it cannot be in the script; a
    /// reader checks the now hash before acting on a member).
    /// </summary>
    async Task<RedisResult[]> RunAsync(string script, int pc4, RedisValue first, IEnumerable<RedisValue> items)
    {
        var (keys, parts) = CapacityHistoryKeys.ScriptParts(pc4, Keys.Area(pc4), time.GetUtcNow());
        RedisValue[] args = [first, .. parts, .. items];
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(script, keys, args))!;
        var zero = (RedisValue[])result[1]!;
        if (zero.Length > 0) FollowZero(pc4, zero);
        return result;
    }

    // Sent right behind the script on the same connection, not awaited: a publication does not wait
    // a second round trip for it (a reader checks the now hash anyway).
    void FollowZero(int pc4, RedisValue[] changes)
    {
        var db = Db;
        foreach (var change in changes)
        {
            var text = (string)change!;
            var colon = text.IndexOf(':');
            var member = CapacityHistoryKeys.ZeroMember(pc4, int.Parse(text.AsSpan(0, colon), CultureInfo.InvariantCulture));
            var since = long.Parse(text.AsSpan(colon + 1), CultureInfo.InvariantCulture);
            if (since > 0) db.SortedSetAdd(CapacityHistoryKeys.Zero, member, since, CommandFlags.FireAndForget);
            else db.SortedSetRemove(CapacityHistoryKeys.Zero, member, CommandFlags.FireAndForget);
        }
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
            var items = new RedisValue[indices.Length * 2];
            for (var j = 0; j < indices.Length; j++)
            {
                var w = writes[indices[j]];
                items[j * 2] = Keys.Field(w.Agb, w.CareType);
                items[1 + j * 2] = w.Cell.Encode();
            }
            perArea.Add(WriteAreaAsync(area.Key, indices, items));
        }
        await Task.WhenAll(perArea);
        Telemetry.CapacityMetrics.Written(writes, outcomes);
        Telemetry.StaleProviders.Published(Db, writes, outcomes);
        return outcomes;

        async Task WriteAreaAsync(int pc4, int[] indices, RedisValue[] items)
        {
            var stored = (long[])(await RunAsync(WriteScript, pc4, ChangedChannel(pc4).ToString(), items))[0]!;
            for (var j = 0; j < indices.Length; j++)
                outcomes[indices[j]] = new CapacityWriteOutcome(pc4, stored[j] > 0, Math.Abs(stored[j]));
        }
    }

    /// <summary>
    /// Removes a provider's figures from areas it no longer serves, so they cannot come back to
    /// life if it serves the area again, and do not linger in the area hashes. One script per area
    /// (the history's totals follow in the same step), pipelined.
    /// </summary>
    public async Task ForgetAsync(string agb, IReadOnlyCollection<int> pc4s)
    {
        if (pc4s.Count == 0) return;
        var fields = CareTypes.All.Select(ct => (RedisValue)Keys.Field(agb, ct)).ToArray();
        await Task.WhenAll(pc4s.Select(pc4 => RunAsync(ForgetScript, pc4, RedisValue.EmptyString, fields)));
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
