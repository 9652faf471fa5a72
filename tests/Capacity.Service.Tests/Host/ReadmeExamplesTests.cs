using System.Text.RegularExpressions;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Google.Protobuf;

namespace Capacity.Service.Tests.Host;

/// <summary>
/// The README's grpcurl examples, run against a host with the demo region loaded: the docs stay
/// true to the API, and the demo answers them the way the README says.
/// </summary>
public sealed partial class ReadmeExamplesTests : IAsyncLifetime
{
    // Sign-in on, as in the demo: every example must carry a token of a role that may make the call.
    static readonly string Key = global::Capacity.Service.Security.DevTokens.NewSigningKey();

    readonly CapacityApp _app = new CapacityApp().With("Demo:Seed", "true")
        .With("Auth:Required", "true").With("Auth:Issuer", "capacity-demo").With("Auth:SigningKey", Key);

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    /// <summary>The README's demo identities: shell variable → role and code (a code may be a variable set by an earlier answer).</summary>
    static Dictionary<string, (string Role, string? Code)> Identities(string readme) =>
        DemoToken().Matches(readme).ToDictionary(m => m.Groups["var"].Value,
            m => (m.Groups["role"].Value, m.Groups["code"].Success ? m.Groups["code"].Value : null));

    static IReadOnlyList<(string Method, string Json, string Who)> Examples()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var tomorrow = CapacityApp.Today.AddDays(1);
        var in3Months = CapacityApp.Today.AddMonths(3);
        return GrpcurlExample().Matches(readme)
            .Select(m => (m.Groups["method"].Value, Json: m.Groups["json"].Value
                .Replace("""'"$tomorrow"'""", $"\"year\":{tomorrow.Year},\"month\":{tomorrow.Month},\"day\":{tomorrow.Day}")
                .Replace("""'"$in3months"'""", $"\"year\":{in3Months.Year},\"month\":{in3Months.Month},\"day\":{in3Months.Day}")
                .Replace("""'"$(date +%s%3N)"'""", CapacityApp.Epoch.AddMinutes(1).ToUnixTimeMilliseconds().ToString()), m.Groups["who"].Value))
            .ToArray();
    }

    [Fact]
    public async Task EveryGrpcurlExampleIsAValidRequestThatTheDemoAnswers()
    {
        var examples = Examples();
        Assert.Equal(
            ["FindProviders", "SetCapacity", "DeclareClientStop", "UpsertContract", "GetRegionalAvailability", "GetRegionalAvailability",
             "CreateReferral", "GetReferral", "GetReferral", "ListOffers", "AnswerOffer", "GetReferral", "ListPlacements", "ListReferrals",
             "ListDeskQueue", "GetUnmetDemand"],
            examples.Select(e => e.Method));

        // What the README's shell takes from earlier answers ($ref, $agb, $offer).
        var vars = new Dictionary<string, string>();
        string Fill(string json) => vars.Aggregate(json, (j, v) => j.Replace($"'\"${v.Key}\"'", v.Value))
            .Replace("'\"$RANDOM\"'", Guid.NewGuid().ToString("N")[..8]);

        var identities = Identities(File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")));
        Assert.Equal(["amstelveen", "nurse", "provider", "vgz_contracts", "vgz_desk", "zorgteam"], identities.Keys.Order());
        foreach (var (method, template, who) in examples)
        {
            var json = Fill(template);
            var (role, code) = identities[who];
            if (code?.StartsWith('$') == true) code = vars[code.TrimStart('$')];
            var signedIn = new Grpc.Core.Metadata
            {
                { "authorization", "Bearer " + global::Capacity.Service.Security.DevTokens.Issue(new(who, role, code), "capacity-demo", "capacity", Key) },
            };
            switch (method)
            {
                case "FindProviders":
                    var found = await _app.Matching.FindProvidersAsync(JsonParser.Default.Parse<FindProvidersRequest>(json), signedIn);
                    Assert.NotEmpty(found.Candidates);
                    Assert.Contains(found.Exclusions, e => e.Reason == ExclusionReason.ClientStop); // a stop for VGZ only in the demo
                    break;
                case "SetCapacity":
                    var set = await _app.Capacity.SetCapacityAsync(JsonParser.Default.Parse<SetCapacityRequest>(json), signedIn);
                    Assert.True(set.Results.Single().Applied);
                    break;
                case "DeclareClientStop":
                    var stop = await _app.Stops.DeclareClientStopAsync(JsonParser.Default.Parse<DeclareClientStopRequest>(json), signedIn);
                    Assert.StartsWith("cs_", stop.Id);
                    break;
                case "UpsertContract":
                    var contract = JsonParser.Default.Parse<UpsertContractRequest>(json);
                    await _app.Registry.UpsertContractAsync(contract, signedIn);
                    var listed = await _app.Registry.ListContractsAsync(new ListContractsRequest { ProviderAgb = contract.Contract.ProviderAgb, Year = 2027 }, signedIn);
                    Assert.Contains(listed.Contracts, c => c.InsurerUzovi == "7095");
                    break;
                case "GetRegionalAvailability":
                    var region = await _app.Regions.GetRegionalAvailabilityAsync(JsonParser.Default.Parse<GetRegionalAvailabilityRequest>(json), signedIn);
                    Assert.Equal(9, region.Areas.Count);
                    Assert.True(region.Totals.Single().FreePlaces > 0);
                    // Each provider once in the totals, however many of the nine areas it serves.
                    Assert.True(region.Totals.Single().DistinctProvidersServing < region.Totals.Single().ProvidersServing);
                    // The insurer view names its insurer.
                    if (region.InsurerUzovi == "7095")
                        Assert.Equal("VGZ", region.InsurerName);
                    break;
                case "CreateReferral":
                    var created = await _app.Referrals().CreateReferralAsync(JsonParser.Default.Parse<CreateReferralRequest>(json), signedIn);
                    Assert.Equal(ReferralState.Offered, created.State); // auto-cascade offered it at once
                    vars["ref"] = created.Id;
                    break;
                case "GetReferral":
                    var read = await _app.Referrals().GetReferralAsync(JsonParser.Default.Parse<GetReferralRequest>(json), signedIn);
                    if (read.Referral.State == ReferralState.Placed)
                    {
                        // The handover: whom to call and from which day.
                        Assert.Equal(vars["agb"], read.Referral.Placement.Provider.Agb);
                        Assert.Equal(CapacityApp.Today.AddDays(1).ToDate(), read.Referral.Placement.StartDate);
                        Assert.NotEmpty(read.Referral.Placement.Intake.Phone);
                        break;
                    }
                    var pending = read.Referral.Offers.First(o => o.State == OfferState.Pending);
                    (vars["agb"], vars["offer"]) = (pending.Provider.Agb, pending.Id);
                    break;
                case "ListOffers":
                    var offers = await _app.Offers().ListOffersAsync(JsonParser.Default.Parse<ListOffersRequest>(json), signedIn);
                    Assert.Contains(offers.Offers, o => o.Offer.Id == vars["offer"]);
                    break;
                case "AnswerOffer":
                    var answered = await _app.Offers().AnswerOfferAsync(JsonParser.Default.Parse<AnswerOfferRequest>(json), signedIn);
                    Assert.Equal(ReferralState.Placed, answered.Referral.State);
                    break;
                case "ListPlacements":
                    var placements = await _app.Offers().ListPlacementsAsync(JsonParser.Default.Parse<ListPlacementsRequest>(json), signedIn);
                    var placement = Assert.Single(placements.Placements);
                    Assert.Equal((vars["ref"], "Ziekenhuis Amstelland, transferbureau"), (placement.ReferralId, placement.Requester.Name));
                    Assert.NotEmpty(placement.Requester.TransferDesk.Phone);
                    break;
                case "ListReferrals":
                    var history = await _app.Referrals().ListReferralsAsync(JsonParser.Default.Parse<ListReferralsRequest>(json), signedIn);
                    Assert.Equal([vars["ref"]], history.Referrals.Select(r => r.Id));
                    break;
                case "ListDeskQueue":
                    await _app.Mediation().ListDeskQueueAsync(JsonParser.Default.Parse<ListDeskQueueRequest>(json), signedIn);
                    break;
                case "GetUnmetDemand":
                    await _app.Mediation().GetUnmetDemandAsync(JsonParser.Default.Parse<GetUnmetDemandRequest>(json), signedIn);
                    break;
            }
        }
    }

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Capacity.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("Capacity.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"grpcurl -plaintext -H ""authorization: Bearer \$(?<who>\w+)"" -d '(?<json>\{.*?\})'\s*(?:\\\s*)?localhost:5081 capacity\.v1\.\w+/(?<method>\w+)", RegexOptions.Singleline)]
    private static partial Regex GrpcurlExample();

    [GeneratedRegex(@"^(?<var>\w+)=\$\(scripts/demo-token\.sh (?<role>\w+)(?: ""?(?<code>[^"")\s]+)""?)?\)", RegexOptions.Multiline)]
    private static partial Regex DemoToken();
}
