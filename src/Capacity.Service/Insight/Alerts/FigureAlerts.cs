using System.Globalization;
using Capacity.Service.Geography;
using Capacity.Service.Matching;
using Capacity.Service.Registry;
using Capacity.Service.Telemetry;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Capacity.Service.Insight.Alerts;

/// <summary>
/// FIGURES_GOING_STALE and AREA_WITHOUT_CAPACITY, from sorted sets kept as figures are written, so
/// a check reads only the providers and areas concerned, never the area hashes of the country:
/// <list type="bullet">
/// <item>stale: <see cref="StaleProviders.Key"/> (each provider's latest publication) up to the
/// warning point, against the registry snapshot's active providers;</item>
/// <item>zero: <c>caphist:{zero}</c> (the history part's areas × care types at zero since) up to
/// ZeroCapacityAfter ago, each confirmed against its <c>caphist:{PC4}:now</c> field, since that set
/// is written just after the figure.</item>
/// </list>
/// What was raised is kept in a set per kind (<see cref="StaleRaised"/>, <see cref="ZeroRaised"/>,
/// scored by the publication or zero-since time the alert is about), so each check raises only
/// what is new and clears what has ended.
/// </summary>
public sealed class FigureAlerts(
    IConnectionMultiplexer redis, AlertStore alerts, RegistryCache registry, PostcodeDirectory postcodes,
    IOptionsMonitor<AlertsOptions> options, IOptionsMonitor<MatchingOptions> matching, TimeProvider time)
{
    /// <summary>Members AGB, scored by the publication (Unix ms) a raised FIGURES_GOING_STALE alert is about.</summary>
    public static readonly RedisKey StaleRaised = "alerts:{stale}";

    /// <summary>Members <c>PC4:careType</c>, scored by the zero-since (Unix ms) a raised AREA_WITHOUT_CAPACITY alert is about.</summary>
    public static readonly RedisKey ZeroRaised = "alerts:{zero}";

    /// <summary>The capacity-history part's set of areas × care types at zero now (its Redis contract with this part).</summary>
    public static readonly RedisKey Zero = "caphist:{zero}";

    /// <summary>The history part's current figures of an area: field care type → <c>free|room|zeroSinceMs</c>.</summary>
    public static RedisKey Now(int pc4) => $"caphist:{{{pc4:D4}}}:now";

    public static string StaleAlertId(string agb, long publishedMs) => $"stale:{agb}:{publishedMs}";
    public static string ZeroAlertId(string area, long zeroSinceMs) => $"zero:{area}:{zeroSinceMs}";

    // ---- figures going stale ----

    public async Task CheckStaleAsync()
    {
        var providers = registry.Current.Providers;
        if (providers.Count == 0) return; // the snapshot is not loaded yet: every provider would look unknown
        var now = time.GetUtcNow();
        var window = matching.CurrentValue.FreshnessWindow;
        var warnPoint = (now - window + options.CurrentValue.StaleWarningBefore).ToUnixTimeMilliseconds();
        var db = redis.GetDatabase();
        var going = await db.SortedSetRangeByScoreWithScoresAsync(StaleProviders.Key, double.NegativeInfinity, warnPoint);
        var raised = await db.SortedSetRangeByScoreWithScoresAsync(StaleRaised);
        var current = going.Where(e => providers.TryGetValue(e.Element!, out var p) && !p.Inactive).ToDictionary(e => (string)e.Element!, e => (long)e.Score);
        var done = raised.ToDictionary(e => (string)e.Element!, e => (long)e.Score);

        // Ended: published anew since (or no longer active, or gone from the registry).
        foreach (var (agb, publishedMs) in done.Where(d => current.GetValueOrDefault(d.Key, -1) != d.Value))
        {
            await alerts.ClearAsync(AlertKind.FiguresGoingStale, StaleAlertId(agb, publishedMs), [AlertParty.Provider(agb)]);
            await db.SortedSetRemoveAsync(StaleRaised, agb);
        }
        foreach (var (agb, publishedMs) in current.Where(c => done.GetValueOrDefault(c.Key, -1) != c.Value))
        {
            var published = DateTimeOffset.FromUnixTimeMilliseconds(publishedMs);
            await alerts.RaiseAsync(new Alert
            {
                Id = StaleAlertId(agb, publishedMs),
                Kind = AlertKind.FiguresGoingStale,
                Since = Timestamp.FromDateTimeOffset(published),
                ProviderAgb = agb,
                StaleAt = Timestamp.FromDateTimeOffset(published + window),
            }, [AlertParty.Provider(agb)]);
            await db.SortedSetAddAsync(StaleRaised, agb, publishedMs);
        }
    }

    // ---- areas without capacity ----

    /// <summary>
    /// Who hears of an area without capacity: its municipality, and every insurer's desk — each
    /// insurer has a duty of care for its insured there, and the service holds no count of who is
    /// insured where, so no desk can be left out on that ground.
    /// </summary>
    IReadOnlyList<AlertParty> ZeroParties(int pc4)
    {
        var parties = registry.Current.Insurers.Keys.Order(StringComparer.Ordinal).Select(AlertParty.Desk).ToList();
        if (postcodes.Find(pc4) is { } area) parties.Add(AlertParty.Municipality(area.MunicipalityCode));
        return parties;
    }

    public async Task CheckZeroAsync()
    {
        var now = time.GetUtcNow();
        var cutoff = (now - options.CurrentValue.ZeroCapacityAfter).ToUnixTimeMilliseconds();
        var db = redis.GetDatabase();
        var zero = await db.SortedSetRangeByScoreWithScoresAsync(Zero, double.NegativeInfinity, cutoff);
        var raised = await db.SortedSetRangeByScoreWithScoresAsync(ZeroRaised);
        var long0 = zero.ToDictionary(e => (string)e.Element!, e => (long)e.Score);
        var done = raised.ToDictionary(e => (string)e.Element!, e => (long)e.Score);

        // Raised, and no longer in the zero set as raised: ended, unless the area's current figure still says zero since then.
        foreach (var (member, zeroSince) in done.Where(d => long0.GetValueOrDefault(d.Key, -1) != d.Value))
        {
            if (Parse(member) is not { } area) continue;
            if (await ZeroSinceAsync(db, area.Pc4, area.CareType) == zeroSince) continue;
            await alerts.ClearAsync(AlertKind.AreaWithoutCapacity, ZeroAlertId(member, zeroSince), ZeroParties(area.Pc4));
            await db.SortedSetRemoveAsync(ZeroRaised, member);
        }
        var candidates = long0.Keys.Where(k => done.GetValueOrDefault(k, -1) != long0[k])
            .Select(k => (Member: k, Area: Parse(k))).Where(c => c.Area is not null).Select(c => (c.Member, Area: c.Area!.Value)).ToArray();
        // The set is written just after the figure: the current figure decides (read for all candidates at once).
        var current = await Task.WhenAll(candidates.Select(c => ZeroSinceAsync(db, c.Area.Pc4, c.Area.CareType)));
        for (var i = 0; i < candidates.Length; i++)
        {
            var (member, area) = candidates[i];
            if (current[i] is not { } zeroSince || zeroSince > cutoff) continue;
            if (done.TryGetValue(member, out var earlier) && earlier != zeroSince)
                await alerts.ClearAsync(AlertKind.AreaWithoutCapacity, ZeroAlertId(member, earlier), ZeroParties(area.Pc4));
            await alerts.RaiseAsync(new Alert
            {
                Id = ZeroAlertId(member, zeroSince),
                Kind = AlertKind.AreaWithoutCapacity,
                Since = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(zeroSince)),
                Pc4 = area.Pc4.ToString("D4", CultureInfo.InvariantCulture),
                MunicipalityCode = postcodes.Find(area.Pc4)?.MunicipalityCode ?? "",
                CareType = area.CareType,
            }, ZeroParties(area.Pc4));
            await db.SortedSetAddAsync(ZeroRaised, member, zeroSince);
        }
    }

    static (int Pc4, CareType CareType)? Parse(string member)
    {
        var cut = member.IndexOf(':');
        return cut > 0 && int.TryParse(member.AsSpan(0, cut), NumberStyles.None, CultureInfo.InvariantCulture, out var pc4)
            && int.TryParse(member.AsSpan(cut + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var careType)
            && PostcodeDirectory.MinPc4 <= pc4 && pc4 <= PostcodeDirectory.MaxPc4
            ? (pc4, (CareType)careType) : null;
    }

    /// <summary>Since when the area's free places for the care type have been zero (Unix ms); null when they are not zero, or unknown.</summary>
    static async Task<long?> ZeroSinceAsync(IDatabase db, int pc4, CareType careType)
    {
        var value = (string?)await db.HashGetAsync(Now(pc4), ((int)careType).ToString(CultureInfo.InvariantCulture));
        var parts = value?.Split('|');
        return parts is { Length: 3 } && parts[0] == "0" && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var since) && since > 0
            ? since : null;
    }
}
