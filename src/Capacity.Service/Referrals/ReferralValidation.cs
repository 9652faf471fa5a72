using System.Text.RegularExpressions;
using Capacity.Service.Shared;
using Capacity.V1;

namespace Capacity.Service.Referrals;

/// <summary>
/// The rules for referral input, one place for each: ids, organisations, free text (no BSN, no
/// money amounts), providers, paging. Field names are the proto's.
/// </summary>
public static partial class ReferralValidation
{
    public const int MaxSummaryLength = 1000, MaxDeclineTextLength = 500, MaxPatientRefLength = 64;

    public static bool IsReferralId(string? id) => id is not null && ReferralIdPattern().IsMatch(id);

    public static void RequestId(string id, InputErrors errors)
    {
        if (!Codes.IsRequestId(id)) errors.Add("request_id", Codes.RequestIdRule);
    }

    public static void ReferralId(string id, InputErrors errors)
    {
        if (!IsReferralId(id)) errors.Add("referral_id", Reasons.IdFormat, "is not a referral id");
    }

    public static void Organisation(string org, string field, InputErrors errors)
    {
        if (!Codes.IsOrganisation(org)) errors.Add(field, Codes.OrganisationRule);
    }

    public static void Agb(string agb, string field, InputErrors errors)
    {
        if (!Codes.IsAgb(agb)) errors.Add(field, Codes.AgbRule);
    }

    public static void Uzovi(string uzovi, string field, InputErrors errors)
    {
        if (!Codes.IsUzovi(uzovi)) errors.Add(field, Codes.UzoviRule);
    }

    public static void PatientRef(string patientRef, InputErrors errors)
    {
        if (patientRef.Length > MaxPatientRefLength || Shared.FreeText.IsBlank(patientRef))
            errors.Add("patient_ref", Reasons.PatientRefLength, $"must be 1 to {MaxPatientRefLength} characters: your own pseudonymous reference");
        else if (Shared.FreeText.Problem(patientRef, multiLine: false) is { } chars) errors.Add("patient_ref", chars);
        else if (PatientData.ContainsBsn(patientRef))
            errors.Add("patient_ref", Reasons.PatientRefBsn, "looks like a citizen service number (BSN); use a pseudonymous reference of your own");
    }

    /// <summary>
    /// Free text is for care, not for identifiers or prices: length-limited, only the characters
    /// <see cref="Shared.FreeText"/> allows (line breaks and tabs only in a <paramref name="multiLine"/> text),
    /// without BSN-like numbers or money amounts.
    /// </summary>
    public static void FreeText(string text, string field, int maxLength, bool multiLine, InputErrors errors)
    {
        if (text.Length > maxLength) errors.Add(field, Reasons.TextTooLong, $"at most {maxLength} characters");
        else if (Shared.FreeText.Problem(text, multiLine) is { } chars) errors.Add(field, chars);
        else if (PatientData.ContainsBsn(text)) errors.Add(field, Reasons.TextContainsBsn, "contains what looks like a citizen service number (BSN); leave identifiers out");
        else if (Security.InformationBoundary.ContainsMoneyAmount(text)) errors.Add(field, Reasons.MoneyAmount, Security.InformationBoundary.Refusal);
    }

    public static void Providers(IReadOnlyCollection<string> agbs, InputErrors errors, int max)
    {
        if (agbs.Count == 0) errors.Add("provider_agbs", Reasons.ListEmpty, "name at least one provider");
        else if (agbs.Count > max) errors.Add("provider_agbs", Reasons.ListTooLong, $"at most {max} providers at once");
        else if (agbs.Any(a => !Codes.IsAgb(a))) errors.Add("provider_agbs", Reasons.AgbFormat, "must be AGB codes of 8 digits");
    }

    /// <summary>A search radius in km: 0 for the referral's own, else up to the service's maximum.</summary>
    public static void RadiusKm(double radiusKm, double max, InputErrors errors)
    {
        if (double.IsNaN(radiusKm) || radiusKm < 0 || radiusKm > max) errors.Add("radius_km", Reasons.RadiusRange, $"must be between 0 and {max} km (0 for the referral's own)");
    }

    public static void DeclineReason(DeclineReason reason, string text, InputErrors errors)
    {
        if (reason == V1.DeclineReason.Unspecified || !Enum.IsDefined(reason))
            errors.Add("decline_reason", Reasons.ValueUnknown, "must be NO_STAFF, OUTSIDE_AREA, CARE_TOO_COMPLEX, NO_CAPACITY, TRAVEL_DISTANCE, PATIENT_PREFERENCE or OTHER");
        else if (reason == V1.DeclineReason.Other && Shared.FreeText.IsBlank(text))
            errors.Add("decline_text", Reasons.ExplanationRequired, "is required when the reason is OTHER");
        FreeText(text, "decline_text", MaxDeclineTextLength, multiLine: true, errors);
    }

    /// <summary>
    /// The first visit a provider agrees to: a real day, today or later and within a year; for
    /// urgent care (spoedzorg starts within 24 hours) today or tomorrow. Null when not given.
    /// </summary>
    public static DateOnly? StartDate(Google.Type.Date? date, bool urgent, DateOnly today, InputErrors errors)
    {
        if (date is null) return null;
        if (Registry.DateMapping.TryToDateOnly(date) is not { } day) errors.Add("start_date", Reasons.DateInvalid, "is not a calendar day");
        else if (day < today) errors.Add("start_date", Reasons.DateInPast, "must be today or later");
        else if (day > today.AddYears(1)) errors.Add("start_date", Reasons.DateTooFar, "must be within a year");
        else if (urgent && day > today.AddDays(1)) errors.Add("start_date", Reasons.UrgentStart, "urgent care starts within 24 hours: today or tomorrow");
        else return day;
        return null;
    }

    [GeneratedRegex(@"^ref_[0-9a-f]{32}$")]
    private static partial Regex ReferralIdPattern();
}
