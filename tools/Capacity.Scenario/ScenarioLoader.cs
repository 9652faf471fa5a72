using System.Diagnostics;
using Capacity.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Capacity.Scenario;

/// <summary>What one capacity publication through <c>PublishCapacity</c> streams achieved.</summary>
public sealed record IngestResult(int Streams, long Messages, long Applied, long Outdated, long Rejected, TimeSpan Elapsed)
{
    public double MessagesPerSecond => Messages / Elapsed.TotalSeconds;
}

/// <summary>
/// Puts a scenario into a running service through its public gRPC API, as the parties would:
/// the registry through one <c>ImportRegistry</c> stream, client stops one call each, capacity
/// as each provider's own <c>PublishCapacity</c> stream, many providers at once.
/// </summary>
public static class ScenarioLoader
{
    /// <summary>
    /// Insurers, then providers, then contracts, on one bidirectional stream. Throws on the first refused item.
    /// With <paramref name="bearer"/> (role, tenant → an "authorization" header value) each party imports its own:
    /// the registry admin insurers and providers on one stream, each insurer's contract administration its contracts on another.
    /// </summary>
    public static async Task<int> ImportRegistryAsync(GrpcChannel channel, Scenario scenario, CancellationToken cancel = default, Func<string, string?, string>? bearer = null)
    {
        var client = new RegistryService.RegistryServiceClient(channel);
        var registry = scenario.Insurers.Select(i => new ImportRegistryRequest { Insurer = i.Insurer })
            .Concat(scenario.Providers.Select(p => new ImportRegistryRequest { Provider = p.Provider }));
        var contracts = scenario.Contracts.Select(c => new ImportRegistryRequest { Contract = c });
        if (bearer is null) return await ImportAsync(client, [.. registry.Concat(contracts)], null, cancel);
        var count = await ImportAsync(client, [.. registry], Headers(bearer("registry_admin", null)), cancel);
        foreach (var insurer in scenario.Contracts.GroupBy(c => c.InsurerUzovi))
            count += await ImportAsync(client, [.. insurer.Select(c => new ImportRegistryRequest { Contract = c })], Headers(bearer("insurer_import", insurer.Key)), cancel);
        return count;
    }

    static Metadata? Headers(string? authorization) => authorization is null ? null : new Metadata { { "authorization", authorization } };

    static async Task<int> ImportAsync(RegistryService.RegistryServiceClient client, ImportRegistryRequest[] items, Metadata? headers, CancellationToken cancel)
    {
        using var call = client.ImportRegistry(headers, cancellationToken: cancel);

        // Read while writing: the service answers each item, and unread answers would stall the stream.
        var answers = Task.Run(async () =>
        {
            var failures = new List<string>();
            var count = 0;
            await foreach (var answer in call.ResponseStream.ReadAllAsync(cancel))
            {
                count++;
                if (answer.Status is { Code: not 0 } status && failures.Count < 5)
                    failures.Add($"item {answer.Sequence} ({items[answer.Sequence - 1].ItemCase}): {status.Message}");
            }
            return (count, failures);
        }, cancel);
        foreach (var item in items) await call.RequestStream.WriteAsync(item, cancel);
        await call.RequestStream.CompleteAsync();
        var (answered, refused) = await answers;
        if (refused.Count > 0) throw new InvalidOperationException("the registry import refused items: " + string.Join("; ", refused));
        if (answered != items.Length) throw new InvalidOperationException($"the registry import answered {answered} of {items.Length} items");
        return items.Length;
    }

    /// <summary>Declares every client stop, <paramref name="parallel"/> calls at a time; with <paramref name="bearer"/> each signed in as its provider.</summary>
    public static async Task<int> DeclareClientStopsAsync(GrpcChannel channel, Scenario scenario, int parallel = 16, CancellationToken cancel = default,
        Func<string, string?, string>? bearer = null)
    {
        var client = new ClientStopService.ClientStopServiceClient(channel);
        await Parallel.ForEachAsync(scenario.ClientStops, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancel },
            async (stop, ct) => await client.DeclareClientStopAsync(new DeclareClientStopRequest { Stop = stop },
                Headers(bearer?.Invoke("provider", stop.ProviderAgb)), cancellationToken: ct));
        return scenario.ClientStops.Count;
    }

    /// <summary>
    /// Every provider publishes its figures of <paramref name="round"/> on its own
    /// <c>PublishCapacity</c> stream, <paramref name="streams"/> providers at a time. All figures
    /// carry <paramref name="version"/>, which must be higher than the last round's.
    /// <para>
    /// The publications are generated and encoded before the clock starts, and each is sent as
    /// what a gRPC client stream is on the wire: one HTTP/2 request whose body is the
    /// length-prefixed messages one after another, answered by one PublishCapacityResponse and a
    /// grpc-status trailer. So the figure measures the service's ingest, not a load generator
    /// framing messages one by one on the same two cores (Grpc.Net.Client's per-message writes
    /// took more CPU than the service itself).
    /// </para>
    /// </summary>
    /// <param name="target">The service's gRPC address.</param>
    /// <param name="handler">How to reach it; by default a new HTTP/2 connection (an in-memory test server passes its own).</param>
    /// <param name="bearer">Role, tenant → an "authorization" header value: each publication is signed in as its provider.</param>
    public static async Task<IngestResult> PublishCapacityAsync(
        Uri target, Scenario scenario, int round, long version, int streams, HttpMessageHandler? handler = null, CancellationToken cancel = default,
        Func<string, string?, string>? bearer = null)
    {
        var publications = scenario.Providers.Select(provider => (provider.Provider.Agb, Body: Frame(scenario.CapacityOf(provider, round)
            .Select(figure =>
            {
                figure.Version = version;
                return figure;
            })))).ToArray();

        using var http = new HttpMessageInvoker(handler ?? new SocketsHttpHandler { EnableMultipleHttp2Connections = true }, disposeHandler: handler is null);
        long messages = 0, applied = 0, outdated = 0, rejected = 0;
        string? firstRejection = null;
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(publications, new ParallelOptions { MaxDegreeOfParallelism = streams, CancellationToken = cancel },
            async (publication, ct) =>
            {
                var response = await PublishAsync(http, target, publication.Body, bearer?.Invoke("provider", publication.Agb), ct);
                Interlocked.Add(ref messages, response.Received);
                Interlocked.Add(ref applied, response.Applied);
                Interlocked.Add(ref outdated, response.Outdated);
                Interlocked.Add(ref rejected, response.Rejected.Count);
                if (response.Rejected.Count > 0)
                    Interlocked.CompareExchange(ref firstRejection, $"{publication.Agb}: {response.Rejected[0].Status.Message}", null);
            });
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (firstRejection is not null) throw new InvalidOperationException($"{rejected} capacity figures were refused; first: {firstRejection}");
        return new IngestResult(streams, messages, applied, outdated, rejected, elapsed);
    }

    /// <summary>gRPC message framing: per message a 0 (uncompressed), its length (4 bytes, big-endian), the message.</summary>
    static byte[] Frame(IEnumerable<IMessage> messages)
    {
        using var body = new MemoryStream();
        Span<byte> prefix = stackalloc byte[5];
        foreach (var message in messages)
        {
            var bytes = message.ToByteArray();
            prefix[0] = 0;
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(prefix[1..], bytes.Length);
            body.Write(prefix);
            body.Write(bytes);
        }
        return body.ToArray();
    }

    static async Task<PublishCapacityResponse> PublishAsync(HttpMessageInvoker http, Uri target, byte[] body, string? authorization, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target, "capacity.v1.CapacityService/PublishCapacity"))
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.ParseAdd("trailers");
        if (authorization is not null) request.Headers.TryAddWithoutValidation("authorization", authorization);
        using var response = await http.SendAsync(request, cancel);
        var answer = await response.Content.ReadAsByteArrayAsync(cancel);
        var status = response.TrailingHeaders.TryGetValues("grpc-status", out var s) ? s.First()
            : response.Headers.TryGetValues("grpc-status", out var h) ? h.First() : null;
        if (status != "0" || answer.Length < 5)
        {
            var message = response.TrailingHeaders.TryGetValues("grpc-message", out var m) ? m.First()
                : response.Headers.TryGetValues("grpc-message", out var hm) ? hm.First() : "";
            throw new RpcException(new Status((StatusCode)int.Parse(status ?? "2", System.Globalization.CultureInfo.InvariantCulture), $"PublishCapacity: {Uri.UnescapeDataString(message)} (HTTP {(int)response.StatusCode})"));
        }
        return PublishCapacityResponse.Parser.ParseFrom(answer.AsSpan(5));
    }
}
