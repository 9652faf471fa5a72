using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
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
/// service's own network is refused however it was registered.
/// </summary>
public sealed class PullFetcher(IHttpClientFactory clients, IOptions<PullOptions> options)
{
    public const string ClientName = "capacity-pull";

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
            var newTag = response.Headers.ETag?.ToString() ?? etag;
            var newModified = response.Content.Headers.LastModified?.ToString("R") ?? lastModified;
            if (response.StatusCode == HttpStatusCode.NotModified) return new Fetched(null, newTag, newModified);
            if ((int)response.StatusCode is >= 300 and < 400)
                throw new FetchException(PullErrors.Redirect, $"HTTP {(int)response.StatusCode}: redirects are not followed; register the final address");
            if (!response.IsSuccessStatusCode) throw new FetchException(PullErrors.HttpStatus, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            var max = options.Value.MaxDocumentBytes;
            if (response.Content.Headers.ContentLength > max) throw new FetchException(PullErrors.TooLarge, $"the document is larger than {max} bytes");
            return new Fetched(await ReadBoundedAsync(response.Content, max, timeout.Token), response.Headers.ETag?.ToString(), response.Content.Headers.LastModified?.ToString("R"));
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new FetchException(PullErrors.Timeout, $"no complete answer within {options.Value.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e) when (e.InnerException is AddressRefusedException refused)
        {
            throw new FetchException(PullErrors.AddressRefused, refused.Message);
        }
        catch (HttpRequestException e)
        {
            throw new FetchException(PullErrors.Connect, e.Message);
        }
    }

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
        AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate | DecompressionMethods.Brotli,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5), // DNS changes are seen
        ConnectTimeout = options.Timeout,
        ConnectCallback = async (context, cancel) =>
        {
            var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancel);
            var allowed = addresses.FirstOrDefault(a => EndpointAddress.IsAllowed(a, options.AllowLoopback))
                ?? throw new AddressRefusedException($"{context.DnsEndPoint.Host} resolves to no public address ({string.Join(", ", addresses.Take(3).Select(a => a.ToString()))})");
            var socket = new Socket(allowed.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(allowed, context.DnsEndPoint.Port), cancel);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
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
    public const string AddressRefused = "PULL_ADDRESS_REFUSED";
    public const string HttpStatus = "PULL_HTTP_STATUS";
    public const string Redirect = "PULL_REDIRECT";
    public const string TooLarge = "PULL_TOO_LARGE";
    public const string BadDocument = "PULL_BAD_DOCUMENT";
    public const string NothingUsable = "PULL_NOTHING_USABLE";
}
