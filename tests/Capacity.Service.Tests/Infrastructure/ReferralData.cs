using Capacity.V1;

namespace Capacity.Service.Tests.Infrastructure;

/// <summary>Short ways to set up referral scenarios through the public API.</summary>
public static class ReferralData
{
    static int _request;

    public static string NewRequestId() => $"req-{Interlocked.Increment(ref _request)}-{Guid.NewGuid():N}";

    /// <summary>An insurer and providers based in and serving one area, each contracted and with free places.</summary>
    public static async Task<(string Uzovi, string[] Agbs)> ProvidersAsync(this CapacityApp app, string pc4, int count, int free = 1, CareType careType = CareType.DistrictNursing)
    {
        var uzovi = await app.AddInsurerAsync();
        var agbs = new string[count];
        for (var i = 0; i < count; i++)
        {
            agbs[i] = await app.AddProviderAsync(pc4, [pc4], name: $"Zorg {i + 1}");
            await app.ContractAsync(agbs[i], uzovi, careType);
            await app.PublishAsync(agbs[i], pc4, careType, free);
        }
        return (uzovi, agbs);
    }

    public static CreateReferralRequest NewReferral(string uzovi, string pc4, bool autoCascade = false, int parallel = 0, string org = "ziekenhuis-amstel") => new()
    {
        RequestId = NewRequestId(),
        RequesterOrg = org,
        PatientRef = "pt-" + Guid.NewGuid().ToString("N")[..8],
        Search = TestData.Search(pc4, uzovi, CareType.DistrictNursing),
        CareSummary = "Wondzorg na heupoperatie, tweemaal daags.",
        AutoCascade = autoCascade,
        MaxParallelOffers = parallel,
    };

    public static async Task<Referral> CreateAsync(this CapacityApp app, CreateReferralRequest request) =>
        await new ReferralService.ReferralServiceClient(app.CreateChannel()).CreateReferralAsync(request);

    public static ReferralService.ReferralServiceClient Referrals(this CapacityApp app) => new(app.CreateChannel());

    public static OfferService.OfferServiceClient Offers(this CapacityApp app) => new(app.CreateChannel());

    public static MediationService.MediationServiceClient Mediation(this CapacityApp app) => new(app.CreateChannel());

    public static async Task<OfferReferralResponse> OfferAsync(this CapacityApp app, string referralId, params string[] agbs) =>
        await app.Referrals().OfferReferralAsync(new OfferReferralRequest { RequestId = NewRequestId(), ReferralId = referralId, ProviderAgbs = { agbs } });

    public static async Task<AnswerOfferResponse> AnswerAsync(this CapacityApp app, Referral referral, string agb, bool accept, string? requestId = null) =>
        await app.Offers().AnswerOfferAsync(new AnswerOfferRequest
        {
            RequestId = requestId ?? NewRequestId(),
            ReferralId = referral.Id,
            OfferId = referral.Offers.Single(o => o.Provider.Agb == agb && o.State == OfferState.Pending).Id,
            ProviderAgb = agb,
            Accept = accept,
            DeclineReason = accept ? DeclineReason.Unspecified : DeclineReason.NoStaff,
        });

    public static async Task<GetReferralResponse> GetReferralAsync(this CapacityApp app, string id) =>
        await app.Referrals().GetReferralAsync(new GetReferralRequest { ReferralId = id });

    /// <summary>Free places others searching in the area can still have, per provider.</summary>
    public static async Task<int> AvailableAsync(this CapacityApp app, string agb) =>
        (await app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agb })).Figures.Single() is var f ? f.FreePlaces - f.HeldPlaces : 0;

    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(3));
        while (true)
        {
            var value = await probe();
            if (done(value) || DateTime.UtcNow > deadline) return value;
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }
}
