using Capacity.Service.Security;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Grpc.Core;
using static Capacity.Service.Tests.Infrastructure.RpcAssertions;

namespace Capacity.Service.Tests.Registry;

/// <summary>Bad input gets INVALID_ARGUMENT naming the field, and nothing of it is stored.</summary>
public sealed class BadInputTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    static Provider ValidProvider(string agb) => new()
    {
        Agb = agb, Name = "Wijkzorg Test", BasePc4 = "1183", ServedPc4S = { "1183", "1181" }, Qualifications = new Qualifications(),
    };

    [Theory]
    [InlineData("1234567", "provider.agb")]
    [InlineData("1234567a", "provider.agb")]
    public async Task ProviderWithMalformedAgbIsRejected(string agb, string field)
    {
        await AssertInvalidAsync(() => app.Registry.UpsertProviderAsync(new UpsertProviderRequest { Provider = ValidProvider(agb) }).ResponseAsync, field);
    }

    [Fact]
    public async Task ProviderWithUnknownAreasIsRejectedAndNotStored()
    {
        var agb = TestData.NewAgb();
        var provider = ValidProvider(agb);
        provider.BasePc4 = "0999";
        provider.ServedPc4S.Add("1000"); // 1000 is not a PC4 area in use

        var bad = await AssertInvalidAsync(() => app.Registry.UpsertProviderAsync(new UpsertProviderRequest { Provider = provider }).ResponseAsync,
            "provider.base_pc4", "provider.served_pc4s");

        Assert.Contains("1000", bad.FieldViolations.Single(v => v.Field == "provider.served_pc4s").Description);
        var lookup = await Assert.ThrowsAsync<RpcException>(() => app.Registry.GetProviderAsync(new GetProviderRequest { Agb = agb }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, lookup.StatusCode);
    }

    [Fact]
    public async Task ProviderWithoutNameOrAreasNamesEveryBadField()
    {
        var provider = ValidProvider(TestData.NewAgb());
        provider.Name = " ";
        provider.ServedPc4S.Clear();

        await AssertInvalidAsync(() => app.Registry.UpsertProviderAsync(new UpsertProviderRequest { Provider = provider }).ResponseAsync,
            "provider.name", "provider.served_pc4s");
    }

    [Theory]
    [InlineData("")]
    [InlineData("06-1234")]
    [InlineData("+32 2 123 45 67")]
    public async Task ProviderWithABadIntakePhoneIsRejectedAndNotStored(string phone)
    {
        var agb = TestData.NewAgb();
        var provider = ValidProvider(agb);
        provider.Intake = new Contact { Phone = phone, Email = "intake@wijkzorg-test.example", Hours = "ma-vr 8.00-17.00" };

        await AssertInvalidAsync(() => app.Registry.UpsertProviderAsync(new UpsertProviderRequest { Provider = provider }).ResponseAsync, "provider.intake.phone");

        var lookup = await Assert.ThrowsAsync<RpcException>(() => app.Registry.GetProviderAsync(new GetProviderRequest { Agb = agb }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, lookup.StatusCode);
    }

    [Fact]
    public async Task IntakeEmailAndHoursAndUnknownCareTypesAreNamed()
    {
        var provider = ValidProvider(TestData.NewAgb());
        provider.Intake = new Contact { Phone = "020 555 0199", Email = "intake@wijkzorg test.example", Hours = "ma-vr, intakegesprek € 25" };
        provider.CareTypes.Add((CareType)42);

        var bad = await AssertInvalidAsync(() => app.Registry.UpsertProviderAsync(new UpsertProviderRequest { Provider = provider }).ResponseAsync,
            "provider.intake.email", "provider.intake.hours", "provider.care_types");

        Assert.Equal(InformationBoundary.Refusal, bad.FieldViolations.Single(v => v.Field == "provider.intake.hours").Description);
    }

    [Fact]
    public async Task InsurerWithMalformedUzoviIsRejected()
    {
        await AssertInvalidAsync(() => app.Registry.UpsertInsurerAsync(new UpsertInsurerRequest { Insurer = new Insurer { Uzovi = "33110", Name = "X" } }).ResponseAsync,
            "insurer.uzovi");
    }

    [Fact]
    public async Task ContractNamingUnknownProviderOrInsurerIsRejected()
    {
        var contract = new Contract
        {
            ProviderAgb = TestData.NewAgb(), InsurerUzovi = TestData.NewUzovi(), Year = 2026, ContractType = ContractType.Standaard,
            CareTypes = { CareType.DistrictNursing },
        };

        var bad = await AssertInvalidAsync(() => app.Registry.UpsertContractAsync(new UpsertContractRequest { Contract = contract }).ResponseAsync,
            "contract.provider_agb", "contract.insurer_uzovi");
        Assert.Contains("not registered", bad.FieldViolations[0].Description);
    }

    [Fact]
    public async Task ContractWithoutCareTypesOrTypeIsRejected()
    {
        var uzovi = await app.AddInsurerAsync();
        var agb = await app.AddProviderAsync("1183", ["1183"]);
        var contract = new Contract { ProviderAgb = agb, InsurerUzovi = uzovi, Year = 1999 };

        await AssertInvalidAsync(() => app.Registry.UpsertContractAsync(new UpsertContractRequest { Contract = contract }).ResponseAsync,
            "contract.year", "contract.care_types", "contract.contract_type");
        Assert.Empty((await app.Registry.ListContractsAsync(new ListContractsRequest { ProviderAgb = agb })).Contracts);
    }

    [Fact]
    public async Task CapacityThatIsNegativeForAnUnservedAreaOrUnversionedIsRejectedAndNotStored()
    {
        var agb = await app.AddProviderAsync("1183", ["1183"]);

        await AssertInvalidAsync(() => app.Capacity.SetCapacityAsync(new SetCapacityRequest
        {
            Agb = agb, Pc4 = "1181", CareType = CareType.DistrictNursing, FreePlaces = -1, Version = 0,
        }).ResponseAsync, "pc4", "free_places", "version");
        await AssertInvalidAsync(() => app.Capacity.SetCapacityAsync(new SetCapacityRequest
        {
            Agb = agb, Pc4 = "1183", FreePlaces = 1, Version = 1,
        }).ResponseAsync, "care_type");
        await AssertInvalidAsync(() => app.Capacity.SetCapacityAsync(new SetCapacityRequest
        {
            Agb = TestData.NewAgb(), Pc4 = "1183", CareType = CareType.DistrictNursing, FreePlaces = 1, Version = 1,
        }).ResponseAsync, "agb");
        await AssertInvalidAsync(() => app.Capacity.SetCapacityAsync(new SetCapacityRequest
        {
            Agb = agb, CareType = CareType.DistrictNursing, FreePlaces = 1, Version = 1,
        }).ResponseAsync, "area");

        Assert.Empty((await app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agb })).Figures);
    }

    [Fact]
    public async Task ClientStopEndingBeforeItStartsIsRejectedAndNotStored()
    {
        var agb = await app.AddProviderAsync("1183", ["1183"]);
        var stop = new ClientStop
        {
            ProviderAgb = agb, From = new DateOnly(2026, 7, 1).ToDate(), Until = new DateOnly(2026, 6, 30).ToDate(), Reason = ClientStopReason.CostCeiling,
        };

        await AssertInvalidAsync(() => app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest { Stop = stop }).ResponseAsync, "stop.until");

        Assert.Empty((await app.Stops.ListClientStopsAsync(new ListClientStopsRequest { ProviderAgb = agb })).Stops);
    }

    [Fact]
    public async Task ClientStopForUnknownInsurerUnservedAreaOrWithoutReasonIsRejected()
    {
        var agb = await app.AddProviderAsync("1183", ["1183"]);
        var stop = new ClientStop
        {
            ProviderAgb = agb, InsurerUzovis = { TestData.NewUzovi() }, Pc4S = { "9711" }, // no from, no reason
        };

        await AssertInvalidAsync(() => app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest { Stop = stop }).ResponseAsync,
            "stop.insurer_uzovis", "stop.pc4s", "stop.from", "stop.reason");
    }

    [Theory]
    [InlineData("12", "patient_postcode")]
    [InlineData("1000", "patient_postcode")] // well-formed but not an area in use
    [InlineData("0123", "patient_postcode")]
    public async Task SearchForAnUnknownOrMalformedPostcodeIsRejected(string postcode, string field)
    {
        var uzovi = await app.AddInsurerAsync();
        await AssertInvalidAsync(() => app.Matching.FindProvidersAsync(TestData.Search(postcode, uzovi, CareType.DistrictNursing)).ResponseAsync, field);
    }

    [Fact]
    public async Task SearchNamesEveryBadField()
    {
        var request = new FindProvidersRequest
        {
            PatientPostcode = "1183", InsurerUzovi = TestData.NewUzovi(), CareType = CareType.Unspecified,
            StartDate = CapacityApp.Today.AddDays(-1).ToDate(), RadiusKm = 250, PatientAge = -3,
        };

        await AssertInvalidAsync(() => app.Matching.FindProvidersAsync(request).ResponseAsync,
            "insurer_uzovi", "care_type", "start_date", "radius_km", "patient_age");
    }

    [Fact]
    public async Task SearchWithAnImpossibleDateSaysSoOnce()
    {
        var uzovi = await app.AddInsurerAsync();
        var request = TestData.Search("1183", uzovi, CareType.DistrictNursing);
        request.StartDate = new Google.Type.Date { Year = 2026, Month = 2, Day = 30 };

        var bad = await AssertInvalidAsync(() => app.Matching.FindProvidersAsync(request).ResponseAsync, "start_date");

        Assert.Equal("is not a valid date", Assert.Single(bad.FieldViolations).Description);
    }
}
