using Capacity.Service.Geography;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;

namespace Capacity.Service.Regions;

/// <summary>Turns a <see cref="RegionRequest"/> into a <see cref="RegionScope"/>, or says which fields are wrong (gRPC, JSON and the hub alike).</summary>
public static class RegionValidation
{
    public const int MaxAreas = 500;

    /// <param name="pc4sField">How the PC4 list is named in error details (gRPC nests it: pc4s.pc4s).</param>
    public static RegionScope? Validate(RegionRequest request, RegistrySnapshot registry, PostcodeDirectory postcodes, InputErrors errors, string pc4sField = "pc4s")
    {
        var careTypes = request.CareTypes is { Count: > 0 } ? request.CareTypes.Distinct().Order().ToArray() : CareTypes.All;
        if (careTypes.Any(t => !CareTypes.IsKnown(t))) errors.Add("care_types", Reasons.CareTypeUnknown, "contains an unknown care type");

        InsurerInfo? insurer = null;
        if (!string.IsNullOrEmpty(request.InsurerUzovi))
        {
            if (!Codes.IsUzovi(request.InsurerUzovi)) errors.Add("insurer_uzovi", Reasons.UzoviFormat, Codes.UzoviRule.Description + " (or empty for all providers)");
            else if (!registry.Insurers.TryGetValue(request.InsurerUzovi, out insurer)) errors.Add("insurer_uzovi", Reasons.InsurerUnknown, $"insurer {request.InsurerUzovi} is not registered");
        }

        var hasMunicipality = !string.IsNullOrWhiteSpace(request.Municipality);
        var hasPc4s = request.Pc4s is { Count: > 0 };
        if (hasMunicipality == hasPc4s)
        {
            errors.Add("region", Reasons.ChoiceRequired, "set either municipality or pc4s");
            return null;
        }
        if (hasMunicipality)
        {
            var municipality = postcodes.FindMunicipality(request.Municipality!);
            if (municipality is null)
            {
                errors.Add("municipality", Reasons.MunicipalityUnknown, $"'{request.Municipality}' is not a municipality (CBS code like GM0362 or name)");
                return null;
            }
            return errors.Any ? null : new RegionScope(municipality.Code, municipality.Name, municipality.Pc4s, careTypes, insurer);
        }

        if (request.Pc4s!.Count > MaxAreas) errors.Add(pc4sField, Reasons.ListTooLong, $"at most {MaxAreas} areas");
        var unknown = request.Pc4s.Where(p => !RegistryValidation.IsKnownPc4(p, postcodes)).Take(5).ToArray();
        if (unknown.Length > 0) errors.Add(pc4sField, Reasons.PostcodeUnknown, $"unknown PC4 area(s): {string.Join(", ", unknown)}");
        return errors.Any ? null : new RegionScope(null, null, request.Pc4s.Select(int.Parse).Distinct().Order().ToArray(), careTypes, insurer);
    }
}
