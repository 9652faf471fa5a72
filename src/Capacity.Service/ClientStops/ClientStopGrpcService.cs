using System.Globalization;
using Capacity.Service.Registry;
using Capacity.Service.Security;
using Capacity.Service.Shared;
using Capacity.V1;
using Grpc.Core;

namespace Capacity.Service.ClientStops;

/// <summary>
/// Client stops are registry data (they change a few times a day and every search reads them), so
/// they are stored in the registry hashes and served from the registry snapshot.
/// </summary>
public sealed class ClientStopGrpcService(RegistryStore store, RegistryCache cache, TimeProvider time)
    : ClientStopService.ClientStopServiceBase
{
    public const int MaxReasonTextLength = 500;

    public override async Task<ClientStop> DeclareClientStop(DeclareClientStopRequest request, ServerCallContext context)
    {
        // A retry of a declaration that happened answers its stop before anything is checked again
        // (a retry after midnight must not be refused for a start day now past).
        var replayId = request.RequestId.Length > 0 && Codes.IsRequestId(request.RequestId) && request.Stop is { } asked && Codes.IsAgb(asked.ProviderAgb)
            ? StopIdOf(asked.ProviderAgb, request.RequestId) : null;
        if (replayId is not null && cache.Current.Stops.TryGetValue(replayId, out var earlier)) return Replayed(earlier.ToProto(), Normalized(request.Stop, replayId));

        var snapshot = cache.Current;
        if (request.Stop is { } s && (!snapshot.Providers.ContainsKey(s.ProviderAgb) || s.InsurerUzovis.Any(u => !snapshot.Insurers.ContainsKey(u))))
            snapshot = await cache.CatchUpAsync(); // registered through another instance a moment ago?
        var errors = Validate(request.Stop, snapshot, time.Today());
        if (request.RequestId.Length > 0 && !Codes.IsRequestId(request.RequestId)) errors.Add("request_id", Codes.RequestIdRule);
        errors.ThrowIfAny();

        var stop = Normalized(request.Stop, replayId ?? "cs_" + Guid.CreateVersion7().ToString("N"));
        if (replayId is null)
        {
            var (version, _) = await store.WriteAsync([RegistryWrite.Set(RegistryHash.Stops, stop.Id, stop)], ChangeOf(stop.ToModel(), snapshot));
            await cache.EnsureVersionAsync(version);
            return stop;
        }
        // With a request id the stop is written once: a retry finds it (or finds it lifted since),
        // never declares it twice. Each such id stays in the registry's write-once set (a few bytes
        // per declaration; stops are declared a few times a day).
        var (onceVersion, written) = await store.WriteOnceAsync([RegistryWrite.Set(RegistryHash.Stops, stop.Id, stop)], ChangeOf(stop.ToModel(), snapshot));
        await cache.EnsureVersionAsync(onceVersion);
        if (written == 1) return stop;
        return cache.Current.Stops.TryGetValue(stop.Id, out var declared) ? Replayed(declared.ToProto(), stop)
            : throw Reasons.Refuse(StatusCode.FailedPrecondition, Reasons.ClientStopGone, $"This request declared client stop {stop.Id}, which has been lifted since.");
    }

    /// <summary>The stop as stored: its id, and its lists without duplicates, in order.</summary>
    static ClientStop Normalized(ClientStop asked, string id)
    {
        var stop = asked.Clone();
        stop.Id = id;
        stop.InsurerUzovis.Clear();
        stop.InsurerUzovis.AddRange(asked.InsurerUzovis.Distinct().Order(StringComparer.Ordinal));
        stop.CareTypes.Clear();
        stop.CareTypes.AddRange(asked.CareTypes.Distinct().Order());
        stop.Pc4S.Clear();
        stop.Pc4S.AddRange(asked.Pc4S.Distinct().Order(StringComparer.Ordinal));
        return stop;
    }

    /// <summary>The stop an earlier attempt declared, if this retry asks for the same stop; a request id reused for another stop is refused.</summary>
    static ClientStop Replayed(ClientStop declared, ClientStop asked) => declared.Equals(asked) ? declared
        : throw Reasons.Refuse(StatusCode.AlreadyExists, Reasons.RequestReused, $"This request_id declared client stop {declared.Id} with other details: use a new request_id for another stop.");

    /// <summary>A stop declared with a request id has an id of its own derived from it, so a retry names the same stop.</summary>
    static string StopIdOf(string agb, string requestId) =>
        "cs_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{agb}|{requestId}")))[..32];

    public override async Task<LiftClientStopResponse> LiftClientStop(LiftClientStopRequest request, ServerCallContext context)
    {
        // The id is echoed in the answer: the free-text rule keeps control characters out of it.
        if (string.IsNullOrWhiteSpace(request.Id) || request.Id.Length > 64 || FreeText.Problem(request.Id, multiLine: false) is not null)
            throw InputErrors.Single("id", Reasons.IdFormat, "must be a client stop id");
        var snapshot = cache.Current;
        if (context.CallerOrNull() is { Role: Security.Role.Provider } caller && snapshot.Stops.TryGetValue(request.Id, out var owned) && owned.Agb != caller.Agb)
            throw Reasons.Refuse(StatusCode.PermissionDenied, Reasons.OtherProvidersStop, "Not allowed: that client stop is another provider's.");
        var change = snapshot.Stops.TryGetValue(request.Id, out var known) ? ChangeOf(known, snapshot) : RegistryChange.Everything;
        var (version, removed) = await store.WriteAsync([RegistryWrite.Delete(RegistryHash.Stops, request.Id)], change);
        await cache.EnsureVersionAsync(version);
        if (removed == 0) throw Reasons.Refuse(StatusCode.NotFound, Reasons.ClientStopNotFound, $"Client stop {request.Id} does not exist.");
        return new LiftClientStopResponse { RegistryVersion = version };
    }

    public override Task<ListClientStopsResponse> ListClientStops(ListClientStopsRequest request, ServerCallContext context)
    {
        var errors = new InputErrors();
        if (request.ProviderAgb.Length > 0 && !Codes.IsAgb(request.ProviderAgb)) errors.Add("provider_agb", Codes.AgbRule);
        if (request.InsurerUzovi.Length > 0 && !Codes.IsUzovi(request.InsurerUzovi)) errors.Add("insurer_uzovi", Codes.UzoviRule);
        var onOrAfter = time.Today();
        if (request.OnOrAfter is not null)
        {
            if (request.OnOrAfter.TryToDateOnly() is { } date) onOrAfter = date;
            else errors.Add("on_or_after", Reasons.DateInvalid, "is not a valid date");
        }
        var size = Paging.PageSize(request.PageSize, errors);
        errors.ThrowIfAny();

        var stops = cache.Current.Stops.Values
            .Where(s => request.ProviderAgb.Length == 0 || s.Agb == request.ProviderAgb)
            .Where(s => request.InsurerUzovi.Length == 0 || s.Uzovis.Count == 0 || s.Uzovis.Contains(request.InsurerUzovi))
            .Where(s => s.Until is null || s.Until >= onOrAfter);
        // The list a token belongs to is the request's filter as given (an unset date stays "today", whichever day that is).
        var list = $"stops|{request.ProviderAgb}|{request.InsurerUzovi}|{(request.OnOrAfter is null ? "" : onOrAfter.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))}";
        var page = Paging.Of(stops, SortKey, list, size, request.PageToken);
        return Task.FromResult(new ListClientStopsResponse { Stops = { page.Items.Select(s => s.ToProto()) }, NextPageToken = page.NextPageToken });
    }

    /// <summary>Provider, start date, id: fixed-width parts first, so the ordinal order of the key is the order of the list.</summary>
    static string SortKey(ClientStopInfo s) => $"{s.Agb}|{s.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}|{s.Id}";

    static InputErrors Validate(ClientStop? stop, RegistrySnapshot snapshot, DateOnly today)
    {
        var errors = new InputErrors();
        if (stop is null) return errors.Add("stop", Reasons.Required, "is required");

        ProviderInfo? provider = null;
        if (!Codes.IsAgb(stop.ProviderAgb)) errors.Add("stop.provider_agb", Codes.AgbRule);
        else if (!snapshot.Providers.TryGetValue(stop.ProviderAgb, out provider)) errors.Add("stop.provider_agb", Reasons.ProviderUnknown, $"provider {stop.ProviderAgb} is not registered");

        foreach (var uzovi in stop.InsurerUzovis)
        {
            if (!Codes.IsUzovi(uzovi)) errors.Add("stop.insurer_uzovis", Reasons.UzoviFormat, $"'{uzovi}' is not a UZOVI code of 4 digits");
            else if (!snapshot.Insurers.ContainsKey(uzovi)) errors.Add("stop.insurer_uzovis", Reasons.InsurerUnknown, $"insurer {uzovi} is not registered");
        }
        RegistryValidation.ValidateCareTypes(stop.CareTypes, "stop.care_types", errors, required: false);
        if (provider is not null)
        {
            var notServed = stop.Pc4S.Where(pc4 => !int.TryParse(pc4, out var n) || pc4.Length != 4 || !provider.Serves(n)).Take(5).ToArray();
            if (notServed.Length > 0) errors.Add("stop.pc4s", Reasons.AreaNotServed, $"not served by provider {provider.Agb}: {string.Join(", ", notServed)}");
        }

        var from = stop.From.TryToDateOnly();
        if (from is null) errors.Add("stop.from", stop.From is null ? Reasons.Required : Reasons.DateInvalid, stop.From is null ? "is required" : "is not a valid date");
        if (stop.Until is not null)
        {
            var until = stop.Until.TryToDateOnly();
            if (until is null) errors.Add("stop.until", Reasons.DateInvalid, "is not a valid date");
            else if (from is not null && until < from) errors.Add("stop.until", Reasons.DateBeforeStart, "must not be before stop.from");
            else if (until < today) errors.Add("stop.until", Reasons.DateInPast, "lies in the past; a stop that has ended need not be declared");
        }
        if (stop.Reason == ClientStopReason.Unspecified || !Enum.IsDefined(stop.Reason))
            errors.Add("stop.reason", Reasons.ValueUnknown, "must be COST_CEILING, STAFF_SHORTAGE or OTHER");
        else if (stop.Reason == ClientStopReason.Other && FreeText.IsBlank(stop.ReasonText))
            errors.Add("stop.reason_text", Reasons.ExplanationRequired, "is required when the reason is OTHER");
        if (stop.ReasonText.Length > MaxReasonTextLength) errors.Add("stop.reason_text", Reasons.TextTooLong, $"at most {MaxReasonTextLength} characters");
        else if (FreeText.Problem(stop.ReasonText, multiLine: true) is { } chars) errors.Add("stop.reason_text", chars);
        // A cost ceiling may be given as the reason, never its amount.
        else if (Security.InformationBoundary.ContainsMoneyAmount(stop.ReasonText)) errors.Add("stop.reason_text", Reasons.MoneyAmount, Security.InformationBoundary.Refusal);
        return errors;
    }

    static RegistryChange ChangeOf(ClientStopInfo stop, RegistrySnapshot snapshot) =>
        new([stop.Agb], stop.Pc4s.Count > 0 ? stop.Pc4s : snapshot.Providers.GetValueOrDefault(stop.Agb)?.ServedPc4s ?? []);
}
