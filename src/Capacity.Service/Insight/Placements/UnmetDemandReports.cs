using System.Globalization;
using Capacity.Service.Capacity.Import;
using Capacity.Service.Geography;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;
using Google.Api;
using Google.Protobuf;
using Grpc.Core;

namespace Capacity.Service.Insight.Placements;

/// <summary>
/// The unmet-demand report (for the insurer's desk and the regulator, the NZa): the escalated
/// referrals per month of escalation × insurer × municipality × care type, from the insurers'
/// unmet-demand hashes (<see cref="PlacementStore.Keys.Unmet"/>), read in one pipelined round.
/// It is an aggregate for every reader, the desk too: counts from 1 to 4 and times over fewer
/// than 5 escalations are hidden. A desk may ask for its own insurer only (the permission table).
/// </summary>
public sealed class UnmetDemandReports(PlacementStore store, PostcodeDirectory postcodes, RegistryCache registry, PagedAnswers answers)
{
    static readonly ClosureOutcome[] Outcomes = [.. Enum.GetValues<ClosureOutcome>().Where(o => o != ClosureOutcome.Unspecified)];

    public async Task<GetUnmetDemandReportResponse> GetAsync(GetUnmetDemandReportRequest request, ServerCallContext context)
    {
        var errors = new InputErrors();
        var size = PlacementValidation.PageSize(request.PageSize, errors);
        var (rows, list) = await RowsAsync(request, errors, request.PageToken);
        var page = Paging.Of(rows, r => $"{r.Month}|{r.InsurerUzovi}|{r.MunicipalityCode}|{(int)r.CareType:D3}", list, size, request.PageToken);
        var response = new GetUnmetDemandReportResponse { NextPageToken = page.NextPageToken, MinimumCellSize = CellCounts.MinimumCellSize };
        response.Rows.AddRange(page.Items);
        return response;
    }

    public async Task<HttpBody> ExportAsync(GetUnmetDemandReportRequest request, ServerCallContext context)
    {
        var (rows, _) = await RowsAsync(request, new InputErrors(), "");
        var body = new HttpBody { ContentType = "text/csv; charset=utf-8", Data = ByteString.CopyFrom(CsvTable.Write(rows.Select(Csv).Prepend(Columns))) };
        // Over JSON transcoding the answer is the file: name it for the browser's download.
        if (context.GetHttpContext() is { } http && http.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
            http.Response.Headers.ContentDisposition =
                $"attachment; filename=\"onvervulde-zorgvraag-{(request.AllInsurers ? "alle" : request.InsurerUzovi)}-{Iso(request.Period.From)}-{Iso(request.Period.To)}.csv\"";
        return body;
    }

    /// <summary>Every row of the report in answer order, and the name of the list for its page tokens.</summary>
    async Task<(List<UnmetDemandRow> Rows, string List)> RowsAsync(GetUnmetDemandReportRequest request, InputErrors errors, string pageToken)
    {
        var period = PlacementValidation.PeriodOf(request.Period, errors);
        switch (request.ScopeCase)
        {
            case GetUnmetDemandReportRequest.ScopeOneofCase.InsurerUzovi when !Codes.IsUzovi(request.InsurerUzovi):
                errors.Add("insurer_uzovi", Codes.UzoviRule);
                break;
            case GetUnmetDemandReportRequest.ScopeOneofCase.InsurerUzovi:
            case GetUnmetDemandReportRequest.ScopeOneofCase.AllInsurers when request.AllInsurers:
                break;
            default:
                errors.Add("scope", Reasons.ChoiceRequired, "set insurer_uzovi or all_insurers");
                break;
        }
        errors.ThrowIfAny();

        var list = $"unmet-report|{(request.AllInsurers ? "*" : request.InsurerUzovi)}|{period!.From.Iso()}|{period.To.Iso()}";
        var rows = await answers.GetAsync(list, pageToken, async () =>
        {
            string[] insurers = request.AllInsurers ? await store.InsurersAsync() : [request.InsurerUzovi];
            var facts = await store.ReadAsync([.. insurers.SelectMany(i => period.Months.Select(m => PlacementStore.Keys.Unmet(i, m)))]);
            var names = registry.Current.Insurers;
            return Rows(facts, period, uzovi => names.GetValueOrDefault(uzovi)?.Name ?? "", code => postcodes.FindMunicipality(code)?.Name ?? "");
        }, r => r.Count);
        return (rows, list);
    }

    /// <summary>The report's rows from the facts of the insurers' unmet-demand hashes: those escalated within the period, in answer order.</summary>
    public static List<UnmetDemandRow> Rows(IEnumerable<PlacementFact> facts, PlacementValidation.Period period, Func<string, string> insurerName, Func<string, string> municipalityName) =>
        facts.Where(f => f.Escalated is { } at && period.Contains(at))
            .GroupBy(f => (Month: PlacementFact.MonthOf(f.Escalated!.Value), f.Uzovi, f.MunicipalityCode, f.CareType))
            .OrderBy(g => g.Key.Month, StringComparer.Ordinal).ThenBy(g => g.Key.Uzovi, StringComparer.Ordinal)
            .ThenBy(g => g.Key.MunicipalityCode, StringComparer.Ordinal).ThenBy(g => g.Key.CareType)
            .Select(g => Row(g.Key.Month, g.Key.Uzovi, insurerName(g.Key.Uzovi), g.Key.MunicipalityCode, municipalityName(g.Key.MunicipalityCode), g.Key.CareType, [.. g]))
            .ToList();

    static UnmetDemandRow Row(string month, string uzovi, string insurerName, string municipalityCode, string municipality, CareType careType, List<PlacementFact> facts)
    {
        var row = new UnmetDemandRow
        {
            Month = month,
            InsurerUzovi = uzovi,
            InsurerName = insurerName,
            MunicipalityCode = municipalityCode,
            Municipality = municipality,
            CareType = careType,
            Escalations = CellCounts.Of(facts.Count, aggregate: true),
            PlacedByDesk = CellCounts.Of(facts.Count(f => f.State == ReferralState.Placed), aggregate: true),
            StillOpen = CellCounts.Of(facts.Count(f => !f.IsFinal), aggregate: true),
            EscalationToEnd = CellCounts.Durations([.. facts.Where(f => f.DeskEnded is not null).Select(f => f.DeskEnded!.Value - f.Escalated!.Value)], aggregate: true),
        };
        // Every outcome in every row, zeros included: "no care found: 0" is a finding too.
        row.Closed.AddRange(Outcomes.Select(o => new OutcomeCount
        {
            Outcome = o,
            Count = CellCounts.Of(facts.Count(f => f.State == ReferralState.Closed && f.Outcome == o), aggregate: true),
        }));
        return row;
    }

    static readonly string[] Columns =
    [
        "Maand", "UZOVI", "Zorgverzekeraar", "Gemeentecode", "Gemeente", "Zorgsoort", "Escalaties", "Geplaatst door bemiddeling",
        "Gesloten: elders geplaatst", "Gesloten: patiënt ziet af", "Gesloten: niet meer nodig", "Gesloten: geen zorg gevonden", "Gesloten: andere uitkomst",
        "Nog open", "Escalatie tot plaatsing of sluiting: aantal", "Mediaan (uren)", "90e percentiel (uren)",
    ];

    static string[] Csv(UnmetDemandRow r) =>
    [
        r.Month, r.InsurerUzovi, r.InsurerName, r.MunicipalityCode, r.Municipality, ImportSheet.DutchNames.GetValueOrDefault(r.CareType, r.CareType.ToString()),
        Count(r.Escalations), Count(r.PlacedByDesk),
        .. Outcomes.Select(o => Count(r.Closed.Single(c => c.Outcome == o).Count)),
        Count(r.StillOpen), Count(r.EscalationToEnd.Count), Hours(r.EscalationToEnd.Median), Hours(r.EscalationToEnd.P90),
    ];

    static string Count(CellCount c) => c.BelowMinimum ? $"<{CellCounts.MinimumCellSize}" : c.Value.ToString(CultureInfo.InvariantCulture);

    // Dutch spreadsheets read a decimal comma.
    static string Hours(Google.Protobuf.WellKnownTypes.Duration? d) =>
        d is null ? "" : Math.Round(d.ToTimeSpan().TotalHours, 1).ToString("0.0", CultureInfo.InvariantCulture).Replace('.', ',');

    static string Iso(Google.Type.Date? d) => d is null ? "" : $"{d.Year:D4}-{d.Month:D2}-{d.Day:D2}";
}
