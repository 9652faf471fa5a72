using Capacity.Service.Geography;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;

namespace Capacity.Service.Matching;

/// <summary>Turns a <see cref="SearchRequest"/> into a <see cref="MatchQuery"/>, or says which fields are wrong.</summary>
public static class SearchValidation
{
    public const int AdultAge = 18, MaxAge = 130;

    public static MatchQuery? Validate(
        SearchRequest request, RegistrySnapshot registry, PostcodeDirectory postcodes, MatchingOptions options, DateOnly today, InputErrors errors)
    {
        PostcodeArea? area = null;
        if (!postcodes.TryParsePostcode(request.PatientPostcode, out var pc4, out var postcodeError)) errors.Add("patient_postcode", postcodeError.Reason, postcodeError.Description);
        else area = postcodes.Find(pc4);

        InsurerInfo? insurer = null;
        if (!Codes.IsUzovi(request.InsurerUzovi)) errors.Add("insurer_uzovi", Codes.UzoviRule);
        else if (!registry.Insurers.TryGetValue(request.InsurerUzovi, out insurer)) errors.Add("insurer_uzovi", Reasons.InsurerUnknown, $"insurer {request.InsurerUzovi} is not registered");

        if (!CareTypes.IsKnown(request.CareType)) errors.Add("care_type", Reasons.CareTypeUnknown, "must be a known care type");

        // The caller may already have refused the date (not a calendar day); say so once.
        if (!errors.Has("start_date"))
        {
            if (request.StartDate is not { } start) errors.Add("start_date", Reasons.Required, "is required");
            else if (start < today) errors.Add("start_date", Reasons.DateInPast, $"lies in the past (today is {today.Iso()})");
            else if (start > today.AddDays(options.MaxDaysAhead)) errors.Add("start_date", Reasons.DateTooFar, $"at most {options.MaxDaysAhead} days ahead");
        }

        // Urgent care (spoedzorg) starts within 24 hours; only then may it pass client stops.
        if (request.Urgent && request.StartDate is { } urgentStart && urgentStart > today.AddDays(1) && !errors.Has("start_date"))
            errors.Add("urgent", Reasons.UrgentStart, "urgent care starts within 24 hours: the start date must be today or tomorrow");

        if (request.PatientAge is < 0 or > MaxAge) errors.Add("patient_age", Reasons.AgeRange, $"must be between 0 and {MaxAge} years");
        else if (request.CareType == CareType.MedicalChildCare)
        {
            // Medical child care (MKZ) is for patients under 18: an adult needs another care type.
            if (request.PatientAge is null) errors.Add("patient_age", Reasons.ChildCareAgeRequired, "is required for medical child care");
            else if (request.PatientAge >= AdultAge) errors.Add("patient_age", Reasons.ChildCareAdult, "medical child care is for patients under 18; choose district nursing for an adult");
        }

        var radius = request.RadiusKm == 0 ? options.DefaultRadiusKm : request.RadiusKm;
        if (double.IsNaN(radius) || radius < 0 || radius > options.MaxRadiusKm) errors.Add("radius_km", Reasons.RadiusRange, $"must be between 0 and {options.MaxRadiusKm} km (0 for the default of {options.DefaultRadiusKm} km)");

        return errors.Any ? null : new MatchQuery(area!, insurer!, request.CareType, request.StartDate!.Value, request.Urgent, request.PatientAge, radius);
    }
}
