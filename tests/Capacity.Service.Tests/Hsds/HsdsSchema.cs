using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Capacity.Service.Tests.Hsds;

/// <summary>
/// The vendored HSDS 3.x schemas (Hsds/schema, README there), built with JsonSchema.Net. Every
/// file gets one base URI so that their relative $refs ("unit.json", "organization.json") find each
/// other; nothing else in them is changed. Formats (uuid, date-time, uri, email) are asserted.
/// </summary>
public static class HsdsSchema
{
    const string Base = "https://hsds.schema.test/3.x/";

    static readonly Lazy<IReadOnlyDictionary<string, JsonSchema>> Schemas = new(() =>
    {
        // HSDS 3.x is written for JSON Schema 2020-12, with tabular-data keywords of its own ("name", "constraints", …) beside the standard ones.
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry(), Dialect = Dialect.Draft202012 };
        var built = new Dictionary<string, JsonSchema>();
        // Referenced files first, so each $ref finds its target registered.
        foreach (var name in new[] { "unit", "service_area", "organization", "service_capacity", "service" })
        {
            var node = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Hsds", "schema", name + ".json")))!.AsObject();
            node["$id"] = Base + name + ".json";
            var schema = JsonSchema.FromText(node.ToJsonString(), options, new Uri(Base + name + ".json"));
            options.SchemaRegistry.Register(schema);
            built[name] = schema;
        }
        return built;
    });

    static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    /// <summary>The errors of <paramref name="instance"/> against the named schema (e.g. "service"); empty when valid.</summary>
    public static IReadOnlyList<string> Errors(string schema, JsonElement instance)
    {
        var result = Schemas.Value[schema].Evaluate(instance, Evaluation);
        return result.IsValid ? [] : [.. (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key} {e.Value}"))];
    }

    public static void AssertValid(string schema, JsonElement instance)
    {
        var errors = Errors(schema, instance);
        Assert.True(errors.Count == 0, $"not a valid HSDS {schema}:\n{string.Join("\n", errors)}\n{instance}");
    }
}
