using Capacity.Service.Capacity;
using Capacity.Service.Shared;
using Capacity.V1;
using Hl7.Fhir.Model;

namespace Capacity.Service.Fhir;

/// <summary>
/// Availability in the HL7 SANER shape: one summary MeasureReport per provider × area × care
/// type, reporter = the provider's Organization, subject = the area's Location, group.code = the
/// care type, populations "free-places" (published) and "held-places" (held for open offers),
/// measureScore = what others can still have. A SANER-style report rather than an extension on
/// HealthcareService: each figure has its own date, period and freshness, and a report per figure
/// can be searched by area or provider without reading a provider's whole directory entry.
/// </summary>
public static class FhirAvailability
{
    /// <summary>A figure's MeasureReport id, "mr-{agb}-{pc4}-{care-type code}", also its key in paged lists.</summary>
    public static string ReportId(Figure f) => $"mr-{f.Agb}-{Codes.Pc4(f.Pc4)}-{FhirCodes.CareTypes[f.CareType].Code}";

    public static MeasureReport Report(Figure f, TimeSpan freshnessWindow)
    {
        var beds = CareTypes.UnitOf(f.CareType) == CapacityUnit.Beds;
        var published = f.Cell.PublishedAt;
        return new MeasureReport
        {
            Id = ReportId(f),
            Meta = new Meta { LastUpdated = published },
            Status = MeasureReport.MeasureReportStatus.Complete,
            Type = MeasureReport.MeasureReportType.Summary,
            Measure = FhirCodes.FreePlacesMeasure,
            Subject = new ResourceReference("Location/" + FhirCodes.LocationId(f.Pc4)),
            Reporter = new ResourceReference("Organization/" + f.Agb),
            Date = new FhirDateTime(published).Value,
            // From when the places are free; open-ended: the figure holds until the provider publishes again.
            Period = new Period { Start = f.Cell.AvailableFrom.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) },
            Extension = [new Extension(FhirCodes.FreshUntilExtension, new FhirDateTime(published + freshnessWindow))],
            Group =
            [
                new MeasureReport.GroupComponent
                {
                    Code = FhirCodes.Concept(f.CareType),
                    Population =
                    [
                        Population("free-places", "Free places (beds) published", f.Cell.FreePlaces),
                        Population("held-places", "Places held for open offers", f.Cell.Held),
                    ],
                    MeasureScore = new Quantity
                    {
                        Value = f.Cell.Available, Unit = beds ? "beds" : "places", System = FhirCodes.Ucum, Code = beds ? "{beds}" : "{places}",
                    },
                },
            ],
        };
    }

    static MeasureReport.PopulationComponent Population(string code, string display, int count) => new()
    {
        Code = FhirCodes.Concept(FhirCodes.PopulationSystem, code, display),
        Count = count,
    };
}
