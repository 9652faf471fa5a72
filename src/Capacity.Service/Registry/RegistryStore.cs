using System.Text.Json;
using Capacity.V1;
using Google.Protobuf;
using Capacity.Service.Redis;
using StackExchange.Redis;

namespace Capacity.Service.Registry;

/// <summary>The registry hashes; the enum value is the key's position in the write script.</summary>
public enum RegistryHash
{
    Insurers = 1,
    Providers = 2,
    Contracts = 3,
    Stops = 4,
    Organisations = 5,
}

/// <summary>Set (Value not null) or delete one field of a registry hash.</summary>
public sealed record RegistryWrite(RegistryHash Hash, string Field, byte[]? Value)
{
    public static RegistryWrite Set(RegistryHash hash, string field, IMessage value) => new(hash, field, value.ToByteArray());

    public static RegistryWrite Delete(RegistryHash hash, string field) => new(hash, field, null);
}

/// <summary>
/// What a registry change may affect, announced with it so that each instance recomputes only
/// the live searches and regions that depend on it. All = "assume everything changed".
/// </summary>
public sealed record RegistryChange(IReadOnlyCollection<string> Agbs, IReadOnlyCollection<int> Pc4s, bool All = false)
{
    public static readonly RegistryChange Nothing = new([], []);
    public static readonly RegistryChange Everything = new([], [], true);

    public RegistryChange Merge(RegistryChange other) =>
        All || other.All ? Everything : new(Agbs.Union(other.Agbs).ToArray(), Pc4s.Union(other.Pc4s).ToArray());
}

/// <summary>A change announcement as received from Redis: the registry version it produced and its scope.</summary>
public sealed record RegistryNotice(long Version, RegistryChange Change);

/// <summary>
/// The registry in Redis. Everything lives under one hash tag, {registry}, so a snapshot is one
/// MULTI/EXEC on one cluster slot and a write — fields, version bump and change announcement — is
/// one script. The registry is small (a few MB for the whole country) and changes a few times a
/// day; searches never read it from Redis but from the snapshot in <see cref="RegistryCache"/>.
/// Values are the public protobuf messages, so the stored form evolves with the API's rules.
/// </summary>
public sealed class RegistryStore(IConnectionMultiplexer redis, TimeProvider time)
{
    public static class Keys
    {
        public static readonly RedisKey Insurers = "reg:{registry}:insurers";
        public static readonly RedisKey Providers = "reg:{registry}:providers";
        public static readonly RedisKey Contracts = "reg:{registry}:contracts";
        public static readonly RedisKey Stops = "reg:{registry}:stops";
        public static readonly RedisKey Organisations = "reg:{registry}:orgs";
        public static readonly RedisKey Version = "reg:{registry}:version";
        /// <summary>What a seeder (the demo) has ever written, as <c>hash:field</c>: seeded once, never again.</summary>
        public static readonly RedisKey Seeded = "reg:{registry}:seeded";
        /// <summary>
        /// Every client stop declared or lifted since history was kept: stop id → "declaredAtMs|liftedAtMs|" and the
        /// stop as stored (declaredAtMs 0: declared before; liftedAtMs 0: not lifted). Written by the write scripts.
        /// </summary>
        public static readonly RedisKey StopHistory = "reg:{registry}:stop-history";

        public static string ContractField(string agb, string uzovi, int year) => $"{agb}:{uzovi}:{year}";
    }

    // Applies every set/delete, then bumps the version and announces the change, atomically: an
    // instance that sees version N in a snapshot has seen every write up to N. A write that
    // changes nothing (deleting what is not there) neither bumps nor announces, so it costs the
    // other instances nothing. KEYS: the five hashes, the version counter, the stop history.
    // ARGV: channel, change, now (ms), then (hash, field, value) triples.
    const string WriteScript = StopHistoryLua + "\n" + """
        local removed, set = 0, 0
        for i = 4, #ARGV, 3 do
          local key = KEYS[tonumber(ARGV[i])]
          if ARGV[i + 2] == '' then
            if ARGV[i] == '4' then lifted(ARGV[i + 1], redis.call('HGET', key, ARGV[i + 1])) end
            removed = removed + redis.call('HDEL', key, ARGV[i + 1])
          else
            redis.call('HSET', key, ARGV[i + 1], ARGV[i + 2])
            if ARGV[i] == '4' then declared(ARGV[i + 1], ARGV[i + 2]) end
            set = set + 1
          end
        end
        if removed + set == 0 then
          return {tonumber(redis.call('GET', KEYS[6]) or '0'), 0}
        end
        local v = redis.call('INCR', KEYS[6])
        redis.call('SPUBLISH', ARGV[1], v .. ' ' .. ARGV[2])
        return {v, removed}
        """;

    // Sets each field only if it was never seeded before (SADD to the seeded set answers 1) and is
    // not there (someone registered it first): what a user changed, or removed, stays so. Bumps
    // the version and announces only when something was written. KEYS as WriteScript's, then the
    // seeded set.
    const string SeedScript = StopHistoryLua + "\n" + """
        local set = 0
        for i = 4, #ARGV, 3 do
          local key = KEYS[tonumber(ARGV[i])]
          if redis.call('SADD', KEYS[8], ARGV[i] .. ':' .. ARGV[i + 1]) == 1 and redis.call('HEXISTS', key, ARGV[i + 1]) == 0 then
            redis.call('HSET', key, ARGV[i + 1], ARGV[i + 2])
            if ARGV[i] == '4' then declared(ARGV[i + 1], ARGV[i + 2]) end
            set = set + 1
          end
        end
        if set == 0 then
          return {tonumber(redis.call('GET', KEYS[6]) or '0'), 0}
        end
        local v = redis.call('INCR', KEYS[6])
        redis.call('SPUBLISH', ARGV[1], v .. ' ' .. ARGV[2])
        return {v, set}
        """;

    // Client-stop history (Insight: how long stops last), kept in the same script as the stop: a
    // declaration keeps the first declaration time of a stop still in force; a lift records its time
    // and the stop as it was.
    const string StopHistoryLua = """
        local function declared(id, stop)
          local h = redis.call('HGET', KEYS[7], id)
          local at = ARGV[3]
          if h then
            local d, l = string.match(h, '^(%d+)|(%d+)|')
            if l == '0' then at = d end
          end
          redis.call('HSET', KEYS[7], id, at .. '|0|' .. stop)
        end
        local function lifted(id, stop)
          if not stop then return end
          local h = redis.call('HGET', KEYS[7], id)
          local d = h and string.match(h, '^(%d+)|') or '0'
          redis.call('HSET', KEYS[7], id, d .. '|' .. ARGV[3] .. '|' .. stop)
        end
        """;

    /// <summary>Sharded channel on the registry's slot where every write announces itself.</summary>
    public RedisChannel ChangedChannel { get; } = RedisChannels.Sharded(redis, "reg:{registry}:changed");

    static readonly RedisKey[] ScriptKeys = [Keys.Insurers, Keys.Providers, Keys.Contracts, Keys.Stops, Keys.Organisations, Keys.Version, Keys.StopHistory];
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    IDatabase Db => redis.GetDatabase();

    /// <summary>Applies the writes atomically and returns the new registry version and how many fields were deleted.</summary>
    public async Task<(long Version, long Removed)> WriteAsync(IReadOnlyList<RegistryWrite> writes, RegistryChange change)
    {
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(WriteScript, ScriptKeys, Arguments(writes, change)))!;
        return ((long)result[0], (long)result[1]);
    }

    /// <summary>
    /// Writes fields (sets only, no deletes) that were never written this way before and are not
    /// there, atomically; returns the registry version and how many were written. A restart of the
    /// demo seeder writes nothing over what users changed since, nor brings back what they
    /// removed; a client stop declared with a request id is declared once, however often retried.
    /// </summary>
    public async Task<(long Version, long Written)> WriteOnceAsync(IReadOnlyList<RegistryWrite> writes, RegistryChange change)
    {
        if (writes.Any(w => w.Value is null)) throw new ArgumentException("Written once: sets only.", nameof(writes));
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(SeedScript, [.. ScriptKeys, Keys.Seeded], Arguments(writes, change)))!;
        return ((long)result[0], (long)result[1]);
    }

    // The change announcement, the time (for the stop history), then (hash, field, value) per write. An empty value means "delete";
    // no stored message serializes to zero bytes because every registry message has a required
    // non-empty key field.
    RedisValue[] Arguments(IReadOnlyList<RegistryWrite> writes, RegistryChange change)
    {
        var args = new RedisValue[3 + writes.Count * 3];
        args[0] = ChangedChannel.ToString();
        args[1] = JsonSerializer.Serialize(change, Json);
        args[2] = time.GetUtcNow().ToUnixTimeMilliseconds();
        for (var i = 0; i < writes.Count; i++)
        {
            args[3 + i * 3] = (int)writes[i].Hash;
            args[4 + i * 3] = writes[i].Field;
            args[5 + i * 3] = writes[i].Value ?? RedisValue.EmptyString;
        }
        return args;
    }

    public async Task<long> GetVersionAsync() => (long?)await Db.StringGetAsync(Keys.Version) ?? 0;

    /// <summary>Reads the whole registry at one version (one MULTI/EXEC on one slot).</summary>
    public async Task<RegistrySnapshot> LoadAsync()
    {
        var tx = Db.CreateTransaction();
        var version = tx.StringGetAsync(Keys.Version);
        var insurers = tx.HashGetAllAsync(Keys.Insurers);
        var providers = tx.HashGetAllAsync(Keys.Providers);
        var contracts = tx.HashGetAllAsync(Keys.Contracts);
        var stops = tx.HashGetAllAsync(Keys.Stops);
        var organisations = tx.HashGetAllAsync(Keys.Organisations);
        if (!await tx.ExecuteAsync()) throw new InvalidOperationException("Registry snapshot transaction was aborted.");

        return new RegistrySnapshot(
            (long?)await version ?? 0,
            (await insurers).Select(e => Insurer.Parser.ParseFrom((byte[])e.Value!).ToModel()),
            (await providers).Select(e => Provider.Parser.ParseFrom((byte[])e.Value!).ToModel()),
            (await contracts).Select(e => Contract.Parser.ParseFrom((byte[])e.Value!).ToModel()),
            (await stops).Select(e => ClientStop.Parser.ParseFrom((byte[])e.Value!).ToModel()),
            (await organisations).Select(e => RequestingOrganisation.Parser.ParseFrom((byte[])e.Value!).ToModel()));
    }

    public static RegistryNotice ParseNotice(RedisValue message)
    {
        var text = (string)message!;
        var space = text.IndexOf(' ');
        var change = JsonSerializer.Deserialize<RegistryChangeDto>(text.AsSpan(space + 1), Json);
        return new RegistryNotice(
            long.Parse(text.AsSpan(0, space), System.Globalization.CultureInfo.InvariantCulture),
            change is null ? RegistryChange.Everything : new RegistryChange(change.Agbs ?? [], change.Pc4s ?? [], change.All));
    }

    sealed record RegistryChangeDto(string[]? Agbs, int[]? Pc4s, bool All);
}
