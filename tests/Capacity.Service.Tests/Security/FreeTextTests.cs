using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Capacity.Service.Shared;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Grpc.Core;
using static Capacity.Service.Tests.Infrastructure.RpcAssertions;

namespace Capacity.Service.Tests.Security;

/// <summary>
/// Free texts carry no control characters and no bidirectional controls (line breaks and tabs only
/// where a text has lines): refused with INVALID_ARGUMENT naming the field, and nothing is stored.
/// </summary>
public sealed class FreeTextTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("Wondzorg na heupoperatie", false, true)]
    [InlineData("Zorg in Zoeterwoude-Rijndijk, ‘s-Gravenhage — één keer per dag 😊", false, true)]
    [InlineData("שלום and العربية mixed without controls", false, true)]
    [InlineData("twee\nregels", true, true)]
    [InlineData("windows\r\nregels\tmet tab", true, true)]
    [InlineData("twee\nregels", false, false)]
    [InlineData("tab\tin a name", false, false)]
    [InlineData("lone\rcarriage return", true, false)]
    [InlineData("ends with CR\r", true, false)]
    [InlineData("nul\0byte", true, false)]
    [InlineData("bell\a", true, false)]
    [InlineData("escape\u001b[31mred", true, false)]
    [InlineData("delete\u007f", true, false)]
    [InlineData("c1\u0085next line", true, false)]
    [InlineData("c1\u009bcsi", true, false)]
    [InlineData("rlo\u202Eevil", true, false)]
    [InlineData("lre\u202A", true, false)]
    [InlineData("isolate\u2066x\u2069", true, false)]
    [InlineData("fsi\u2068", true, false)]
    [InlineData("lrm\u200E", true, false)]
    [InlineData("rlm\u200F", true, false)]
    [InlineData("alm\u061C", true, false)]
    [InlineData("line\u2028separator", false, false)]
    [InlineData("paragraph\u2029separator", true, true)]
    public void TheRuleAllowsLettersOfAnyScriptAndLineBreaksOnlyInMultiLineTexts(string text, bool multiLine, bool allowed)
    {
        Assert.Equal(allowed, FreeText.Problem(text, multiLine) is null);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData(" \t", true)]
    [InlineData("\u200B", true)]
    [InlineData("\uFEFF\u2060 ", true)]
    [InlineData("\u00A0\u3000", true)]
    [InlineData("a\u200B", false)]
    [InlineData("👩‍⚕️", false)]
    public void ARequiredTextMustShowSomething(string text, bool blank)
    {
        Assert.Equal(blank, FreeText.IsBlank(text));
    }

    [Fact]
    public async Task AnInvisibleNameOrPatientRefIsNoName()
    {
        await AssertInvalidAsync(() => app.Registry.UpsertInsurerAsync(new UpsertInsurerRequest { Insurer = new Insurer { Uzovi = TestData.NewUzovi(), Name = "\u200B\u200B" } }).ResponseAsync,
            "insurer.name");
        var (uzovi, _) = await app.ProvidersAsync("1183", 1);
        var request = ReferralData.NewReferral(uzovi, "1183");
        request.PatientRef = "\uFEFF";
        await AssertInvalidAsync(() => app.Referrals().CreateReferralAsync(request).ResponseAsync, "patient_ref");
    }

    [Fact]
    public void TheRefusalNamesTheCharacterAndWhereItIs()
    {
        Assert.StartsWith("contains a bidirectional control (U+202E) at position 4", FreeText.Problem("abc\u202Edef", multiLine: true)!.Value.Description);
    }

    [Theory]
    [InlineData("Wondzorg\u202E na operatie")]
    [InlineData("Wondzorg\u0007")]
    [InlineData("Wondzorg\rna operatie")]
    public async Task ACareSummaryWithControlsIsRefusedAndNoReferralIsCreated(string summary)
    {
        var (uzovi, _) = await app.ProvidersAsync("1183", 1);
        var request = ReferralData.NewReferral(uzovi, "1183", org: "freetext-" + Guid.NewGuid().ToString("N")[..8]);
        request.CareSummary = summary;

        await AssertInvalidAsync(() => app.Referrals().CreateReferralAsync(request).ResponseAsync, "care_summary");

        var listed = await app.Referrals().ListReferralsAsync(new ListReferralsRequest { RequesterOrg = request.RequesterOrg });
        Assert.Empty(listed.Referrals);
    }

    [Fact]
    public async Task ACareSummaryMayHaveLinesAndTabs()
    {
        var (uzovi, _) = await app.ProvidersAsync("1183", 1);
        var request = ReferralData.NewReferral(uzovi, "1183");
        request.CareSummary = "Wondzorg:\r\n\t- ochtend\n\t- avond";

        var created = await app.CreateAsync(request);

        Assert.Equal(request.CareSummary, created.CareSummary);
    }

    [Theory]
    [InlineData("pt\n1")]
    [InlineData("pt\u202E1")]
    [InlineData("pt\t1")]
    public async Task APatientRefWithControlsIsRefused(string patientRef)
    {
        var (uzovi, _) = await app.ProvidersAsync("1183", 1);
        var request = ReferralData.NewReferral(uzovi, "1183");
        request.PatientRef = patientRef;

        await AssertInvalidAsync(() => app.Referrals().CreateReferralAsync(request).ResponseAsync, "patient_ref");
    }

    [Fact]
    public async Task RegistryNamesAndContactsRefuseControlsAndStoreNothing()
    {
        var agb = TestData.NewAgb();
        var provider = new Provider
        {
            Agb = agb, Name = "Wijkzorg\u202E tset", BasePc4 = "1183", ServedPc4S = { "1183" },
            Intake = new Contact { Phone = "020 123 4567", Email = "intake\u200F@example.org", Hours = "ma-vr\t8-17" },
        };

        await AssertInvalidAsync(() => app.Registry.UpsertProviderAsync(new UpsertProviderRequest { Provider = provider }).ResponseAsync,
            "provider.name", "provider.intake.email", "provider.intake.hours");
        var lookup = await Assert.ThrowsAsync<RpcException>(() => app.Registry.GetProviderAsync(new GetProviderRequest { Agb = agb }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, lookup.StatusCode);

        await AssertInvalidAsync(() => app.Registry.UpsertInsurerAsync(new UpsertInsurerRequest { Insurer = new Insurer { Uzovi = TestData.NewUzovi(), Name = "Zorg\u0085verzekeraar" } }).ResponseAsync,
            "insurer.name");
        await AssertInvalidAsync(() => app.Registry.UpsertRequestingOrganisationAsync(new UpsertRequestingOrganisationRequest
        {
            Organisation = new RequestingOrganisation
            {
                Code = "ft-" + Guid.NewGuid().ToString("N")[..8], Name = "Ziekenhuis\u2066", Kind = OrganisationKind.Hospital,
                TransferDesk = new Contact { Phone = "020 123 4567" },
            },
        }).ResponseAsync, "organisation.name");
    }

    [Fact]
    public async Task AClientStopReasonMayHaveLinesButNoOtherControls()
    {
        var agb = await app.AddProviderAsync("1183", ["1183"]);
        ClientStop Stop(string text) => new()
        {
            ProviderAgb = agb, From = CapacityApp.Today.ToDate(), Reason = ClientStopReason.Other, ReasonText = text,
        };

        await AssertInvalidAsync(() => app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest { Stop = Stop("Verwijs naar\u202E Zorg B") }).ResponseAsync,
            "stop.reason_text");
        Assert.Empty((await app.Stops.ListClientStopsAsync(new ListClientStopsRequest { ProviderAgb = agb })).Stops);

        var declared = await app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest { Stop = Stop("Te weinig personeel.\nVerwijs naar Zorg B.") });
        Assert.Equal("Te weinig personeel.\nVerwijs naar Zorg B.", declared.ReasonText);
    }

    [Fact]
    public async Task TheJsonApiRefusesABidiOverrideNamingTheField()
    {
        var (uzovi, _) = await app.ProvidersAsync("1183", 1);
        var day = CapacityApp.Today.AddDays(1);
        var http = app.CreateClient();

        var response = await http.PostAsJsonAsync("/api/v1/referrals", new
        {
            requestId = ReferralData.NewRequestId(), requesterOrg = "freetext-json", patientRef = "P-\u202E1",
            search = new { patientPostcode = "1183", insurerUzovi = uzovi, careType = "CARE_TYPE_DISTRICT_NURSING", startDate = new { year = day.Year, month = day.Month, day = day.Day } },
        }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var fields = body.GetProperty("details").EnumerateArray().SelectMany(d => d.GetProperty("fieldViolations").EnumerateArray()).Select(v => v.GetProperty("field").GetString());
        Assert.Equal(["patient_ref"], fields);
    }
}
