using Capacity.Service.Tests.Infrastructure;

namespace Capacity.Service.Tests.Security;

/// <summary>A provider sees its own offer of a referral, not who else was asked.</summary>
public sealed class ProviderViewTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    [Fact]
    public async Task AnsweringAnOfferShowsTheProviderItsOwnOfferOnly()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("1186", 2);
        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, "1186"));
        var offered = (await app.OfferAsync(referral.Id, agbs)).Referral;
        Assert.Equal(2, offered.Offers.Count);

        var declined = (await app.AnswerAsync(offered, agbs[1], accept: false)).Referral;
        var accepted = (await app.AnswerAsync(offered, agbs[0], accept: true)).Referral;

        Assert.Equal([agbs[1]], declined.Offers.Select(o => o.Provider.Agb));
        Assert.Equal("", declined.PlacedWithAgb);
        Assert.Equal([agbs[0]], accepted.Offers.Select(o => o.Provider.Agb));
        Assert.Equal(agbs[0], accepted.PlacedWithAgb);
        // The requester still sees every offer.
        Assert.Equal(2, (await app.Referrals().GetReferralAsync(new() { ReferralId = referral.Id })).Referral.Offers.Count);
    }
}
