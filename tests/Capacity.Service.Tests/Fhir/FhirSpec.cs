using System.Text.Json;
using Capacity.Service.Fhir;
using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;

namespace Capacity.Service.Tests.Fhir;

/// <summary>
/// The base R4 specification as the tests' judge: Firely's validator (Firely.Fhir.Validation.R4)
/// over the core StructureDefinitions, ValueSets and CodeSystems in specification.zip
/// (Hl7.Fhir.Specification.Data.R4), with the local terminology service for the spec's own
/// required bindings. Structure, cardinality, types, FHIRPath invariants and required codes
/// are checked; our own CodeSystems and extension are not known to it (warnings at most).
/// </summary>
public static class FhirSpec
{
    static readonly Lazy<Validator> Judge = new(() =>
    {
        var source = new CachedResolver(ZipSource.CreateValidationSource());
        return new Validator(source, new LocalTerminologyService(source));
    });

    /// <summary>Parses <paramref name="json"/> with the Firely SDK (strict: unknown or ill-typed elements fail), serialises it back, and validates it.</summary>
    public static T ParseAndValidate<T>(string json) where T : Resource
    {
        var resource = JsonSerializer.Deserialize<Resource>(json, FhirResponses.Json);
        var typed = Assert.IsType<T>(resource);
        var again = JsonSerializer.Deserialize<Resource>(JsonSerializer.Serialize(resource, FhirResponses.Json), FhirResponses.Json);
        Assert.True(typed.IsExactly(again!), $"{typed.TypeName}/{typed.Id} does not survive a serialise-parse round trip");
        AssertValid(typed);
        return typed;
    }

    public static void AssertValid(Resource resource)
    {
        OperationOutcome outcome;
        lock (Judge) outcome = Judge.Value.Validate(resource);
        var errors = outcome.Issue
            .Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal)
            .Select(i => $"{string.Join(",", i.Expression ?? [])}: {i.Details?.Text ?? i.Diagnostics}")
            .ToList();
        Assert.True(errors.Count == 0, $"{resource.TypeName}/{resource.Id} is not valid R4:\n{string.Join("\n", errors)}");
    }
}
