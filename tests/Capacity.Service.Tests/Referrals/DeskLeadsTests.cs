using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;

namespace Capacity.Service.Tests.Referrals;

/// <summary>A desk's search ranks real leads first and leaves out providers that cannot give the care.</summary>
public sealed class DeskLeadsTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    const string Area = "3521", Nearby = "3522";

    async Task<string> ProviderAsync(string name, string[] served, CareType[]? gives = null)
    {
        var agb = TestData.NewAgb();
        await app.Registry.UpsertProviderAsync(new UpsertProviderRequest
        {
            Provider = new Provider
            {
                Agb = agb, Name = name, BasePc4 = served[0], ServedPc4S = { served }, Qualifications = new Qualifications(),
                Intake = new Contact { Phone = "030 555 0100", Email = $"intake-{agb}@zorg.example" },
                CareTypes = { gives ?? [] },
            },
        });
        return agb;
    }

    [Fact]
    public async Task LeadsRankContractedWithRoomThenContractedToAskThenUncontractedThenNearbyAndLeaveOutWhoCannotGiveTheCare()
    {
        var uzovi = await app.AddInsurerAsync("Leads Verzekeraar");
        var other = await app.AddInsurerAsync();
        const CareType nursing = CareType.DistrictNursing;
        var withRoom = await ProviderAsync("Met plaats", [Area]);
        var full = await ProviderAsync("Vol", [Area]);
        var stopped = await ProviderAsync("Cliëntenstop", [Area]);
        var uncontractedWithRoom = await ProviderAsync("Geen contract, wel plaats", [Area], [nursing]);
        var uncontractedFull = await ProviderAsync("Geen contract, vol", [Area]);
        var hotel = await ProviderAsync("Zorghotel", [Area], [CareType.ShortTermStay]);
        var shortStayOnly = await ProviderAsync("Alleen ELV", [Area]);
        var nearby = await ProviderAsync("In de buurt", [Nearby]);
        foreach (var agb in new[] { withRoom, full, stopped, nearby }) await app.ContractAsync(agb, uzovi, nursing);
        await app.ContractAsync(uncontractedFull, other, nursing); // gives district nursing, for another insurer
        await app.ContractAsync(shortStayOnly, uzovi, CareType.ShortTermStay);
        await app.PublishAsync(withRoom, Area, nursing, 2);
        await app.PublishAsync(full, Area, nursing, 0);
        await app.PublishAsync(stopped, Area, nursing, 3);
        await app.PublishAsync(uncontractedWithRoom, Area, nursing, 1);
        await app.PublishAsync(hotel, Area, CareType.ShortTermStay, 4);
        await app.PublishAsync(shortStayOnly, Area, CareType.ShortTermStay, 4);
        foreach (var agb in new[] { stopped, nearby }) // a stop does not make a provider that works elsewhere one to ask
            await app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest
            {
                Stop = new ClientStop { ProviderAgb = agb, InsurerUzovis = { uzovi }, From = CapacityApp.Today.ToDate(), Reason = ClientStopReason.CostCeiling },
            });
        // Nobody but the first can take the patient now; the referral waits for its requester, who hands it to the desk.
        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, Area));
        await app.Referrals().EscalateReferralAsync(new EscalateReferralRequest { RequestId = ReferralData.NewRequestId(), ReferralId = referral.Id });

        var leads = (await app.Mediation().FindLeadsAsync(new FindLeadsRequest { ReferralId = referral.Id, InsurerUzovi = uzovi, RadiusKm = 5 })).Leads;

        Assert.Equal(
            [LeadKind.Candidate, LeadKind.ToAsk, LeadKind.ToAsk, LeadKind.Uncontracted, LeadKind.Uncontracted, LeadKind.Nearby],
            leads.Select(l => l.Kind));
        Assert.Equal([withRoom], leads.Take(1).Select(l => l.Provider.Agb));
        Assert.Equal(new[] { full, stopped }.Order(), leads.Skip(1).Take(2).Select(l => l.Provider.Agb).Order());
        Assert.Equal([uncontractedWithRoom, uncontractedFull, nearby], leads.Skip(3).Select(l => l.Provider.Agb));
        Assert.DoesNotContain(leads, l => l.Provider.Agb == hotel || l.Provider.Agb == shortStayOnly);
        Assert.Equal(ExclusionReason.ClientStop, leads.Single(l => l.Provider.Agb == stopped).Reason);
        Assert.Equal(ExclusionReason.NoCapacity, leads.Single(l => l.Provider.Agb == full).Reason);
        var lastResort = leads.Single(l => l.Provider.Agb == uncontractedWithRoom);
        Assert.True(lastResort.Offerable);
        Assert.StartsWith("Not contracted by Leads Verzekeraar", lastResort.Warning);
        Assert.False(leads.Single(l => l.Provider.Agb == uncontractedFull).Offerable);
        Assert.All(leads, l => Assert.Equal("030 555 0100", l.Intake.Phone)); // whom to call
        Assert.Equal((true, 2), (leads[0].Offerable, leads[0].FreePlaces));
        await RpcAssertions.AssertInvalidAsync(() => app.Mediation().FindLeadsAsync(
            new FindLeadsRequest { ReferralId = referral.Id, InsurerUzovi = uzovi, RadiusKm = 500 }).ResponseAsync, "radius_km");
    }
}
