using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
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
/// behalf, what, which referral and patient reference, and the outcome. A list read (an answer
/// that showed several referrals) is one record that names them all in <see cref="ReferralIds"/>
/// and <see cref="PatientRefs"/> (same order; <see cref="ReferralId"/> and <see cref="PatientRef"/>
/// then unset); at most a page of them (<see cref="Shared.Paging.MaxPageSize"/>), so a record stays
/// small. Serialised as JSON in this property order; the order is part of the hash, and so are the
/// lists. The lists are left out of the JSON when unset, so a record about one referral reads as
/// it always did.
/// </summary>
public sealed record AuditRecord(
    DateTimeOffset At, string Subject, string Role, string? Organisation, string? OnBehalfOf,
    string Action, string? ReferralId, string? PatientRef, string Outcome,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? ReferralIds = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? PatientRefs = null)
{
    /// <summary>Every referral the record is about: the one, or each of a list read's.</summary>
    public IEnumerable<string> Referrals() =>
        ReferralIds is { Count: > 0 } ids ? ids : ReferralId is { Length: > 0 } id ? [id] : [];

    /// <summary>How many referrals the record names.</summary>
    public int ReferralCount => ReferralIds?.Count ?? (ReferralId is { Length: > 0 } ? 1 : 0);

    /// <summary>The patient reference this record shows for <paramref name="referralId"/>.</summary>
    public string? PatientRefOf(string referralId)
    {
        if (ReferralIds is not { } ids) return ReferralId == referralId ? PatientRef : null;
        for (var i = 0; i < ids.Count; i++)
            if (ids[i] == referralId) return PatientRefs is { } refs && i < refs.Count ? refs[i] : null;
        return null;
    }

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
/// referral a list of entry ids (<c>audit:{log}:referral:&lt;id&gt;</c>), all on one slot: a list
/// read's one record is entered in the list of every referral it names, so each one's trail finds
/// it. A
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
        public static readonly RedisKey Turn = "audit:{log}:turn";
        public static RedisKey Referral(string id) => $"audit:{{log}}:referral:{id}";
    }

    // KEYS: 1 stream, 2 head, 3 turn, 4.. the referral indexes of every record, in order;
    // ARGV: 1 expected head, 2 index ttl (s), 3 this writer's id, then per record: json, hash, how many indexes it enters.
    // Every instance appends to the one chain, computing the hashes from the head it knows. An instance
    // that finds the head moved claims the next turn (for at most 200 ms), so that an instance
    // appending back to back cannot starve it: others' appends wait while the turn is someone else's.
    const string AppendScript = """
        local turn = redis.call('GET', KEYS[3])
        local head = redis.call('GET', KEYS[2]) or ''
        if turn and turn ~= ARGV[3] then return {0, head, 1} end
        if head ~= ARGV[1] then
          if not turn then redis.call('SET', KEYS[3], ARGV[3], 'PX', 200) end
          return {0, head}
        end
        local k = 4
        for i = 4, #ARGV, 3 do
          local id = redis.call('XADD', KEYS[1], '*', 'r', ARGV[i], 'h', ARGV[i + 1])
          for j = 1, tonumber(ARGV[i + 2]) do
            redis.call('RPUSH', KEYS[k], id)
            redis.call('EXPIRE', KEYS[k], ARGV[2])
            k = k + 1
          end
          head = ARGV[i + 1]
        end
        redis.call('SET', KEYS[2], head)
        if turn then redis.call('DEL', KEYS[3]) end
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

    /// <summary>
    /// A batch (one script call) closes at this many index entries — a list read of a full page
    /// enters 200 — so one append stays small however busy the service is.
    /// </summary>
    const int MaxIndexEntriesPerAppend = 2048, MaxWritesPerAppend = 256;

    readonly Channel<(AuditRecord[] Records, TaskCompletionSource Done)> _queue = Channel.CreateUnbounded<(AuditRecord[], TaskCompletionSource)>();
    string? _head;
    readonly string _writer = Guid.NewGuid().ToString("N"); // this instance, when it claims the chain's next turn

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
                var entries = 0;
                while (batch.Count < MaxWritesPerAppend && entries < MaxIndexEntriesPerAppend && _queue.Reader.TryRead(out var item))
                {
                    batch.Add(item);
                    entries += item.Records.Sum(r => r.ReferralCount);
                }
                try
                {
                    await AppendAsync(batch.SelectMany(b => b.Records).ToArray());
                    foreach (var (_, done) in batch) done.TrySetResult();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The calls waiting on these records fail (UNAVAILABLE while Redis is away): an outage is a warning without a stack trace.
                    if (Redis.RedisFailures.IsUnavailable(e)) logger.LogWarning("Could not write {Count} audit records: Redis unavailable ({Error})", batch.Sum(b => b.Records.Length), e.GetType().Name);
                    else logger.LogError(e, "Could not write {Count} audit records", batch.Sum(b => b.Records.Length));
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
        for (var attempt = 0; attempt < 300; attempt++)
        {
            var head = _head ??= (string?)await db.StringGetAsync(Keys.Head) ?? "";
            var keys = new List<RedisKey> { Keys.Stream, Keys.Head, Keys.Turn };
            var args = new List<RedisValue> { head, (long)options.Value.Retention.TotalSeconds, _writer };
            var previous = head;
            for (var i = 0; i < records.Length; i++)
            {
                var hash = AuditRecord.Chain(previous, jsons[i]);
                var indexed = records[i].Referrals().Distinct().ToArray();
                keys.AddRange(indexed.Select(Keys.Referral));
                args.Add(jsons[i]);
                args.Add(hash);
                args.Add(indexed.Length);
                previous = hash;
            }
            var result = (RedisResult[])(await db.ScriptEvaluateAsync(AppendScript, [.. keys], [.. args]))!;
            _head = (string?)result[1] ?? "";
            if ((long)result[0] == 1) return;
            // Another instance appended meanwhile: this one has claimed the next turn and goes on from
            // that head at once. Or the turn is another's: give it a moment to append (a turn lapses
            // after 200 ms, so a dead instance cannot hold the chain).
            if (result.Length > 2) await Task.Delay(1);
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
                catch (Exception e) when (e is RedisException || Redis.RedisFailures.IsUnavailable(e)) // a timeout too: the next hour tries again
                {
                    logger.LogWarning("Could not trim the audit log: {Error}: {Message}", e.GetType().Name, e.Message);
                }
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

    /// <summary>
    /// A page of the records about one referral, oldest first (the patient's right to see who
    /// looked), and the token for the next (empty at the end). The referral's index only grows at
    /// its end (RPUSH), so a page is a range of it and the token is where the next page starts,
    /// bound to this referral's index. Records dropped by retention are left out of their page.
    /// </summary>
    /// <exception cref="FormatException">The token is not one of this referral's trail.</exception>
    public async Task<(IReadOnlyList<StoredAuditRecord> Records, string NextPageToken)> ForReferralAsync(string referralId, int size, string pageToken)
    {
        var key = Keys.Referral(referralId);
        long start = 0;
        if (pageToken.Length > 0 && (Shared.Paging.Decode(key.ToString(), pageToken) is not { } at || !long.TryParse(at, out start) || start < 0))
            throw new FormatException("not a page token of this referral's trail");
        var db = redis.GetDatabase();
        var ids = await db.ListRangeAsync(key, start, start + size); // one more than asked: is there a next page?
        var reads = ids.Take(size).Select(id => db.StreamRangeAsync(Keys.Stream, id, id)).ToArray();
        var records = new List<StoredAuditRecord>(reads.Length);
        foreach (var read in reads)
            foreach (var entry in await read)
                records.Add(ToStored(entry));
        return (records, ids.Length > size ? Shared.Paging.Encode(key.ToString(), (start + size).ToString(System.Globalization.CultureInfo.InvariantCulture)) : "");
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
