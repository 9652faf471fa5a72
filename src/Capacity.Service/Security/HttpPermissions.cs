using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Security;

/// <summary>
/// Who may read what over the read-only HTTP standards endpoints (FHIR R4 under /fhir/r4, HSDS
/// under /hsds), in one table beside <see cref="Permissions"/>, with the same roles and the same
/// answers: a resource missing here is refused to everyone (fail closed), and a test walks every
/// role × resource against its own copy of the matrix. The tenant check compares the provider
/// (AGB) a request is about — the id read or the search's reporter — with the caller's. Whether a
/// referral is the caller's own is decided per referral, as the gRPC services do (ReferralAccess).
/// </summary>
public static class HttpPermissions
{
    /// <summary>A rule: open to anonymous callers, or the roles allowed and per role an optional check of the owner (an AGB) the request is about.</summary>
    public sealed record Rule(bool Anonymous, IReadOnlyDictionary<Role, Func<string?, Caller, string?>?> Roles);

    public const string Metadata = "fhir:metadata", Organization = "fhir:Organization", HealthcareService = "fhir:HealthcareService",
        Location = "fhir:Location", MeasureReport = "fhir:MeasureReport", ServiceRequest = "fhir:ServiceRequest", Task = "fhir:Task",
        HsdsServices = "hsds:services";

    public static readonly FrozenDictionary<string, Rule> ByResource = new Dictionary<string, Rule>
    {
        // A FHIR server's capability statement is read before sign-in, as every FHIR client expects.
        [Metadata] = new(true, new Dictionary<Role, Func<string?, Caller, string?>?>()),
        // Who exists, where they work and what care they give is public to every signed-in party, as RegistryService/GetProvider.
        [Organization] = Everyone(),
        [HealthcareService] = Everyone(),
        [Location] = Everyone(),
        // Free places per provider × area × care type: what the search shows requesters and desks; a provider its own
        // (CapacityService/GetProviderCapacity); a municipality sees aggregates only (RegionService), not per provider.
        [MeasureReport] = Figures(),
        [HsdsServices] = Figures(),
        // Referrals: the requester's organisation, the insurer's desk once escalated, a provider its own offers — per referral.
        [ServiceRequest] = Allow(Role.Requester, Role.InsurerDesk, Role.Provider),
        [Task] = Allow(Role.Requester, Role.InsurerDesk, Role.Provider),
    }.ToFrozenDictionary();

    /// <summary>Null when <paramref name="caller"/> may read <paramref name="resource"/> about <paramref name="owner"/> (null: not about one provider); else why not.</summary>
    public static string? Check(string resource, Caller caller, string? owner)
    {
        if (!ByResource.TryGetValue(resource, out var rule)) return $"{resource} is not open to any role";
        if (rule.Anonymous) return null;
        if (!rule.Roles.TryGetValue(caller.Role, out var tenant)) return $"the role {Caller.ClaimValue(caller.Role)} may not read {resource}";
        return tenant?.Invoke(owner, caller);
    }

    /// <summary>
    /// The endpoints' hook: null when the request may go on; else the HTTP status (401 without a
    /// valid token, 403 for a role or tenant the table refuses) and why. With Auth:Required=false
    /// (demo, tests) requests pass as anonymous, as gRPC calls do.
    /// </summary>
    public static (int Status, string Reason)? Refusal(HttpContext http, string resource, string? owner)
    {
        if (!http.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.Required) return null;
        if (ByResource.TryGetValue(resource, out var rule) && rule.Anonymous) return null;
        if (Caller.From(http.User) is not { } caller) return (StatusCodes.Status401Unauthorized, Refusals.SignIn);
        return Check(resource, caller, owner) is { } denied ? (StatusCodes.Status403Forbidden, $"Not allowed: {denied}.") : null;
    }

    static Rule Everyone() => new(false, Enum.GetValues<Role>().ToDictionary(r => r, _ => (Func<string?, Caller, string?>?)null));

    static Rule Allow(params Role[] roles) => new(false, roles.ToDictionary(r => r, _ => (Func<string?, Caller, string?>?)null));

    static Rule Figures() => new(false, new Dictionary<Role, Func<string?, Caller, string?>?>
    {
        [Role.Requester] = null,
        [Role.InsurerDesk] = null,
        [Role.Provider] = (owner, caller) => owner is null ? "a provider reads its own figures only: name its own AGB"
            : string.Equals(owner, caller.Agb, StringComparison.Ordinal) ? null : "that provider is not yours",
    });
}
