using System.Text.Json;
using Capacity.Service.Capacity;
using Capacity.Service.Fhir;
using Capacity.Service.Geography;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using Hl7.Fhir.Model;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Capacity.Service.Tests.Fhir;

/// <summary>The pure mappings to FHIR: every resource kind valid against the base R4 spec, and the Notified Pull states of a referral's offers.</summary>
public sealed class FhirMappingTests
{
    static readonly DateTimeOffset Now = new(2026, 6, 15, 10, 0, 0, TimeSpan.Zero);

    static Offer OfferTo(string agb, OfferState state, int minutes) => new()
    {
        Id = "of_" + agb.PadLeft(16, '0'), Provider = new ProviderSummary { Agb = agb, Name = "Zorg " + agb }, Pc4 = "1183", CareType = CareType.DistrictNursing,
        State = state, OfferedAt = Timestamp.FromDateTimeOffset(Now.AddMinutes(minutes)), Deadline = Timestamp.FromDateTimeOffset(Now.AddHours(2)),
        EndedAt = state == OfferState.Pending ? null : Timestamp.FromDateTimeOffset(Now.AddMinutes(30)), OfferedBy = "requester",
        DeclineReason = state == OfferState.Declined ? DeclineReason.NoStaff : DeclineReason.Unspecified,
    };

    static Referral Referral(ReferralState state, params Offer[] offers)
    {
        var r = new Referral
        {
            Id = "ref_" + new string('a', 32), RequesterOrg = "ziekenhuis-a", PatientRef = "pt-1234", State = state, Version = 4,
            Search = new FindProvidersRequest { PatientPostcode = "1183 AB", InsurerUzovi = "9101", CareType = CareType.DistrictNursing, StartDate = new Google.Type.Date { Year = 2026, Month = 6, Day = 16 } },
            CareSummary = "Wondzorg na heupoperatie.", CreatedAt = Timestamp.FromDateTimeOffset(Now), UpdatedAt = Timestamp.FromDateTimeOffset(Now.AddMinutes(30)),
            Requester = new RequesterSummary { Org = "ziekenhuis-a", Name = "Ziekenhuis A" },
        };
        r.Offers.AddRange(offers);
        if (state == ReferralState.Placed) r.PlacedWithAgb = offers.Single(o => o.State == OfferState.Accepted).Provider.Agb;
        return r;
    }

    static string Json(Resource r) => JsonSerializer.Serialize(r, FhirResponses.Json);

    [Theory]
    [InlineData(DeclineReason.NoStaff, "no-staff")]
    [InlineData(DeclineReason.OutsideArea, "outside-area")]
    [InlineData(DeclineReason.CareTooComplex, "care-too-complex")]
    [InlineData(DeclineReason.NoCapacity, "no-capacity")]
    [InlineData(DeclineReason.TravelDistance, "travel-distance")]
    [InlineData(DeclineReason.PatientPreference, "patient-preference")]
    [InlineData(DeclineReason.Other, "other")]
    public void EveryDeclineReasonHasItsOwnCode(DeclineReason reason, string code)
    {
        var offer = OfferTo("75000001", OfferState.Declined, 0);
        offer.DeclineReason = reason;
        var referral = Referral(ReferralState.Open, offer);

        var task = FhirSpec.ParseAndValidate<FhirTask>(Json(FhirReferrals.Task(referral, offer)));

        Assert.Equal(code, task.StatusReason!.Coding.Single().Code);
    }

    [Fact]
    public void TheFirstToAcceptIsSelectedAndTheOthersAreCancelledNotSelected()
    {
        var referral = Referral(ReferralState.Placed,
            OfferTo("75000001", OfferState.Declined, 0), OfferTo("75000002", OfferState.Accepted, 1),
            OfferTo("75000003", OfferState.Withdrawn, 2), OfferTo("75000004", OfferState.Expired, 3));

        var tasks = referral.Offers.Select(o => FhirSpec.ParseAndValidate<FhirTask>(Json(FhirReferrals.Task(referral, o)))).ToList();

        Assert.Equal(
            [(FhirTask.TaskStatus.Rejected, null), (FhirTask.TaskStatus.Accepted, "selected"), (FhirTask.TaskStatus.Cancelled, "not-selected"), (FhirTask.TaskStatus.Cancelled, "expired")],
            tasks.Select(t => (t.Status, t.BusinessStatus?.Coding.Single().Code)));
        Assert.Equal("not selected", tasks[2].BusinessStatus!.Text);
        Assert.Equal("no-staff", tasks[0].StatusReason!.Coding.Single().Code);
        Assert.All(tasks, t => Assert.Equal("ServiceRequest/ref-" + new string('a', 32), t.Focus!.Reference));
        Assert.Equal(["Organization/75000001", "Organization/75000002", "Organization/75000003", "Organization/75000004"], tasks.Select(t => t.Owner!.Reference));
        var request = FhirSpec.ParseAndValidate<ServiceRequest>(Json(FhirReferrals.Request(referral)));
        Assert.Equal((RequestStatus.Active, "Organization/75000002"), (request.Status, request.Performer.Single()!.Reference));
    }

    [Fact]
    public void OpenOffersAreRequestedAndACancelledReferralWithdrawsThem()
    {
        var open = Referral(ReferralState.Offered, OfferTo("75000001", OfferState.Pending, 0));
        var cancelled = Referral(ReferralState.Cancelled, OfferTo("75000001", OfferState.Withdrawn, 0));

        var requested = FhirSpec.ParseAndValidate<FhirTask>(Json(FhirReferrals.Task(open, open.Offers[0])));
        var withdrawn = FhirSpec.ParseAndValidate<FhirTask>(Json(FhirReferrals.Task(cancelled, cancelled.Offers[0])));

        Assert.Equal((FhirTask.TaskStatus.Requested, (CodeableConcept?)null), (requested.Status, requested.BusinessStatus));
        Assert.Equal((FhirTask.TaskStatus.Cancelled, "withdrawn"), (withdrawn.Status, withdrawn.BusinessStatus!.Coding.Single().Code));
        Assert.Equal(RequestStatus.Active, FhirReferrals.Request(open).Status);
        Assert.Equal(RequestStatus.Revoked, FhirSpec.ParseAndValidate<ServiceRequest>(Json(FhirReferrals.Request(cancelled))).Status);
    }

    [Fact]
    public void AServiceRequestCarriesThePseudonymousPatientReferenceAndThePc4Only()
    {
        var request = FhirReferrals.Request(Referral(ReferralState.Open));

        Assert.Equal((FhirCodes.PatientRefs, "pt-1234"), (request.Subject!.Identifier!.System, request.Subject!.Identifier!.Value));
        Assert.Null(request.Subject!.Reference);
        Assert.Equal("Location/pc4-1183", request.LocationReference.Single().Reference);
        Assert.DoesNotContain("1183 AB", Json(request));
        Assert.Equal(RequestPriority.Routine, request.Priority);
    }

    [Fact]
    public void TheDirectoryAndItsFiguresAreValidR4InTheMcsdShape()
    {
        var provider = new ProviderInfo("75000001", "Zorg Een", 1183, [1181, 1183], QualificationFlags.PalliativeNetwork,
            new ContactInfo("020-1234567", "intake@zorg.example", "9-17"), CareTypeSet.Of([CareType.DistrictNursing, CareType.PalliativeTerminal]));
        var registry = new RegistrySnapshot(1, [], [provider], [], []);
        var area = PostcodeDirectory.LoadEmbedded().Find(1183)!;

        var organization = FhirSpec.ParseAndValidate<Organization>(Json(FhirDirectory.Organization(provider)));
        var service = FhirSpec.ParseAndValidate<HealthcareService>(Json(FhirDirectory.Service(provider, registry, 2026)));
        var location = FhirSpec.ParseAndValidate<Location>(Json(FhirDirectory.Location(area)));
        var report = FhirSpec.ParseAndValidate<MeasureReport>(Json(FhirAvailability.Report(
            new Figure("75000001", 1183, CareType.ShortTermStay, new CapacityCell(7, Now.ToUnixTimeMilliseconds(), 3, new DateOnly(2026, 6, 16), null) { Held = 1 }), TimeSpan.FromHours(24))));
        FhirSpec.ParseAndValidate<CapabilityStatement>(Json(FhirCapability.Statement(Now)));

        Assert.Equal((FhirCodes.Agb, "75000001"), (organization.Identifier.Single().System, organization.Identifier.Single().Value));
        Assert.Equal("Organization/75000001", service.ProvidedBy!.Reference);
        Assert.Equal(["Location/pc4-1181", "Location/pc4-1183"], service.CoverageArea.Select(c => c.Reference));
        Assert.Equal(["district-nursing", "palliative-terminal"], service.Type.Select(t => t.Coding.Single().Code));
        Assert.Equal(("1183", "NL"), (location.Address!.PostalCode, location.Address!.Country));
        Assert.Equal(("mr-75000001-1183-short-term-stay", 2m, "{beds}"), (report.Id, report.Group.Single().MeasureScore!.Value, report.Group.Single().MeasureScore!.Code));
        Assert.Equal([3, 1], report.Group.Single().Population.Select(p => p.Count));
        Assert.Equal("2026-06-16", report.Period!.Start);
    }

    [Fact]
    public void TheSpecValidatorRefusesAReportWithoutItsRequiredElements()
    {
        var report = FhirAvailability.Report(new Figure("75000001", 1183, CareType.DistrictNursing, new CapacityCell(1, Now.ToUnixTimeMilliseconds(), 2, new DateOnly(2026, 6, 16), null)), TimeSpan.FromHours(1));
        report.MeasureElement = null!; // 1..1 in R4
        report.Period = null!;  // 1..1 in R4

        var failure = Assert.ThrowsAny<Exception>(() => FhirSpec.AssertValid(report));

        Assert.Contains("not valid R4", failure.Message);
    }
}
