using Capacity.Service.Geography;
using Capacity.Service.Shared;
using Capacity.V1;

namespace Capacity.Service.Insight.Alerts;

/// <summary>A ListAlerts request, checked: whose list, which kinds, how much.</summary>
public sealed record AlertListing(AlertParty Party, IReadOnlyList<AlertKind> Kinds, int PageSize, string PageToken);

public static class AlertValidation
{
    /// <summary>The kinds each party is shown (docs/INSIGHT-alerts.md, "Who sees what").</summary>
    public static IReadOnlyList<AlertKind> KindsFor(PartyKind party) => party switch
    {
        PartyKind.Desk => [AlertKind.ReferralUnanswered, AlertKind.AreaWithoutCapacity],
        PartyKind.Provider => [AlertKind.ReferralUnanswered, AlertKind.FiguresGoingStale],
        PartyKind.Municipality => [AlertKind.AreaWithoutCapacity],
        _ => [AlertKind.ReferralUnanswered],
    };

    /// <summary>INVALID_ARGUMENT naming every bad field, or the listing asked for.</summary>
    public static AlertListing Validate(ListAlertsRequest request, PostcodeDirectory postcodes)
    {
        var errors = new InputErrors();
        AlertParty? party = null;
        switch (request.ScopeCase)
        {
            case ListAlertsRequest.ScopeOneofCase.InsurerUzovi:
                if (Codes.IsUzovi(request.InsurerUzovi)) party = AlertParty.Desk(request.InsurerUzovi);
                else errors.Add("insurer_uzovi", Codes.UzoviRule);
                break;
            case ListAlertsRequest.ScopeOneofCase.ProviderAgb:
                if (Codes.IsAgb(request.ProviderAgb)) party = AlertParty.Provider(request.ProviderAgb);
                else errors.Add("provider_agb", Codes.AgbRule);
                break;
            case ListAlertsRequest.ScopeOneofCase.Municipality:
                if (postcodes.FindMunicipality(request.Municipality) is { } m) party = AlertParty.Municipality(m.Code);
                else errors.Add("municipality", Reasons.MunicipalityUnknown, $"'{InputErrors.Cut(request.Municipality, 40)}' is not a municipality (CBS code like GM0362 or name)");
                break;
            case ListAlertsRequest.ScopeOneofCase.RequesterOrg:
                if (Codes.IsOrganisation(request.RequesterOrg)) party = AlertParty.Organisation(request.RequesterOrg);
                else errors.Add("requester_org", Codes.OrganisationRule);
                break;
            default:
                errors.Add("scope", Reasons.ChoiceRequired, "set insurer_uzovi, provider_agb, municipality or requester_org");
                break;
        }
        for (var i = 0; i < request.Kinds.Count; i++)
            if (request.Kinds[i] == AlertKind.Unspecified || !Enum.IsDefined(request.Kinds[i]))
                errors.Add($"kinds[{i}]", Reasons.ValueUnknown, "must be REFERRAL_UNANSWERED, FIGURES_GOING_STALE or AREA_WITHOUT_CAPACITY");
        var size = Paging.PageSize(request.PageSize, errors);
        errors.ThrowIfAny();
        var seen = KindsFor(party!.Value.Kind);
        // A kind the party is never shown is simply not in its list (no error: a screen may ask for every kind).
        var kinds = request.Kinds.Count == 0 ? seen : seen.Where(request.Kinds.Contains).ToArray();
        return new AlertListing(party.Value, kinds, size, request.PageToken);
    }
}
