using Hl7.Fhir.Model;

namespace Capacity.Service.Mcsd;

/// <summary>What the sync keeps of an Organization. A deleted one stays, inactive (its provider is never deleted).</summary>
public sealed record DirOrganization(string Id, bool Active, string? Agb, string? Ura, string Name, string? PostalCode);

/// <summary>What the sync keeps of a HealthcareService: its owner, "system|code" of each type coding, its locations and coverage areas.</summary>
public sealed record DirService(string Id, bool Active, string? OrganizationId, string[] Types, string[] LocationIds, string[] CoverageIds);

/// <summary>What the sync keeps of a Location: whether it is active and its postal code.</summary>
public sealed record DirLocation(string Id, bool Active, string? PostalCode);

/// <summary>The directory as far as the sync has read it, by resource id.</summary>
public sealed class McsdDirectory
{
    public const string AgbSystem = "http://fhir.nl/fhir/NamingSystem/agb-z";
    public const string UraSystem = "http://fhir.nl/fhir/NamingSystem/ura";

    public Dictionary<string, DirOrganization> Organizations { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, DirService> Services { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, DirLocation> Locations { get; } = new(StringComparer.Ordinal);

    /// <summary>Takes in one resource read from the directory; false for a resource type the sync does not read.</summary>
    public bool Apply(Resource resource)
    {
        switch (resource)
        {
            case Organization o when o.Id is { } id:
                Organizations[id] = new(id, o.Active ?? true, IdentifierOf(o.Identifier, AgbSystem), IdentifierOf(o.Identifier, UraSystem),
                    o.Name ?? "", o.Address.Select(a => a.PostalCode).FirstOrDefault(p => !string.IsNullOrWhiteSpace(p)));
                return true;
            case HealthcareService s when s.Id is { } id:
                Services[id] = new(id, s.Active ?? true, IdOf(s.ProvidedBy?.Reference, "Organization"),
                    s.Type.SelectMany(t => t.Coding).Select(c => $"{c.System}|{c.Code}").ToArray(),
                    [.. s.Location.Select(r => IdOf(r.Reference, "Location")).OfType<string>()],
                    [.. s.CoverageArea.Select(r => IdOf(r.Reference, "Location")).OfType<string>()]);
                return true;
            case Location l when l.Id is { } id:
                // Suspended is "temporarily closed": not served now, so not counted either.
                Locations[id] = new(id, l.Status is null or Location.LocationStatus.Active, l.Address?.PostalCode);
                return true;
            default:
                return false;
        }
    }

    /// <summary>A resource deleted in the directory: an Organization turns inactive, a service or location is gone.</summary>
    public void Delete(string type, string id)
    {
        switch (type)
        {
            case "Organization" when Organizations.TryGetValue(id, out var o):
                Organizations[id] = o with { Active = false };
                break;
            case "HealthcareService":
                Services.Remove(id);
                break;
            case "Location":
                Locations.Remove(id);
                break;
        }
    }

    static string? IdentifierOf(List<Identifier> identifiers, string system) =>
        identifiers.FirstOrDefault(i => i.System == system && !string.IsNullOrWhiteSpace(i.Value))?.Value?.Trim();

    /// <summary>The id in a reference of the given type: "Location/12", "https://host/fhir/Location/12/_history/3" → "12".</summary>
    public static string? IdOf(string? reference, string type)
    {
        if (string.IsNullOrEmpty(reference)) return null;
        var parts = reference.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var at = Array.LastIndexOf(parts, type);
        return at >= 0 && at + 1 < parts.Length ? parts[at + 1] : null;
    }
}
