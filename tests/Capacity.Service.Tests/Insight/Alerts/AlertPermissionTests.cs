using Capacity.Service.Security;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Capacity.Service.Tests.Insight.Alerts;

/// <summary>With sign-in required, each party lists its own alerts and nobody else's; a desk's view of a waiting referral has no patient reference.</summary>
public sealed class AlertPermissionTests : IAsyncLifetime
{
    const string Issuer = "capacity-test";
    static readonly string Key = DevTokens.NewSigningKey();

    readonly CapacityApp _app = new CapacityApp().With("Auth:Required", "true").With("Auth:Issuer", Issuer).With("Auth:SigningKey", Key);

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    GrpcChannel As(string role, string? tenant) => _app.CreateChannel(DevTokens.Issue(new DevIdentity($"{role}-user", role, tenant), Issuer, "capacity", Key));

    InsightService.InsightServiceClient Insight(string role, string? tenant) => new(As(role, tenant));

    [Fact]
    public async Task EachPartyListsItsOwnAlertsOnly()
    {
        var admin = new RegistryService.RegistryServiceClient(As("registry_admin", null));
        await admin.UpsertInsurerAsync(new() { Insurer = new() { Uzovi = "9101", Name = "Eigen" } });
        await admin.UpsertProviderAsync(new() { Provider = new() { Agb = "75000001", Name = "Zorg", BasePc4 = "1183", ServedPc4S = { "1183" }, Qualifications = new() } });
        await new RegistryService.RegistryServiceClient(As("insurer_import", "9101")).UpsertContractAsync(new()
        {
            Contract = new() { ProviderAgb = "75000001", InsurerUzovi = "9101", Year = CapacityApp.Today.Year, ContractType = ContractType.Standaard, CareTypes = { CareType.DistrictNursing } },
        });
        await new CapacityService.CapacityServiceClient(As("provider", "75000001")).SetCapacityAsync(new()
        {
            Agb = "75000001", Pc4 = "1183", CareType = CareType.DistrictNursing, FreePlaces = 1, Version = TestData.NextVersion(),
        });
        var referral = await new ReferralService.ReferralServiceClient(As("requester", "ziekenhuis-a"))
            .CreateReferralAsync(ReferralData.NewReferral("9101", "1183", org: "ziekenhuis-a"));
        Assert.Equal(ReferralState.Open, referral.State); // a candidate with room: waiting for its requester, not escalated
        _app.Time.Advance(TimeSpan.FromHours(4) + TimeSpan.FromMinutes(1));
        await _app.CheckAlertsAsync();

        var requester = await Insight("requester", "ziekenhuis-a").ListAlertsAsync(new() { RequesterOrg = "ziekenhuis-a" });
        var desk = await Insight("insurer_desk", "9101").ListAlertsAsync(new() { InsurerUzovi = "9101" });
        var provider = await Insight("provider", "75000001").ListAlertsAsync(new() { ProviderAgb = "75000001" });

        Assert.Equal([(referral.Id, referral.PatientRef)], requester.Alerts.Select(a => (a.ReferralId, a.PatientRef)));
        Assert.Equal([(referral.Id, "")], desk.Alerts.Select(a => (a.ReferralId, a.PatientRef)));
        Assert.Empty(provider.Alerts); // nothing was offered to it
        foreach (var (role, tenant, request) in new (string, string, ListAlertsRequest)[]
        {
            ("requester", "ziekenhuis-b", new() { RequesterOrg = "ziekenhuis-a" }),
            ("insurer_desk", "9102", new() { InsurerUzovi = "9101" }),
            ("provider", "75000002", new() { ProviderAgb = "75000001" }),
            ("municipality", "GM0363", new() { Municipality = "Amstelveen" }),
            ("regulator", null!, new() { InsurerUzovi = "9101" }),
        })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => Insight(role, tenant).ListAlertsAsync(request).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        }
        Assert.Empty((await Insight("municipality", "GM0362").ListAlertsAsync(new() { Municipality = "Amstelveen" })).Alerts);
    }
}
