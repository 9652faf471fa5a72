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
public sealed class FhirEndpointTests(FhirEndpointTests.Hosts hosts) : IClassFixture<FhirEndpointTests.Hosts>
{
    const string Issuer = "capacity-test", Org = "ziekenhuis-amstel";
    static readonly string Key = DevTokens.NewSigningKey();

    /// <summary>The two hosts and the data, set up once for the class: the tests only read (and audit).</summary>
    public sealed class Hosts : IAsyncLifetime
    {
        readonly CapacityApp _setup = new CapacityApp().With("Auth:Issuer", Issuer).With("Auth:SigningKey", Key);
        public CapacityApp App { get; private set; } = null!;
        public string Uzovi { get; private set; } = "";
        public string[] Agbs { get; private set; } = [];
        public Referral Referral { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            await _setup.InitializeAsync();
            (Uzovi, Agbs) = await _setup.ProvidersAsync("1183", 3, free: 2);
            var created = await _setup.CreateAsync(ReferralData.NewReferral(Uzovi, "1183", parallel: 3));
            await _setup.OfferAsync(created.Id, Agbs);
            var offered = (await _setup.GetReferralAsync(created.Id)).Referral;
            await _setup.AnswerAsync(offered, Agbs[0], accept: false);
            await _setup.AnswerAsync(offered, Agbs[1], accept: true);
            Referral = (await _setup.GetReferralAsync(created.Id)).Referral;
            App = await _setup.StartSecondInstanceAsync(("Auth:Required", "true"));
        }

        public async ValueTask DisposeAsync()
        {
            await App.DisposeAsync();
            await _setup.DisposeAsync();
        }
    }

    CapacityApp App => hosts.App;
    string Uzovi => hosts.Uzovi;
    string[] Agbs => hosts.Agbs;
    Referral Placed => hosts.Referral;

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    HttpClient As(string? role, string? tenant = null, string subject = "tester")
    {
        var http = App.CreateClient();
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

    string RequestId => "ref-" + Placed.Id[4..];

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
        var organization = await ReadAsync<Organization>(municipality, $"/fhir/r4/Organization/{Agbs[0]}");
        var location = await ReadAsync<Location>(municipality, "/fhir/r4/Location/pc4-1183");
        var unknown = await ReadAsync<OperationOutcome>(municipality, "/fhir/r4/Organization/00000000", HttpStatusCode.NotFound);

        Assert.Equal(Agbs.Select(a => "Organization/" + a).Order(), Entries<HealthcareService>(services).Select(s => s.ProvidedBy!.Reference).Order());
        Assert.All(Entries<HealthcareService>(services), s => Assert.Contains(s.CoverageArea, c => c.Reference == "Location/pc4-1183"));
        Assert.Equal(Agbs[0], organization.Identifier.Single(i => i.System == "http://fhir.nl/fhir/NamingSystem/agb-z").Value);
        Assert.Equal("1183", location.Address!.PostalCode);
        Assert.Equal(OperationOutcome.IssueType.NotFound, unknown.Issue.Single().Code);
    }

    [Fact]
    public async System.Threading.Tasks.Task FreePlacesAreReportsForRequestersAndAProviderReadsOnlyItsOwn()
    {
        var nurse = As("requester", Org);
        var provider = As("provider", Agbs[2]);

        var area = await ReadAsync<Bundle>(nurse, "/fhir/r4/MeasureReport?subject=Location/pc4-1183");
        var own = await ReadAsync<Bundle>(provider, $"/fhir/r4/MeasureReport?reporter=Organization/{Agbs[2]}");
        var one = await ReadAsync<MeasureReport>(provider, $"/fhir/r4/MeasureReport/mr-{Agbs[2]}-1183-district-nursing");
        await ReadAsync<OperationOutcome>(provider, $"/fhir/r4/MeasureReport?reporter=Organization/{Agbs[0]}", HttpStatusCode.Forbidden);
        await ReadAsync<OperationOutcome>(provider, "/fhir/r4/MeasureReport?subject=Location/pc4-1183", HttpStatusCode.Forbidden);
        await ReadAsync<OperationOutcome>(As("municipality", "GM0362"), "/fhir/r4/MeasureReport?subject=Location/pc4-1183", HttpStatusCode.Forbidden);
        await ReadAsync<OperationOutcome>(nurse, "/fhir/r4/MeasureReport", HttpStatusCode.BadRequest);

        Assert.Equal(Agbs.Select(a => "Organization/" + a).Order(), Entries<MeasureReport>(area).Select(r => r.Reporter!.Reference).Order());
        // The accepted offer took one of its provider's two places; the declined and withdrawn offers gave theirs back.
        var scores = Entries<MeasureReport>(area).ToDictionary(r => r.Reporter!.Reference!, r => r.Group.Single().MeasureScore!.Value);
        Assert.Equal([2m, 1m, 2m], Agbs.Select(a => scores["Organization/" + a]));
        Assert.Equal($"mr-{Agbs[2]}-1183-district-nursing", Assert.Single(Entries<MeasureReport>(own)).Id);
        Assert.Equal("Location/pc4-1183", one.Subject!.Reference);
    }

    [Fact]
    public async System.Threading.Tasks.Task TheRequesterSeesTheReferralAndEveryOfferInTheNotifiedPullStates()
    {
        var nurse = As("requester", Org, "nurse-anna");

        var request = await ReadAsync<ServiceRequest>(nurse, $"/fhir/r4/ServiceRequest/{RequestId}");
        var tasks = Entries<FhirTask>(await ReadAsync<Bundle>(nurse, $"/fhir/r4/Task?focus=ServiceRequest/{RequestId}")).ToDictionary(t => t.Owner!.Reference!);
        var one = await ReadAsync<FhirTask>(nurse, $"/fhir/r4/Task/{tasks["Organization/" + Agbs[1]].Id}");

        Assert.Equal((RequestStatus.Active, Placed.PatientRef), (request.Status, request.Subject!.Identifier!.Value));
        Assert.Equal(
            [(FhirTask.TaskStatus.Rejected, null), (FhirTask.TaskStatus.Accepted, "selected"), (FhirTask.TaskStatus.Cancelled, "not-selected")],
            Agbs.Select(a => tasks["Organization/" + a]).Select(t => (t.Status, t.BusinessStatus?.Coding.Single().Code)));
        Assert.Equal(FhirTask.TaskStatus.Accepted, one.Status);
    }

    [Fact]
    public async System.Threading.Tasks.Task AProviderSeesOnlyItsOwnOfferAndStrangersSeeNothing()
    {
        var declined = As("provider", Agbs[0]);

        var own = Entries<FhirTask>(await ReadAsync<Bundle>(declined, $"/fhir/r4/Task?focus=ServiceRequest/{RequestId}")).ToList();
        var request = await ReadAsync<ServiceRequest>(declined, $"/fhir/r4/ServiceRequest/{RequestId}");

        Assert.Equal(("Organization/" + Agbs[0], FhirTask.TaskStatus.Rejected), (Assert.Single(own).Owner!.Reference, own[0].Status));
        Assert.Empty(request.Performer); // not told where the patient was placed
        foreach (var stranger in new[] { As("requester", "ziekenhuis-b"), As("insurer_desk", Uzovi), As("provider", "75999999") })
            await ReadAsync<OperationOutcome>(stranger, $"/fhir/r4/ServiceRequest/{RequestId}", HttpStatusCode.NotFound);
        await ReadAsync<OperationOutcome>(As("municipality", "GM0362"), $"/fhir/r4/ServiceRequest/{RequestId}", HttpStatusCode.Forbidden);
        await ReadAsync<OperationOutcome>(As(null), $"/fhir/r4/Task?focus=ServiceRequest/{RequestId}", HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async System.Threading.Tasks.Task ReferralReadsAndRefusalsAreInTheReferralsAuditTrail()
    {
        await ReadAsync<ServiceRequest>(As("requester", Org, "nurse-audit-anna"), $"/fhir/r4/ServiceRequest/{RequestId}");
        await ReadAsync<OperationOutcome>(As("requester", "ziekenhuis-b", "nurse-audit-bob"), $"/fhir/r4/ServiceRequest/{RequestId}", HttpStatusCode.NotFound);

        var trail = (await new AuditService.AuditServiceClient(App.CreateChannel(DevTokens.Issue(new DevIdentity("nurse-anna", "requester", Org), Issuer, "capacity", Key)))
            .GetAuditTrailAsync(new() { ReferralId = Placed.Id, PageSize = 200 }, cancellationToken: Ct)).Entries.Where(e => e.Subject.StartsWith("nurse-audit-", StringComparison.Ordinal)).ToList();

        Assert.Equal(
            [("nurse-audit-anna", "GET /fhir/r4/ServiceRequest/{id}", "allowed", Placed.PatientRef), ("nurse-audit-bob", "GET /fhir/r4/ServiceRequest/{id}", "denied (NotFound)", "")],
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

        Assert.Equal(Agbs.Select(a => "hs-" + a).Order(), seen.Order());
        var firstLocations = System.Text.Json.JsonSerializer.Deserialize<Bundle>(capped, Service.Fhir.FhirResponses.Json)!;
        Assert.Equal(200, firstLocations.Entry.Count);
        Assert.Contains(firstLocations.Link, l => l.Relation == "next");
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (bad.StatusCode, badCount.StatusCode));
    }
}
