using Capacity.Service.Shared;
using Capacity.V1;
using Google.Type;

namespace Capacity.Service.Registry;

/// <summary>Between the public registry messages (also the stored form) and the in-memory model.</summary>
public static class RegistryMapping
{
    public static InsurerInfo ToModel(this Insurer i) => new(i.Uzovi, i.Name);

    public static ProviderInfo ToModel(this Provider p) => new(
        p.Agb, p.Name, int.Parse(p.BasePc4), p.ServedPc4S.Select(int.Parse).Distinct().Order().ToArray(), ToFlags(p.Qualifications),
        p.Intake.ToModel(), CareTypeSet.Of(p.CareTypes), p.Inactive);

    public static ContactInfo? ToModel(this Contact? c) => c is null ? null : new(c.Phone, c.Email, c.Hours);

    public static Contact? ToProto(this ContactInfo? c) => c is null ? null : new() { Phone = c.Phone, Email = c.Email, Hours = c.Hours };

    public static OrganisationInfo ToModel(this RequestingOrganisation o) => new(o.Code, o.Name, o.Kind, o.TransferDesk.ToModel());

    public static RequestingOrganisation ToProto(this OrganisationInfo o) => new() { Code = o.Code, Name = o.Name, Kind = o.Kind, TransferDesk = o.TransferDesk.ToProto() };

    public static ContractInfo ToModel(this Contract c) =>
        new(c.ProviderAgb, c.InsurerUzovi, c.Year, CareTypeSet.Of(c.CareTypes), c.ContractType);

    public static ClientStopInfo ToModel(this ClientStop s) => new(
        s.Id, s.ProviderAgb, s.InsurerUzovis.Distinct().Order(StringComparer.Ordinal).ToArray(), CareTypeSet.Of(s.CareTypes),
        s.Pc4S.Select(int.Parse).Distinct().Order().ToArray(), s.From.ToDateOnly(), s.Until?.ToDateOnly(), s.Reason, s.ReasonText);

    public static ProviderSummary ToSummary(this ProviderInfo p) => new() { Agb = p.Agb, Name = p.Name, BasePc4 = Codes.Pc4(p.BasePc4) };

    public static Provider ToProto(this ProviderInfo p) => new()
    {
        Agb = p.Agb,
        Name = p.Name,
        BasePc4 = Codes.Pc4(p.BasePc4),
        ServedPc4S = { p.ServedPc4s.Select(Codes.Pc4) },
        Qualifications = new Qualifications
        {
            PalliativeNetwork = p.Qualifications.HasFlag(QualificationFlags.PalliativeNetwork),
            DementiaNetwork = p.Qualifications.HasFlag(QualificationFlags.DementiaNetwork),
            PaediatricNurse = p.Qualifications.HasFlag(QualificationFlags.PaediatricNurse),
            NightService = p.Qualifications.HasFlag(QualificationFlags.NightService),
        },
        Intake = p.Intake.ToProto(),
        CareTypes = { p.CareTypes.Types },
        Inactive = p.Inactive,
    };

    public static Contract ToProto(this ContractInfo c) => new()
    {
        ProviderAgb = c.Agb, InsurerUzovi = c.Uzovi, Year = c.Year, CareTypes = { c.CareTypes.Types }, ContractType = c.Type,
    };

    public static ClientStop ToProto(this ClientStopInfo s)
    {
        var proto = new ClientStop
        {
            Id = s.Id,
            ProviderAgb = s.Agb,
            InsurerUzovis = { s.Uzovis },
            CareTypes = { s.CareTypes.Types },
            Pc4S = { s.Pc4s.Select(Codes.Pc4) },
            From = s.From.ToDate(),
            Reason = s.Reason,
            ReasonText = s.ReasonText,
        };
        if (s.Until is { } until) proto.Until = until.ToDate();
        return proto;
    }

    static QualificationFlags ToFlags(Qualifications? q) =>
        q is null ? QualificationFlags.None
        : (q.PalliativeNetwork ? QualificationFlags.PalliativeNetwork : 0)
          | (q.DementiaNetwork ? QualificationFlags.DementiaNetwork : 0)
          | (q.PaediatricNurse ? QualificationFlags.PaediatricNurse : 0)
          | (q.NightService ? QualificationFlags.NightService : 0);
}

/// <summary>google.type.Date is a calendar day without time zone; DateOnly is the same idea.</summary>
public static class DateMapping
{
    public static Date ToDate(this DateOnly d) => new() { Year = d.Year, Month = d.Month, Day = d.Day };

    public static DateOnly ToDateOnly(this Date d) => new(d.Year, d.Month, d.Day);

    /// <summary>Null when the date is not a real calendar day (e.g. 2026-02-30 or all zero).</summary>
    public static DateOnly? TryToDateOnly(this Date? d) =>
        d is not null && d.Year is >= 1 and <= 9999 && d.Month is >= 1 and <= 12 && d.Day >= 1 && d.Day <= System.DateTime.DaysInMonth(d.Year, d.Month)
            ? new DateOnly(d.Year, d.Month, d.Day)
            : null;
}
