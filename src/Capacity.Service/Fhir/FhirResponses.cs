using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace Capacity.Service.Fhir;

/// <summary>FHIR JSON answers: resources, searchset Bundles with next links, and errors as OperationOutcome.</summary>
public static class FhirResponses
{
    public const string ContentType = "application/fhir+json";

    /// <summary>Firely's System.Text.Json converters for the R4 model.</summary>
    public static readonly JsonSerializerOptions Json = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector);

    public static IResult Resource(Resource resource, int status = StatusCodes.Status200OK) =>
        Results.Text(JsonSerializer.Serialize(resource, Json), ContentType, System.Text.Encoding.UTF8, status);

    public static IResult Error(int status, OperationOutcome.IssueType type, string diagnostics) => Resource(new OperationOutcome
    {
        Issue = [new OperationOutcome.IssueComponent { Severity = OperationOutcome.IssueSeverity.Error, Code = type, Diagnostics = diagnostics }],
    }, status);

    public static IResult StoreOutage() => Error(StatusCodes.Status503ServiceUnavailable, OperationOutcome.IssueType.Transient, global::Capacity.Service.Redis.RedisFailures.ReadMessage);

    public static IResult NotFound(string what) => Error(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, $"{what} is not known here");

    public static IResult BadRequest(string diagnostics) => Error(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, diagnostics);

    /// <summary>
    /// A searchset Bundle of one page. <paramref name="self"/> is the request's URL; the next
    /// link repeats it with <c>_page</c> set to <paramref name="nextToken"/> (none at the end).
    /// </summary>
    public static Bundle Searchset(string self, IEnumerable<Resource> page, string nextToken, string baseUrl, DateTimeOffset now)
    {
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Searchset,
            Timestamp = now,
            Link = [new Bundle.LinkComponent { Relation = "self", Url = self }],
        };
        foreach (var r in page)
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{baseUrl}/{r.TypeName}/{r.Id}",
                Resource = r,
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
            });
        if (nextToken.Length > 0) bundle.Link.Add(new Bundle.LinkComponent { Relation = "next", Url = WithPage(self, nextToken) });
        return bundle;
    }

    static string WithPage(string url, string token)
    {
        var uri = new Uri(url);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(uri.Query);
        query["_page"] = token;
        var kept = query.SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v)));
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(uri.GetLeftPart(UriPartial.Path), kept);
    }
}
