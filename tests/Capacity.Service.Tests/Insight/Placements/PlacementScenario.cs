using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;

namespace Capacity.Service.Tests.Insight.Placements;

/// <summary>
/// A scripted day of referrals at controlled times (the host's fake clock, from 10:00 UTC on
/// 15 June 2026), through the public API. Insurer U, providers A, B and C serving Amstelveen's 1183:
///  R1 10:00 created; 10:10 offered to A and B; 10:40 A accepts (care from 17 June), B's offer withdrawn.
///  R2 11:00 created; 11:20 offered to A and B; 11:30 B declines (no place after all); 11:50 A
///     declines (travel distance); 12:00 offered to C; 12:30 C accepts (care from 16 June).
///  R3 12:30 created; 12:35 offered to A; 13:36 expired; escalated; 15:36 closed "no care found".
///  R4 15:36 created and escalated; 16:36 taken and closed "patient declined".
///  R5 16:36 created; 16:51 offered to B; 16:56 B declines (patient preference); cancelled.
///  R6 16:56 created in Aalsmeer's 1431 (nobody serves it): escalated at once, still open.
/// Insurer U2 (nobody contracted): six referrals in 1431 at 16:56, escalated at once; five closed
/// "no care found" one, two, three, four and five hours later; one still open.
/// </summary>
public sealed class PlacementScenario : IAsyncLifetime
{
    public const string Amstelveen = "1183", Aalsmeer = "1431";

    public CapacityApp App { get; } = new();
    public string U { get; private set; } = "";
    public string U2 { get; private set; } = "";
    public string A { get; private set; } = "";
    public string B { get; private set; } = "";
    public string C { get; private set; } = "";
    public List<string> ReferralIds { get; } = [];

    public async ValueTask InitializeAsync()
    {
        await App.InitializeAsync();
        U = await App.AddInsurerAsync("Zorgverzekeraar Een");
        U2 = await App.AddInsurerAsync("Zorgverzekeraar Twee");
        var agbs = new string[3];
        for (var i = 0; i < 3; i++)
        {
            agbs[i] = await App.AddProviderAsync(Amstelveen, [Amstelveen], name: $"Zorg {"ABC"[i]}");
            await App.ContractAsync(agbs[i], U, CareType.DistrictNursing);
            await App.PublishAsync(agbs[i], Amstelveen, CareType.DistrictNursing, 20);
        }
        (A, B, C) = (agbs[0], agbs[1], agbs[2]);

        var r1 = await CreateAsync(U, Amstelveen);
        Advance(10);
        await OfferAsync(r1, A, B);
        Advance(30);
        await AnswerAsync(r1, A, DeclineReason.Unspecified, new DateOnly(2026, 6, 17));
        Advance(20);

        var r2 = await CreateAsync(U, Amstelveen);
        Advance(20);
        await OfferAsync(r2, A, B);
        Advance(10);
        await AnswerAsync(r2, B, DeclineReason.NoCapacity);
        Advance(20);
        await AnswerAsync(r2, A, DeclineReason.TravelDistance);
        Advance(10);
        await OfferAsync(r2, C);
        Advance(30);
        await AnswerAsync(r2, C, DeclineReason.Unspecified, new DateOnly(2026, 6, 16));

        var r3 = await CreateAsync(U, Amstelveen);
        Advance(5);
        await OfferAsync(r3, A);
        Advance(61); // past the offer's deadline (60 minutes): the sweeper expires it
        await ReferralData.EventuallyAsync(async () => (await App.GetReferralAsync(r3)).Referral, r => r.Offers.Single().State == OfferState.Expired, TimeSpan.FromSeconds(10));
        await App.Referrals().EscalateReferralAsync(new EscalateReferralRequest { RequestId = ReferralData.NewRequestId(), ReferralId = r3 });
        Advance(120);
        await CloseAsync(r3, U, ClosureOutcome.NoCareFound);

        var r4 = await CreateAsync(U, Amstelveen);
        await App.Referrals().EscalateReferralAsync(new EscalateReferralRequest { RequestId = ReferralData.NewRequestId(), ReferralId = r4 });
        Advance(60);
        await App.Mediation().TakeReferralAsync(new TakeReferralRequest { ReferralId = r4, InsurerUzovi = U, TakenBy = "bemiddelaar-1" });
        await CloseAsync(r4, U, ClosureOutcome.PatientDeclined);

        var r5 = await CreateAsync(U, Amstelveen);
        Advance(15);
        await OfferAsync(r5, B);
        Advance(5);
        await AnswerAsync(r5, B, DeclineReason.PatientPreference);
        await App.Referrals().CancelReferralAsync(new CancelReferralRequest { RequestId = ReferralData.NewRequestId(), ReferralId = r5 });

        var r6 = await CreateAsync(U, Aalsmeer);
        Assert.Equal(ReferralState.Escalated, (await App.GetReferralAsync(r6)).Referral.State);

        var unmet = new List<string>();
        for (var i = 0; i < 6; i++) unmet.Add(await CreateAsync(U2, Aalsmeer));
        for (var i = 0; i < 5; i++)
        {
            Advance(60);
            await CloseAsync(unmet[i], U2, ClosureOutcome.NoCareFound);
        }
    }

    public ValueTask DisposeAsync() => App.DisposeAsync();

    public InsightService.InsightServiceClient Insight => new(App.CreateChannel());

    void Advance(int minutes) => App.Time.Advance(TimeSpan.FromMinutes(minutes));

    async Task<string> CreateAsync(string uzovi, string pc4)
    {
        var id = (await App.CreateAsync(ReferralData.NewReferral(uzovi, pc4))).Id;
        ReferralIds.Add(id);
        return id;
    }

    Task OfferAsync(string id, params string[] agbs) => App.OfferAsync(id, agbs);

    async Task AnswerAsync(string id, string agb, DeclineReason reason, DateOnly? start = null)
    {
        var referral = (await App.GetReferralAsync(id)).Referral;
        await App.Offers().AnswerOfferAsync(new AnswerOfferRequest
        {
            RequestId = ReferralData.NewRequestId(),
            ReferralId = id,
            OfferId = referral.Offers.Single(o => o.Provider.Agb == agb && o.State == OfferState.Pending).Id,
            ProviderAgb = agb,
            Accept = start is not null,
            DeclineReason = reason,
            StartDate = start?.ToDate(),
        });
    }

    Task CloseAsync(string id, string uzovi, ClosureOutcome outcome) =>
        App.Mediation().CloseReferralAsync(new CloseReferralRequest { ReferralId = id, InsurerUzovi = uzovi, Outcome = outcome, RequestId = ReferralData.NewRequestId() }).ResponseAsync;

    /// <summary>The whole of June 2026.</summary>
    public static DateRange June => new() { From = new DateOnly(2026, 6, 1).ToDate(), To = new DateOnly(2026, 6, 30).ToDate() };
}
