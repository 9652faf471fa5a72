using System.Text.RegularExpressions;
using Capacity.Service.Geography;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;

namespace Capacity.Service.Mcsd;

/// <summary>
/// The directory → our providers, as docs/MCSD.md tells: one provider per Organization with an
/// AGB code; its served areas are the PC4s of the active coverage-area Locations of its active
/// HealthcareServices whose type maps to a care type; its base the PC4 of such a service's first
/// location, else the Organization's own address. What cannot be mapped is said in
/// <paramref name="skipped"/> and left out; nothing here fails the sync. Only a provider the
/// directory has fed (<paramref name="fed"/>: written by an earlier sync) is made inactive,
/// when its Organization turns inactive, loses its last mapped service or area, or its AGB leaves
/// the directory; a provider registered by hand is taken over only when the directory maps an
/// active service with an area for its AGB, and otherwise left as it is.
/// </summary>
public static partial class McsdMapping
{
    public static List<Provider> Providers(
        McsdDirectory directory, IReadOnlyDictionary<string, CareType> careTypes, PostcodeDirectory postcodes,
        Func<string, ProviderInfo?> registered, IReadOnlySet<string> fed, List<string> skipped)
    {
        var servicesByOrganization = directory.Services.Values.Where(s => s.OrganizationId is not null)
            .ToLookup(s => s.OrganizationId!, StringComparer.Ordinal);
        var providers = new Dictionary<string, Provider?>(StringComparer.Ordinal);
        foreach (var org in directory.Organizations.Values.OrderBy(o => o.Id, StringComparer.Ordinal))
        {
            if (org.Agb is null || !Codes.IsAgb(org.Agb))
            {
                skipped.Add($"Organization/{org.Id} '{org.Name}': no AGB code (system {McsdDirectory.AgbSystem}){(org.Ura is null ? "" : $", URA {org.Ura}")}; not registered");
                continue;
            }
            if (providers.ContainsKey(org.Agb))
            {
                skipped.Add($"Organization/{org.Id} '{org.Name}': AGB {org.Agb} is already another Organization's; not registered");
                continue;
            }
            var areas = new SortedSet<int>();
            var types = new SortedSet<CareType>();
            int? basePc4 = null;
            foreach (var service in servicesByOrganization[org.Id].Where(s => s.Active).OrderBy(s => s.Id, StringComparer.Ordinal))
            {
                var mapped = service.Types.Select(t => careTypes.TryGetValue(t, out var c) ? c : CareType.Unspecified).Where(c => c != CareType.Unspecified).ToArray();
                if (mapped.Length == 0)
                {
                    skipped.Add($"HealthcareService/{service.Id}: type {(service.Types.Length == 0 ? "(none)" : string.Join(", ", service.Types))} is no care type of ours; left out");
                    continue;
                }
                types.UnionWith(mapped);
                foreach (var locationId in service.CoverageIds)
                    if (AreaOf(directory, locationId, postcodes, skipped) is { } pc4) areas.Add(pc4);
                basePc4 ??= service.LocationIds.Select(id => directory.Locations.GetValueOrDefault(id))
                    .Select(l => Pc4(l?.PostalCode)).FirstOrDefault(p => p is { } v && postcodes.Contains(v));
            }
            var existing = registered(org.Agb);
            var inactive = !org.Active || areas.Count == 0;
            if (inactive && existing is null)
            {
                // A GP, a physiotherapist, a closed organisation: not one of our providers, and never was.
                skipped.Add($"Organization/{org.Id} '{org.Name}': {(org.Active ? "no active service of ours with a coverage area" : "inactive")}; not registered");
                continue;
            }
            if (inactive && !fed.Contains(org.Agb))
            {
                // Registered by hand: the directory never fed it, so it does not take it away.
                providers[org.Agb] = null;
                skipped.Add($"Organization/{org.Id} '{org.Name}': {(org.Active ? "no active service of ours with a coverage area" : "inactive")}; AGB {org.Agb} not fed by the directory, left as registered");
                continue;
            }
            // Home care often has no site: then its own address, what the registry had, or its first area.
            basePc4 ??= Pc4(org.PostalCode) is { } own && postcodes.Contains(own) ? own : existing?.BasePc4 ?? areas.Min;
            var provider = new Provider
            {
                Agb = org.Agb,
                Name = org.Name,
                BasePc4 = Codes.Pc4(basePc4!.Value),
                // An inactive Organization serves nowhere: its areas go, and their capacity with them.
                ServedPc4S = { org.Active ? areas.Select(Codes.Pc4) : [] },
                CareTypes = { types },
                Inactive = inactive,
                // Not in the directory: kept as the registry has them.
                Qualifications = existing?.ToProto().Qualifications ?? new Qualifications(),
                Intake = existing?.Intake.ToProto(),
            };
            providers[org.Agb] = provider;
        }
        // An AGB the directory fed and no Organization carries any more (its AGB changed or went): inactive, its areas cleared.
        foreach (var agb in fed.Order(StringComparer.Ordinal))
        {
            if (providers.ContainsKey(agb) || registered(agb) is not { } gone) continue;
            var provider = gone.ToProto();
            provider.ServedPc4S.Clear();
            provider.Inactive = true;
            providers[agb] = provider;
        }
        return [.. providers.Values.OfType<Provider>()];
    }

    static int? AreaOf(McsdDirectory directory, string locationId, PostcodeDirectory postcodes, List<string> skipped)
    {
        if (!directory.Locations.TryGetValue(locationId, out var location))
        {
            skipped.Add($"Location/{locationId}: named as a coverage area but not in the directory; left out");
            return null;
        }
        if (!location.Active) return null;
        if (Pc4(location.PostalCode) is { } pc4 && postcodes.Contains(pc4)) return pc4;
        skipped.Add($"Location/{locationId}: postal code '{location.PostalCode}' is no known PC4; left out");
        return null;
    }

    /// <summary>A Dutch postcode's PC4: "1183", "1183 AB", "1183AB" → 1183; anything else null.</summary>
    public static int? Pc4(string? postalCode) =>
        postalCode is not null && PostalCode().Match(postalCode) is { Success: true } m ? int.Parse(m.Groups[1].ValueSpan) : null;

    [GeneratedRegex(@"^\s*([1-9][0-9]{3})(\s*[A-Za-z]{2})?\s*$")]
    private static partial Regex PostalCode();
}
