using Hl7.Fhir.Model;
using static Hl7.Fhir.Model.CapabilityStatement;

namespace Capacity.Service.Fhir;

/// <summary>What the FHIR endpoints serve: read and the searches each resource takes, JSON only, no writes.</summary>
public static class FhirCapability
{
    static readonly (string Type, (string Name, SearchParamType Type, string Doc)[] Search)[] Resources =
    [
        ("Organization", []),
        ("HealthcareService",
        [
            ("coverage-area", SearchParamType.Reference, "Location/pc4-NNNN: the providers serving that PC4 area"),
            ("organization", SearchParamType.Reference, "Organization/{agb}: that provider's service"),
        ]),
        ("Location", [("address-postalcode", SearchParamType.String, "a PC4 (or a PC6, of which the PC4 counts)")]),
        ("MeasureReport",
        [
            ("subject", SearchParamType.Reference, "Location/pc4-NNNN: the free places in that area, per provider and care type"),
            ("reporter", SearchParamType.Reference, "Organization/{agb}: that provider's free places"),
        ]),
        ("ServiceRequest", []),
        ("Task", [("focus", SearchParamType.Reference, "ServiceRequest/{id}: the offers of that referral")]),
    ];

    public static CapabilityStatement Statement(DateTimeOffset now) => new()
    {
        Status = PublicationStatus.Active,
        Date = new FhirDateTime(now).Value,
        Kind = CapabilityStatementKind.Instance,
        Software = new SoftwareComponent { Name = "Capacity" },
        Implementation = new ImplementationComponent { Description = "Capacity: district nursing capacity, directory and referrals (read-only)" },
        FhirVersion = FHIRVersion.N4_0_1,
        Format = ["json"],
        Rest =
        [
            new RestComponent
            {
                Mode = RestfulCapabilityMode.Server,
                Documentation = "Read-only. Sign in with a bearer token (as for the gRPC API); /metadata is open. _count is capped at 200, pages follow the Bundle's next link.",
                Resource = [.. Resources.Select(r => new ResourceComponent
                {
                    TypeElement = new Code<ResourceType>(Enum.Parse<ResourceType>(r.Type)),
                    Interaction =
                    [
                        new ResourceInteractionComponent { Code = TypeRestfulInteraction.Read },
                        .. r.Search.Length > 0 || r.Type is "Organization" ? [new ResourceInteractionComponent { Code = TypeRestfulInteraction.SearchType }] : Array.Empty<ResourceInteractionComponent>(),
                    ],
                    SearchParam = [.. r.Search.Select(s => new CapabilityStatement.SearchParamComponent { Name = s.Name, Type = s.Type, Documentation = s.Doc })],
                })],
            },
        ],
    };
}
