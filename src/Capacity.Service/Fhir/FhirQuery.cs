using System.Globalization;
using Capacity.Service.Security;
using Capacity.Service.Shared;
using Grpc.Core;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http.Extensions;

namespace Capacity.Service.Fhir;

/// <summary>
/// What every FHIR search shares: the permission check (<see cref="HttpPermissions"/>), the page
/// size (<c>_count</c>: default <see cref="Paging.DefaultPageSize"/>, capped at
/// <see cref="Paging.MaxPageSize"/>) and the page token (<c>_page</c>, opaque, tied to the list
/// it came from as every paged list of the service is).
/// </summary>
public static class FhirQuery
{
    /// <summary>401/403 as an OperationOutcome when the table refuses; null when the request may go on.</summary>
    public static IResult? Refused(HttpContext http, string resource, string? owner = null) =>
        HttpPermissions.Refusal(http, resource, owner) is { } refusal
            ? FhirResponses.Error(refusal.Status, refusal.Status == StatusCodes.Status401Unauthorized ? OperationOutcome.IssueType.Login : OperationOutcome.IssueType.Forbidden, refusal.Reason)
            : null;

    /// <summary>The <c>_count</c> asked for, capped; null (with the error) when it is not a whole number from 0.</summary>
    public static int? Count(HttpRequest request, out IResult? error)
    {
        error = null;
        var text = request.Query["_count"].ToString();
        if (text.Length == 0) return Paging.DefaultPageSize;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            error = FhirResponses.BadRequest("_count: must be a whole number from 0");
            return null;
        }
        return Math.Min(count, Paging.MaxPageSize);
    }

    /// <summary>
    /// One page of <paramref name="items"/> as a searchset Bundle (ordered by <paramref name="keyOf"/>);
    /// a bad _count or a _page of another list answers 400.
    /// </summary>
    public static IResult Page<T>(HttpContext http, IEnumerable<T> items, Func<T, string> keyOf, string list, Func<T, Resource> map, DateTimeOffset now)
    {
        if (Count(http.Request, out var error) is not { } count) return error!;
        Page<T> page;
        try
        {
            page = count == 0 ? new Page<T>([], "") : Paging.Of(items, keyOf, list, count, http.Request.Query["_page"].ToString());
        }
        catch (RpcException)
        {
            return FhirResponses.BadRequest("_page: not a page of this search");
        }
        return FhirResponses.Resource(FhirResponses.Searchset(http.Request.GetEncodedUrl(), page.Items.Select(map), page.NextPageToken, BaseUrl(http), now));
    }

    public static string BaseUrl(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{FhirEndpoints.Prefix}";
}
