using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;
using Google.Api;
using Google.Protobuf;
using Grpc.Core;

namespace Capacity.Service.Capacity.Import;

/// <summary>
/// The spreadsheet import and template of one provider (docs/IMPORT.md). Rows are checked by the
/// grid's own rules (<see cref="CapacityGrpcService.Expand"/>) and written by the grid's own
/// versioned write (<see cref="CapacityStore.WriteAsync"/>): one row is one area × care type, one
/// field of one area's hash, so a row is stored whole or not at all.
/// </summary>
public sealed class CapacityImporter(CapacityStore store, Outlook.OutlookStore outlooks, RegistryCache registry, TimeProvider time)
{
    /// <summary>Parse slots of this instance (static: one per process, whatever the DI lifetime).</summary>
    static readonly SemaphoreSlim Parses = new(ImportSheet.MaxParallelParses, ImportSheet.MaxParallelParses);

    public async Task<ImportCapacityResponse> ImportAsync(ImportCapacityRequest request, CancellationToken cancel = default)
    {
        var provider = await ProviderAsync(request.Agb);
        if (request.Format is not (ImportFormat.Unspecified or ImportFormat.Csv or ImportFormat.Xlsx))
            throw InputErrors.Single("format", Reasons.ValueUnknown, "CSV or XLSX");
        if (request.File.Length > ImportSheet.MaxFileBytes)
            throw InputErrors.Single("file", Reasons.FileTooLarge, $"at most {ImportSheet.MaxFileBytes / 1024} KiB; this file has {request.File.Length / 1024:N0} KiB");
        if (request.File.IsEmpty) throw InputErrors.Single("file", Reasons.Required, "the file is empty");
        var rows = await ParseAsync(request, cancel);

        var snapshot = await registry.KnowingAsync(agb: provider.Agb);
        var areas = rows.Select(r => int.TryParse(r.Pc4, out var pc4) ? pc4 : 0).Where(provider.Serves).Distinct().ToArray();
        var storedRead = store.GetProviderAsync(provider.Agb, areas);
        var outlooksRead = outlooks.GetProviderAsync(provider.Agb, areas); // beside the figures: one round trip
        var stored = (await storedRead).ToDictionary(f => (f.Pc4, f.CareType), f => f.Cell);
        var storedOutlooks = await outlooksRead;
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var today = time.Today();

        var response = new ImportCapacityResponse { Applied = request.Apply, Rows = rows.Count, Skipped = rows.Count(r => r.Blank) };
        rows.RemoveAll(r => r.Blank);
        var good = new List<(ParsedRow Row, ImportRowOutcome Outcome, bool Changed)>();
        var writes = new List<CapacityWrite>();
        var seen = new Dictionary<(int, CareType), int>();
        foreach (var row in rows)
        {
            var outcome = new ImportRowOutcome { Row = row.Row, Pc4 = row.Pc4, CareType = row.CareType };
            if (row.Good) Check(row, outcome);
            if (!row.Good)
            {
                outcome.Status = outcome.Status == ImportRowStatus.Unspecified ? ImportRowStatus.Refused : outcome.Status;
                outcome.Errors.AddRange(row.Errors);
                response.Outcomes.Add(outcome);
                response.Refused++;
            }
        }

        void Check(ParsedRow row, ImportRowOutcome outcome)
        {
            var pc4 = int.TryParse(row.Pc4, out var p) ? p : 0;
            CapacityCell? before = stored.TryGetValue((pc4, row.CareType), out var cell) ? cell : null;
            var beforeOutlook = before is { } bv && storedOutlooks.TryGetValue((pc4, row.CareType), out var o) && o.Version == bv.Version ? o : null;
            if (before is { } b) outcome.Before = WithOutlook(CapacityGrpcService.ToFigure(pc4, row.CareType, b), beforeOutlook);
            var figure = row.ToRequest(provider.Agb, row.Version ?? Math.Max(nowMs, (before?.Version ?? 0) + 1), today);
            var errors = new InputErrors();
            var written = writes.Count;
            CapacityGrpcService.Expand(figure, snapshot, time, errors, writes);
            foreach (var v in errors.Violations) row.Refuse(ImportRows.ColumnOf(v.Field, row, today), v.Reason, v.Description);
            if (!row.Good) return;
            var write = writes[written];
            if (seen.TryGetValue((pc4, row.CareType), out var first))
                row.Refuse(ImportSheet.Pc4, Reasons.RowDuplicate, $"row {first} has the same area and care type already");
            else if (before is { } old && old.Version >= figure.Version)
            {
                outcome.Status = ImportRowStatus.Outdated;
                row.Refuse(ImportSheet.Version, Reasons.VersionOutdated, $"the stored figure has version {old.Version}; a row's version must be higher");
            }
            if (!row.Good)
            {
                writes.RemoveAt(written);
                return;
            }
            seen[(pc4, row.CareType)] = row.Row;
            outcome.After = WithOutlook(CapacityGrpcService.ToFigure(pc4, row.CareType, write.Cell with { Held = before?.Held ?? 0 }), write.Outlook);
            outcome.Status = ImportRowStatus.Change;
            var changed = before is not { } c || c.FreePlaces != write.Cell.FreePlaces || c.HoursPerWeek != write.Cell.HoursPerWeek
                || (c.AvailableFrom > today ? c.AvailableFrom : today) != write.Cell.AvailableFrom
                || !(beforeOutlook?.Coming(today) ?? []).SequenceEqual(write.Outlook?.Coming(today) ?? []);
            good.Add((row, outcome, changed));
        }

        response.Changed = good.Count(g => g.Changed);
        response.Unchanged = good.Count - response.Changed;
        if (request.Apply && writes.Count > 0)
        {
            // Also the unchanged rows are written: publishing a figure again makes it fresh for searches.
            var results = await store.WriteAsync(writes);
            await outlooks.WriteAsync(writes, results);
            for (var i = 0; i < good.Count; i++)
            {
                var (row, outcome, changed) = good[i];
                if (results[i].Applied) { outcome.Status = ImportRowStatus.Applied; if (changed) response.Outcomes.Add(outcome); continue; }
                outcome.Status = ImportRowStatus.Outdated;
                outcome.Errors.Add(new Google.Rpc.BadRequest.Types.FieldViolation
                {
                    Field = ImportSheet.Version, Reason = Reasons.VersionOutdated, Description = $"a figure with version {results[i].StoredVersion} came in meanwhile",
                });
                response.Outcomes.Add(outcome);
                response.Refused++;
                if (changed) response.Changed--; else response.Unchanged--;
            }
        }
        else response.Outcomes.AddRange(good.Where(g => g.Changed).Select(g => g.Outcome));
        var ordered = response.Outcomes.OrderBy(o => o.Row).ToList();
        response.Outcomes.Clear();
        response.Outcomes.AddRange(ordered);
        return response;
    }

    /// <summary>
    /// The file's rows, parsed in one of <see cref="ImportSheet.MaxParallelParses"/> slots: a third
    /// import waits for one at most <see cref="ImportSheet.ParseWait"/> (and no longer than the call
    /// lives), else RESOURCE_EXHAUSTED — a workbook costs memory and CPU while it is read.
    /// </summary>
    static async Task<List<ParsedRow>> ParseAsync(ImportCapacityRequest request, CancellationToken cancel)
    {
        if (!await Parses.WaitAsync(ImportSheet.ParseWait, cancel))
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "other imports are being read; try again in a minute"));
        try
        {
            var bytes = request.File.ToByteArray();
            var xlsx = request.Format == ImportFormat.Xlsx || (request.Format == ImportFormat.Unspecified && XlsxTable.Looks(bytes));
            return ImportRows.Parse(xlsx ? XlsxTable.Read(bytes, cancel) : CsvTable.Read(bytes));
        }
        catch (UnpackedTooLargeException e)
        {
            throw InputErrors.Single("file", Reasons.FileTooLarge, e.Message);
        }
        catch (FormatException e)
        {
            throw InputErrors.Single("file", Reasons.FileUnreadable, e.Message);
        }
        finally
        {
            Parses.Release();
        }
    }

    /// <summary>The template: every area the provider serves × every care type it gives (or has figures for), with the current figures; at most <see cref="ImportSheet.MaxRows"/> rows.</summary>
    public async Task<HttpBody> TemplateAsync(GetCapacityTemplateRequest request)
    {
        var provider = await ProviderAsync(request.Agb);
        if (request.Format is not (ImportFormat.Unspecified or ImportFormat.Csv or ImportFormat.Xlsx))
            throw InputErrors.Single("format", Reasons.ValueUnknown, "CSV or XLSX");
        var snapshot = await registry.KnowingAsync(agb: provider.Agb);
        var figuresRead = store.GetProviderAsync(provider.Agb, provider.ServedPc4s);
        var outlooksRead = outlooks.GetProviderAsync(provider.Agb, provider.ServedPc4s);
        var (figures, outlookOf) = (await figuresRead, await outlooksRead);
        var today = time.Today();
        var days = Enumerable.Range(1, Outlook.Outlook.WindowDays).Select(d => today.AddDays(d)).ToArray();
        // The care types it gives (registered, or by its contracts; district nursing when it names
        // none yet) and any it has figures for.
        var given = CareTypes.All.Where(t => snapshot.Gives(provider, t, today.Year)).ToHashSet();
        if (given.Count == 0) given.Add(CareType.DistrictNursing);
        var types = CareTypes.All.Where(t => given.Contains(t) || figures.Exists(f => f.CareType == t)).ToArray();
        var at = figures.ToDictionary(f => (f.Pc4, f.CareType), f => f.Cell);
        var rows = provider.ServedPc4s.Order()
            .SelectMany(pc4 => types.Select(t => (pc4, t)))
            .Take(ImportSheet.MaxRows)
            .Select(k => at.TryGetValue(k, out var c)
                ? new TemplateRow(Codes.Pc4(k.pc4), ImportSheet.DutchNames[k.t], c.FreePlaces, c.AvailableFrom > today ? c.AvailableFrom : today, c.HoursPerWeek)
                {
                    // The outlook of this figure's version, so that uploading the template unchanged keeps it.
                    Outlook = outlookOf.TryGetValue(k, out var o) ? [.. days.Select(d => o.ExpectedOn(d, c.Version, today))] : [],
                }
                : new TemplateRow(Codes.Pc4(k.pc4), ImportSheet.DutchNames[k.t], null, today, null))
            .ToList();
        return request.Format == ImportFormat.Xlsx
            ? new HttpBody { ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data = ByteString.CopyFrom(XlsxTable.Write(rows, ImportSheet.OutlookColumns(today))) }
            : new HttpBody
            {
                ContentType = "text/csv; charset=utf-8",
                Data = ByteString.CopyFrom(CsvTable.Write(rows.Select(r => r.Cells()).Prepend([.. ImportSheet.Columns, .. ImportSheet.OutlookColumns(today)]))),
            };
    }

    CapacityFigure WithOutlook(CapacityFigure figure, Outlook.Outlook? outlook)
    {
        if (outlook is not null) figure.Outlook.AddRange(Outlook.OutlookValidation.ToProto(outlook, time.Today()));
        return figure;
    }

    async Task<ProviderInfo> ProviderAsync(string agb)
    {
        if (!Codes.IsAgb(agb)) throw InputErrors.Single("agb", Codes.AgbRule);
        return (await registry.KnowingAsync(agb: agb)).Providers.TryGetValue(agb, out var provider)
            ? provider
            : throw InputErrors.Single("agb", Reasons.ProviderUnknown, $"provider {agb} is not registered");
    }
}
