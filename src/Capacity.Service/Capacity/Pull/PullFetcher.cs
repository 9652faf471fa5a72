using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Capacity.Service.Shared;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Capacity.Pull;

/// <summary>The answer to one fetch: the document, or "not modified", with the validators for the next one.</summary>
public sealed record Fetched(byte[]? Body, string? ETag, string? LastModified)
{
    public bool NotModified => Body is null;
}

/// <summary>A fetch that failed, with its stable code (docs/PULL.md).</summary>
public sealed class FetchException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>
/// Fetches one capacity.json: a conditional GET (If-None-Match, If-Modified-Since) within
/// <see cref="PullOptions.Timeout"/>, no redirects followed, at most
/// <see cref="PullOptions.MaxDocumentBytes"/>, and only to public addresses — the address is
/// checked after the name is resolved, on every connection, so a name that resolves to the
/// service's own network is refused however it was registered. What a refused name resolved to
/// goes to the service log only: the status a provider reads says no more than for a name that
/// does not resolve, so it cannot be used to map the service's network.
/// </summary>
public sealed class PullFetcher(IHttpClientFactory clients, IOptions<PullOptions> options, ILogger<PullFetcher> logger)
{
    public const string ClientName = "capacity-pull";

    /// <summary>Validators longer than this are not kept (a conditional fetch is an optimisation, not a need).</summary>
    const int MaxValidatorLength = 512;

    public async Task<Fetched> FetchAsync(string url, string? etag, string? lastModified, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(options.Value.Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (etag is { Length: > 0 } && EntityTagHeaderValue.TryParse(etag, out var tag)) request.Headers.IfNoneMatch.Add(tag);
        if (lastModified is { Length: > 0 } && DateTimeOffset.TryParse(lastModified, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var since))
            request.Headers.IfModifiedSince = since;
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var newTag = Bounded(response.Headers.ETag?.ToString());
            var newModified = response.Content.Headers.LastModified?.ToString("R");
            if (response.StatusCode == HttpStatusCode.NotModified) return new Fetched(null, newTag ?? etag, newModified ?? lastModified);
            if ((int)response.StatusCode is >= 300 and < 400)
                throw new FetchException(PullErrors.Redirect, $"HTTP {(int)response.StatusCode}: redirects are not followed; register the final address");
            if (response.StatusCode != HttpStatusCode.OK) throw new FetchException(PullErrors.HttpStatus, $"HTTP {(int)response.StatusCode} {InputErrors.Cut(response.ReasonPhrase ?? "", 100)}");
            var max = options.Value.MaxDocumentBytes;
            if (response.Content.Headers.ContentLength > max) throw new FetchException(PullErrors.TooLarge, $"the document is larger than {max} bytes");
            return new Fetched(await ReadBoundedAsync(response.Content, max, timeout.Token), newTag, newModified);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new FetchException(PullErrors.Timeout, $"no complete answer within {options.Value.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e) when (e.InnerException is AddressRefusedException refused)
        {
            logger.LogWarning("Pull refused for {Url}: {Detail}", url, refused.Message);
            throw new FetchException(PullErrors.Connect, $"no connection to a public address of {new Uri(url).Host}");
        }
        catch (HttpRequestException e) when (e.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData })
        {
            throw new FetchException(PullErrors.Connect, $"no connection to a public address of {new Uri(url).Host}");
        }
        catch (HttpRequestException e)
        {
            throw new FetchException(PullErrors.Connect, InputErrors.Cut(e.Message, 200));
        }
        catch (InvalidDataException e)
        {
            throw new FetchException(PullErrors.BadDocument, $"the compressed body could not be read: {InputErrors.Cut(e.Message, 100)}");
        }
        catch (IOException e)
        {
            throw new FetchException(PullErrors.Connect, $"the connection broke off: {InputErrors.Cut(e.Message, 100)}");
        }
    }

    static string? Bounded(string? validator) => validator is { Length: > 0 and <= MaxValidatorLength } ? validator : null;

    static async Task<byte[]> ReadBoundedAsync(HttpContent content, int max, CancellationToken cancel)
    {
        await using var stream = await content.ReadAsStreamAsync(cancel);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancel)) > 0)
        {
            if (buffer.Length + read > max) throw new FetchException(PullErrors.TooLarge, $"the document is larger than {max} bytes");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>The handler of the pull's HttpClient: no redirects, no cookies, and connections to allowed addresses only.</summary>
    public static SocketsHttpHandler CreateHandler(PullOptions options) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        // No proxy: with one, the address checked below would be the proxy's, and the proxy would
        // connect wherever the registered address points.
        UseProxy = false,
        Proxy = null,
        AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate | DecompressionMethods.Brotli,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5), // DNS changes are seen
        ConnectTimeout = options.Timeout,
        ConnectCallback = async (context, cancel) =>
        {
            var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancel);
            var allowed = addresses.Where(a => EndpointAddress.IsAllowed(a, options.AllowLoopback)).ToArray();
            if (allowed.Length == 0)
                throw new AddressRefusedException($"{context.DnsEndPoint.Host} resolves to no public address ({string.Join(", ", addresses.Take(3))})");
            // Each allowed address in turn, as a browser would (an unreachable IPv6 address must not hide a working IPv4 one).
            for (var i = 0; ; i++)
            {
                var socket = new Socket(allowed[i].AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(allowed[i], context.DnsEndPoint.Port), cancel);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch (SocketException) when (i + 1 < allowed.Length)
                {
                    socket.Dispose();
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }
        },
    };

    sealed class AddressRefusedException(string message) : IOException(message);
}

/// <summary>The codes of a failed pull (CapacityEndpoint.last_error_code).</summary>
public static class PullErrors
{
    public const string Timeout = "PULL_TIMEOUT";
    public const string Connect = "PULL_CONNECT";
    public const string HttpStatus = "PULL_HTTP_STATUS";
    public const string Redirect = "PULL_REDIRECT";
    public const string TooLarge = "PULL_TOO_LARGE";
    public const string BadDocument = "PULL_BAD_DOCUMENT";
    public const string NothingUsable = "PULL_NOTHING_USABLE";
    public const string Failed = "PULL_FAILED";
}
