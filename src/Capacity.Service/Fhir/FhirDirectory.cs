using Capacity.Service.Geography;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Hl7.Fhir.Model;

namespace Capacity.Service.Fhir;

/// <summary>
/// The registry as an IHE mCSD directory: per provider an Organization (id = its AGB) and one
/// HealthcareService ("hs-" + AGB) whose coverageArea names a Location per served PC4 area
/// ("pc4-1183", address.postalCode = the PC4). Pure: from the registry snapshot and postcode table.
/// </summary>
public static class FhirDirectory
{
    public static string ServiceId(string agb) => "hs-" + agb;

    /// <summary>The AGB of a HealthcareService id ("hs-12345678"); null when it is none.</summary>
    public static string? AgbOfService(string id) => id.StartsWith("hs-", StringComparison.Ordinal) ? FhirCodes.AgbOf(id[3..]) : null;

    public static Organization Organization(ProviderInfo p) => new()
    {
        Id = p.Agb,
        Active = !p.Inactive,
        Name = p.Name,
        Identifier = [new Identifier(FhirCodes.Agb, p.Agb)],
        Telecom = Telecom(p.Intake),
    };

    /// <param name="year">The year whose care types count (a provider without registered care types gives those of its contracts that year).</param>
    public static HealthcareService Service(ProviderInfo p, RegistrySnapshot registry, int year) => new()
    {
        Id = ServiceId(p.Agb),
        Active = !p.Inactive,
        Name = p.Name,
        Identifier = [new Identifier(FhirCodes.Agb, p.Agb)],
        ProvidedBy = new ResourceReference("Organization/" + p.Agb, p.Name),
        Type = [.. CareTypes.All.Where(t => registry.Gives(p, t, year)).Select(FhirCodes.Concept)],
        Characteristic = [.. Qualifications(p.Qualifications)],
        CoverageArea = [.. p.ServedPc4s.Select(pc4 => new ResourceReference("Location/" + FhirCodes.LocationId(pc4)))],
        Telecom = Telecom(p.Intake),
    };

    /// <summary>A PC4 area as a Location of physical type "area", in kind mode (an area, not one building).</summary>
    public static Location Location(PostcodeArea area) => new()
    {
        Id = FhirCodes.LocationId(area.Pc4),
        Status = Hl7.Fhir.Model.Location.LocationStatus.Active,
        Mode = Hl7.Fhir.Model.Location.LocationMode.Kind,
        Name = $"{area.Code} {area.Place}",
        PhysicalType = FhirCodes.Concept(FhirCodes.LocationPhysicalType, "area", "Area"),
        Address = new Address { PostalCode = area.Code, City = area.Place, District = area.Municipality, Country = "NL" },
        Position = new Hl7.Fhir.Model.Location.PositionComponent { Latitude = (decimal)area.Latitude, Longitude = (decimal)area.Longitude },
    };

    static readonly (QualificationFlags Flag, string Code, string Display)[] QualificationCodes =
    [
        (QualificationFlags.PalliativeNetwork, "palliative-network", "Member of a regional palliative network"),
        (QualificationFlags.DementiaNetwork, "dementia-network", "Member of the regional dementia network"),
        (QualificationFlags.PaediatricNurse, "paediatric-nurse", "Paediatric nurse on staff"),
        (QualificationFlags.NightService, "night-service", "Takes part in the regional night service"),
    ];

    static IEnumerable<CodeableConcept> Qualifications(QualificationFlags flags) =>
        QualificationCodes.Where(q => flags.HasFlag(q.Flag)).Select(q => FhirCodes.Concept(FhirCodes.QualificationSystem, q.Code, q.Display));

    static List<ContactPoint> Telecom(ContactInfo? intake)
    {
        var telecom = new List<ContactPoint>();
        if (intake?.Phone is { Length: > 0 } phone) telecom.Add(new ContactPoint(ContactPoint.ContactPointSystem.Phone, ContactPoint.ContactPointUse.Work, phone));
        if (intake?.Email is { Length: > 0 } email) telecom.Add(new ContactPoint(ContactPoint.ContactPointSystem.Email, ContactPoint.ContactPointUse.Work, email));
        return telecom;
    }
}
