using Capacity.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Capacity.Bench;

/// <summary>
/// FindProviders as a load generator should call it: the request is serialised as usual, the
/// response is received in full but not parsed (its size is counted). Parsing answers of up to a
/// hundred kilobytes would spend the load generator's share of the two shared cores on work no
/// service does, and h2load and redis-benchmark do not parse either. Sanity and push checks still
/// parse, through the generated client. Calls take turns over the given channels (connections).
/// </summary>
sealed class RawMatching(IReadOnlyList<CallInvoker> invokers)
{
    int _next;

    static readonly Method<FindProvidersRequest, Received> FindProviders = new(
        MethodType.Unary, "capacity.v1.MatchingService", "FindProviders",
        Marshallers.Create<FindProvidersRequest>(r => r.ToByteArray(), FindProvidersRequest.Parser.ParseFrom),
        new Marshaller<Received>((_, _) => throw new NotSupportedException(), context => new Received(context.PayloadLength)));

    /// <summary>The size of an answer that was received and not parsed.</summary>
    public sealed record Received(int Bytes);

    public Task<Received> FindProvidersAsync(FindProvidersRequest request) =>
        invokers[(int)((uint)Interlocked.Increment(ref _next) % invokers.Count)].AsyncUnaryCall(FindProviders, null, new CallOptions(), request).ResponseAsync;
}
