using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;

namespace Capacity.Service.Tests.Matching;

/// <summary>
/// Rules 1–5 of DOMAIN.md, each through the real host over gRPC against real Redis. Patients live
/// in Amstelveen (1183); providers are based in and around it.
/// </summary>
public sealed class MatchingRuleTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    const string Patient = "1183", Nearby = "1181", AlsoNearby = "1186";
    static readonly CareType Nursing = CareType.DistrictNursing;
    static readonly DateOnly Tomorrow = CapacityApp.Today.AddDays(1);

    async Task<(string Uzovi, string Agb)> ReadyProviderAsync(CareType careType = CareType.DistrictNursing, Qualifications? q = null, int free = 3)
    {
        var uzovi = await app.AddInsurerAsync();
        var agb = await app.AddProviderAsync(Nearby, [Nearby, Patient], q);
        await app.ContractAsync(agb, uzovi, careType);
        await app.PublishAsync(agb, Patient, careType, free);
        return (uzovi, agb);
    }

    [Fact]
    public async Task ContractedQualifiedProviderWithFreshRoomInThePatientsAreaIsACandidate()
    {
        var (uzovi, agb) = await ReadyProviderAsync(free: 4);

        var result = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing));

        var candidate = Assert.Single(result.Candidates, c => c.Provider.Agb == agb);
        Assert.Equal(4, candidate.FreePlaces);
        Assert.Equal(CapacityUnit.Places, candidate.Unit);
        Assert.Equal(ContractType.Standaard, candidate.ContractType);
        Assert.InRange(candidate.DistanceKm, 0.5, 3); // 1181 → 1183 centroids are ~1.5 km apart
        Assert.Equal(TimeSpan.Zero, candidate.CapacityAge.ToTimeSpan());
        Assert.Equal("1183", result.PatientPc4);
        Assert.Equal("Amstelveen", result.Municipality);
        Assert.Equal(15, result.RadiusKm);
    }

    [Fact]
    public async Task ProviderWithoutContractWithThePatientsInsurerIsNotContracted()
    {
        var (_, agb) = await ReadyProviderAsync();
        var otherInsurer = await app.AddInsurerAsync();

        var result = await app.FindAsync(TestData.Search(Patient, otherInsurer, Nursing));

        Assert.Equal("NotContracted", result.VerdictFor(agb));
    }

    [Fact]
    public async Task ContractThatLacksTheCareTypeIsNotContracted()
    {
        var (uzovi, agb) = await ReadyProviderAsync(CareType.DistrictNursing);
        await app.PublishAsync(agb, Patient, CareType.NightCare, 2);

        var result = await app.FindAsync(TestData.Search(Patient, uzovi, CareType.NightCare));

        Assert.Equal("NotContracted", result.VerdictFor(agb));
    }

    [Fact]
    public async Task ContractCoversOnlyItsCalendarYear()
    {
        var (uzovi, agb) = await ReadyProviderAsync(); // contract for 2026 only

        var lastDay = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, new DateOnly(2026, 12, 31)));
        var firstDayNextYear = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, new DateOnly(2027, 1, 1)));

        Assert.Equal("Candidate", lastDay.VerdictFor(agb));
        Assert.Equal("NotContracted", firstDayNextYear.VerdictFor(agb));

        await app.ContractAsync(agb, uzovi, 2027, ContractType.Plus, Nursing);
        var renewed = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, new DateOnly(2027, 1, 1)));
        Assert.Equal(ContractType.Plus, Assert.Single(renewed.Candidates, c => c.Provider.Agb == agb).ContractType);
    }

    [Fact]
    public async Task ClientStopForOneInsurerExcludesItsPatientsButNotAnotherInsurers()
    {
        var vgz = await app.AddInsurerAsync("VGZ");
        var cz = await app.AddInsurerAsync("CZ");
        var agb = await app.AddProviderAsync(Nearby, [Nearby, Patient]);
        await app.ContractAsync(agb, vgz, Nursing);
        await app.ContractAsync(agb, cz, Nursing);
        await app.PublishAsync(agb, Patient, Nursing, 2);
        var stop = await app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest
        {
            Stop = new ClientStop
            {
                ProviderAgb = agb, InsurerUzovis = { vgz }, From = CapacityApp.Today.ToDate(), Until = new DateOnly(2026, 9, 1).ToDate(),
                Reason = ClientStopReason.CostCeiling,
            },
        });

        var vgzPatient = await app.FindAsync(TestData.Search(Patient, vgz, Nursing));
        var czPatient = await app.FindAsync(TestData.Search(Patient, cz, Nursing));

        var exclusion = Assert.Single(vgzPatient.Exclusions, e => e.Provider.Agb == agb);
        Assert.Equal(ExclusionReason.ClientStop, exclusion.Reason);
        Assert.Equal(stop.Id, exclusion.ClientStopId);
        Assert.Equal(new DateOnly(2026, 9, 1).ToDate(), exclusion.ClientStopUntil);
        Assert.Contains("until 2026-09-01", exclusion.Detail);
        Assert.Equal("Candidate", czPatient.VerdictFor(agb));
    }

    [Fact]
    public async Task ClientStopIsPassedByPalliativeTerminalCareAndByUrgentRequests()
    {
        var uzovi = await app.AddInsurerAsync();
        var agb = await app.AddProviderAsync(Nearby, [Nearby, Patient], new Qualifications { PalliativeNetwork = true });
        await app.ContractAsync(agb, uzovi, Nursing, CareType.PalliativeTerminal);
        await app.PublishAsync(agb, Patient, Nursing, 1);
        await app.PublishAsync(agb, Patient, CareType.PalliativeTerminal, 1);
        await app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest
        {
            Stop = new ClientStop { ProviderAgb = agb, From = CapacityApp.Today.ToDate(), Reason = ClientStopReason.StaffShortage }, // all insurers, all care, open-ended
        });

        var routine = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing));
        var urgentRequest = TestData.Search(Patient, uzovi, Nursing);
        urgentRequest.Urgent = true;
        var urgent = await app.FindAsync(urgentRequest);
        var palliative = await app.FindAsync(TestData.Search(Patient, uzovi, CareType.PalliativeTerminal));

        Assert.Equal("ClientStop", routine.VerdictFor(agb));
        Assert.Contains("until further notice", routine.Exclusions.Single(e => e.Provider.Agb == agb).Detail);
        Assert.Equal("Candidate", urgent.VerdictFor(agb));
        Assert.Equal("Candidate", palliative.VerdictFor(agb));
    }

    [Fact]
    public async Task UrgentRequestPassesAStopForItsInsurerButMustStartWithin24Hours()
    {
        var (uzovi, agb) = await ReadyProviderAsync();
        await app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest
        {
            Stop = new ClientStop { ProviderAgb = agb, InsurerUzovis = { uzovi }, From = CapacityApp.Today.ToDate(), Reason = ClientStopReason.CostCeiling },
        });
        var today = TestData.Search(Patient, uzovi, Nursing, CapacityApp.Today);
        today.Urgent = true;
        var nextWeek = TestData.Search(Patient, uzovi, Nursing, CapacityApp.Today.AddDays(7));
        nextWeek.Urgent = true;

        Assert.Equal("Candidate", (await app.FindAsync(today)).VerdictFor(agb));
        var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => app.FindAsync(nextWeek));
        Assert.Equal("urgent", Assert.Single(refused.BadRequest().FieldViolations).Field);
    }

    [Fact]
    public async Task ClientStopCoversOnlyItsPeriodAreasAndCareTypes()
    {
        var (uzovi, agb) = await ReadyProviderAsync();
        await app.ContractAsync(agb, uzovi, Nursing, CareType.ShortTermStay);
        await app.PublishAsync(agb, Patient, CareType.ShortTermStay, 2);
        await app.PublishAsync(agb, Nearby, Nursing, 2);
        await app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest
        {
            Stop = new ClientStop
            {
                ProviderAgb = agb, Pc4S = { Patient }, CareTypes = { Nursing },
                From = new DateOnly(2026, 7, 1).ToDate(), Until = new DateOnly(2026, 7, 31).ToDate(), Reason = ClientStopReason.StaffShortage,
            },
        });

        Assert.Equal("Candidate", (await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, new DateOnly(2026, 6, 30)))).VerdictFor(agb));
        Assert.Equal("ClientStop", (await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, new DateOnly(2026, 7, 1)))).VerdictFor(agb));
        Assert.Equal("ClientStop", (await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, new DateOnly(2026, 7, 31)))).VerdictFor(agb));
        Assert.Equal("Candidate", (await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, new DateOnly(2026, 8, 1)))).VerdictFor(agb));
        Assert.Equal("Candidate", (await app.FindAsync(TestData.Search(Nearby, uzovi, Nursing, new DateOnly(2026, 7, 15)))).VerdictFor(agb));
        Assert.Equal("Candidate", (await app.FindAsync(TestData.Search(Patient, uzovi, CareType.ShortTermStay, new DateOnly(2026, 7, 15)))).VerdictFor(agb));
    }

    [Fact]
    public async Task LiftedClientStopNoLongerExcludes()
    {
        var (uzovi, agb) = await ReadyProviderAsync();
        var stop = await app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest
        {
            Stop = new ClientStop { ProviderAgb = agb, From = CapacityApp.Today.ToDate(), Reason = ClientStopReason.CostCeiling },
        });
        Assert.Equal("ClientStop", (await app.FindAsync(TestData.Search(Patient, uzovi, Nursing))).VerdictFor(agb));

        await app.Stops.LiftClientStopAsync(new LiftClientStopRequest { Id = stop.Id });

        Assert.Equal("Candidate", (await app.FindAsync(TestData.Search(Patient, uzovi, Nursing))).VerdictFor(agb));
        var listed = await app.Stops.ListClientStopsAsync(new ListClientStopsRequest { ProviderAgb = agb });
        Assert.Empty(listed.Stops);
    }

    [Theory]
    [InlineData(CareType.PalliativeTerminal)]
    [InlineData(CareType.DementiaCaseManagement)]
    [InlineData(CareType.NightCare)]
    [InlineData(CareType.MedicalChildCare)]
    public async Task SpecialCareNeedsTheMatchingQualification(CareType careType)
    {
        var uzovi = await app.AddInsurerAsync();
        var qualified = await app.AddProviderAsync(Nearby, [Patient], careType switch
        {
            CareType.PalliativeTerminal => new Qualifications { PalliativeNetwork = true },
            CareType.DementiaCaseManagement => new Qualifications { DementiaNetwork = true },
            CareType.NightCare => new Qualifications { NightService = true },
            _ => new Qualifications { PaediatricNurse = true },
        });
        // Every qualification except the one this care type needs.
        var unqualified = await app.AddProviderAsync(Nearby, [Patient], careType switch
        {
            CareType.PalliativeTerminal => new Qualifications { DementiaNetwork = true, NightService = true, PaediatricNurse = true },
            CareType.DementiaCaseManagement => new Qualifications { PalliativeNetwork = true, NightService = true, PaediatricNurse = true },
            CareType.NightCare => new Qualifications { PalliativeNetwork = true, DementiaNetwork = true, PaediatricNurse = true },
            _ => new Qualifications { PalliativeNetwork = true, DementiaNetwork = true, NightService = true },
        });
        foreach (var agb in new[] { qualified, unqualified })
        {
            await app.ContractAsync(agb, uzovi, careType);
            await app.PublishAsync(agb, Patient, careType, 2);
        }
        var request = TestData.Search(Patient, uzovi, careType);
        request.PatientAge = 9;

        var result = await app.FindAsync(request);

        Assert.Equal("Candidate", result.VerdictFor(qualified));
        Assert.Equal("NotQualified", result.VerdictFor(unqualified));
    }

    [Fact]
    public async Task MedicalChildCareIsForPatientsUnder18()
    {
        var (uzovi, agb) = await ReadyProviderAsync(CareType.MedicalChildCare, new Qualifications { PaediatricNurse = true });
        var request = TestData.Search(Patient, uzovi, CareType.MedicalChildCare);

        request.PatientAge = 17;
        Assert.Equal("Candidate", (await app.FindAsync(request)).VerdictFor(agb));

        request.PatientAge = 18;
        var adult = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => app.FindAsync(request));
        Assert.Equal("patient_age", Assert.Single(adult.BadRequest().FieldViolations).Field);

        request.ClearPatientAge();
        var unknownAge = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => app.FindAsync(request));
        Assert.Equal("patient_age", Assert.Single(unknownAge.BadRequest().FieldViolations).Field);
    }

    [Fact]
    public async Task ProviderServingOnlyNearbyAreasIsOutsideAreaAndOneBeyondTheRadiusIsAbsent()
    {
        var uzovi = await app.AddInsurerAsync();
        var nearbyOnly = await app.AddProviderAsync(AlsoNearby, [AlsoNearby]);
        var farAway = await app.AddProviderAsync("9711", ["9711"]); // Groningen
        foreach (var agb in new[] { nearbyOnly, farAway })
        {
            await app.ContractAsync(agb, uzovi, Nursing);
            await app.PublishAsync(agb, agb == farAway ? "9711" : AlsoNearby, Nursing, 5);
        }

        var result = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing));
        var narrow = TestData.Search(Patient, uzovi, Nursing);
        narrow.RadiusKm = 0.5;
        var narrowResult = await app.FindAsync(narrow);

        Assert.Equal("OutsideArea", result.VerdictFor(nearbyOnly));
        Assert.Equal("Absent", result.VerdictFor(farAway));
        Assert.Equal("Absent", narrowResult.VerdictFor(nearbyOnly));
        Assert.Equal(0.5, narrowResult.RadiusKm);
    }

    [Fact]
    public async Task ProviderBasedBeyondTheRadiusIsAbsentEvenWhenItServesAnAreaWithinIt()
    {
        // Bussum (1405) is 18.3 km from the patient's 1183, Weesp (1381) 12.7 km: a provider based
        // in Bussum that also works in Weesp serves an area in a 15 km search but lies outside it.
        const string Bussum = "1405", Weesp = "1381";
        var uzovi = await app.AddInsurerAsync();
        var beyond = await app.AddProviderAsync(Bussum, [Bussum, Weesp]);
        var beyondButServingThePatient = await app.AddProviderAsync(Bussum, [Bussum, Weesp, Patient]);
        foreach (var agb in new[] { beyond, beyondButServingThePatient }) await app.ContractAsync(agb, uzovi, Nursing);
        await app.PublishAsync(beyondButServingThePatient, Patient, Nursing, 2);

        var result = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing));
        var wide = TestData.Search(Patient, uzovi, Nursing);
        wide.RadiusKm = 20;
        var wideResult = await app.FindAsync(wide);

        Assert.Equal("Absent", result.VerdictFor(beyond));
        Assert.All(result.Exclusions, e => Assert.InRange(e.DistanceKm, 0, result.RadiusKm));
        // Serving the patient's own area, it can take the patient wherever its office is.
        Assert.InRange(Assert.Single(result.Candidates, c => c.Provider.Agb == beyondButServingThePatient).DistanceKm, 18, 19);
        Assert.Equal("OutsideArea", wideResult.VerdictFor(beyond));
    }

    [Fact]
    public async Task NoCapacityWhenNonePublishedNoneFreeOrFreeOnlyAfterTheStartDate()
    {
        var uzovi = await app.AddInsurerAsync();
        var nonePublished = await app.AddProviderAsync(Nearby, [Patient]);
        var full = await app.AddProviderAsync(Nearby, [Patient]);
        var later = await app.AddProviderAsync(Nearby, [Patient]);
        foreach (var agb in new[] { nonePublished, full, later }) await app.ContractAsync(agb, uzovi, Nursing);
        await app.PublishAsync(full, Patient, Nursing, 0);
        await app.PublishAsync(later, Patient, Nursing, 3, availableFrom: new DateOnly(2026, 6, 20));

        var result = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, new DateOnly(2026, 6, 18)));
        var afterwards = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, new DateOnly(2026, 6, 20)));

        Assert.Equal("NoCapacity", result.VerdictFor(nonePublished));
        Assert.Equal("NoCapacity", result.VerdictFor(full));
        var notYet = result.Exclusions.Single(e => e.Provider.Agb == later);
        Assert.Equal(ExclusionReason.NoCapacity, notYet.Reason);
        Assert.Equal(new DateOnly(2026, 6, 20).ToDate(), notYet.AvailableFrom);
        Assert.Equal("Candidate", afterwards.VerdictFor(later));
    }

    [Fact]
    public async Task OlderOrDuplicateCapacityUpdateNeverOverwritesANewerOne()
    {
        var uzovi = await app.AddInsurerAsync();
        var agb = await app.AddProviderAsync(Nearby, [Patient]);
        await app.ContractAsync(agb, uzovi, Nursing);

        var newer = await app.PublishAsync(agb, Patient, Nursing, free: 5, version: 1_000);
        var older = await app.PublishAsync(agb, Patient, Nursing, free: 0, version: 999);
        var duplicate = await app.PublishAsync(agb, Patient, Nursing, free: 1, version: 1_000);

        Assert.True(newer.Applied);
        Assert.False(older.Applied);
        Assert.Equal(1_000, older.StoredVersion);
        Assert.False(duplicate.Applied);
        Assert.Equal(5, (await app.FindAsync(TestData.Search(Patient, uzovi, Nursing))).Candidates.Single(c => c.Provider.Agb == agb).FreePlaces);

        var next = await app.PublishAsync(agb, Patient, Nursing, free: 2, version: 1_001);
        Assert.True(next.Applied);
        Assert.Equal(2, (await app.FindAsync(TestData.Search(Patient, uzovi, Nursing))).Candidates.Single(c => c.Provider.Agb == agb).FreePlaces);
    }

    [Fact]
    public async Task Pc6PostcodeIsSearchedByItsPc4()
    {
        var (uzovi, agb) = await ReadyProviderAsync();

        var result = await app.FindAsync(TestData.Search("1183 ab", uzovi, Nursing));

        Assert.Equal("1183", result.PatientPc4);
        Assert.Equal("Candidate", result.VerdictFor(agb));
    }

    [Fact]
    public async Task ShortTermStayIsCountedInBeds()
    {
        var (uzovi, agb) = await ReadyProviderAsync(CareType.ShortTermStay, free: 2);

        var result = await app.FindAsync(TestData.Search(Patient, uzovi, CareType.ShortTermStay));

        Assert.Equal(CapacityUnit.Beds, result.Candidates.Single(c => c.Provider.Agb == agb).Unit);
    }
}
