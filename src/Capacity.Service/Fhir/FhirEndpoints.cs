using Capacity.Service.Redis;
using Capacity.Service.Geography;
using Capacity.Service.Registry;
using Capacity.Service.Security;

namespace Capacity.Service.Fhir;

/// <summary>
/// FHIR R4, read-only, under <see cref="Prefix"/>: the directory (Organization, HealthcareService,
/// Location) from the registry snapshot, availability (MeasureReport) from the capacity store,
/// referrals (ServiceRequest, Task: <see cref="FhirReferralEndpoints"/>), and the
/// CapabilityStatement. Thin: each handler checks <see cref="HttpPermissions"/>, reads through
/// the existing stores, and maps with the pure Fhir* classes.
/// </summary>
public static class FhirEndpoints
{
    public const string Prefix = "/fhir/r4";

    public static WebApplication MapFhir(this WebApplication app)
    {
        var fhir = app.MapGroup(Prefix).AnswerStoreOutages(FhirResponses.StoreOutage);
        fhir.MapGet("/metadata", (TimeProvider time) => FhirResponses.Resource(FhirCapability.Statement(time.GetUtcNow())));

        fhir.MapGet("/Organization/{id}", (HttpContext http, string id, RegistryCache registry) =>
            FhirQuery.Refused(http, HttpPermissions.Organization) ??
            (FhirCodes.AgbOf(id) is { } agb && registry.Current.Providers.TryGetValue(agb, out var p)
                ? FhirResponses.Resource(FhirDirectory.Organization(p)) : FhirResponses.NotFound($"Organization/{id}")));
        fhir.MapGet("/Organization", (HttpContext http, RegistryCache registry, TimeProvider time) =>
            FhirQuery.Refused(http, HttpPermissions.Organization) ??
            FhirQuery.Page(http, registry.Current.Providers.Values, p => p.Agb, "fhir:Organization", FhirDirectory.Organization, time.GetUtcNow()));

        fhir.MapGet("/HealthcareService/{id}", (HttpContext http, string id, RegistryCache registry, TimeProvider time) =>
            FhirQuery.Refused(http, HttpPermissions.HealthcareService) ??
            (FhirDirectory.AgbOfService(id) is { } agb && registry.Current.Providers.TryGetValue(agb, out var p)
                ? FhirResponses.Resource(FhirDirectory.Service(p, registry.Current, time.GetUtcNow().Year)) : FhirResponses.NotFound($"HealthcareService/{id}")));
        fhir.MapGet("/HealthcareService", (HttpContext http, RegistryCache registry, TimeProvider time) =>
        {
            if (FhirQuery.Refused(http, HttpPermissions.HealthcareService) is { } refused) return refused;
            var snapshot = registry.Current;
            if (Providers(http, snapshot, out var list) is not { } providers) return FhirResponses.BadRequest(list);
            var now = time.GetUtcNow();
            return FhirQuery.Page(http, providers, p => p.Agb, list, p => FhirDirectory.Service(p, snapshot, now.Year), now);
        });

        fhir.MapGet("/Location/{id}", (HttpContext http, string id, PostcodeDirectory postcodes) =>
            FhirQuery.Refused(http, HttpPermissions.Location) ??
            (FhirCodes.Pc4Of(id) is { } pc4 && postcodes.Find(pc4) is { } area ? FhirResponses.Resource(FhirDirectory.Location(area)) : FhirResponses.NotFound($"Location/{id}")));
        fhir.MapGet("/Location", (HttpContext http, PostcodeDirectory postcodes, TimeProvider time) =>
        {
            if (FhirQuery.Refused(http, HttpPermissions.Location) is { } refused) return refused;
            var postalCode = http.Request.Query["address-postalcode"].ToString();
            IEnumerable<PostcodeArea> areas = postalCode.Length == 0 ? postcodes.Areas
                : int.TryParse(postalCode.AsSpan(0, Math.Min(4, postalCode.Length)), out var pc4) && postcodes.Find(pc4) is { } area ? [area] : [];
            return FhirQuery.Page(http, areas, a => a.Code, $"fhir:Location:{postalCode}", FhirDirectory.Location, time.GetUtcNow());
        });

        fhir.MapGet("/MeasureReport/{id}", FhirFigures.ReadAsync);
        fhir.MapGet("/MeasureReport", FhirFigures.SearchAsync);

        app.MapFhirReferrals();
        return app;
    }

    /// <summary>The providers a HealthcareService search asks for (by coverage-area and/or organization); null with why when a parameter is not understood.</summary>
    static IEnumerable<ProviderInfo>? Providers(HttpContext http, RegistrySnapshot snapshot, out string list)
    {
        var area = http.Request.Query["coverage-area"].ToString();
        var organization = http.Request.Query["organization"].ToString();
        list = $"fhir:HealthcareService:{area}:{organization}";
        IEnumerable<ProviderInfo> providers = snapshot.Providers.Values;
        if (area.Length > 0)
        {
            if (FhirCodes.Pc4Of(area) is not { } pc4) return Bad(out list, "coverage-area: a Location such as Location/pc4-1183");
            providers = snapshot.ProvidersServing(pc4);
        }
        if (organization.Length > 0)
        {
            if (FhirCodes.AgbOf(organization) is not { } agb) return Bad(out list, "organization: an Organization such as Organization/12345678 (its AGB)");
            providers = providers.Where(p => p.Agb == agb);
        }
        return providers;

        static IEnumerable<ProviderInfo>? Bad(out string why, string text)
        {
            why = text;
            return null;
        }
    }
}
