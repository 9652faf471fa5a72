using System.Reflection;
using Capacity.Service.Tests.Infrastructure;
using Capacity.Service.Security;
using Capacity.V1;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using Google.Protobuf.WellKnownTypes;

namespace Capacity.Service.Tests.Security;

/// <summary>
/// Every role × every gRPC method, with sign-in required: allowed or PERMISSION_DENIED as this
/// test's own matrix says (written out here, not read from the service). A method of the API
/// without an entry here fails the test. Then each role's calls for someone else's data, and
/// anonymous calls.
/// </summary>
public sealed class AuthorizationMatrixTests : IAsyncLifetime
{
    const string Issuer = "capacity-test";
    static readonly string Key = DevTokens.NewSigningKey();

    /// <summary>The codes a caller acts for.</summary>
    public sealed record Tenant(string Agb, string Org, string Uzovi, string Gm, string Municipality);

    static readonly Tenant Own = new("75000001", "ziekenhuis-a", "9101", "GM0362", "Amstelveen");
    static readonly Tenant Other = new("75000002", "ziekenhuis-b", "9102", "GM0363", "Amsterdam");

    public static readonly string[] Roles = ["provider", "requester", "insurer_desk", "insurer_import", "municipality", "registry_admin", "regulator"];

    const string Registry = "/capacity.v1.RegistryService/", Capacity = "/capacity.v1.CapacityService/", Stops = "/capacity.v1.ClientStopService/",
        Matching = "/capacity.v1.MatchingService/", Regions = "/capacity.v1.RegionService/", Referrals = "/capacity.v1.ReferralService/",
        Offers = "/capacity.v1.OfferService/", Mediation = "/capacity.v1.MediationService/", Endpoints = "/capacity.v1.CapacityEndpointService/",
        Insight = "/capacity.v1.InsightService/";

    /// <summary>Who may call each method (for their own data).</summary>
    static readonly Dictionary<string, string[]> Expected = new()
    {
        [Registry + "UpsertInsurer"] = ["registry_admin"],
        [Registry + "UpsertProvider"] = ["registry_admin", "provider"],
        [Registry + "UpsertContract"] = ["insurer_import"],
        [Registry + "RemoveContract"] = ["insurer_import"],
        [Registry + "ImportRegistry"] = ["registry_admin", "insurer_import"],
        [Registry + "GetProvider"] = Roles,
        [Registry + "ListInsurers"] = Roles,
        [Registry + "ListContracts"] = Roles,
        [Registry + "UpsertRequestingOrganisation"] = ["registry_admin", "requester"],
        [Registry + "GetRequestingOrganisation"] = Roles,
        [Registry + "GetDirectorySyncStatus"] = ["registry_admin"],
        [Capacity + "SetCapacity"] = ["provider"],
        [Capacity + "PublishCapacity"] = ["provider"],
        [Capacity + "UpdateCapacity"] = ["provider"],
        [Capacity + "GetProviderCapacity"] = ["provider"],
        [Endpoints + "SetCapacityEndpoint"] = ["provider"],
        [Endpoints + "RemoveCapacityEndpoint"] = ["provider", "registry_admin"],
        [Endpoints + "GetCapacityEndpoint"] = ["provider", "registry_admin"],
        [Endpoints + "PullCapacityNow"] = ["provider", "registry_admin"],
        [Endpoints + "ListCapacityEndpoints"] = ["registry_admin"],
        [Capacity + "ImportCapacity"] = ["provider"],
        [Capacity + "GetCapacityTemplate"] = ["provider"],
        [Stops + "DeclareClientStop"] = ["provider"],
        [Stops + "LiftClientStop"] = ["provider"],
        [Stops + "ListClientStops"] = ["provider", "insurer_desk", "registry_admin"],
        [Matching + "FindProviders"] = ["requester", "insurer_desk"],
        [Regions + "GetRegionalAvailability"] = ["requester", "insurer_desk", "municipality"],
        [Regions + "ListMunicipalities"] = Roles,
        [Referrals + "CreateReferral"] = ["requester"],
        [Referrals + "OfferReferral"] = ["requester"],
        [Referrals + "CancelReferral"] = ["requester"],
        [Referrals + "EscalateReferral"] = ["requester"],
        [Referrals + "GetReferral"] = ["requester", "insurer_desk"],
        [Referrals + "ListReferrals"] = ["requester"],
        [Offers + "ListOffers"] = ["provider"],
        [Offers + "WatchOffers"] = ["provider"],
        [Offers + "AnswerOffer"] = ["provider"],
        [Offers + "ListPlacements"] = ["provider"],
        [Mediation + "ListDeskQueue"] = ["insurer_desk"],
        [Mediation + "TakeReferral"] = ["insurer_desk"],
        [Mediation + "SearchForReferral"] = ["insurer_desk"],
        [Mediation + "FindLeads"] = ["insurer_desk"],
        [Mediation + "OfferFromDesk"] = ["insurer_desk"],
        [Mediation + "CloseReferral"] = ["insurer_desk"],
        [Mediation + "GetUnmetDemand"] = ["insurer_desk", "municipality"],
        ["/capacity.v1.AuditService/GetAuditTrail"] = ["requester", "insurer_desk"],
        [Insight + "GetCapacityHistory"] = ["requester", "insurer_desk", "municipality", "regulator"],
        [Insight + "GetPlacementAnalytics"] = ["insurer_desk", "provider", "municipality", "regulator"],
        [Insight + "GetClientStopAnalytics"] = ["insurer_desk", "provider", "municipality", "regulator"],
        [Insight + "GetUnmetDemandReport"] = ["insurer_desk", "regulator"],
        [Insight + "ExportUnmetDemandReport"] = ["insurer_desk", "regulator"],
        [Insight + "ListAlerts"] = ["insurer_desk", "provider", "municipality", "requester"],
    };

    /// <summary>Methods whose request names an owner, per role: calling with another's code must be denied.</summary>
    static readonly HashSet<(string Method, string Role)> OwnerScoped =
    [
        (Registry + "UpsertProvider", "provider"), (Registry + "UpsertContract", "insurer_import"), (Registry + "RemoveContract", "insurer_import"),
        (Capacity + "SetCapacity", "provider"), (Capacity + "UpdateCapacity", "provider"), (Capacity + "GetProviderCapacity", "provider"),
        (Capacity + "ImportCapacity", "provider"), (Capacity + "GetCapacityTemplate", "provider"), (Stops + "DeclareClientStop", "provider"),
        (Stops + "ListClientStops", "provider"), (Stops + "ListClientStops", "insurer_desk"), (Regions + "GetRegionalAvailability", "municipality"),
        (Referrals + "CreateReferral", "requester"), (Referrals + "ListReferrals", "requester"), (Offers + "ListOffers", "provider"),
        (Offers + "WatchOffers", "provider"), (Offers + "AnswerOffer", "provider"), (Offers + "ListPlacements", "provider"),
        (Registry + "UpsertRequestingOrganisation", "requester"), (Mediation + "FindLeads", "insurer_desk"), (Mediation + "ListDeskQueue", "insurer_desk"),
        (Mediation + "TakeReferral", "insurer_desk"), (Mediation + "SearchForReferral", "insurer_desk"), (Mediation + "CloseReferral", "insurer_desk"),
        (Mediation + "GetUnmetDemand", "insurer_desk"), (Mediation + "GetUnmetDemand", "municipality"),
        (Endpoints + "SetCapacityEndpoint", "provider"), (Endpoints + "RemoveCapacityEndpoint", "provider"), (Endpoints + "GetCapacityEndpoint", "provider"),
        (Endpoints + "PullCapacityNow", "provider"),
        (Insight + "GetCapacityHistory", "municipality"),
        (Insight + "GetPlacementAnalytics", "insurer_desk"), (Insight + "GetPlacementAnalytics", "provider"), (Insight + "GetPlacementAnalytics", "municipality"),
        (Insight + "GetClientStopAnalytics", "insurer_desk"), (Insight + "GetClientStopAnalytics", "provider"), (Insight + "GetClientStopAnalytics", "municipality"),
        (Insight + "GetUnmetDemandReport", "insurer_desk"), (Insight + "ExportUnmetDemandReport", "insurer_desk"),
        (Insight + "ListAlerts", "insurer_desk"), (Insight + "ListAlerts", "provider"), (Insight + "ListAlerts", "municipality"), (Insight + "ListAlerts", "requester"),
    ];

    /// <summary>One call per method, its owner fields filled from <see cref="Tenant"/> (as the role would send them).</summary>
    static readonly Dictionary<string, Func<GrpcChannel, Tenant, string, CancellationToken, Task>> Calls = new()
    {
        [Registry + "UpsertInsurer"] = (ch, t, _, ct) => new RegistryService.RegistryServiceClient(ch).UpsertInsurerAsync(new() { Insurer = new() { Uzovi = t.Uzovi, Name = "Verzekeraar" } }, cancellationToken: ct).ResponseAsync,
        [Registry + "UpsertProvider"] = (ch, t, _, ct) => new RegistryService.RegistryServiceClient(ch).UpsertProviderAsync(new() { Provider = new() { Agb = t.Agb, Name = "Zorg", BasePc4 = "1183", ServedPc4S = { "1183" } } }, cancellationToken: ct).ResponseAsync,
        [Registry + "UpsertContract"] = (ch, t, _, ct) => new RegistryService.RegistryServiceClient(ch).UpsertContractAsync(new() { Contract = new() { ProviderAgb = t.Agb, InsurerUzovi = t.Uzovi, Year = 2026, ContractType = ContractType.Standaard, CareTypes = { CareType.DistrictNursing } } }, cancellationToken: ct).ResponseAsync,
        [Registry + "RemoveContract"] = (ch, t, _, ct) => new RegistryService.RegistryServiceClient(ch).RemoveContractAsync(new() { ProviderAgb = t.Agb, InsurerUzovi = t.Uzovi, Year = 2026 }, cancellationToken: ct).ResponseAsync,
        [Registry + "ImportRegistry"] = async (ch, t, _, ct) =>
        {
            using var call = new RegistryService.RegistryServiceClient(ch).ImportRegistry(cancellationToken: ct);
            await call.RequestStream.WriteAsync(new() { Insurer = new() { Uzovi = t.Uzovi, Name = "Verzekeraar" } }, ct);
            await call.RequestStream.CompleteAsync();
            await foreach (var answer in call.ResponseStream.ReadAllAsync(ct)) GC.KeepAlive(answer);
        },
        [Registry + "GetProvider"] = (ch, t, _, ct) => new RegistryService.RegistryServiceClient(ch).GetProviderAsync(new() { Agb = t.Agb }, cancellationToken: ct).ResponseAsync,
        [Registry + "ListInsurers"] = (ch, _, _, ct) => new RegistryService.RegistryServiceClient(ch).ListInsurersAsync(new(), cancellationToken: ct).ResponseAsync,
        [Registry + "ListContracts"] = (ch, t, _, ct) => new RegistryService.RegistryServiceClient(ch).ListContractsAsync(new() { InsurerUzovi = t.Uzovi }, cancellationToken: ct).ResponseAsync,
        [Registry + "UpsertRequestingOrganisation"] = (ch, t, _, ct) => new RegistryService.RegistryServiceClient(ch).UpsertRequestingOrganisationAsync(new() { Organisation = new() { Code = t.Org, Name = "Ziekenhuis", Kind = OrganisationKind.Hospital, TransferDesk = new() { Phone = "020 123 4567" } } }, cancellationToken: ct).ResponseAsync,
        // NOT_FOUND for an unregistered code counts as allowed: the answer came from the service, not the permission check.
        [Registry + "GetDirectorySyncStatus"] = (ch, _, _, ct) => new RegistryService.RegistryServiceClient(ch).GetDirectorySyncStatusAsync(new(), cancellationToken: ct).ResponseAsync,
        [Registry + "GetRequestingOrganisation"] = (ch, t, _, ct) => new RegistryService.RegistryServiceClient(ch).GetRequestingOrganisationAsync(new() { Code = t.Org }, cancellationToken: ct).ResponseAsync,
        [Capacity + "SetCapacity"] = (ch, t, _, ct) => new CapacityService.CapacityServiceClient(ch).SetCapacityAsync(new() { Agb = t.Agb, Pc4 = "1183", CareType = CareType.DistrictNursing, FreePlaces = 1, Version = 1 }, cancellationToken: ct).ResponseAsync,
        [Capacity + "PublishCapacity"] = async (ch, t, _, ct) =>
        {
            using var call = new CapacityService.CapacityServiceClient(ch).PublishCapacity(cancellationToken: ct);
            await call.RequestStream.WriteAsync(new() { Agb = t.Agb, Pc4 = "1183", CareType = CareType.DistrictNursing, FreePlaces = 1, Version = 1 }, ct);
            await call.RequestStream.CompleteAsync();
            await call;
        },
        [Capacity + "UpdateCapacity"] = (ch, t, _, ct) => new CapacityService.CapacityServiceClient(ch).UpdateCapacityAsync(new() { Agb = t.Agb, Figures = { new SetCapacityRequest { Pc4 = "1183", CareType = CareType.DistrictNursing, FreePlaces = 1, Version = 1 } } }, cancellationToken: ct).ResponseAsync,
        [Capacity + "GetProviderCapacity"] = (ch, t, _, ct) => new CapacityService.CapacityServiceClient(ch).GetProviderCapacityAsync(new() { Agb = t.Agb }, cancellationToken: ct).ResponseAsync,
        [Endpoints + "SetCapacityEndpoint"] = (ch, t, _, ct) => new CapacityEndpointService.CapacityEndpointServiceClient(ch).SetCapacityEndpointAsync(new() { Agb = t.Agb, Url = "https://zorg.example.nl/capacity.json" }, cancellationToken: ct).ResponseAsync,
        [Endpoints + "RemoveCapacityEndpoint"] = (ch, t, _, ct) => new CapacityEndpointService.CapacityEndpointServiceClient(ch).RemoveCapacityEndpointAsync(new() { Agb = t.Agb }, cancellationToken: ct).ResponseAsync,
        [Endpoints + "GetCapacityEndpoint"] = (ch, t, _, ct) => new CapacityEndpointService.CapacityEndpointServiceClient(ch).GetCapacityEndpointAsync(new() { Agb = t.Agb }, cancellationToken: ct).ResponseAsync,
        [Endpoints + "PullCapacityNow"] = (ch, t, _, ct) => new CapacityEndpointService.CapacityEndpointServiceClient(ch).PullCapacityNowAsync(new() { Agb = t.Agb }, cancellationToken: ct).ResponseAsync,
        [Endpoints + "ListCapacityEndpoints"] = (ch, _, _, ct) => new CapacityEndpointService.CapacityEndpointServiceClient(ch).ListCapacityEndpointsAsync(new(), cancellationToken: ct).ResponseAsync,
        [Capacity + "ImportCapacity"] = (ch, t, _, ct) => new CapacityService.CapacityServiceClient(ch).ImportCapacityAsync(new()
            { Agb = t.Agb, File = Google.Protobuf.ByteString.CopyFromUtf8("postcode_gebied;zorgsoort;vrije_plaatsen\n1183;Wijkverpleging;1\n") }, cancellationToken: ct).ResponseAsync,
        [Capacity + "GetCapacityTemplate"] = (ch, t, _, ct) => new CapacityService.CapacityServiceClient(ch).GetCapacityTemplateAsync(new() { Agb = t.Agb }, cancellationToken: ct).ResponseAsync,
        [Stops + "DeclareClientStop"] = (ch, t, _, ct) => new ClientStopService.ClientStopServiceClient(ch).DeclareClientStopAsync(new() { Stop = new() { ProviderAgb = t.Agb, From = CapacityApp.Today.ToDate(), Reason = ClientStopReason.StaffShortage } }, cancellationToken: ct).ResponseAsync,
        [Stops + "LiftClientStop"] = (ch, _, _, ct) => new ClientStopService.ClientStopServiceClient(ch).LiftClientStopAsync(new() { Id = "stop-none" }, cancellationToken: ct).ResponseAsync,
        [Stops + "ListClientStops"] = (ch, t, role, ct) => new ClientStopService.ClientStopServiceClient(ch).ListClientStopsAsync(
            role == "insurer_desk" ? new() { InsurerUzovi = t.Uzovi } : new() { ProviderAgb = t.Agb }, cancellationToken: ct).ResponseAsync,
        [Matching + "FindProviders"] = (ch, t, _, ct) => new MatchingService.MatchingServiceClient(ch).FindProvidersAsync(TestData.Search("1183", t.Uzovi, CareType.DistrictNursing), cancellationToken: ct).ResponseAsync,
        [Regions + "GetRegionalAvailability"] = (ch, t, _, ct) => new RegionService.RegionServiceClient(ch).GetRegionalAvailabilityAsync(new() { Municipality = t.Municipality }, cancellationToken: ct).ResponseAsync,
        [Regions + "ListMunicipalities"] = (ch, _, _, ct) => new RegionService.RegionServiceClient(ch).ListMunicipalitiesAsync(new(), cancellationToken: ct).ResponseAsync,
        [Referrals + "CreateReferral"] = (ch, t, _, ct) => new ReferralService.ReferralServiceClient(ch).CreateReferralAsync(ReferralData.NewReferral(t.Uzovi, "1183", org: t.Org), cancellationToken: ct).ResponseAsync,
        [Referrals + "OfferReferral"] = (ch, _, _, ct) => new ReferralService.ReferralServiceClient(ch).OfferReferralAsync(new() { RequestId = "r1", ReferralId = NoReferral, ProviderAgbs = { Own.Agb } }, cancellationToken: ct).ResponseAsync,
        [Referrals + "CancelReferral"] = (ch, _, _, ct) => new ReferralService.ReferralServiceClient(ch).CancelReferralAsync(new() { RequestId = "r1", ReferralId = NoReferral }, cancellationToken: ct).ResponseAsync,
        [Referrals + "EscalateReferral"] = (ch, _, _, ct) => new ReferralService.ReferralServiceClient(ch).EscalateReferralAsync(new() { RequestId = "r1", ReferralId = NoReferral }, cancellationToken: ct).ResponseAsync,
        [Referrals + "GetReferral"] = (ch, _, _, ct) => new ReferralService.ReferralServiceClient(ch).GetReferralAsync(new() { ReferralId = NoReferral }, cancellationToken: ct).ResponseAsync,
        [Referrals + "ListReferrals"] = (ch, t, _, ct) => new ReferralService.ReferralServiceClient(ch).ListReferralsAsync(new() { RequesterOrg = t.Org }, cancellationToken: ct).ResponseAsync,
        [Offers + "ListOffers"] = (ch, t, _, ct) => new OfferService.OfferServiceClient(ch).ListOffersAsync(new() { ProviderAgb = t.Agb }, cancellationToken: ct).ResponseAsync,
        [Offers + "WatchOffers"] = async (ch, t, _, ct) =>
        {
            // Headers come first either way; a refused watch then ends at once with its status, an allowed
            // one stays open (no offers to send) until the client stops waiting.
            using var call = new OfferService.OfferServiceClient(ch).WatchOffers(new() { ProviderAgb = t.Agb }, cancellationToken: ct);
            await call.ResponseHeadersAsync;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                await call.ResponseStream.MoveNext(wait.Token);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && wait.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                // still open: allowed
            }
        },
        [Offers + "AnswerOffer"] = (ch, t, _, ct) => new OfferService.OfferServiceClient(ch).AnswerOfferAsync(new() { RequestId = "r1", ReferralId = NoReferral, OfferId = "o1", ProviderAgb = t.Agb, Accept = true }, cancellationToken: ct).ResponseAsync,
        [Offers + "ListPlacements"] = (ch, t, _, ct) => new OfferService.OfferServiceClient(ch).ListPlacementsAsync(new() { ProviderAgb = t.Agb }, cancellationToken: ct).ResponseAsync,
        [Mediation + "FindLeads"] = (ch, t, _, ct) => new MediationService.MediationServiceClient(ch).FindLeadsAsync(new() { ReferralId = NoReferral, InsurerUzovi = t.Uzovi }, cancellationToken: ct).ResponseAsync,
        [Mediation + "ListDeskQueue"] = (ch, t, _, ct) => new MediationService.MediationServiceClient(ch).ListDeskQueueAsync(new() { InsurerUzovi = t.Uzovi }, cancellationToken: ct).ResponseAsync,
        [Mediation + "TakeReferral"] = (ch, t, _, ct) => new MediationService.MediationServiceClient(ch).TakeReferralAsync(new() { ReferralId = NoReferral, InsurerUzovi = t.Uzovi, TakenBy = "desk" }, cancellationToken: ct).ResponseAsync,
        [Mediation + "SearchForReferral"] = (ch, t, _, ct) => new MediationService.MediationServiceClient(ch).SearchForReferralAsync(new() { ReferralId = NoReferral, InsurerUzovi = t.Uzovi }, cancellationToken: ct).ResponseAsync,
        [Mediation + "OfferFromDesk"] = (ch, _, _, ct) => new MediationService.MediationServiceClient(ch).OfferFromDeskAsync(new() { RequestId = "r1", ReferralId = NoReferral, ProviderAgbs = { Own.Agb } }, cancellationToken: ct).ResponseAsync,
        [Mediation + "CloseReferral"] = (ch, t, _, ct) => new MediationService.MediationServiceClient(ch).CloseReferralAsync(new() { ReferralId = NoReferral, InsurerUzovi = t.Uzovi, Outcome = ClosureOutcome.PlacedElsewhere }, cancellationToken: ct).ResponseAsync,
        [Mediation + "GetUnmetDemand"] = (ch, t, role, ct) => new MediationService.MediationServiceClient(ch).GetUnmetDemandAsync(
            role == "municipality" ? new() { Municipality = t.Municipality } : new() { InsurerUzovi = t.Uzovi }, cancellationToken: ct).ResponseAsync,
        ["/capacity.v1.AuditService/GetAuditTrail"] = (ch, _, _, ct) => new AuditService.AuditServiceClient(ch).GetAuditTrailAsync(new() { ReferralId = NoReferral }, cancellationToken: ct).ResponseAsync,
        [Insight + "GetCapacityHistory"] = (ch, t, _, ct) => new InsightService.InsightServiceClient(ch).GetCapacityHistoryAsync(new()
            { Municipality = t.Municipality, From = Timestamp.FromDateTimeOffset(CapacityApp.Epoch.AddDays(-1)), To = Timestamp.FromDateTimeOffset(CapacityApp.Epoch) }, cancellationToken: ct).ResponseAsync,
        [Insight + "GetPlacementAnalytics"] = (ch, t, role, ct) => new InsightService.InsightServiceClient(ch).GetPlacementAnalyticsAsync(role switch
        {
            "provider" => new() { ProviderAgb = t.Agb, Period = ThisMonth },
            "municipality" => new() { Municipality = t.Municipality, Period = ThisMonth },
            "regulator" => new() { National = true, Period = ThisMonth },
            _ => new() { InsurerUzovi = t.Uzovi, Period = ThisMonth },
        }, cancellationToken: ct).ResponseAsync,
        [Insight + "GetClientStopAnalytics"] = (ch, t, role, ct) => new InsightService.InsightServiceClient(ch).GetClientStopAnalyticsAsync(role switch
        {
            "provider" => new() { ProviderAgb = t.Agb, Period = ThisMonth },
            "municipality" => new() { Municipality = t.Municipality, Period = ThisMonth },
            "regulator" => new() { National = true, Period = ThisMonth },
            _ => new() { InsurerUzovi = t.Uzovi, Period = ThisMonth },
        }, cancellationToken: ct).ResponseAsync,
        [Insight + "GetUnmetDemandReport"] = (ch, t, role, ct) => new InsightService.InsightServiceClient(ch).GetUnmetDemandReportAsync(
            role == "regulator" ? new() { AllInsurers = true, Period = ThisMonth } : new() { InsurerUzovi = t.Uzovi, Period = ThisMonth }, cancellationToken: ct).ResponseAsync,
        [Insight + "ExportUnmetDemandReport"] = (ch, t, role, ct) => new InsightService.InsightServiceClient(ch).ExportUnmetDemandReportAsync(
            role == "regulator" ? new() { AllInsurers = true, Period = ThisMonth } : new() { InsurerUzovi = t.Uzovi, Period = ThisMonth }, cancellationToken: ct).ResponseAsync,
        [Insight + "ListAlerts"] = (ch, t, role, ct) => new InsightService.InsightServiceClient(ch).ListAlertsAsync(role switch
        {
            "provider" => new() { ProviderAgb = t.Agb },
            "municipality" => new() { Municipality = t.Municipality },
            "requester" => new() { RequesterOrg = t.Org },
            _ => new() { InsurerUzovi = t.Uzovi },
        }, cancellationToken: ct).ResponseAsync,
    };

    static DateRange ThisMonth => new() { From = new DateOnly(CapacityApp.Today.Year, CapacityApp.Today.Month, 1).ToDate(), To = CapacityApp.Today.ToDate() };

    const string NoReferral = "ref_00000000000000000000000000000000";

    readonly CapacityApp _app = new CapacityApp()
        .With("Auth:Required", "true").With("Auth:Issuer", Issuer).With("Auth:SigningKey", Key);

    public async ValueTask InitializeAsync() => await _app.InitializeAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    GrpcChannel ChannelFor(string? role, Tenant tenant)
    {
        var tenantCode = role switch { "provider" => tenant.Agb, "requester" => tenant.Org, "insurer_desk" or "insurer_import" => tenant.Uzovi, "municipality" => tenant.Gm, _ => null };
        return _app.CreateChannel(role is null ? null : DevTokens.Issue(new DevIdentity($"{role}-user", role, tenantCode), Issuer, "capacity", Key));
    }

    static async Task<StatusCode> OutcomeAsync(Func<Task> call)
    {
        try
        {
            await call();
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    public static IEnumerable<TheoryDataRow<string>> Methods() => Expected.Keys.Order().Select(m => new TheoryDataRow<string>(m));

    [Fact]
    public void EveryMethodOfTheApiHasAnEntry()
    {
        var api = typeof(Insurer).Assembly.GetTypes()
            .Where(t => t.Name.EndsWith("Reflection", StringComparison.Ordinal))
            .Select(t => t.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null))
            .OfType<FileDescriptor>()
            .SelectMany(f => f.Services)
            .SelectMany(s => s.Methods.Select(m => $"/{s.FullName}/{m.Name}"))
            .Order().ToArray();

        Assert.NotEmpty(api);
        Assert.Equal(api, Expected.Keys.Order());
        Assert.Equal(api, Calls.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task EachRoleMayCallOnlyWhatTheMatrixAllows(string method)
    {
        var outcomes = new List<string>();
        foreach (var role in Roles)
        {
            var status = await OutcomeAsync(() => Calls[method](ChannelFor(role, Own), Own, role, TestContext.Current.CancellationToken));
            var allowed = Expected[method].Contains(role);
            if (allowed ? status is StatusCode.PermissionDenied or StatusCode.Unauthenticated : status != StatusCode.PermissionDenied)
                outcomes.Add($"{role}: {status}, expected {(allowed ? "allowed" : "PERMISSION_DENIED")}");
        }
        Assert.Empty(outcomes);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task AnAnonymousCallIsUnauthenticated(string method)
    {
        var status = await OutcomeAsync(() => Calls[method](ChannelFor(null, Own), Own, "", TestContext.Current.CancellationToken));
        Assert.Equal(StatusCode.Unauthenticated, status);
    }

    [Fact]
    public async Task NobodyMayAskForAnotherPartysData()
    {
        var leaks = new List<string>();
        foreach (var (method, role) in OwnerScoped)
        {
            var status = await OutcomeAsync(() => Calls[method](ChannelFor(role, Own), Other, role, TestContext.Current.CancellationToken));
            if (status != StatusCode.PermissionDenied) leaks.Add($"{role} → {method} for another party: {status}");
        }
        Assert.Empty(leaks);
    }

    [Fact]
    public async Task AReferralExistsOnlyForItsRequesterAndOnceEscalatedForItsInsurersDesk()
    {
        // A provider with room, so the referral is not escalated at once: each party sets up its own part.
        var admin = new RegistryService.RegistryServiceClient(ChannelFor("registry_admin", Own));
        await admin.UpsertInsurerAsync(new() { Insurer = new() { Uzovi = Own.Uzovi, Name = "Eigen" } });
        await admin.UpsertProviderAsync(new() { Provider = new() { Agb = Own.Agb, Name = "Zorg", BasePc4 = "1183", ServedPc4S = { "1183" }, Qualifications = new() } });
        await new RegistryService.RegistryServiceClient(ChannelFor("insurer_import", Own)).UpsertContractAsync(new()
        {
            Contract = new() { ProviderAgb = Own.Agb, InsurerUzovi = Own.Uzovi, Year = CapacityApp.Today.Year, ContractType = ContractType.Standaard, CareTypes = { CareType.DistrictNursing } },
        });
        await new CapacityService.CapacityServiceClient(ChannelFor("provider", Own)).SetCapacityAsync(new()
        {
            Agb = Own.Agb, Pc4 = "1183", CareType = CareType.DistrictNursing, FreePlaces = 2, Version = 1,
        });
        var requester = new ReferralService.ReferralServiceClient(ChannelFor("requester", Own));
        var created = await requester.CreateReferralAsync(ReferralData.NewReferral(Own.Uzovi, "1183", org: Own.Org));
        Assert.Null(created.Escalation);
        var get = new GetReferralRequest { ReferralId = created.Id };

        async Task<StatusCode> GetAs(string role, Tenant tenant) =>
            await OutcomeAsync(() => new ReferralService.ReferralServiceClient(ChannelFor(role, tenant)).GetReferralAsync(get).ResponseAsync);

        Assert.Equal(StatusCode.OK, await GetAs("requester", Own));
        Assert.Equal(StatusCode.NotFound, await GetAs("requester", Other));
        Assert.Equal(StatusCode.NotFound, await GetAs("insurer_desk", Own)); // not escalated yet
        var cancelByOther = await OutcomeAsync(() => new ReferralService.ReferralServiceClient(ChannelFor("requester", Other))
            .CancelReferralAsync(new() { RequestId = "cancel-1", ReferralId = created.Id }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, cancelByOther);

        await requester.EscalateReferralAsync(new() { RequestId = "escalate-1", ReferralId = created.Id });

        Assert.Equal(StatusCode.OK, await GetAs("insurer_desk", Own));
        Assert.Equal(StatusCode.NotFound, await GetAs("insurer_desk", Other));
        var offerByOtherDesk = await OutcomeAsync(() => new MediationService.MediationServiceClient(ChannelFor("insurer_desk", Other))
            .OfferFromDeskAsync(new() { RequestId = "offer-1", ReferralId = created.Id, ProviderAgbs = { Own.Agb } }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, offerByOtherDesk);
        Assert.NotNull((await requester.GetReferralAsync(get)).Referral.Escalation);
    }

    [Fact]
    public async Task HealthChecksStayOpenWithoutSignIn()
    {
        var health = new Grpc.Health.V1.Health.HealthClient(ChannelFor(null, Own));
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new())).Status);
    }

    [Fact]
    public async Task ATokenWithAnotherKeyOrWithoutItsOrganisationCodeIsNotAccepted()
    {
        var forged = DevTokens.Issue(new DevIdentity("x", "registry_admin"), Issuer, "capacity", DevTokens.NewSigningKey());
        var noTenant = DevTokens.Issue(new DevIdentity("y", "provider"), Issuer, "capacity", Key);
        foreach (var token in new[] { forged, noTenant })
        {
            var client = new RegistryService.RegistryServiceClient(GrpcChannel.ForAddress(_app.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = _app.Server.CreateHandler() }));
            var refused = await Assert.ThrowsAsync<RpcException>(() => client.ListInsurersAsync(new(), new Metadata { { "Authorization", $"Bearer {token}" } }).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        }
    }

    [Fact]
    public async Task StreamItemsForAnotherPartyAreRefusedOneByOne()
    {
        var admin = new RegistryService.RegistryServiceClient(ChannelFor("registry_admin", Own));
        await admin.UpsertInsurerAsync(new() { Insurer = new() { Uzovi = Own.Uzovi, Name = "Eigen" } });
        await admin.UpsertInsurerAsync(new() { Insurer = new() { Uzovi = Other.Uzovi, Name = "Ander" } });
        await admin.UpsertProviderAsync(new() { Provider = new() { Agb = Own.Agb, Name = "Zorg", BasePc4 = "1183", ServedPc4S = { "1183" } } });

        using (var import = new RegistryService.RegistryServiceClient(ChannelFor("insurer_import", Own)).ImportRegistry())
        {
            await import.RequestStream.WriteAsync(new() { Contract = new() { ProviderAgb = Own.Agb, InsurerUzovi = Own.Uzovi, Year = 2026, ContractType = ContractType.Plus, CareTypes = { CareType.DistrictNursing } } });
            await import.RequestStream.WriteAsync(new() { Contract = new() { ProviderAgb = Own.Agb, InsurerUzovi = Other.Uzovi, Year = 2026, ContractType = ContractType.Plus, CareTypes = { CareType.DistrictNursing } } });
            await import.RequestStream.WriteAsync(new() { Insurer = new() { Uzovi = "9999", Name = "Nieuw" } });
            await import.RequestStream.CompleteAsync();
            var answers = await import.ResponseStream.ReadAllAsync().ToListAsync();
            Assert.Equal([0, 7, 7], answers.Select(a => a.Status.Code)); // 7 = PERMISSION_DENIED
        }
        var contracts = await admin.ListContractsAsync(new() { ProviderAgb = Own.Agb });
        Assert.Equal([Own.Uzovi], contracts.Contracts.Select(c => c.InsurerUzovi));

        using var publish = new CapacityService.CapacityServiceClient(ChannelFor("provider", Own)).PublishCapacity();
        await publish.RequestStream.WriteAsync(new() { Agb = Own.Agb, Pc4 = "1183", CareType = CareType.DistrictNursing, FreePlaces = 2, Version = 1 });
        await publish.RequestStream.WriteAsync(new() { Agb = Other.Agb, Pc4 = "1183", CareType = CareType.DistrictNursing, FreePlaces = 9, Version = 1 });
        await publish.RequestStream.CompleteAsync();
        var published = await publish;
        Assert.Equal(1, published.Applied);
        Assert.Equal(7, Assert.Single(published.Rejected).Status.Code);
    }
}
