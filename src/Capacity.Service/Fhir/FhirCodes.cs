using Capacity.V1;
using Hl7.Fhir.Model;

namespace Capacity.Service.Fhir;

/// <summary>
/// Every system and code the FHIR endpoints write, in one place (docs/FHIR-HSDS.md lists them).
/// Dutch national systems where one exists (AGB); our own CodeSystems under <see cref="Base"/>
/// where none does: no national CodeSystem names the Zvw district-nursing care types the matching
/// works with, and a made-up mapping to SNOMED CT would claim more precision than we have.
/// </summary>
public static class FhirCodes
{
    /// <summary>The canonical base of our own CodeSystems, NamingSystems and Measure (example.org: to be replaced by the deployment's published URL).</summary>
    public const string Base = "https://capacity.example.org/fhir";

    public const string Agb = "http://fhir.nl/fhir/NamingSystem/agb-z";
    public const string CareTypeSystem = Base + "/CodeSystem/care-type";
    public const string QualificationSystem = Base + "/CodeSystem/qualification";
    public const string PopulationSystem = Base + "/CodeSystem/capacity-population";
    public const string BusinessStatusSystem = Base + "/CodeSystem/task-business-status";
    public const string DeclineReasonSystem = Base + "/CodeSystem/decline-reason";
    public const string ReferralIds = Base + "/NamingSystem/referral-id";
    public const string OfferIds = Base + "/NamingSystem/offer-id";
    public const string OrganisationCodes = Base + "/NamingSystem/requesting-organisation";
    public const string PatientRefs = Base + "/NamingSystem/patient-ref";
    public const string FreePlacesMeasure = Base + "/Measure/free-places";
    public const string FreshUntilExtension = Base + "/StructureDefinition/fresh-until";
    public const string LocationPhysicalType = "http://terminology.hl7.org/CodeSystem/location-physical-type";
    public const string Ucum = "http://unitsofmeasure.org";

    /// <summary>Our care types as codes of <see cref="CareTypeSystem"/>: code, English display.</summary>
    public static readonly IReadOnlyDictionary<CareType, (string Code, string Display)> CareTypes = new Dictionary<CareType, (string, string)>
    {
        [CareType.DistrictNursing] = ("district-nursing", "District nursing (wijkverpleging)"),
        [CareType.PalliativeTerminal] = ("palliative-terminal", "Palliative terminal care (PTZ)"),
        [CareType.MedicalChildCare] = ("medical-child-care", "Medical child care (MKZ)"),
        [CareType.DementiaCaseManagement] = ("dementia-case-management", "Dementia case management"),
        [CareType.NightCare] = ("night-care", "Unplannable night care"),
        [CareType.ShortTermStay] = ("short-term-stay", "Short-term stay (ELV)"),
    };

    public static CareType? CareTypeOf(string code) =>
        CareTypes.FirstOrDefault(c => c.Value.Code == code) is { Value.Code: not null } hit ? hit.Key : null;

    public static CodeableConcept Concept(CareType type) =>
        CareTypes.TryGetValue(type, out var c) ? new CodeableConcept(CareTypeSystem, c.Code, c.Display, null) : new CodeableConcept { Text = type.ToString() };

    public static CodeableConcept Concept(string system, string code, string display) => new(system, code, display, null);

    /// <summary>The FHIR id of a PC4 area's Location: "pc4-1183".</summary>
    public static string LocationId(int pc4) => "pc4-" + Shared.Codes.Pc4(pc4);

    /// <summary>The PC4 of a Location id or reference ("pc4-1183", "Location/pc4-1183"); null when it is none.</summary>
    public static int? Pc4Of(string? id)
    {
        if (id is null) return null;
        if (id.StartsWith("Location/", StringComparison.Ordinal)) id = id["Location/".Length..];
        return id.Length == 8 && id.StartsWith("pc4-", StringComparison.Ordinal) && int.TryParse(id.AsSpan(4), out var pc4) && pc4 is >= 1000 and <= 9999 ? pc4 : null;
    }

    /// <summary>The AGB of an Organization id or reference ("12345678", "Organization/12345678"); null when it is none.</summary>
    public static string? AgbOf(string? id)
    {
        if (id is null) return null;
        if (id.StartsWith("Organization/", StringComparison.Ordinal)) id = id["Organization/".Length..];
        return Shared.Codes.IsAgb(id) ? id : null;
    }

    /// <summary>FHIR ids allow [A-Za-z0-9-.] only: our ids' underscores become hyphens ("ref_0193…" → "ref-0193…").</summary>
    public static string FhirId(string id) => id.Replace('_', '-');

    /// <summary>Our id back from a FHIR id: the first hyphen of "ref-…" / "of-…" was an underscore.</summary>
    public static string OurId(string fhirId, string prefix) =>
        fhirId.StartsWith(prefix + "-", StringComparison.Ordinal) ? prefix + "_" + fhirId[(prefix.Length + 1)..] : fhirId;
}
