using Capacity.Service.Security;
using Capacity.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Capacity.Service.Audit;

/// <summary>
/// Writes the NEN 7513 record of every call that reads or changes referral data (the referral,
/// offer and mediation services, and the alerts list), allowed or not: one record per answer — naming the referral it
/// showed, or for a list read every referral it showed (one record, however long the page; the
/// desk's queue of 1,720 once wrote 1,720 per read) — or, when it showed none, the referral the
/// request named. The answer leaves only once its record is stored.
/// It sits outside the authorization interceptor, so refusals of signed-in callers are recorded
/// too — of every method, referral data or not (a provider asking for another's capacity). A call
/// without a valid token never gets here: the endpoint refuses it before its body is read.
/// </summary>
public sealed class AuditInterceptor(AuditLog audit, TimeProvider time) : Interceptor
{
    AuditLog Log => audit;

    static bool Audited(string method) =>
        method.StartsWith("/capacity.v1.ReferralService/", StringComparison.Ordinal)
        || method.StartsWith("/capacity.v1.OfferService/", StringComparison.Ordinal)
        || (method.StartsWith("/capacity.v1.MediationService/", StringComparison.Ordinal) && !method.EndsWith("/GetUnmetDemand", StringComparison.Ordinal))
        // Alerts name the referrals waiting too long: a list read like the others.
        || method == "/capacity.v1.InsightService/ListAlerts";

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (!audit.Enabled) return continuation(request, context);
        if (Audited(context.Method)) return AuditedUnaryAsync(request, context, continuation);
        // Other methods (every search passes here): only a refusal is recorded; no extra async step otherwise.
        Task<TResponse> call;
        try
        {
            call = continuation(request, context);
        }
        catch (RpcException e) when (IsDenial(e.StatusCode))
        {
            return RecordRefusalAsync<TResponse>(context, request as IMessage, e);
        }
        return call.IsCompletedSuccessfully ? call : RecordIfRefusedAsync(call, context, request as IMessage);
    }

    async Task<TResponse> RecordRefusalAsync<TResponse>(ServerCallContext context, IMessage? request, RpcException e)
    {
        await audit.WriteAsync(Record(context, request, null, null, Outcome(e.StatusCode)));
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e);
        throw new System.Diagnostics.UnreachableException();
    }

    async Task<TResponse> RecordIfRefusedAsync<TResponse>(Task<TResponse> call, ServerCallContext context, IMessage? request)
    {
        try
        {
            return await call;
        }
        catch (RpcException e) when (IsDenial(e.StatusCode))
        {
            await audit.WriteAsync(Record(context, request, null, null, Outcome(e.StatusCode)));
            throw;
        }
    }

    async Task<TResponse> AuditedUnaryAsync<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        where TRequest : class where TResponse : class
    {
        TResponse response;
        try
        {
            response = await continuation(request, context);
        }
        catch (RpcException e)
        {
            await audit.WriteAsync(Record(context, request as IMessage, null, null, Outcome(e.StatusCode)));
            throw;
        }
        await audit.WriteAsync(Shown(context, request as IMessage, response as IMessage));
        return response;
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (!audit.Enabled || !Audited(context.Method))
        {
            await continuation(request, responseStream, context);
            return;
        }
        // A watch is recorded when it starts, and every offer it shows as it is sent.
        var audited = new AuditedWriter<TResponse>(responseStream, this, context, request as IMessage);
        try
        {
            await continuation(request, audited, context);
        }
        catch (RpcException e)
        {
            await audit.WriteAsync(Record(context, request as IMessage, null, null, Outcome(e.StatusCode)));
            throw;
        }
    }

    // Refused streams (a role the method is not open to) are recorded like refused calls.
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (RpcException e) when (audit.Enabled && IsDenial(e.StatusCode))
        {
            await audit.WriteAsync(Record(context, null, null, null, Outcome(e.StatusCode)));
            throw;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (RpcException e) when (audit.Enabled && IsDenial(e.StatusCode))
        {
            await audit.WriteAsync(Record(context, null, null, null, Outcome(e.StatusCode)));
            throw;
        }
    }

    static bool IsDenial(StatusCode code) => code is StatusCode.PermissionDenied or StatusCode.Unauthenticated;

    sealed class AuditedWriter<T>(IServerStreamWriter<T> inner, AuditInterceptor owner, ServerCallContext context, IMessage? request) : IServerStreamWriter<T>
    {
        public WriteOptions? WriteOptions { get => inner.WriteOptions; set => inner.WriteOptions = value; }

        public async Task WriteAsync(T message)
        {
            if (Referrals(message as IMessage).Any()) await owner.Log.WriteAsync(owner.Shown(context, request, message as IMessage));
            await inner.WriteAsync(message);
        }
    }

    static string Outcome(StatusCode code) => code is StatusCode.PermissionDenied or StatusCode.NotFound or StatusCode.Unauthenticated
        ? $"denied ({code})" : $"failed ({code})";

    /// <summary>
    /// The record of an allowed answer: about the one referral it showed (or the request named),
    /// or — a list read — one record naming each referral shown, with its patient reference.
    /// </summary>
    AuditRecord Shown(ServerCallContext context, IMessage? request, IMessage? response)
    {
        var shown = Referrals(response).DistinctBy(t => t.Id).ToArray();
        return shown.Length switch
        {
            0 => Record(context, request, null, null, "allowed"),
            1 => Record(context, request, shown[0].Id, shown[0].PatientRef, "allowed"),
            _ => Record(context, request, null, null, "allowed") with
            {
                ReferralId = null,
                ReferralIds = [.. shown.Select(t => t.Id)],
                PatientRefs = [.. shown.Select(t => t.PatientRef)],
            },
        };
    }

    AuditRecord Record(ServerCallContext context, IMessage? request, string? referralId, string? patientRef, string outcome)
    {
        var caller = context.CallerOrNull();
        var user = context.GetHttpContext().User;
        return new AuditRecord(
            time.GetUtcNow(),
            caller?.Subject ?? "anonymous",
            caller is null ? "anonymous" : Caller.ClaimValue(caller.Role),
            caller?.Org ?? caller?.Agb ?? caller?.Uzovi ?? caller?.Gm,
            user.FindFirst("on_behalf_of")?.Value,
            context.Method,
            referralId ?? ReferralIdOf(request),
            patientRef,
            outcome);
    }

    static string? ReferralIdOf(IMessage? request) =>
        request?.Descriptor.FindFieldByName("referral_id")?.Accessor.GetValue(request) as string is { Length: > 0 } id ? id : null;

    /// <summary>The referrals an answer shows: a referral, or referrals and offer views in it.</summary>
    static IEnumerable<(string Id, string PatientRef)> Referrals(IMessage? message)
    {
        switch (message)
        {
            case null:
                yield break;
            case Referral r:
                yield return (r.Id, r.PatientRef);
                yield break;
            case OfferView v:
                yield return (v.ReferralId, v.PatientRef);
                yield break;
            case Alert a:
                if (a.ReferralId.Length > 0) yield return (a.ReferralId, a.PatientRef);
                yield break;
        }
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            if (field.FieldType != Google.Protobuf.Reflection.FieldType.Message) continue;
            var value = field.Accessor.GetValue(message);
            if (field.IsRepeated)
            {
                foreach (var item in (System.Collections.IEnumerable)value)
                    if (item is Referral or OfferView or Alert)
                        foreach (var t in Referrals((IMessage)item)) yield return t;
            }
            else if (value is Referral or OfferView or OfferUpdate)
            {
                foreach (var t in Referrals((IMessage)value)) yield return t;
            }
        }
    }
}
