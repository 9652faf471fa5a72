using Capacity.Service.Security;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Grpc.Core;
using Grpc.Health.V1;

namespace Capacity.Service.Tests.Security;

/// <summary>What one caller can make the service do is bounded: call rate, message size, stream length.</summary>
public sealed class AbuseLimitTests
{
    static async Task<CapacityApp> StartAsync(params (string Key, string Value)[] settings)
    {
        var app = new CapacityApp();
        foreach (var (key, value) in settings) app.With(key, value);
        await app.InitializeAsync();
        return app;
    }

    [Fact]
    public async Task ACallerPastItsRateGetsResourceExhaustedWhileHealthChecksStayOpen()
    {
        await using var app = await StartAsync(
            ("Limits:RateLimit:Enabled", "true"), ("Limits:RateLimit:PermitsPerSecond", "1"), ("Limits:RateLimit:Burst", "3"));

        var outcomes = new List<StatusCode>();
        for (var i = 0; i < 10; i++)
        {
            try
            {
                await app.Registry.ListInsurersAsync(new ListInsurersRequest());
                outcomes.Add(StatusCode.OK);
            }
            catch (RpcException e)
            {
                outcomes.Add(e.StatusCode);
                Assert.Contains("Rate limit", e.Status.Detail);
            }
        }

        Assert.Equal([StatusCode.OK, StatusCode.OK, StatusCode.OK], outcomes.Take(3));
        Assert.Contains(StatusCode.ResourceExhausted, outcomes);
        Assert.All(outcomes, s => Assert.True(s is StatusCode.OK or StatusCode.ResourceExhausted, $"unexpected {s}"));
        var health = new Health.HealthClient(app.CreateChannel());
        for (var i = 0; i < 5; i++)
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
    }

    [Fact]
    public async Task AStreamLongerThanTheLimitEndsWithResourceExhaustedAfterWritingWhatCameBefore()
    {
        await using var app = await StartAsync(("Limits:MaxStreamItems", "5"));
        var areas = new[] { "1011", "1012", "1013", "1014", "1015", "1016" };
        var agb = await app.AddProviderAsync("1011", areas);

        using var call = app.Capacity.PublishCapacity();
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            foreach (var pc4 in areas)
                await call.RequestStream.WriteAsync(new SetCapacityRequest { Agb = agb, Pc4 = pc4, CareType = CareType.DistrictNursing, FreePlaces = 2, Version = 1 });
            await call.RequestStream.CompleteAsync();
            await call;
        });

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("At most 5 figures per stream", refused.Status.Detail);
        var stored = await app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agb });
        Assert.Equal(areas[..5], stored.Figures.Select(f => f.Pc4).Order());
    }

    [Fact]
    public async Task AnImportLongerThanTheLimitAnswersWhatCameBeforeAndStops()
    {
        await using var app = await StartAsync(("Limits:MaxStreamItems", "2"));
        var uzovis = new[] { TestData.NewUzovi(), TestData.NewUzovi(), TestData.NewUzovi() };

        using var call = app.Registry.ImportRegistry();
        var answers = new List<ImportRegistryResponse>();
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            foreach (var uzovi in uzovis)
                await call.RequestStream.WriteAsync(new ImportRegistryRequest { Insurer = new Insurer { Uzovi = uzovi, Name = $"Verzekeraar {uzovi}" } });
            await call.RequestStream.CompleteAsync();
            await foreach (var answer in call.ResponseStream.ReadAllAsync()) answers.Add(answer);
        });

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal([1L, 2], answers.Select(a => a.Sequence));
        var insurers = (await app.Registry.ListInsurersAsync(new ListInsurersRequest())).Insurers.Select(i => i.Uzovi).ToArray();
        Assert.Contains(uzovis[0], insurers);
        Assert.Contains(uzovis[1], insurers);
        Assert.DoesNotContain(uzovis[2], insurers);
    }

    [Fact]
    public async Task AMessageLargerThanTheLimitIsRefusedAndNothingIsStored()
    {
        await using var app = await StartAsync(("Limits:MaxReceiveMessageBytes", "16384"));
        var agb = TestData.NewAgb();
        // Every PC4 in the country (~4,000 × 6 bytes) is well over 16 KB.
        var everywhere = global::Capacity.Scenario.Pc4Table.All.Select(a => a.Code).ToArray();

        var refused = await Assert.ThrowsAsync<RpcException>(() => app.Registry.UpsertProviderAsync(new UpsertProviderRequest
        {
            Provider = new Provider { Agb = agb, Name = "Landelijke Zorg", BasePc4 = "1011", ServedPc4S = { everywhere }, Qualifications = new Qualifications() },
        }).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        var missing = await Assert.ThrowsAsync<RpcException>(() => app.Registry.GetProviderAsync(new GetProviderRequest { Agb = agb }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }
}

/// <summary>Capacity and contract existence may be shared; prices and costs may not (DOMAIN.md, ACM).</summary>
public sealed class InformationBoundaryTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    [Theory]
    [InlineData("tarief € 75,40 per uur", true)]
    [InlineData("plafond van EUR 1.200.000 bereikt", true)]
    [InlineData("budget 1200 euro over", true)]
    [InlineData("nog 2.500,00€ ruimte", true)]
    [InlineData("cost ceiling reached in week 12", false)]
    [InlineData("3 plaatsen vrij vanaf 1 maart, Europaweg 12", false)]
    [InlineData("team Euroborg, 2 nachten", false)]
    public void MoneyAmountsAreRecognised(string text, bool money) => Assert.Equal(money, InformationBoundary.ContainsMoneyAmount(text));

    [Fact]
    public async Task ACareSummaryWithATariffIsRefusedAndNothingIsStored()
    {
        var uzovi = await app.AddInsurerAsync();
        var request = ReferralData.NewReferral(uzovi, "1183");
        request.CareSummary = "wondzorg 2x per dag, tarief € 75,40 per uur";

        var bad = await RpcAssertions.AssertInvalidAsync(() => app.Referrals().CreateReferralAsync(request).ResponseAsync, "care_summary");

        Assert.Contains("money amount", bad.FieldViolations[0].Description);
        var listed = await app.Referrals().ListReferralsAsync(new ListReferralsRequest { RequesterOrg = request.RequesterOrg });
        Assert.DoesNotContain(listed.Referrals, r => r.PatientRef == request.PatientRef);
    }

    [Fact]
    public async Task AClientStopGivesCostCeilingAsItsReasonButNotTheAmount()
    {
        var agb = await app.AddProviderAsync("1183", ["1183"]);
        var stop = new ClientStop
        {
            ProviderAgb = agb, From = CapacityApp.Today.ToDate(), Until = CapacityApp.Today.AddDays(30).ToDate(),
            Reason = ClientStopReason.CostCeiling, ReasonText = "plafond van EUR 1.200.000 bereikt",
        };

        await RpcAssertions.AssertInvalidAsync(() => app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest { Stop = stop }).ResponseAsync, "stop.reason_text");
        stop.ReasonText = "omzetplafond bereikt";
        Assert.NotEmpty((await app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest { Stop = stop })).Id);
    }
}
