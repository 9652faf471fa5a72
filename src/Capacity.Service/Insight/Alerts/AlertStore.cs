using System.Globalization;
using Capacity.Service.Live;
using Capacity.Service.Redis;
using Capacity.Service.Referrals;
using Capacity.Service.Shared;
using Capacity.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;

namespace Capacity.Service.Insight.Alerts;

public enum PartyKind { Desk, Provider, Municipality, Organisation }

/// <summary>
/// Who sees an alert: an insurer's desk (UZOVI), a provider (AGB), a municipality (GM code) or a
/// requesting organisation. Its alerts live in its own slot (the code is the hash tag), beside
/// its other lists (<c>desk:{UZOVI}:queue</c>, <c>offers:{AGB}:open</c>, <c>org:{org}:active</c>).
/// </summary>
public readonly record struct AlertParty(PartyKind Kind, string Code)
{
    public static AlertParty Desk(string uzovi) => new(PartyKind.Desk, uzovi);
    public static AlertParty Provider(string agb) => new(PartyKind.Provider, agb);
    public static AlertParty Municipality(string code) => new(PartyKind.Municipality, code);
    public static AlertParty Organisation(string org) => new(PartyKind.Organisation, org);

    string Prefix => Kind switch { PartyKind.Desk => "desk", PartyKind.Provider => "provider", PartyKind.Municipality => "gm", _ => "org" };

    /// <summary>Hash: alert id → its list member (<c>sinceMs|id</c>), and <c>id#</c> → the alert (protobuf).</summary>
    public RedisKey Data => $"alerts:{Prefix}:{{{Code}}}";

    /// <summary>One <see cref="TimeIndex"/>-shaped list per kind, oldest situation first, so a kinds filter reads only its lists.</summary>
    public RedisKey List(AlertKind kind) => $"alerts:{Prefix}:{{{Code}}}:k{(int)kind}";

    /// <summary>The SignalR group the party's screens follow (the groups of <see cref="ReferralNotifier"/>).</summary>
    public string Group => Kind switch
    {
        PartyKind.Desk => ReferralNotifier.DeskGroup(Code),
        PartyKind.Provider => ReferralNotifier.ProviderGroup(Code),
        PartyKind.Municipality => ReferralNotifier.MunicipalityGroup(Code),
        _ => ReferralNotifier.OrganisationGroup(Code),
    };

    /// <summary>The role the audit log names for a push to this party.</summary>
    public string Role => Kind switch { PartyKind.Desk => "insurer_desk", PartyKind.Provider => "provider", PartyKind.Municipality => "municipality", _ => "requester" };

    public override string ToString() => $"{Prefix}:{Code}";
}

/// <summary>What a party's screen is pushed when an alert is raised for it (the same fields as <see cref="Alert"/>).</summary>
public sealed record AlertNotice(
    string Id, AlertKind Kind, DateTimeOffset Since, DateTimeOffset RaisedAt, string ReferralId, string OfferId, string ProviderAgb,
    string PatientRef, string Pc4, string MunicipalityCode, CareType CareType, DateTimeOffset? StaleAt)
{
    public static AlertNotice Of(Alert a) => new(a.Id, a.Kind, a.Since.ToDateTimeOffset(), a.RaisedAt.ToDateTimeOffset(), a.ReferralId, a.OfferId,
        a.ProviderAgb, a.PatientRef, a.Pc4, a.MunicipalityCode, a.CareType, a.StaleAt?.ToDateTimeOffset());
}

/// <summary>
/// Each party's open alerts. Raising is idempotent by the alert's stable id (one script on the
/// party's slot: only the first raise stores, lists and pushes it), so several instances checking
/// at once raise a situation once; clearing removes it from the party's list. A new alert is
/// pushed to the party's group only, and a push that names a referral is recorded in the audit log
/// as <see cref="ReferralNotifier"/> records its pushes.
/// </summary>
public sealed class AlertStore(IConnectionMultiplexer redis, IHubContext<CoordinationHub, ICoordinationClient> hub, Audit.AuditLog audit, TimeProvider time)
{
    const string RaiseScript = """
        if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
        redis.call('HSET', KEYS[1], ARGV[1] .. '#', ARGV[3])
        redis.call('ZADD', KEYS[2], 0, ARGV[2])
        return 1
        """;

    const string ClearScript = """
        local member = redis.call('HGET', KEYS[1], ARGV[1])
        if not member then return 0 end
        redis.call('HDEL', KEYS[1], ARGV[1], ARGV[1] .. '#')
        redis.call('ZREM', KEYS[2], member)
        return 1
        """;

    IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// Raises <paramref name="alert"/> (its raised_at set here) for each party that does not have
    /// it yet, and pushes it to those. The desk's copy of a referral alert carries no patient
    /// reference: a desk sees the patient once the referral is escalated to it.
    /// </summary>
    public async Task RaiseAsync(Alert alert, IReadOnlyCollection<AlertParty> parties)
    {
        var now = time.GetUtcNow();
        alert.RaisedAt = Timestamp.FromDateTimeOffset(now);
        var member = TimeIndex.Member(alert.Since.ToDateTimeOffset(), alert.Id);
        var db = Db;
        var copies = parties.Select(p => (Party: p, Alert: p.Kind == PartyKind.Desk && alert.PatientRef.Length > 0 ? Without(alert) : alert)).ToArray();
        var raised = await Task.WhenAll(copies.Select(c =>
            db.ScriptEvaluateAsync(RaiseScript, [c.Party.Data, c.Party.List(c.Alert.Kind)], [c.Alert.Id, member, c.Alert.ToByteArray()])));
        var sends = new List<Task>();
        var disclosed = new List<Audit.AuditRecord>();
        for (var i = 0; i < copies.Length; i++)
        {
            if ((long)raised[i] != 1) continue;
            var (party, copy) = copies[i];
            sends.Add(hub.Clients.Group(party.Group).AlertRaised(AlertNotice.Of(copy)));
            if (copy.ReferralId.Length > 0)
                disclosed.Add(new(now, $"hub:{party.Group}", party.Role, party.Code, null, "hub:AlertRaised", copy.ReferralId,
                    copy.PatientRef.Length > 0 ? copy.PatientRef : null, "pushed"));
        }
        if (disclosed.Count > 0) sends.Add(audit.WriteAsync([.. disclosed]));
        await Task.WhenAll(sends);
    }

    static Alert Without(Alert alert)
    {
        var copy = alert.Clone();
        copy.PatientRef = "";
        return copy;
    }

    /// <summary>Takes the alert <paramref name="id"/> off each party's list (nothing when it is not there).</summary>
    public Task ClearAsync(AlertKind kind, string id, IEnumerable<AlertParty> parties)
    {
        var db = Db;
        return Task.WhenAll(parties.Select(p => db.ScriptEvaluateAsync(ClearScript, [p.Data, p.List(kind)], [id])));
    }

    /// <summary>
    /// One page of the party's alerts of <paramref name="kinds"/>, oldest situation first: each
    /// kind's list read from just after the last member sent, merged, then the alerts themselves
    /// in one HMGET. The token names the party and the kinds, so another list's token is refused.
    /// </summary>
    public async Task<Page<Alert>> PageAsync(AlertParty party, IReadOnlyList<AlertKind> kinds, int size, string pageToken)
    {
        var list = $"{party}:{string.Join(',', kinds.Select(k => (int)k))}";
        RedisValue after = RedisValue.Null;
        if (pageToken.Length > 0)
        {
            var last = Paging.Decode(list, pageToken);
            if (last is not { Length: > 14 } || last[13] != '|' || !long.TryParse(last.AsSpan(0, 13), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                throw InputErrors.Single("page_token", Reasons.PageTokenInvalid, "not a page token of this list");
            after = last;
        }
        var db = Db;
        var lists = await Task.WhenAll(kinds.Select(k =>
            db.SortedSetRangeByValueAsync(party.List(k), after, RedisValue.Null, after.IsNull ? Exclude.None : Exclude.Start, Order.Ascending, 0, size + 1)));
        var members = lists.SelectMany(l => l).Select(m => (string)m!).Order(StringComparer.Ordinal).Take(size + 1).ToArray();
        var page = members.Take(size).ToArray();
        if (page.Length == 0) return new Page<Alert>([], "");
        var values = await db.HashGetAsync(party.Data, [.. page.Select(m => (RedisValue)(m[(m.IndexOf('|') + 1)..] + "#"))]);
        // An alert cleared between the two reads is left out: it is no longer open.
        var alerts = values.Where(v => v.HasValue).Select(v => Alert.Parser.ParseFrom((byte[])v!)).ToArray();
        return new Page<Alert>(alerts, members.Length > size ? Paging.Encode(list, page[^1]) : "");
    }
}
