using System.Net;
using System.Net.Http.Headers;
using Capacity.Service.Security;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Hl7.Fhir.Model;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Capacity.Service.Tests.Fhir;

/// <summary>
/// /fhir/r4 on a host that requires sign-in: each resource kind it answers parses and validates
/// against the base R4 spec, the permission table holds (anonymous and other tenants refused, own
/// allowed), a referral's offers come out in the Notified Pull states for the parties allowed to
/// see them, reads are audited, and searches are paged and capped. The data is set up through a
/// second host on the same Redis that lets anonymous calls through.
/// </summary>
public sealed class FhirEndpointTests : IAsyncLifetime
{
    const string Issuer = "capacity-test", Org = "ziekenhuis-amstel";
    static readonly string Key = DevTokens.NewSigningKey();

    readonly CapacityApp _setup = new CapacityApp().With("Auth:Issuer", Issuer).With("Auth:SigningKey", Key);
    CapacityApp _app = null!;
    string _uzovi = "";
    string[] _agbs = [];
    Referral _referral = null!;

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _setup.InitializeAsync();
        (_uzovi, _agbs) = await _setup.ProvidersAsync("1183", 3, free: 2);
        var created = await _setup.CreateAsync(ReferralData.NewReferral(_uzovi, "1183", parallel: 3));
        await _setup.OfferAsync(created.Id, _agbs);
        var offered = (await _setup.GetReferralAsync(created.Id)).Referral;
        await _setup.AnswerAsync(offered, _agbs[0], accept: false);
        await _setup.AnswerAsync(offered, _agbs[1], accept: true);
        _referral = (await _setup.GetReferralAsync(created.Id)).Referral;
        _app = await _setup.StartSecondInstanceAsync(("Auth:Required", "true"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _setup.DisposeAsync();
    }

    HttpClient As(string? role, string? tenant = null, string subject = "tester")
    {
        var http = _app.CreateClient();
        if (role is not null)
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DevTokens.Issue(new DevIdentity(subject, role, tenant), Issuer, "capacity", Key));
        return http;
    }

    static async System.Threading.Tasks.Task<T> ReadAsync<T>(HttpClient http, string path, HttpStatusCode expected = HttpStatusCode.OK) where T : Resource
    {
        var response = await http.GetAsync(path, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(expected == response.StatusCode, $"{path}: {response.StatusCode} {body}");
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        return FhirSpec.ParseAndValidate<T>(body);
    }

    static IEnumerable<T> Entries<T>(Bundle bundle) => bundle.Entry.Select(e => Assert.IsType<T>(e.Resource));

    string RequestId => "ref-" + _referral.Id[4..];

    [Fact]
    public async System.Threading.Tasks.Task TheCapabilityStatementIsOpenAndEverythingElseAsksForSignIn()
    {
        var statement = await ReadAsync<CapabilityStatement>(As(null), "/fhir/r4/metadata");
        var refused = await ReadAsync<OperationOutcome>(As(null), "/fhir/r4/HealthcareService", HttpStatusCode.Unauthorized);

        Assert.Contains(statement.Rest.Single().Resource, r => r.Type == "MeasureReport" && r.SearchParam.Any(p => p.Name == "subject"));
        Assert.Equal(OperationOutcome.IssueType.Login, refused.Issue.Single().Code);
    }

    [Fact]
    public async System.Threading.Tasks.Task AnyoneSignedInReadsTheDirectoryInTheMcsdShape()
    {
        var municipality = As("municipality", "GM0362");

        var services = await ReadAsync<Bundle>(municipality, "/fhir/r4/HealthcareService?coverage-area=Location/pc4-1183");
        var organization = await ReadAsync<Organization>(municipality, $"/fhir/r4/Organization/{_agbs[0]}");
        var location = await ReadAsync<Location>(municipality, "/fhir/r4/Location/pc4-1183");
        var unknown = await ReadAsync<OperationOutcome>(municipality, "/fhir/r4/Organization/00000000", HttpStatusCode.NotFound);

        Assert.Equal(_agbs.Select(a => "Organization/" + a).Order(), Entries<HealthcareService>(services).Select(s => s.ProvidedBy!.Reference).Order());
        Assert.All(Entries<HealthcareService>(services), s => Assert.Contains(s.CoverageArea, c => c.Reference == "Location/pc4-1183"));
        Assert.Equal(_agbs[0], organization.Identifier.Single(i => i.System == "http://fhir.nl/fhir/NamingSystem/agb-z").Value);
        Assert.Equal("1183", location.Address!.PostalCode);
        Assert.Equal(OperationOutcome.IssueType.NotFound, unknown.Issue.Single().Code);
    }

    [Fact]
    public async System.Threading.Tasks.Task FreePlacesAreReportsForRequestersAndAProviderReadsOnlyItsOwn()
    {
        var nurse = As("requester", Org);
        var provider = As("provider", _agbs[2]);

        var area = await ReadAsync<Bundle>(nurse, "/fhir/r4/MeasureReport?subject=Location/pc4-1183");
        var own = await ReadAsync<Bundle>(provider, $"/fhir/r4/MeasureReport?reporter=Organization/{_agbs[2]}");
        var one = await ReadAsync<MeasureReport>(provider, $"/fhir/r4/MeasureReport/mr-{_agbs[2]}-1183-district-nursing");
        await ReadAsync<OperationOutcome>(provider, $"/fhir/r4/MeasureReport?reporter=Organization/{_agbs[0]}", HttpStatusCode.Forbidden);
        await ReadAsync<OperationOutcome>(provider, "/fhir/r4/MeasureReport?subject=Location/pc4-1183", HttpStatusCode.Forbidden);
        await ReadAsync<OperationOutcome>(As("municipality", "GM0362"), "/fhir/r4/MeasureReport?subject=Location/pc4-1183", HttpStatusCode.Forbidden);
        await ReadAsync<OperationOutcome>(nurse, "/fhir/r4/MeasureReport", HttpStatusCode.BadRequest);

        Assert.Equal(_agbs.Select(a => "Organization/" + a).Order(), Entries<MeasureReport>(area).Select(r => r.Reporter!.Reference).Order());
        // The accepted offer took one of its provider's two places; the declined and withdrawn offers gave theirs back.
        var scores = Entries<MeasureReport>(area).ToDictionary(r => r.Reporter!.Reference!, r => r.Group.Single().MeasureScore!.Value);
        Assert.Equal([2m, 1m, 2m], _agbs.Select(a => scores["Organization/" + a]));
        Assert.Equal($"mr-{_agbs[2]}-1183-district-nursing", Assert.Single(Entries<MeasureReport>(own)).Id);
        Assert.Equal("Location/pc4-1183", one.Subject!.Reference);
    }

    [Fact]
    public async System.Threading.Tasks.Task TheRequesterSeesTheReferralAndEveryOfferInTheNotifiedPullStates()
    {
        var nurse = As("requester", Org, "nurse-anna");

        var request = await ReadAsync<ServiceRequest>(nurse, $"/fhir/r4/ServiceRequest/{RequestId}");
        var tasks = Entries<FhirTask>(await ReadAsync<Bundle>(nurse, $"/fhir/r4/Task?focus=ServiceRequest/{RequestId}")).ToDictionary(t => t.Owner!.Reference!);
        var one = await ReadAsync<FhirTask>(nurse, $"/fhir/r4/Task/{tasks["Organization/" + _agbs[1]].Id}");

        Assert.Equal((RequestStatus.Completed, _referral.PatientRef), (request.Status, request.Subject!.Identifier!.Value));
        Assert.Equal(
            [(FhirTask.TaskStatus.Rejected, null), (FhirTask.TaskStatus.Accepted, "selected"), (FhirTask.TaskStatus.Cancelled, "not-selected")],
            _agbs.Select(a => tasks["Organization/" + a]).Select(t => (t.Status, t.BusinessStatus?.Coding.Single().Code)));
        Assert.Equal(FhirTask.TaskStatus.Accepted, one.Status);
    }

    [Fact]
    public async System.Threading.Tasks.Task AProviderSeesOnlyItsOwnOfferAndStrangersSeeNothing()
    {
        var declined = As("provider", _agbs[0]);

        var own = Entries<FhirTask>(await ReadAsync<Bundle>(declined, $"/fhir/r4/Task?focus=ServiceRequest/{RequestId}")).ToList();
        var request = await ReadAsync<ServiceRequest>(declined, $"/fhir/r4/ServiceRequest/{RequestId}");

        Assert.Equal(("Organization/" + _agbs[0], FhirTask.TaskStatus.Rejected), (Assert.Single(own).Owner!.Reference, own[0].Status));
        Assert.Empty(request.Performer); // not told where the patient was placed
        foreach (var stranger in new[] { As("requester", "ziekenhuis-b"), As("insurer_desk", _uzovi), As("provider", "75999999") })
            await ReadAsync<OperationOutcome>(stranger, $"/fhir/r4/ServiceRequest/{RequestId}", HttpStatusCode.NotFound);
        await ReadAsync<OperationOutcome>(As("municipality", "GM0362"), $"/fhir/r4/ServiceRequest/{RequestId}", HttpStatusCode.Forbidden);
        await ReadAsync<OperationOutcome>(As(null), $"/fhir/r4/Task?focus=ServiceRequest/{RequestId}", HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async System.Threading.Tasks.Task ReferralReadsAndRefusalsAreInTheReferralsAuditTrail()
    {
        await ReadAsync<ServiceRequest>(As("requester", Org, "nurse-anna"), $"/fhir/r4/ServiceRequest/{RequestId}");
        await ReadAsync<OperationOutcome>(As("requester", "ziekenhuis-b", "nurse-bob"), $"/fhir/r4/ServiceRequest/{RequestId}", HttpStatusCode.NotFound);

        var trail = (await new AuditService.AuditServiceClient(_app.CreateChannel(DevTokens.Issue(new DevIdentity("nurse-anna", "requester", Org), Issuer, "capacity", Key)))
            .GetAuditTrailAsync(new() { ReferralId = _referral.Id }, cancellationToken: Ct)).Entries.Where(e => e.Action.Contains("/fhir/r4/")).ToList();

        Assert.Equal(
            [("nurse-anna", "GET /fhir/r4/ServiceRequest/{id}", "allowed", _referral.PatientRef), ("nurse-bob", "GET /fhir/r4/ServiceRequest/{id}", "denied (NotFound)", "")],
            trail.Select(e => (e.Subject, e.Action, e.Outcome, e.PatientRef)));
    }

    [Fact]
    public async System.Threading.Tasks.Task SearchesArePagedWithNextLinksAndTheirSizeIsCapped()
    {
        var nurse = As("requester", Org);
        var seen = new List<string>();
        var next = "/fhir/r4/HealthcareService?coverage-area=Location/pc4-1183&_count=1";
        for (var pages = 0; next is not null; pages++)
        {
            Assert.True(pages < 5, "the pages do not end");
            var page = await ReadAsync<Bundle>(nurse, next);
            seen.AddRange(Entries<HealthcareService>(page).Select(s => s.Id!));
            next = page.Link.FirstOrDefault(l => l.Relation == "next")?.Url;
        }
        var capped = await nurse.GetStringAsync("/fhir/r4/Location?_count=5000", Ct);
        var bad = await nurse.GetAsync("/fhir/r4/Location?_page=not-a-token", Ct);
        var badCount = await nurse.GetAsync("/fhir/r4/Location?_count=-1", Ct);

        Assert.Equal(_agbs.Select(a => "hs-" + a).Order(), seen.Order());
        var firstLocations = System.Text.Json.JsonSerializer.Deserialize<Bundle>(capped, Service.Fhir.FhirResponses.Json)!;
        Assert.Equal(200, firstLocations.Entry.Count);
        Assert.Contains(firstLocations.Link, l => l.Relation == "next");
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (bad.StatusCode, badCount.StatusCode));
    }
}
