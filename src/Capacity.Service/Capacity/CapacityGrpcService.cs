using Capacity.Service.Registry;
using Capacity.Service.Security;
using Capacity.Service.Shared;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Capacity.Service.Capacity;

public sealed partial class CapacityGrpcService(CapacityStore store, Outlook.OutlookStore outlooks, RegistryCache registry, TimeProvider time, Import.CapacityImporter importer, Microsoft.Extensions.Options.IOptions<Security.LimitsOptions> limits,
    Microsoft.Extensions.Options.IOptionsMonitor<Matching.MatchingOptions> matching)
    : CapacityService.CapacityServiceBase
{
    public const int MaxFreePlaces = 10_000;
    public const double MaxHoursPerWeek = 10_000;
    public const long MaxVersion = (1L << 53) - 1; // the write script compares versions as Lua doubles
    const int PublishBatchSize = 512;
    const int MaxRejectedListed = 1_000;

    public override async Task<SetCapacityResponse> SetCapacity(SetCapacityRequest request, ServerCallContext context)
    {
        var writes = new List<CapacityWrite>();
        var errors = new InputErrors();
        Expand(request, await registry.KnowingAsync(agb: Codes.IsAgb(request.Agb) ? request.Agb : null), time, errors, writes);
        errors.ThrowIfAny();

        var outcomes = await WriteAsync(writes);
        return new SetCapacityResponse
        {
            Results = { outcomes.Select(o => new CapacityWriteResult { Pc4 = Codes.Pc4(o.Pc4), Applied = o.Applied, StoredVersion = o.StoredVersion }) },
        };
    }

    public override async Task<PublishCapacityResponse> PublishCapacity(IAsyncStreamReader<SetCapacityRequest> requestStream, ServerCallContext context)
    {
        var response = new PublishCapacityResponse();
        var batch = new List<CapacityWrite>(PublishBatchSize);
        var caller = context.CallerOrNull();

        async Task FlushAsync()
        {
            foreach (var outcome in await WriteAsync(batch))
            {
                if (outcome.Applied) response.Applied++;
                else response.Outdated++;
            }
            batch.Clear();
        }

        // Figures are written in batches while they stream in quickly, and at once when the
        // publisher pauses: a long-lived stream from a provider's system must not hold a figure
        // back until 512 more arrive.
        while (true)
        {
            var next = requestStream.MoveNext(context.CancellationToken);
            if (!next.IsCompleted && batch.Count > 0) await FlushAsync();
            if (!await next) break;
            var item = requestStream.Current;
            if (response.Received == limits.Value.MaxStreamItems)
            {
                if (batch.Count > 0) await FlushAsync();
                throw new RpcException(new Status(StatusCode.ResourceExhausted,
                    $"At most {limits.Value.MaxStreamItems} figures per stream; the first {response.Received} were written (applied {response.Applied} so far). Publish the rest on a new stream."));
            }
            response.Received++;
            if (caller is not null && item.Agb != caller.Agb)
            {
                if (response.Rejected.Count < MaxRejectedListed)
                    response.Rejected.Add(new RejectedItem { Sequence = response.Received, Status = new Google.Rpc.Status { Code = (int)StatusCode.PermissionDenied, Message = "a provider publishes its own figures only" } });
                continue;
            }
            var errors = new InputErrors();
            var before = batch.Count;
            Expand(item, await registry.KnowingAsync(agb: Codes.IsAgb(item.Agb) ? item.Agb : null), time, errors, batch);
            if (errors.Any)
            {
                batch.RemoveRange(before, batch.Count - before);
                if (response.Rejected.Count < MaxRejectedListed)
                    response.Rejected.Add(new RejectedItem { Sequence = response.Received, Status = errors.ToStatus() });
            }
            if (batch.Count >= PublishBatchSize) await FlushAsync();
        }
        if (batch.Count > 0) await FlushAsync();
        return response;
    }

    public const int MaxBatchFigures = 10_000;

    public override async Task<PublishCapacityResponse> UpdateCapacity(UpdateCapacityRequest request, ServerCallContext context)
    {
        var errors = new InputErrors();
        if (!Codes.IsAgb(request.Agb)) errors.Add("agb", Codes.AgbRule);
        if (request.Figures.Count is 0 or > MaxBatchFigures)
            errors.Add("figures", request.Figures.Count == 0 ? Reasons.ListEmpty : Reasons.ListTooLong, $"must hold 1 to {MaxBatchFigures} figures");
        errors.ThrowIfAny();
        var snapshot = await registry.KnowingAsync(agb: request.Agb);
        if (!snapshot.Providers.ContainsKey(request.Agb)) throw InputErrors.Single("agb", Reasons.ProviderUnknown, $"provider {request.Agb} is not registered");

        var writes = new List<CapacityWrite>();
        for (var i = 0; i < request.Figures.Count; i++)
        {
            var figure = request.Figures[i];
            if (figure.Agb is { Length: > 0 } agb && agb != request.Agb)
            {
                errors.Add($"figures[{i}].agb", Reasons.FieldMismatch, "must be empty or the request's agb");
                continue;
            }
            var one = figure.Clone();
            one.Agb = request.Agb;
            var figureErrors = new InputErrors();
            Expand(one, snapshot, time, figureErrors, writes);
            errors.AddNested($"figures[{i}]", figureErrors);
        }
        errors.ThrowIfAny(); // nothing is written unless every figure is good

        var response = new PublishCapacityResponse { Received = request.Figures.Count };
        foreach (var outcome in await WriteAsync(writes))
        {
            if (outcome.Applied) response.Applied++;
            else response.Outdated++;
        }
        return response;
    }

    /// <summary>The figures, then their outlooks (<see cref="Outlook.OutlookStore"/>: only where the figure was applied).</summary>
    async Task<CapacityWriteOutcome[]> WriteAsync(IReadOnlyList<CapacityWrite> writes)
    {
        var outcomes = await store.WriteAsync(writes);
        await outlooks.WriteAsync(writes, outcomes);
        return outcomes;
    }

    public override async Task<GetProviderCapacityResponse> GetProviderCapacity(GetProviderCapacityRequest request, ServerCallContext context)
    {
        if (!Codes.IsAgb(request.Agb)) throw InputErrors.Single("agb", Codes.AgbRule);
        if (!(await registry.KnowingAsync(agb: request.Agb)).Providers.TryGetValue(request.Agb, out var provider))
            throw InputErrors.Single("agb", Reasons.ProviderUnknown, $"provider {request.Agb} is not registered");

        var read = store.GetProviderAsync(provider.Agb, provider.ServedPc4s);
        var outlooksRead = outlooks.GetProviderAsync(provider.Agb, provider.ServedPc4s); // in flight beside the figures: one round trip
        var (figures, outlookOf) = (await read, await outlooksRead);
        var today = time.Today();
        var response = new GetProviderCapacityResponse { FreshnessWindow = Duration.FromTimeSpan(matching.CurrentValue.FreshnessWindow) };
        foreach (var f in figures)
        {
            var figure = ToFigure(f.Pc4, f.CareType, f.Cell);
            // Only the outlook of this very version (docs/INSIGHT-outlook.md), and only its coming days.
            if (outlookOf.TryGetValue((f.Pc4, f.CareType), out var o) && o.Version == f.Cell.Version)
                figure.Outlook.AddRange(Outlook.OutlookValidation.ToProto(o, today));
            response.Figures.Add(figure);
        }
        return response;
    }

    /// <summary>
    /// Validates one request and appends one write per area it covers. Areas the provider does
    /// not serve are refused: capacity there could never match.
    /// </summary>
    internal static void Expand(SetCapacityRequest request, RegistrySnapshot snapshot, TimeProvider time, InputErrors errors, List<CapacityWrite> writes)
    {
        ProviderInfo? provider = null;
        if (!Codes.IsAgb(request.Agb)) errors.Add("agb", Codes.AgbRule);
        else if (!snapshot.Providers.TryGetValue(request.Agb, out provider)) errors.Add("agb", Reasons.ProviderUnknown, $"provider {request.Agb} is not registered");

        IReadOnlyList<int> areas = [];
        switch (request.AreaCase)
        {
            case SetCapacityRequest.AreaOneofCase.Pc4:
                if (request.Pc4.Length != 4 || !int.TryParse(request.Pc4, out var pc4)) errors.Add("pc4", Reasons.PostcodeFormat, "must be a PC4 code of 4 digits");
                else if (provider is not null && !provider.Serves(pc4)) errors.Add("pc4", Reasons.AreaNotServed, $"area {request.Pc4} is not served by provider {provider.Agb}");
                else areas = [pc4];
                break;
            case SetCapacityRequest.AreaOneofCase.AllServedAreas when request.AllServedAreas:
                areas = provider?.ServedPc4s ?? [];
                break;
            default:
                errors.Add("area", Reasons.ChoiceRequired, "set pc4, or all_served_areas to true");
                break;
        }
        if (!CareTypes.IsKnown(request.CareType)) errors.Add("care_type", Reasons.CareTypeUnknown, "must be a known care type");
        if (request.FreePlaces < 0) errors.Add("free_places", Reasons.NumberRange, "must not be negative");
        else if (request.FreePlaces > MaxFreePlaces) errors.Add("free_places", Reasons.NumberRange, $"at most {MaxFreePlaces}");
        if (request.HasHoursPerWeek && request.HoursPerWeek is < 0 or > MaxHoursPerWeek or double.NaN)
            errors.Add("hours_per_week", Reasons.NumberRange, $"must be between 0 and {MaxHoursPerWeek}");
        if (request.Version is < 1 or > MaxVersion) errors.Add("version", Reasons.NumberRange, $"must be between 1 and {MaxVersion}");

        var today = time.Today();
        var from = today;
        if (request.AvailableFrom is not null)
        {
            if (request.AvailableFrom.TryToDateOnly() is not { } date) errors.Add("available_from", Reasons.DateInvalid, "is not a valid date");
            else if (date > today.AddYears(1)) errors.Add("available_from", Reasons.DateTooFar, "at most one year ahead");
            else if (date > today) from = date; // a date in the past means "free now"
        }
        var outlook = Outlook.OutlookValidation.Validate(request.Outlook, request.Version, today, errors);
        if (errors.Any) return;

        var cell = new CapacityCell(request.Version, time.GetUtcNow().ToUnixTimeMilliseconds(), request.FreePlaces, from,
            request.HasHoursPerWeek ? request.HoursPerWeek : null);
        foreach (var area in areas) writes.Add(new CapacityWrite(request.Agb, area, request.CareType, cell) { Outlook = outlook });
    }

    internal static CapacityFigure ToFigure(int pc4, CareType careType, CapacityCell c)
    {
        var figure = new CapacityFigure
        {
            Pc4 = Codes.Pc4(pc4),
            CareType = careType,
            FreePlaces = c.FreePlaces,
            HeldPlaces = c.Held,
            Unit = CareTypes.UnitOf(careType),
            AvailableFrom = c.AvailableFrom.ToDate(),
            Version = c.Version,
            PublishedAt = Timestamp.FromDateTimeOffset(c.PublishedAt),
        };
        if (c.HoursPerWeek is { } h) figure.HoursPerWeek = h;
        return figure;
    }
}
