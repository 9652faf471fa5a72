using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Capacity.Service.Audit;

/// <summary>Configuration section "Audit".</summary>
public sealed class AuditOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>How long records are kept; NEN 7513 asks for years (the Dutch norm: at least five).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(5 * 365 + 1);
}

/// <summary>
/// One access to referral data (NEN 7513): when, who (subject, role, organisation code), on whose
/// behalf, what, which referral and patient reference, and the outcome. Serialised as JSON in
/// this property order; the order is part of the hash.
/// </summary>
public sealed record AuditRecord(
    DateTimeOffset At, string Subject, string Role, string? Organisation, string? OnBehalfOf,
    string Action, string? ReferralId, string? PatientRef, string Outcome)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static AuditRecord FromJson(string json) => JsonSerializer.Deserialize<AuditRecord>(json, Json)!;

    /// <summary>SHA-256 over the previous record's hash and this record: changing or removing any record breaks every hash after it.</summary>
    public static string Chain(string previousHash, string json) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(previousHash + "\n" + json)));
}

/// <summary>An audit record as stored, with its place in the chain.</summary>
public sealed record StoredAuditRecord(string Id, AuditRecord Record, string Json, string Hash);

/// <summary>
/// The append-only, hash-chained audit trail in Redis: a stream <c>audit:{log}</c> whose entries
/// hold the record and its chained hash, the chain's head <c>audit:{log}:head</c>, and per
/// referral a list of entry ids (<c>audit:{log}:referral:&lt;id&gt;</c>), all on one slot. A
/// single writer per instance batches records; the append script only takes a batch that
/// continues the current head, so writers on several instances keep one chain (the loser of a
/// race recomputes from the new head). Callers wait until their records are stored: an access
/// that cannot be audited is refused.
/// </summary>
public sealed class AuditLog(IConnectionMultiplexer redis, IOptions<AuditOptions> options, ILogger<AuditLog> logger) : BackgroundService
{
    public static class Keys
    {
        public static readonly RedisKey Stream = "audit:{log}";
        public static readonly RedisKey Head = "audit:{log}:head";
        public static readonly RedisKey Anchor = "audit:{log}:anchor";
        public static RedisKey Referral(string id) => $"audit:{{log}}:referral:{id}";
    }

    // KEYS: 1 stream, 2 head, 3.. one referral index per record ('' where none);
    // ARGV: 1 expected head, 2 index ttl (s), then per record: json, hash, has-index flag.
    const string AppendScript = """
        local head = redis.call('GET', KEYS[2]) or ''
        if head ~= ARGV[1] then return {0, head} end
        local k = 3
        for i = 3, #ARGV, 3 do
          local id = redis.call('XADD', KEYS[1], '*', 'r', ARGV[i], 'h', ARGV[i + 1])
          if ARGV[i + 2] == '1' then
            redis.call('RPUSH', KEYS[k], id)
            redis.call('EXPIRE', KEYS[k], ARGV[2])
          end
          k = k + 1
          head = ARGV[i + 1]
        end
        redis.call('SET', KEYS[2], head)
        return {1, head}
        """;

    // Drops records older than the retention; the hash of the last one dropped becomes the anchor the chain starts from.
    const string TrimScript = """
        local last = redis.call('XREVRANGE', KEYS[1], '(' .. ARGV[1], '-', 'COUNT', 1)
        if #last == 0 then return 0 end
        local fields = last[1][2]
        for i = 1, #fields, 2 do
          if fields[i] == 'h' then redis.call('SET', KEYS[2], fields[i + 1]) end
        end
        return redis.call('XTRIM', KEYS[1], 'MINID', ARGV[1])
        """;

    readonly Channel<(AuditRecord[] Records, TaskCompletionSource Done)> _queue = Channel.CreateUnbounded<(AuditRecord[], TaskCompletionSource)>();
    string? _head;

    public bool Enabled => options.Value.Enabled;

    /// <summary>Stores the records (in order, chained) and returns once they are in Redis.</summary>
    public Task WriteAsync(params AuditRecord[] records)
    {
        if (!Enabled || records.Length == 0) return Task.CompletedTask;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((records, done))) done.SetException(new InvalidOperationException("The audit log is stopping."));
        return done.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var trim = TrimLoopAsync(stoppingToken);
        var batch = new List<(AuditRecord[] Records, TaskCompletionSource Done)>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < 256 && _queue.Reader.TryRead(out var item)) batch.Add(item);
                try
                {
                    await AppendAsync(batch.SelectMany(b => b.Records).ToArray());
                    foreach (var (_, done) in batch) done.TrySetResult();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "Could not write {Count} audit records", batch.Sum(b => b.Records.Length));
                    foreach (var (_, done) in batch) done.TrySetException(e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var left)) left.Done.TrySetException(new OperationCanceledException("The audit log stopped."));
        }
        await trim;
    }

    async Task AppendAsync(AuditRecord[] records)
    {
        var db = redis.GetDatabase();
        var jsons = records.Select(r => r.ToJson()).ToArray();
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var head = _head ??= (string?)await db.StringGetAsync(Keys.Head) ?? "";
            var keys = new List<RedisKey> { Keys.Stream, Keys.Head };
            var args = new List<RedisValue> { head, (long)options.Value.Retention.TotalSeconds };
            var previous = head;
            for (var i = 0; i < records.Length; i++)
            {
                var hash = AuditRecord.Chain(previous, jsons[i]);
                keys.Add(records[i].ReferralId is { Length: > 0 } id ? Keys.Referral(id) : Keys.Referral("-"));
                args.Add(jsons[i]);
                args.Add(hash);
                args.Add(records[i].ReferralId is { Length: > 0 } ? "1" : "0");
                previous = hash;
            }
            var result = (RedisResult[])(await db.ScriptEvaluateAsync(AppendScript, [.. keys], [.. args]))!;
            _head = (string?)result[1] ?? "";
            if ((long)result[0] == 1) return;
            // Another instance appended meanwhile: continue from its head.
        }
        throw new InvalidOperationException("The audit chain kept moving; could not append.");
    }

    async Task TrimLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
        try
        {
            do
            {
                try { await TrimAsync(DateTimeOffset.UtcNow - options.Value.Retention); }
                catch (RedisException e) { logger.LogWarning(e, "Could not trim the audit log"); }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Drops records from before <paramref name="cutoff"/>; returns how many.</summary>
    public async Task<long> TrimAsync(DateTimeOffset cutoff) =>
        (long)await redis.GetDatabase().ScriptEvaluateAsync(TrimScript, [Keys.Stream, Keys.Anchor], [$"{cutoff.ToUnixTimeMilliseconds()}-0"]);

    /// <summary>The records about one referral, oldest first (the patient's right to see who looked).</summary>
    public async Task<IReadOnlyList<StoredAuditRecord>> ForReferralAsync(string referralId)
    {
        var db = redis.GetDatabase();
        var ids = await db.ListRangeAsync(Keys.Referral(referralId));
        var reads = ids.Select(id => db.StreamRangeAsync(Keys.Stream, id, id)).ToArray();
        var records = new List<StoredAuditRecord>(ids.Length);
        foreach (var read in reads)
            foreach (var entry in await read)
                records.Add(ToStored(entry));
        return records;
    }

    /// <summary>Walks the whole chain from its anchor; returns null when intact, else the first entry that does not fit.</summary>
    public static async Task<(long Checked, string? Broken)> VerifyAsync(IDatabase db)
    {
        var previous = (string?)await db.StringGetAsync(Keys.Anchor) ?? "";
        var head = (string?)await db.StringGetAsync(Keys.Head) ?? "";
        long count = 0;
        RedisValue from = "-";
        while (true)
        {
            var page = await db.StreamRangeAsync(Keys.Stream, from, "+", 1000);
            foreach (var entry in page)
            {
                if (from != "-" && entry.Id == from) continue; // the page starts at the last one seen
                var stored = ToStored(entry);
                if (AuditRecord.Chain(previous, stored.Json) != stored.Hash)
                    return (count, $"entry {stored.Id} ({stored.Record.At:O}, {stored.Record.Action}): its hash does not follow from the one before it — changed, or a record before it removed");
                previous = stored.Hash;
                count++;
            }
            if (page.Length < 1000) break;
            from = page[^1].Id;
        }
        return previous == head ? (count, null) : (count, "the chain ends before its recorded head: records at its end were removed");
    }

    static StoredAuditRecord ToStored(StreamEntry entry)
    {
        var json = (string)entry["r"]!;
        return new StoredAuditRecord(entry.Id!, AuditRecord.FromJson(json), json, (string)entry["h"]!);
    }
}
