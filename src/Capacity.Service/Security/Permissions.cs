using System.Collections.Frozen;
using Capacity.Service.Geography;
using Capacity.V1;
using Google.Protobuf;

namespace Capacity.Service.Security;

/// <summary>
/// Who may call what: every gRPC method of the service, in one table. A method missing here is
/// refused to everyone (fail closed), and a test walks every role × method against its own copy
/// of the expected matrix. The tenant check compares the request's owner fields with the
/// caller's (a provider's AGB, a requester's organisation, an insurer's UZOVI, a municipality's
/// GM code); streams with items of several owners are checked per item by their service, and
/// referral ownership by the referral workflow.
/// </summary>
public static class Permissions
{
    /// <summary>A rule: the roles allowed, and per role an optional check of the request that returns why it is someone else's.</summary>
    public sealed record Rule(bool Anonymous, IReadOnlyDictionary<Role, Func<IMessage, Caller, IServiceProvider, string?>?> Roles);

    public static readonly FrozenDictionary<string, Rule> ByMethod = new Dictionary<string, Rule>
    {
        // Registry: insurers and providers by the registry admin (a provider may keep its own entry); contracts only by their insurer.
        [M("RegistryService", "UpsertInsurer")] = Allow(Role.RegistryAdmin),
        [M("RegistryService", "UpsertProvider")] = Allow(Role.RegistryAdmin).And(Role.Provider, (m, c) => Own(((UpsertProviderRequest)m).Provider?.Agb, c.Agb, "provider")),
        [M("RegistryService", "UpsertContract")] = Allow(Role.InsurerImport, (m, c) => Own(((UpsertContractRequest)m).Contract?.InsurerUzovi, c.Uzovi, "insurer")),
        [M("RegistryService", "RemoveContract")] = Allow(Role.InsurerImport, (m, c) => Own(((RemoveContractRequest)m).InsurerUzovi, c.Uzovi, "insurer")),
        [M("RegistryService", "GetDirectorySyncStatus")] = Allow(Role.RegistryAdmin),
        [M("RegistryService", "ImportRegistry")] = Allow(Role.RegistryAdmin).And(Role.InsurerImport), // per item in RegistryGrpcService
        // Requesting organisations: by the registry admin; an organisation may keep its own entry (name, transfer desk).
        [M("RegistryService", "UpsertRequestingOrganisation")] = Allow(Role.RegistryAdmin)
            .And(Role.Requester, (m, c) => Own(((UpsertRequestingOrganisationRequest)m).Organisation?.Code, c.Org, "organisation")),
        // Who exists and who is contracted is public (insurers publish it in their provider finders).
        [M("RegistryService", "GetProvider")] = Everyone(),
        [M("RegistryService", "ListInsurers")] = Everyone(),
        [M("RegistryService", "ListContracts")] = Everyone(),
        // A requesting organisation's name and transfer desk are what providers call; not patient data.
        [M("RegistryService", "GetRequestingOrganisation")] = Everyone(),

        // Capacity: a provider's own figures only.
        [M("CapacityService", "SetCapacity")] = Allow(Role.Provider, (m, c) => Own(((SetCapacityRequest)m).Agb, c.Agb, "provider")),
        [M("CapacityService", "PublishCapacity")] = Allow(Role.Provider), // per item in CapacityGrpcService
        [M("CapacityService", "UpdateCapacity")] = Allow(Role.Provider, (m, c) => Own(((UpdateCapacityRequest)m).Agb, c.Agb, "provider")),
        [M("CapacityService", "GetProviderCapacity")] = Allow(Role.Provider, (m, c) => Own(((GetProviderCapacityRequest)m).Agb, c.Agb, "provider")),
        [M("CapacityService", "ImportCapacity")] = Allow(Role.Provider, (m, c) => Own(((ImportCapacityRequest)m).Agb, c.Agb, "provider")),
        [M("CapacityService", "GetCapacityTemplate")] = Allow(Role.Provider, (m, c) => Own(((GetCapacityTemplateRequest)m).Agb, c.Agb, "provider")),

        // Capacity pulled from a provider's own capacity.json: registered by the provider only (an
        // endpoint publishes its figures, which only it may do); seen, pulled and removed by the registry admin too.
        [M("CapacityEndpointService", "SetCapacityEndpoint")] = Allow(Role.Provider, (m, c) => Own(((SetCapacityEndpointRequest)m).Agb, c.Agb, "provider")),
        [M("CapacityEndpointService", "RemoveCapacityEndpoint")] = Allow(Role.RegistryAdmin).And(Role.Provider, (m, c) => Own(((RemoveCapacityEndpointRequest)m).Agb, c.Agb, "provider")),
        [M("CapacityEndpointService", "GetCapacityEndpoint")] = Allow(Role.RegistryAdmin).And(Role.Provider, (m, c) => Own(((GetCapacityEndpointRequest)m).Agb, c.Agb, "provider")),
        [M("CapacityEndpointService", "PullCapacityNow")] = Allow(Role.RegistryAdmin).And(Role.Provider, (m, c) => Own(((PullCapacityNowRequest)m).Agb, c.Agb, "provider")),
        [M("CapacityEndpointService", "ListCapacityEndpoints")] = Allow(Role.RegistryAdmin),

        // Client stops: declared and lifted by their provider; listed by it, by insurers for their own insured, by the registry admin.
        [M("ClientStopService", "DeclareClientStop")] = Allow(Role.Provider, (m, c) => Own(((DeclareClientStopRequest)m).Stop?.ProviderAgb, c.Agb, "provider")),
        [M("ClientStopService", "LiftClientStop")] = Allow(Role.Provider), // the stop's owner is checked in ClientStopGrpcService
        [M("ClientStopService", "ListClientStops")] = Allow(Role.RegistryAdmin)
            .And(Role.Provider, (m, c) => Own(((ListClientStopsRequest)m).ProviderAgb, c.Agb, "provider"))
            .And(Role.InsurerDesk, (m, c) => Own(((ListClientStopsRequest)m).InsurerUzovi, c.Uzovi, "insurer")),

        [M("MatchingService", "FindProviders")] = Allow(Role.Requester).And(Role.InsurerDesk),

        // Regions: aggregates; a municipality only its own.
        [M("RegionService", "GetRegionalAvailability")] = Allow(Role.Requester).And(Role.InsurerDesk).And(Role.Municipality, OwnRegion),
        [M("RegionService", "ListMunicipalities")] = Everyone(),

        // Referrals: the requester's own organisation (ownership of a referral is checked by the workflow).
        [M("ReferralService", "CreateReferral")] = Allow(Role.Requester, (m, c) => Own(((CreateReferralRequest)m).RequesterOrg, c.Org, "organisation")),
        [M("ReferralService", "OfferReferral")] = Allow(Role.Requester),
        [M("ReferralService", "CancelReferral")] = Allow(Role.Requester),
        [M("ReferralService", "EscalateReferral")] = Allow(Role.Requester),
        [M("ReferralService", "GetReferral")] = Allow(Role.Requester).And(Role.InsurerDesk),
        [M("ReferralService", "ListReferrals")] = Allow(Role.Requester, (m, c) => Own(((ListReferralsRequest)m).RequesterOrg, c.Org, "organisation")),

        // Offers: the provider they were made to.
        [M("OfferService", "ListOffers")] = Allow(Role.Provider, (m, c) => Own(((ListOffersRequest)m).ProviderAgb, c.Agb, "provider")),
        [M("OfferService", "WatchOffers")] = Allow(Role.Provider, (m, c) => Own(((WatchOffersRequest)m).ProviderAgb, c.Agb, "provider")),
        [M("OfferService", "AnswerOffer")] = Allow(Role.Provider, (m, c) => Own(((AnswerOfferRequest)m).ProviderAgb, c.Agb, "provider")),
        [M("OfferService", "ListPlacements")] = Allow(Role.Provider, (m, c) => Own(((ListPlacementsRequest)m).ProviderAgb, c.Agb, "provider")),

        // Mediation desk: its own insurer's referrals; unmet demand for the desk (its insurer) or a municipality (its totals).
        [M("MediationService", "ListDeskQueue")] = Allow(Role.InsurerDesk, (m, c) => Own(((ListDeskQueueRequest)m).InsurerUzovi, c.Uzovi, "insurer")),
        [M("MediationService", "TakeReferral")] = Allow(Role.InsurerDesk, (m, c) => Own(((TakeReferralRequest)m).InsurerUzovi, c.Uzovi, "insurer")),
        [M("MediationService", "SearchForReferral")] = Allow(Role.InsurerDesk, (m, c) => Own(((SearchForReferralRequest)m).InsurerUzovi, c.Uzovi, "insurer")),
        [M("MediationService", "FindLeads")] = Allow(Role.InsurerDesk, (m, c) => Own(((FindLeadsRequest)m).InsurerUzovi, c.Uzovi, "insurer")),
        [M("MediationService", "OfferFromDesk")] = Allow(Role.InsurerDesk),
        [M("MediationService", "CloseReferral")] = Allow(Role.InsurerDesk, (m, c) => Own(((CloseReferralRequest)m).InsurerUzovi, c.Uzovi, "insurer")),
        [M("MediationService", "GetUnmetDemand")] = Allow(Role.InsurerDesk, (m, c) => Own(((GetUnmetDemandRequest)m).InsurerUzovi, c.Uzovi, "insurer"))
            .And(Role.Municipality, OwnUnmetDemand),

        // Insight over time (docs/INSIGHT.md): capacity history is an aggregate like regional
        // availability; analytics and reports per party (a desk its insurer's insured, a provider its
        // own offers, a municipality its own residents); the regulator aggregates only. Which counts
        // are hidden below the minimum cell size is decided by the service from the scope.
        [M("InsightService", "GetCapacityHistory")] = Allow(Role.Requester).And(Role.InsurerDesk).And(Role.Regulator)
            .And(Role.Municipality, OwnHistoryRegion),
        [M("InsightService", "GetPlacementAnalytics")] = Allow(Role.InsurerDesk, (m, c) => ((GetPlacementAnalyticsRequest)m) is { ScopeCase: GetPlacementAnalyticsRequest.ScopeOneofCase.InsurerUzovi } r ? Own(r.InsurerUzovi, c.Uzovi, "insurer") : "a desk sees its own insurer's insured only")
            .And(Role.Provider, (m, c) => ((GetPlacementAnalyticsRequest)m) is { ScopeCase: GetPlacementAnalyticsRequest.ScopeOneofCase.ProviderAgb } r ? Own(r.ProviderAgb, c.Agb, "provider") : "a provider sees its own offers only")
            .And(Role.Municipality, (m, c, s) => ((GetPlacementAnalyticsRequest)m) is { ScopeCase: GetPlacementAnalyticsRequest.ScopeOneofCase.Municipality } r ? OwnMunicipality(r.Municipality, c, s) : "a municipality sees its own residents only")
            .And(Role.Regulator, (m, _) => ((GetPlacementAnalyticsRequest)m).ScopeCase is GetPlacementAnalyticsRequest.ScopeOneofCase.National or GetPlacementAnalyticsRequest.ScopeOneofCase.Municipality ? null : "the regulator sees aggregates only (national or per municipality)"),
        [M("InsightService", "GetClientStopAnalytics")] = Allow(Role.InsurerDesk, (m, c) => ((GetClientStopAnalyticsRequest)m) is { ScopeCase: GetClientStopAnalyticsRequest.ScopeOneofCase.InsurerUzovi } r ? Own(r.InsurerUzovi, c.Uzovi, "insurer") : "a desk sees its own insurer's stops only")
            .And(Role.Provider, (m, c) => ((GetClientStopAnalyticsRequest)m) is { ScopeCase: GetClientStopAnalyticsRequest.ScopeOneofCase.ProviderAgb } r ? Own(r.ProviderAgb, c.Agb, "provider") : "a provider sees its own stops only")
            .And(Role.Municipality, (m, c, s) => ((GetClientStopAnalyticsRequest)m) is { ScopeCase: GetClientStopAnalyticsRequest.ScopeOneofCase.Municipality } r ? OwnMunicipality(r.Municipality, c, s) : "a municipality sees its own area only")
            .And(Role.Regulator, (m, _) => ((GetClientStopAnalyticsRequest)m).ScopeCase is GetClientStopAnalyticsRequest.ScopeOneofCase.National or GetClientStopAnalyticsRequest.ScopeOneofCase.Municipality ? null : "the regulator sees aggregates only (national or per municipality)"),
        [M("InsightService", "GetUnmetDemandReport")] = Allow(Role.Regulator).And(Role.InsurerDesk, OwnReport),
        [M("InsightService", "ExportUnmetDemandReport")] = Allow(Role.Regulator).And(Role.InsurerDesk, OwnReport),
        [M("InsightService", "ListAlerts")] = Allow(Role.InsurerDesk, (m, c) => ((ListAlertsRequest)m) is { ScopeCase: ListAlertsRequest.ScopeOneofCase.InsurerUzovi } r ? Own(r.InsurerUzovi, c.Uzovi, "insurer") : "a desk sees its own alerts only")
            .And(Role.Provider, (m, c) => ((ListAlertsRequest)m) is { ScopeCase: ListAlertsRequest.ScopeOneofCase.ProviderAgb } r ? Own(r.ProviderAgb, c.Agb, "provider") : "a provider sees its own alerts only")
            .And(Role.Requester, (m, c) => ((ListAlertsRequest)m) is { ScopeCase: ListAlertsRequest.ScopeOneofCase.RequesterOrg } r ? Own(r.RequesterOrg, c.Org, "organisation") : "an organisation sees its own alerts only")
            .And(Role.Municipality, (m, c, s) => ((ListAlertsRequest)m) is { ScopeCase: ListAlertsRequest.ScopeOneofCase.Municipality } r ? OwnMunicipality(r.Municipality, c, s) : "a municipality sees its own alerts only"),

        // The audit trail of one referral: whoever may see the referral (checked by ReferralAccess).
        [M("AuditService", "GetAuditTrail")] = Allow(Role.Requester).And(Role.InsurerDesk),

        // Open to all: orchestrators probe health; reflection is mapped in Development only.
        ["/grpc.health.v1.Health/Check"] = Open(),
        ["/grpc.health.v1.Health/Watch"] = Open(),
        ["/grpc.health.v1.Health/List"] = Open(),
        ["/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"] = Open(),
        ["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"] = Open(),
    }.ToFrozenDictionary();

    /// <summary>Null when <paramref name="caller"/> may call <paramref name="method"/> with <paramref name="request"/>; else why not.</summary>
    public static string? Check(string method, Caller caller, IMessage? request, IServiceProvider services)
    {
        if (!ByMethod.TryGetValue(method, out var rule)) return $"{method} is not open to any role";
        if (rule.Anonymous) return null;
        if (!rule.Roles.TryGetValue(caller.Role, out var tenant)) return $"the role {Caller.ClaimValue(caller.Role)} may not call {method}";
        return tenant is null || request is null ? null : tenant(request, caller, services);
    }

    static string M(string service, string method) => $"/capacity.v1.{service}/{method}";

    static Rule Open() => new(true, new Dictionary<Role, Func<IMessage, Caller, IServiceProvider, string?>?>());

    static Rule Everyone() => new(false, Enum.GetValues<Role>().ToDictionary(r => r, _ => (Func<IMessage, Caller, IServiceProvider, string?>?)null));

    static Rule Allow(Role role, Func<IMessage, Caller, string?>? tenant = null) =>
        new Rule(false, new Dictionary<Role, Func<IMessage, Caller, IServiceProvider, string?>?>()).And(role, tenant);

    static Rule Allow(Role role, Func<IMessage, Caller, IServiceProvider, string?> tenant) =>
        new(false, new Dictionary<Role, Func<IMessage, Caller, IServiceProvider, string?>?> { [role] = tenant });

    static Rule And(this Rule rule, Role role, Func<IMessage, Caller, string?>? tenant = null) =>
        rule with { Roles = new Dictionary<Role, Func<IMessage, Caller, IServiceProvider, string?>?>(rule.Roles) { [role] = tenant is null ? null : (m, c, _) => tenant(m, c) } };

    static Rule And(this Rule rule, Role role, Func<IMessage, Caller, IServiceProvider, string?> tenant) =>
        rule with { Roles = new Dictionary<Role, Func<IMessage, Caller, IServiceProvider, string?>?>(rule.Roles) { [role] = tenant } };

    static string? Own(string? requested, string? own, string what) =>
        string.Equals(requested, own, StringComparison.Ordinal) ? null : $"that {what} is not yours";

    static string? OwnRegion(IMessage m, Caller c, IServiceProvider services)
    {
        var request = (GetRegionalAvailabilityRequest)m;
        var postcodes = services.GetRequiredService<PostcodeDirectory>();
        return request.RegionCase switch
        {
            GetRegionalAvailabilityRequest.RegionOneofCase.Municipality =>
                postcodes.FindMunicipality(request.Municipality)?.Code == c.Gm ? null : "a municipality sees its own area only",
            GetRegionalAvailabilityRequest.RegionOneofCase.Pc4S =>
                request.Pc4S.Pc4S.All(p => int.TryParse(p, out var pc4) && postcodes.Find(pc4)?.MunicipalityCode == c.Gm) ? null : "a municipality sees its own area only",
            _ => null, // the service refuses a missing scope itself
        };
    }

    /// <summary>Null when <paramref name="municipality"/> (CBS code or name) is the caller's own.</summary>
    static string? OwnMunicipality(string municipality, Caller c, IServiceProvider services) =>
        services.GetRequiredService<PostcodeDirectory>().FindMunicipality(municipality)?.Code == c.Gm ? null : "a municipality sees its own area only";

    static string? OwnHistoryRegion(IMessage m, Caller c, IServiceProvider services)
    {
        var request = (GetCapacityHistoryRequest)m;
        var postcodes = services.GetRequiredService<PostcodeDirectory>();
        return request.RegionCase switch
        {
            GetCapacityHistoryRequest.RegionOneofCase.Municipality => OwnMunicipality(request.Municipality, c, services),
            GetCapacityHistoryRequest.RegionOneofCase.Pc4S =>
                request.Pc4S.Pc4S.All(p => int.TryParse(p, out var pc4) && postcodes.Find(pc4)?.MunicipalityCode == c.Gm) ? null : "a municipality sees its own area only",
            _ => null, // the service refuses a missing scope itself
        };
    }

    static string? OwnReport(IMessage m, Caller c) =>
        ((GetUnmetDemandReportRequest)m) is { ScopeCase: GetUnmetDemandReportRequest.ScopeOneofCase.InsurerUzovi } r
            ? Own(r.InsurerUzovi, c.Uzovi, "insurer") : "a desk sees its own insurer's report only";

    static string? OwnUnmetDemand(IMessage m, Caller c, IServiceProvider services)
    {
        var request = (GetUnmetDemandRequest)m;
        if (request.ScopeCase != GetUnmetDemandRequest.ScopeOneofCase.Municipality) return "a municipality sees totals for its own area only";
        return services.GetRequiredService<PostcodeDirectory>().FindMunicipality(request.Municipality)?.Code == c.Gm ? null : "a municipality sees its own area only";
    }
}
