using Capacity.Service.Live;
using Capacity.V1;
using Microsoft.AspNetCore.SignalR;

namespace Capacity.Service.Referrals;

/// <summary>What a referral's parties are told over SignalR: the step's events, never more than is theirs.</summary>
public sealed record ReferralNotice(string ReferralId, string RequesterOrg, string PatientRef, ReferralState State, long Version, IReadOnlyList<ReferralEventNotice> Events);

public sealed record ReferralEventNotice(string Type, DateTimeOffset At, string OfferId, string ProviderAgb, string Detail);

/// <summary>What a provider is told about one of its own offers.</summary>
public sealed record OfferNotice(string ReferralId, string OfferId, OfferState State, string Type, DateTimeOffset? Deadline, string Detail);

/// <summary>
/// Tells each party what a referral step means for it: the requesting organisation every step of
/// its referrals; a provider the steps of its own offers (not who else was asked); once
/// escalated, the insurer's mediation desk; the patient's municipality that its unmet-demand
/// counts changed (a signal without referral data, so not a disclosure). Also announces offer changes on the provider's
/// channel for gRPC WatchOffers. SignalR groups reach every instance through the Redis backplane.
/// </summary>
public sealed class ReferralNotifier(IHubContext<CoordinationHub, ICoordinationClient> hub, ReferralIndexes indexes, Audit.AuditLog audit, TimeProvider time)
{
    public static string OrganisationGroup(string org) => $"org:{org}";
    public static string ProviderGroup(string agb) => $"provider:{agb}";
    public static string DeskGroup(string uzovi) => $"desk:{uzovi}";
    public static string MunicipalityGroup(string code) => $"municipality:{code}";

    /// <summary>Tells the municipality that its unmet-demand counts changed; nothing more.</summary>
    public Task UnmetDemandChangedAsync(string municipalityCode) =>
        hub.Clients.Group(MunicipalityGroup(municipalityCode)).UnmetDemandChanged(new UnmetDemandNotice(municipalityCode));

    /// <param name="unmetDemandCounted">The step added the referral to its municipality's unmet demand: the municipality hears that the counts changed (no more).</param>
    public async Task PublishAsync(Step step, bool unmetDemandCounted = false)
    {
        var r = step.Referral;
        var events = step.Events.Select(e => new ReferralEventNotice(e.Type, e.At.ToDateTimeOffset(), e.OfferId, e.ProviderAgb, e.Detail)).ToArray();
        var notice = new ReferralNotice(r.Id, r.RequesterOrg, r.PatientRef, r.State, r.Version, events);
        var sends = new List<Task> { hub.Clients.Group(OrganisationGroup(r.RequesterOrg)).ReferralChanged(notice) };
        if (r.Escalation is not null) sends.Add(hub.Clients.Group(DeskGroup(r.Search.InsurerUzovi)).ReferralChanged(notice));
        if (unmetDemandCounted) sends.Add(UnmetDemandChangedAsync(r.MunicipalityCode));
        foreach (var e in step.Events.Where(e => e.ProviderAgb.Length > 0))
        {
            var offer = r.Offers.First(o => o.Id == e.OfferId);
            sends.Add(hub.Clients.Group(ProviderGroup(e.ProviderAgb)).OfferChanged(
                new OfferNotice(r.Id, offer.Id, offer.State, e.Type, offer.Deadline?.ToDateTimeOffset(), e.Detail)));
            sends.Add(indexes.AnnounceOfferAsync(e.ProviderAgb, r.Id, offer.Id));
        }
        // A push is a disclosure of referral data too (NEN 7513): recorded per receiving party.
        var now = time.GetUtcNow();
        var disclosed = new List<Audit.AuditRecord>
        {
            new(now, $"hub:{OrganisationGroup(r.RequesterOrg)}", "requester", r.RequesterOrg, null, "hub:ReferralChanged", r.Id, r.PatientRef, "pushed"),
        };
        if (r.Escalation is not null)
            disclosed.Add(new(now, $"hub:{DeskGroup(r.Search.InsurerUzovi)}", "insurer_desk", r.Search.InsurerUzovi, null, "hub:ReferralChanged", r.Id, r.PatientRef, "pushed"));
        foreach (var agb in step.Events.Where(e => e.ProviderAgb.Length > 0).Select(e => e.ProviderAgb).Distinct())
            disclosed.Add(new(now, $"hub:{ProviderGroup(agb)}", "provider", agb, null, "hub:OfferChanged", r.Id, null, "pushed"));
        sends.Add(audit.WriteAsync([.. disclosed]));
        await Task.WhenAll(sends);
    }
}
