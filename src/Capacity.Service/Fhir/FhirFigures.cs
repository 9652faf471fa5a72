using Capacity.Service.Capacity;
using Capacity.Service.Matching;
using Capacity.Service.Registry;
using Capacity.Service.Security;
using Capacity.Service.Shared;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Fhir;

/// <summary>
/// MeasureReport reads and searches. A search names its area (<c>subject=Location/pc4-1183</c>)
/// or its provider (<c>reporter=Organization/{agb}</c>), or both: one area's or one provider's
/// figures are one pipelined read, then paged; an unbounded "every figure in the country" search
/// is refused (400).
/// </summary>
public static class FhirFigures
{
    public static async Task<IResult> ReadAsync(HttpContext http, string id, RegistryCache registry, CapacityFigures figures, IOptionsMonitor<MatchingOptions> matching)
    {
        var key = ParseReportId(id);
        if (FhirQuery.Refused(http, HttpPermissions.MeasureReport, key?.Agb) is { } refused) return refused;
        if (key is not { } k || !registry.Current.Providers.TryGetValue(k.Agb, out var provider) || !provider.Serves(k.Pc4)) return FhirResponses.NotFound($"MeasureReport/{id}");
        var figure = (await figures.OfProviderAsync(provider, [k.Pc4])).FirstOrDefault(f => f.CareType == k.CareType);
        return figure is null ? FhirResponses.NotFound($"MeasureReport/{id}") : FhirResponses.Resource(FhirAvailability.Report(figure, matching.CurrentValue.FreshnessWindow));
    }

    public static async Task<IResult> SearchAsync(HttpContext http, RegistryCache registry, CapacityFigures figures, IOptionsMonitor<MatchingOptions> matching, TimeProvider time)
    {
        var subject = http.Request.Query["subject"].ToString();
        var reporter = http.Request.Query["reporter"].ToString();
        var agb = FhirCodes.AgbOf(reporter);
        if (FhirQuery.Refused(http, HttpPermissions.MeasureReport, agb) is { } refused) return refused;
        if (subject.Length == 0 && reporter.Length == 0) return FhirResponses.BadRequest("name subject (Location/pc4-1183) or reporter (Organization/{agb}): the whole country is not one search");
        int? pc4 = subject.Length == 0 ? null : FhirCodes.Pc4Of(subject);
        if (subject.Length > 0 && pc4 is null) return FhirResponses.BadRequest("subject: a Location such as Location/pc4-1183");
        if (reporter.Length > 0 && agb is null) return FhirResponses.BadRequest("reporter: an Organization such as Organization/12345678 (its AGB)");

        var snapshot = registry.Current;
        IReadOnlyList<Figure> found;
        if (agb is not null)
        {
            if (!snapshot.Providers.TryGetValue(agb, out var provider)) found = [];
            else if (pc4 is { } area) found = provider.Serves(area) ? await figures.OfProviderAsync(provider, [area]) : [];
            else found = await figures.OfProviderAsync(provider);
        }
        else found = await figures.InAreaAsync(pc4!.Value, snapshot);

        var window = matching.CurrentValue.FreshnessWindow;
        return FhirQuery.Page(http, found, FhirAvailability.ReportId, $"fhir:MeasureReport:{subject}:{reporter}", f => FhirAvailability.Report(f, window), time.GetUtcNow());
    }

    /// <summary>"mr-{agb}-{pc4}-{care-type code}" → its parts; null when the id is not one.</summary>
    public static (string Agb, int Pc4, V1.CareType CareType)? ParseReportId(string id)
    {
        var parts = id.Split('-', 4);
        return parts.Length == 4 && parts[0] == "mr" && Codes.IsAgb(parts[1]) && FhirCodes.Pc4Of("pc4-" + parts[2]) is { } pc4 && FhirCodes.CareTypeOf(parts[3]) is { } careType
            ? (parts[1], pc4, careType) : null;
    }
}
