using Capacity.Service.Redis;
using Capacity.Service.Audit;
using Capacity.Service.Referrals;
using Capacity.Service.Security;
using Capacity.V1;
using Microsoft.AspNetCore.Routing;

namespace Capacity.Service.Fhir;

/// <summary>
/// Referrals as ServiceRequest and their offers as Task, read-only. Who may see a referral follows
/// the gRPC rules exactly (ReferralAccess): its requester's organisation, its insurer's desk once
/// escalated, a provider only the offers made to it (ReferralViews.AsSeenBy). To anyone else it
/// does not exist (404, as for an unknown id). Every answer and refusal is audited as the gRPC
/// reads are (NEN 7513): who, which referral and patient reference, the outcome.
/// </summary>
public static class FhirReferralEndpoints
{
    public static void MapFhirReferrals(this WebApplication app)
    {
        var fhir = app.MapGroup(FhirEndpoints.Prefix).AnswerStoreOutages(FhirResponses.StoreOutage);
        fhir.MapGet("/ServiceRequest/{id}", (HttpContext http, string id, ReferralStore store, AuditLog audit, TimeProvider time) =>
            ReadAsync(http, HttpPermissions.ServiceRequest, "GET /fhir/r4/ServiceRequest/{id}", FhirCodes.OurId(id, "ref"), null, store, audit, time,
                (seen, _) => [FhirReferrals.Request(seen)]));
        fhir.MapGet("/Task/{id}", (HttpContext http, string id, ReferralStore store, AuditLog audit, TimeProvider time) =>
        {
            var ids = FhirReferrals.IdsOfTask(id);
            return ReadAsync(http, HttpPermissions.Task, "GET /fhir/r4/Task/{id}", ids?.ReferralId ?? "", ids?.OfferId ?? "", store, audit, time,
                (seen, offerId) => [.. seen.Offers.Where(o => o.Id == offerId).Select(o => FhirReferrals.Task(seen, o))]);
        });
        // The Tasks of one referral: Task?focus=ServiceRequest/{id} (based-on is accepted too); bounded by the referral's offers, paged.
        fhir.MapGet("/Task", (HttpContext http, ReferralStore store, AuditLog audit, TimeProvider time) =>
        {
            var focus = http.Request.Query["focus"].ToString() is { Length: > 0 } f ? f : http.Request.Query["based-on"].ToString();
            if (!focus.StartsWith("ServiceRequest/", StringComparison.Ordinal))
                return System.Threading.Tasks.Task.FromResult(FhirQuery.Refused(http, HttpPermissions.Task) ?? FhirResponses.BadRequest("focus: the referral's ServiceRequest, e.g. ServiceRequest/ref-…"));
            return ReadAsync(http, HttpPermissions.Task, "GET /fhir/r4/Task?focus", FhirCodes.OurId(focus["ServiceRequest/".Length..], "ref"), null, store, audit, time,
                (seen, _) => [.. seen.Offers.Select(o => FhirReferrals.Task(seen, o))], search: true);
        });
    }

    /// <summary>
    /// Checks the table, loads the referral, cuts it to what the caller may see, maps it, and
    /// audits the outcome. One resource for a read (404 when the mapping finds none), a searchset for a search.
    /// </summary>
    static async Task<IResult> ReadAsync(HttpContext http, string resource, string action, string referralId, string? offerId, ReferralStore store, AuditLog audit,
        TimeProvider time, Func<Referral, string?, IReadOnlyList<Hl7.Fhir.Model.Resource>> map, bool search = false)
    {
        var caller = Caller.From(http.User);
        if (FhirQuery.Refused(http, resource) is { } refused)
        {
            await Audit(http, audit, time, caller, action, ReferralValidation.IsReferralId(referralId) ? referralId : null, null,
                caller is null ? "denied (Unauthenticated)" : "denied (PermissionDenied)");
            return refused;
        }
        var seen = ReferralValidation.IsReferralId(referralId) && await store.GetAsync(referralId) is { } stored ? AsSeenBy(stored.Referral, caller) : null;
        var resources = seen is null ? [] : map(seen, offerId);
        if (seen is null || (!search && resources.Count == 0))
        {
            await Audit(http, audit, time, caller, action, ReferralValidation.IsReferralId(referralId) ? referralId : null, null, "denied (NotFound)");
            return FhirResponses.NotFound(http.Request.Path.Value ?? "that resource");
        }
        await Audit(http, audit, time, caller, action, seen.Id, seen.PatientRef, "allowed");
        return search
            ? FhirQuery.Page(http, resources, r => r.Id ?? "", $"fhir:Task:{seen.Id}", r => r, time.GetUtcNow())
            : FhirResponses.Resource(resources[0]);
    }

    /// <summary>The referral as this caller may see it; null when it is not theirs (a provider: when none of its offers is in it).</summary>
    public static Referral? AsSeenBy(Referral r, Caller? caller) => caller switch
    {
        { Role: Role.Provider, Agb: { } agb } => r.Offers.Any(o => o.Provider.Agb == agb) ? ReferralViews.AsSeenBy(r, agb) : null,
        _ => Viewer.Of(caller).CanSee(r) ? r : null,
    };

    static Task Audit(HttpContext http, AuditLog audit, TimeProvider time, Caller? caller, string action, string? referralId, string? patientRef, string outcome) =>
        audit.WriteAsync(new AuditRecord(
            time.GetUtcNow(), caller?.Subject ?? "anonymous", caller is null ? "anonymous" : Caller.ClaimValue(caller.Role),
            caller?.Org ?? caller?.Agb ?? caller?.Uzovi ?? caller?.Gm, http.User.FindFirst("on_behalf_of")?.Value,
            action, referralId, patientRef, outcome));
}
