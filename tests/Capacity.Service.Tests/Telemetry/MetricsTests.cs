using Capacity.Service.Telemetry;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Capacity.Service.Tests.Telemetry;

/// <summary>
/// After the things that happen in the service — a search, a capacity write, a hold, an offer and
/// its answer, an escalation — the metrics an operator reads show them with their tags.
/// Each test has its own insurer and providers in Groningen. The telemetry classes run alone
/// (<see cref="TelemetryCollection"/>), so a count moves by exactly what the test itself did.
/// </summary>
[Collection(nameof(TelemetryCollection))]
public sealed class MetricsTests(TelemetryApp app) : IClassFixture<TelemetryApp>
{
    static (string, string) Care(string value) => ("capacity.care_type", value);
    static (string, string) Outcome(string value) => ("capacity.outcome", value);

    [Fact]
    public async Task ASearchIsTimedInSecondsUnderItsCareType()
    {
        var (uzovi, _) = await app.ProvidersAsync("9711", 1, careType: CareType.DistrictNursing);
        long Count() => app.Points("capacity.search.duration").Where(p => p.Has(Care("district_nursing"))).Sum(p => p.GetHistogramCount());
        var before = Count();

        var found = await app.FindAsync(TestData.Search("9711", uzovi, CareType.DistrictNursing));

        Assert.Single(found.Candidates);
        Assert.Equal(before + 1, Count());
        var point = app.Points("capacity.search.duration").First(p => p.Has(Care("district_nursing")));
        Assert.InRange(point.GetHistogramSum() / point.GetHistogramCount(), 0, 5); // seconds, not milliseconds or ticks
    }

    [Fact]
    public async Task CapacityWritesAreCountedAppliedOrOutdatedPerCareType()
    {
        var agb = await app.AddProviderAsync("9712", ["9712"]);
        long Count(string outcome) => app.Points("capacity.capacity.writes").Where(p => p.Has(Care("district_nursing"), Outcome(outcome))).Sum(p => p.GetSumLong());
        var (applied, outdated) = (Count("applied"), Count("outdated"));

        await app.PublishAsync(agb, "9712", CareType.DistrictNursing, 3, version: 1_000_000_000);
        await app.PublishAsync(agb, "9712", CareType.DistrictNursing, 2, version: 999_999_999); // older: not applied

        Assert.Equal(applied + 1, Count("applied"));
        Assert.Equal(outdated + 1, Count("outdated"));
    }

    [Fact]
    public async Task HoldsOffersAnswersAndEscalationsAreCountedByOutcome()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("9713", 1);
        long Holds() => app.Points("capacity.holds").Where(p => p.Has(Outcome("held"), Care("district_nursing"))).Sum(p => p.GetSumLong());
        long Offers(string outcome) => app.Points("capacity.offers").Where(p => p.Has(Outcome(outcome))).Sum(p => p.GetSumLong());
        long Escalations() => app.Points("capacity.escalations").Sum(p => p.GetSumLong());
        var (held, offered, declined, escalated) = (Holds(), Offers("offered"), Offers("declined"), Escalations());

        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, "9713"));
        var afterOffer = (await app.OfferAsync(referral.Id, agbs[0])).Referral;
        await app.AnswerAsync(afterOffer, agbs[0], accept: false);
        var answered = await app.GetReferralAsync(referral.Id); // its only provider declined: to the insurer's desk

        Assert.Equal(held + 1, Holds());
        Assert.Equal(offered + 1, Offers("offered"));
        Assert.Equal(declined + 1, Offers("declined"));
        Assert.Equal(ReferralState.Escalated, answered.Referral.State);
        Assert.Equal(escalated + 1, Escalations());
    }

    [Fact]
    public async Task AFailedCapacityJsonPullIsCountedUnderItsReason()
    {
        await using var server = await Pull.StatementServer.StartAsync();
        server.Status = 500;
        var agb = await app.AddProviderAsync("9715", ["9715"]);
        await new CapacityEndpointService.CapacityEndpointServiceClient(app.CreateChannel())
            .SetCapacityEndpointAsync(new SetCapacityEndpointRequest { Agb = agb, Url = server.Url });
        long Count() => app.Points("capacity.pull.failures").Where(p => p.Has(("capacity.reason", "http_status"))).Sum(p => p.GetSumLong());
        var before = Count();

        await app.Services.GetRequiredService<global::Capacity.Service.Capacity.Pull.CapacityPuller>().RunDueAsync(TestContext.Current.CancellationToken);

        Assert.Single(server.Requests);
        Assert.Equal(before + 1, Count());
    }

    async Task<StaleProviders> KnownAsync(string agb)
    {
        var registry = app.Services.GetRequiredService<global::Capacity.Service.Registry.RegistryCache>();
        await ReferralData.EventuallyAsync(() => Task.FromResult(registry.Current.Providers.ContainsKey(agb)), known => known);
        return app.Services.GetRequiredService<StaleProviders>();
    }

    [Fact]
    public async Task AProviderStopsCountingAsStaleOnceItPublishes()
    {
        var agb = await app.AddProviderAsync("9714", ["9714"]);
        var sampler = await KnownAsync(agb);
        var before = await sampler.SampleAsync();

        await app.PublishAsync(agb, "9714", CareType.DistrictNursing, 1);

        Assert.True(before >= 1); // this one, at least, had published nothing
        Assert.Equal(before - 1, await sampler.SampleAsync());
        Assert.NotEmpty(app.Points("capacity.providers.stale"));
    }

    [Fact]
    public async Task AnInactiveProviderIsNotCountedAsStale()
    {
        var sampler = await KnownAsync(await app.AddProviderAsync("9716", ["9716"]));
        var before = await sampler.SampleAsync();
        var agb = TestData.NewAgb();
        await app.Registry.UpsertProviderAsync(new UpsertProviderRequest
        {
            Provider = new Provider { Agb = agb, Name = $"Provider {agb}", BasePc4 = "9716", Qualifications = new Qualifications(), Inactive = true },
        });

        await KnownAsync(agb);

        Assert.Equal(before, await sampler.SampleAsync()); // registered, never published, but inactive
    }

    [Fact]
    public async Task OnlyAnAppliedWriteRecordsThatAProviderPublished()
    {
        var agb = await app.AddProviderAsync("9717", ["9717"]);
        await app.PublishAsync(agb, "9717", CareType.DistrictNursing, 3, version: 1_000_000_000);
        var db = app.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase();
        await db.SortedSetRemoveAsync(StaleProviders.Key, agb); // as if its one applied figure had aged out

        var outdated = await app.PublishAsync(agb, "9717", CareType.DistrictNursing, 2, version: 999_999_999);

        Assert.False(outdated.Applied);
        Assert.Null(await db.SortedSetScoreAsync(StaleProviders.Key, agb));
    }
}
