using Capacity.Service.Geography;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;

namespace Capacity.Service.Insight.History;

/// <summary>A checked history request: the areas, care types and the start of every bucket.</summary>
public sealed record HistoryRequest(
    string Region, IReadOnlyList<int> Pc4s, IReadOnlyList<CareType> CareTypes, HistoryResolution Resolution,
    IReadOnlyList<DateTimeOffset> Starts, DateTimeOffset End, bool PerArea, int PageSize, string PageToken);

/// <summary>The rules of GetCapacityHistory; every bad field is named (google.rpc.BadRequest), nothing is read.</summary>
public static class CapacityHistoryValidation
{
    public const int MaxAreas = 500, MaxHourDays = 31, MaxDayDays = 731, DefaultPageSize = 50, MaxPageSize = 200;

    /// <summary>A page holds at most this many points (a few MB): with long series it holds fewer series than asked.</summary>
    public const int MaxPointsPerPage = 50_000;

    public static HistoryRequest Validate(GetCapacityHistoryRequest request, PostcodeDirectory postcodes, DateTimeOffset now)
    {
        var errors = new InputErrors();
        IReadOnlyList<int> pc4s = [];
        var region = "";
        switch (request.RegionCase)
        {
            case GetCapacityHistoryRequest.RegionOneofCase.Municipality:
                if (postcodes.FindMunicipality(request.Municipality) is { } m) (pc4s, region) = (m.Pc4s, m.Code);
                else errors.Add("municipality", Reasons.MunicipalityUnknown, $"'{InputErrors.Cut(request.Municipality, 60)}' is not a municipality (CBS code like GM0362 or name)");
                break;
            case GetCapacityHistoryRequest.RegionOneofCase.Pc4S:
                var asked = request.Pc4S.Pc4S;
                if (asked.Count == 0) errors.Add("pc4s.pc4s", Reasons.ListEmpty, "name at least one PC4 area");
                else if (asked.Count > MaxAreas) errors.Add("pc4s.pc4s", Reasons.ListTooLong, $"at most {MaxAreas} areas");
                else
                {
                    var unknown = asked.Where(p => !RegistryValidation.IsKnownPc4(p, postcodes)).Take(5).ToArray();
                    if (unknown.Length > 0) errors.Add("pc4s.pc4s", Reasons.PostcodeUnknown, $"unknown PC4 area(s): {string.Join(", ", unknown.Select(u => InputErrors.Cut(u, 10)))}");
                    else
                    {
                        pc4s = asked.Select(int.Parse).Distinct().Order().ToArray();
                        region = string.Join(",", pc4s);
                    }
                }
                break;
            default:
                errors.Add("region", Reasons.ChoiceRequired, "set municipality or pc4s");
                break;
        }

        var careTypes = request.CareTypes.Count > 0 ? request.CareTypes.Distinct().Order().ToArray() : [.. Shared.CareTypes.All];
        if (careTypes.Any(t => !Shared.CareTypes.IsKnown(t))) errors.Add("care_types", Reasons.CareTypeUnknown, "contains an unknown care type");

        var resolution = request.Resolution == HistoryResolution.Unspecified ? HistoryResolution.Day : request.Resolution;
        if (!Enum.IsDefined(resolution)) errors.Add("resolution", Reasons.ValueUnknown, "must be HOUR or DAY");

        var from = Instant(request.From, "from", errors);
        var to = Instant(request.To, "to", errors);
        IReadOnlyList<DateTimeOffset> starts = [];
        if (from is { } f && to is { } t)
        {
            if (t <= f) errors.Add("to", Reasons.DateBeforeStart, "must be after from");
            else if (t > now + TimeSpan.FromDays(1)) errors.Add("to", Reasons.DateTooFar, "must not be more than a day in the future");
            else if (resolution == HistoryResolution.Hour)
            {
                if (t - f > TimeSpan.FromDays(MaxHourDays)) errors.Add("to", Reasons.DateTooFar, $"with HOUR at most {MaxHourDays} days after from");
                if (f < now - CapacityHistoryKeys.HourRetention) errors.Add("from", Reasons.DateInPast, $"with HOUR within the last {CapacityHistoryKeys.HourRetention.TotalDays:0} days (hourly history is kept that long; use DAY)");
                if (!errors.Any) starts = HourStarts(f, t);
            }
            else if (resolution == HistoryResolution.Day)
            {
                if (t - f > TimeSpan.FromDays(MaxDayDays)) errors.Add("to", Reasons.DateTooFar, $"with DAY at most {MaxDayDays} days after from");
                if (!errors.Any) starts = DayStarts(f, t);
            }
        }

        var pageSize = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        if (request.PageSize is < 0 or > MaxPageSize) errors.Add("page_size", Reasons.NumberRange, $"must be between 1 and {MaxPageSize} (0 for {DefaultPageSize})");
        if (!request.PerArea && request.PageToken.Length > 0) errors.Add("page_token", Reasons.PageTokenInvalid, "region totals have one page only");
        errors.ThrowIfAny();

        // Long series: fewer series per page, so that a page stays a few MB.
        pageSize = Math.Max(1, Math.Min(pageSize, MaxPointsPerPage / Math.Max(1, starts.Count)));
        return new HistoryRequest(region, pc4s, careTypes, resolution, starts, to!.Value, request.PerArea, pageSize, request.PageToken);
    }

    static DateTimeOffset? Instant(Google.Protobuf.WellKnownTypes.Timestamp? timestamp, string field, InputErrors errors)
    {
        if (timestamp is null)
        {
            errors.Add(field, Reasons.Required, "is required");
            return null;
        }
        // Before 2000 or past 2100 is no period of this service's history; ToDateTimeOffset throws on out-of-range values.
        if (timestamp.Seconds is < 946_684_800 or > 4_102_444_800 || timestamp.Nanos is < 0 or > 999_999_999)
        {
            errors.Add(field, Reasons.DateInvalid, "must be a time between 2000 and 2100");
            return null;
        }
        return timestamp.ToDateTimeOffset();
    }

    /// <summary>Clock hours from the one holding <paramref name="from"/> to the last that starts before <paramref name="to"/>.</summary>
    static DateTimeOffset[] HourStarts(DateTimeOffset from, DateTimeOffset to)
    {
        var first = new DateTimeOffset(from.UtcDateTime.Date.AddHours(from.UtcDateTime.Hour), TimeSpan.Zero);
        var starts = new List<DateTimeOffset>();
        for (var s = first; s < to; s = s.AddHours(1)) starts.Add(s);
        return [.. starts];
    }

    /// <summary>Europe/Amsterdam days from the one holding <paramref name="from"/> to the one holding the last moment before <paramref name="to"/>.</summary>
    static DateTimeOffset[] DayStarts(DateTimeOffset from, DateTimeOffset to)
    {
        var first = CapacityHistoryKeys.AmsterdamDay(from);
        var last = CapacityHistoryKeys.AmsterdamDay(to.AddTicks(-1));
        var starts = new List<DateTimeOffset>();
        for (var d = first; d <= last; d = d.AddDays(1)) starts.Add(CapacityHistoryKeys.StartOf(d));
        return [.. starts];
    }
}
