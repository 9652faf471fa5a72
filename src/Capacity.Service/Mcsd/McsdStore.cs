using System.Text.Json;
using Capacity.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Capacity.Service.Mcsd;

/// <summary>
/// The sync's state in Redis, all on the {mcsd} slot: what it has read of the directory (one hash
/// per resource type), the watermark (the directory's time up to which changes are applied), the
/// lock that lets one instance sync at a time, and the status the registry admin reads.
/// </summary>
public sealed class McsdStore(IConnectionMultiplexer redis, IOptions<McsdOptions> options)
{
    static class Keys
    {
        public static readonly RedisKey Organizations = "mcsd:{mcsd}:org";
        public static readonly RedisKey Services = "mcsd:{mcsd}:svc";
        public static readonly RedisKey Locations = "mcsd:{mcsd}:loc";
        public static readonly RedisKey Watermark = "mcsd:{mcsd}:since";
        public static readonly RedisKey Lock = "mcsd:{mcsd}:lock";
        public static readonly RedisKey Status = "mcsd:{mcsd}:status";
        public static readonly RedisKey Fed = "mcsd:{mcsd}:fed";
    }

    // Deletes the lock only if this instance still holds it (its token), so a lock that expired and
    // was taken by another instance is not released by the first.
    const string ReleaseScript = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

    // Renews the lock for another LockTime only while this instance holds it.
    const string ExtendScript = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    IDatabase Db => redis.GetDatabase();

    /// <summary>SET NX PX: true when this instance now holds the sync lock for <see cref="McsdOptions.LockTime"/>.</summary>
    public Task<bool> TryLockAsync(string token) => Db.StringSetAsync(Keys.Lock, token, options.Value.LockTime, When.NotExists);

    /// <summary>Keeps the lock for another <see cref="McsdOptions.LockTime"/>; false when it expired and is not this instance's any more.</summary>
    public async Task<bool> ExtendLockAsync(string token) =>
        (long)await Db.ScriptEvaluateAsync(ExtendScript, [Keys.Lock], [token, (long)options.Value.LockTime.TotalMilliseconds]) == 1;

    public Task UnlockAsync(string token) => Db.ScriptEvaluateAsync(ReleaseScript, [Keys.Lock], [token]);

    public async Task<DateTimeOffset?> GetWatermarkAsync() =>
        await Db.StringGetAsync(Keys.Watermark) is { HasValue: true } v ? DateTimeOffset.Parse((string)v!, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>The AGBs the directory has fed and still carries; only these can the sync make inactive.</summary>
    public async Task<IReadOnlySet<string>> GetFedAsync() =>
        (await Db.SetMembersAsync(Keys.Fed)).Select(v => (string)v!).ToHashSet(StringComparer.Ordinal);

    public async Task<McsdDirectory> LoadAsync()
    {
        var tx = Db.CreateTransaction();
        var orgs = tx.HashGetAllAsync(Keys.Organizations);
        var services = tx.HashGetAllAsync(Keys.Services);
        var locations = tx.HashGetAllAsync(Keys.Locations);
        await tx.ExecuteAsync();
        var directory = new McsdDirectory();
        foreach (var e in await orgs) directory.Organizations[e.Name!] = JsonSerializer.Deserialize<DirOrganization>((string)e.Value!, Json)!;
        foreach (var e in await services) directory.Services[e.Name!] = JsonSerializer.Deserialize<DirService>((string)e.Value!, Json)!;
        foreach (var e in await locations) directory.Locations[e.Name!] = JsonSerializer.Deserialize<DirLocation>((string)e.Value!, Json)!;
        return directory;
    }

    /// <summary>
    /// Saves the directory as read and moves the watermark, in one transaction: called only after
    /// the registry holds what was read, so a sync that fails before reads it all again.
    /// </summary>
    public async Task SaveAsync(McsdDirectory directory, DateTimeOffset watermark, IReadOnlyCollection<string> fed)
    {
        var tx = Db.CreateTransaction();
        _ = tx.KeyDeleteAsync([Keys.Organizations, Keys.Services, Keys.Locations, Keys.Fed]);
        if (fed.Count > 0) _ = tx.SetAddAsync(Keys.Fed, [.. fed.Select(a => (RedisValue)a)]);
        _ = Put(tx, Keys.Organizations, directory.Organizations.Values.Select(o => (o.Id, (object)o)));
        _ = Put(tx, Keys.Services, directory.Services.Values.Select(s => (s.Id, (object)s)));
        _ = Put(tx, Keys.Locations, directory.Locations.Values.Select(l => (l.Id, (object)l)));
        _ = tx.StringSetAsync(Keys.Watermark, watermark.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        if (!await tx.ExecuteAsync()) throw new InvalidOperationException("mCSD state transaction was aborted.");
    }

    static Task Put(ITransaction tx, RedisKey key, IEnumerable<(string Id, object Value)> items)
    {
        var entries = items.Select(i => new HashEntry(i.Id, JsonSerializer.Serialize(i.Value, i.Value.GetType(), Json))).ToArray();
        return entries.Length == 0 ? Task.CompletedTask : tx.HashSetAsync(key, entries);
    }

    public Task SaveSuccessAsync(DirectorySyncStatus status) =>
        Db.HashSetAsync(Keys.Status, [new HashEntry("ok", status.ToByteArray()), new HashEntry("error", RedisValue.EmptyString)]);

    public Task SaveErrorAsync(string error, DateTimeOffset at) =>
        Db.HashSetAsync(Keys.Status, "error", new DirectorySyncStatus { LastError = error, LastErrorAt = Timestamp.FromDateTimeOffset(at) }.ToByteArray());

    /// <summary>The last success's figures with the last error since, if any.</summary>
    public async Task<DirectorySyncStatus> ReadStatusAsync()
    {
        var o = options.Value;
        if (!o.Enabled) return new DirectorySyncStatus { Configured = false };
        var values = await Db.HashGetAsync(Keys.Status, ["ok", "error"]);
        var status = values[0] is { HasValue: true } ok && ((byte[])ok!).Length > 0 ? DirectorySyncStatus.Parser.ParseFrom((byte[])ok!) : new();
        if (values[1] is { HasValue: true } error && ((byte[])error!).Length > 0)
        {
            var failed = DirectorySyncStatus.Parser.ParseFrom((byte[])error!);
            status.LastError = failed.LastError;
            status.LastErrorAt = failed.LastErrorAt;
        }
        status.Configured = true;
        status.BaseUrl = o.BaseUrl!;
        return status;
    }
}
