using Capacity.Service.Matching;
using Capacity.Service.Live;
using Capacity.Service.Shared;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Grpc.Core;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using static Capacity.Service.Tests.Infrastructure.RpcAssertions;

namespace Capacity.Service.Tests.Errors;

/// <summary>
/// Representative calls answer with the reason a client maps to its own words: in the field
/// violation, in a google.rpc.ErrorInfo, or in brackets in a hub refusal.
/// </summary>
public sealed class ReasonCodeTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    const string Area = "1053";

    [Fact]
    public async Task SearchNamesEachBadFieldWithItsReason()
    {
        var (uzovi, _) = await app.ProvidersAsync(Area, 1);
        var unknownArea = TestData.Search("1000", uzovi, CareType.DistrictNursing);
        var adultChild = TestData.Search(Area, "12", CareType.MedicalChildCare);
        adultChild.PatientAge = 30;
        adultChild.RadiusKm = 500;

        await AssertReasonsAsync(() => app.Matching.FindProvidersAsync(unknownArea).ResponseAsync, ("patient_postcode", Reasons.PostcodeUnknown));
        await AssertReasonsAsync(() => app.Matching.FindProvidersAsync(adultChild).ResponseAsync,
            ("insurer_uzovi", Reasons.UzoviFormat), ("patient_age", Reasons.ChildCareAdult), ("radius_km", Reasons.RadiusRange));
    }

    [Fact]
    public async Task AnEmptyCapacityBatchIsEmptyNotTooLong()
    {
        var (_, agbs) = await app.ProvidersAsync(Area, 1);
        await AssertReasonsAsync(() => app.Capacity.UpdateCapacityAsync(new UpdateCapacityRequest { Agb = agbs[0] }).ResponseAsync, ("figures", Reasons.ListEmpty));
    }

    [Fact]
    public async Task ReferralFormFieldsCarryTheirReasons()
    {
        var (uzovi, _) = await app.ProvidersAsync(Area, 1);
        var empty = ReferralData.NewReferral(uzovi, Area);
        empty.PatientRef = "";
        var bsn = ReferralData.NewReferral(uzovi, Area);
        bsn.PatientRef = "111222333";
        bsn.CareSummary = "tarief € 75,40";

        await AssertReasonsAsync(() => app.Referrals().CreateReferralAsync(empty).ResponseAsync, ("patient_ref", Reasons.PatientRefLength));
        await AssertReasonsAsync(() => app.Referrals().CreateReferralAsync(bsn).ResponseAsync,
            ("patient_ref", Reasons.PatientRefBsn), ("care_summary", Reasons.MoneyAmount));
    }

    [Fact]
    public async Task RefusalsThatConcernNoFieldCarryAnErrorInfo()
    {
        var (uzovi, agbs) = await app.ProvidersAsync(Area, 2);
        var request = ReferralData.NewReferral(uzovi, Area);
        var referral = await app.CreateAsync(request);
        var again = ReferralData.NewReferral(uzovi, Area);
        again.PatientRef = request.PatientRef;

        await AssertRefusedAsync(() => app.Referrals().CreateReferralAsync(again).ResponseAsync, StatusCode.AlreadyExists, Reasons.PatientHasReferral);
        await AssertRefusedAsync(() => app.GetReferralAsync("ref_" + Guid.NewGuid().ToString("N")), StatusCode.NotFound, Reasons.ReferralNotFound);

        var offered = (await app.OfferAsync(referral.Id, agbs)).Referral;
        await app.AnswerAsync(offered, agbs[0], accept: true);
        var placedElsewhere = await Assert.ThrowsAsync<RpcException>(() => app.AnswerAsync(offered, agbs[1], accept: true));
        Assert.Contains(placedElsewhere.ErrorInfo().Reason, new[] { Reasons.PlacedElsewhere, Reasons.OfferNotOpen });
        await AssertRefusedAsync(() => app.Referrals().CancelReferralAsync(new CancelReferralRequest { RequestId = ReferralData.NewRequestId(), ReferralId = referral.Id }).ResponseAsync,
            StatusCode.FailedPrecondition, Reasons.ReferralState);
    }

    [Fact]
    public async Task OfferingToMoreThanTheReferralAllowsIsTooManyOpenOffers()
    {
        var (uzovi, agbs) = await app.ProvidersAsync(Area, 3);
        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, Area, parallel: 1));
        await app.OfferAsync(referral.Id, agbs[0]);

        await AssertRefusedAsync(() => app.OfferAsync(referral.Id, agbs[1]), StatusCode.FailedPrecondition, Reasons.TooManyOpenOffers);
    }

    [Fact]
    public async Task ClientStopFieldsCarryTheirReasons()
    {
        var agb = await app.AddProviderAsync(Area, [Area]);
        var stop = new ClientStop
        {
            ProviderAgb = agb, InsurerUzovis = { "12" }, Pc4S = { "9999" }, From = CapacityApp.Today.AddDays(5).ToDate(), Until = CapacityApp.Today.AddDays(2).ToDate(),
            Reason = ClientStopReason.Other,
        };

        await AssertReasonsAsync(() => app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest { Stop = stop }).ResponseAsync,
            ("stop.insurer_uzovis", Reasons.UzoviFormat), ("stop.pc4s", Reasons.AreaNotServed), ("stop.until", Reasons.DateBeforeStart),
            ("stop.reason_text", Reasons.ExplanationRequired));
    }

    [Fact]
    public async Task HubSearchRefusalNamesFieldAndReasonInBrackets()
    {
        var (uzovi, _) = await app.ProvidersAsync(Area, 1);
        await using var hub = await app.ConnectHubAsync();

        var e = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<SearchUpdate>(nameof(CoordinationHub.SubscribeToSearch),
            new SearchRequest("1000", uzovi, CareType.DistrictNursing, CapacityApp.Today.AddDays(-1)), TestContext.Current.CancellationToken));

        Assert.Contains("Invalid search: ", e.Message);
        Assert.Contains($"patient_postcode [{Reasons.PostcodeUnknown}]: ", e.Message);
        Assert.Contains($"start_date [{Reasons.DateInPast}]: ", e.Message);
    }
}
