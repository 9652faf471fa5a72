using System.Text.Json;
using System.Text.Json.Serialization;

namespace Capacity.Service.Hsds;

// Open Referral HSDS 3.x objects, with the spec's field names (snake_case through the serializer
// options below). Only the fields we fill; nothing about patients.

/// <summary>An HSDS <c>service</c>: one provider's care of one care type.</summary>
public sealed record HsdsService(
    string Id, string OrganizationId, string Name, string Description, string Status, string? Email,
    HsdsOrganization Organization, IReadOnlyList<HsdsServiceArea> ServiceAreas, IReadOnlyList<HsdsCapacity> Capacities);

/// <summary>An HSDS <c>organization</c>: the provider; <c>uri</c> is its AGB as a urn:oid.</summary>
public sealed record HsdsOrganization(string Id, string Name, string Description, string? Email, string Uri);

/// <summary>An HSDS <c>service_area</c>: one PC4 postcode area the provider serves.</summary>
public sealed record HsdsServiceArea(string Id, string ServiceId, string Name, string Description);

/// <summary>An HSDS <c>service_capacity</c>: free places (beds) in one area, with its <c>unit</c>.</summary>
public sealed record HsdsCapacity(string Id, string ServiceId, HsdsUnit Unit, string UnitId, int Available, int? Maximum, string Description, string Updated);

/// <summary>An HSDS <c>unit</c>: what a capacity counts.</summary>
public sealed record HsdsUnit(string Id, string Name, string Scheme, string Identifier);

/// <summary>The HSDS API's page of a list.</summary>
public sealed record HsdsPage(int TotalItems, int TotalPages, int PageNumber, int Size, bool FirstPage, bool LastPage, bool Empty, IReadOnlyList<HsdsService> Contents);

public static class HsdsJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
