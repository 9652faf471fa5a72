using System.Globalization;
using Capacity.V1;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;

namespace Capacity.Publish;

/// <summary>
/// The command line: reads the file (or stdin), sends it to ImportCapacity with the token, prints
/// one line per changed or refused row and a summary. Exit codes: 0 all rows good, 1 some rows
/// refused, 2 the whole file or the call refused, 3 the service unreachable or busy (retry later),
/// 64 bad arguments.
/// </summary>
public static class Publisher
{
    public const int Ok = 0, RowsRefused = 1, CallRefused = 2, Transient = 3, Usage = 64;

    public const string TokenVariable = "CAPACITY_TOKEN";

    /// <summary>The service's file bound (ImportSheet.MaxFileBytes): more is not read, let alone sent.</summary>
    public const int MaxFileBytes = 512 * 1024;

    /// <summary>How long the import call may take before it is given up (exit 3).</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    const string UsageText = """
        usage: capacity-publish --url URL --agb AGB [--file PATH|-] [--token TOKEN | --token-file PATH] [--dry-run] [--format csv|xlsx]
          --url         the service's gRPC address, e.g. https://capaciteit.example.nl
          --agb         your AGB code (8 digits): the provider the figures are for
          --file        the CSV (or .xlsx) in the template's format; "-" or left out: read stdin
          --token       a bearer token (visible to other users in the process list: prefer the next two)
          --token-file  a file whose first line is the token; else $CAPACITY_TOKEN
          --dry-run     only show what would change; store nothing
          --format      csv or xlsx; left out: detected
        http:// is accepted only for localhost (the token would travel in clear); the call is given up after 120 s.
        Exit codes: 0 every row stored (or would be), 1 some rows refused, 2 the file or the call refused
        (also a file over 512 KiB), 3 the service unreachable, busy or too slow (UNAVAILABLE,
        DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED): retry later, 64 bad arguments or an unreadable --file/--token-file.
        """;

    /// <param name="handler">For tests: the HTTP handler of an in-process host.</param>
    public static async Task<int> RunAsync(string[] args, Stream stdin, TextWriter output, TextWriter error,
        Func<string, string?> environment, HttpMessageHandler? handler = null)
    {
        if (Parse(args) is not { } options || !options.TryGetValue("url", out var url) || !options.TryGetValue("agb", out var agb))
        {
            await error.WriteLineAsync(UsageText);
            return Usage;
        }
        var format = options.GetValueOrDefault("format") switch
        {
            null => ImportFormat.Unspecified,
            "csv" => ImportFormat.Csv,
            "xlsx" => ImportFormat.Xlsx,
            _ => (ImportFormat?)null,
        };
        if (format is null || !Uri.TryCreate(url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            await error.WriteLineAsync(UsageText);
            return Usage;
        }
        if (address.Scheme == "http" && !address.IsLoopback)
        {
            await error.WriteLineAsync($"refused: {url} is http:// to another host; the token would travel in clear: use https://");
            return Usage;
        }
        if (options.ContainsKey("token"))
            await error.WriteLineAsync($"warning: --token is visible to other users in the process list; use --token-file or ${TokenVariable}");

        string? token;
        byte[]? file;
        var path = options.GetValueOrDefault("file", "-");
        try
        {
            token = options.GetValueOrDefault("token")
                    ?? (options.TryGetValue("token-file", out var tokenFile) ? FirstLine(await File.ReadAllTextAsync(tokenFile)) : null)
                    ?? environment(TokenVariable);
            using var source = path == "-" ? stdin : File.OpenRead(path);
            file = await ReadBoundedAsync(source);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            await error.WriteLineAsync($"cannot read: {e.Message}");
            return Usage;
        }
        if (file is null)
        {
            await error.WriteLineAsync($"refused: {(path == "-" ? "stdin" : path)} holds more than {MaxFileBytes / 1024} KiB, the import's limit");
            return CallRefused;
        }

        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 16 * 1024 * 1024 });
        var client = new CapacityService.CapacityServiceClient(channel);
        var headers = token is null ? null : new Metadata { { "authorization", $"Bearer {token}" } };
        ImportCapacityResponse response;
        try
        {
            response = await client.ImportCapacityAsync(new ImportCapacityRequest
            {
                Agb = agb, File = ByteString.CopyFrom(file), Format = format.Value, Apply = !options.ContainsKey("dry-run"),
            }, headers, DateTime.UtcNow + Deadline);
        }
        catch (RpcException e)
        {
            if (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted)
            {
                await error.WriteLineAsync($"not reached, retry later: {e.StatusCode}: {e.Status.Detail}");
                return Transient;
            }
            await error.WriteLineAsync($"refused: {e.StatusCode}: {e.Status.Detail}");
            foreach (var v in e.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations ?? [])
                await error.WriteLineAsync($"  {v.Field} [{v.Reason}]: {v.Description}");
            return CallRefused;
        }

        foreach (var row in response.Outcomes) await output.WriteLineAsync(Line(row));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{(response.Applied ? "published" : "dry run")}: {response.Rows} rows, {response.Changed} changed, {response.Unchanged} unchanged, {response.Skipped} skipped, {response.Refused} refused"));
        return response.Refused > 0 ? RowsRefused : Ok;
    }

    /// <summary>The token: the file's first line, without spaces around it.</summary>
    static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    /// <summary>The whole stream, or null when it holds more than <see cref="MaxFileBytes"/> (one byte more is read to tell).</summary>
    static async Task<byte[]?> ReadBoundedAsync(Stream source)
    {
        var buffer = new byte[MaxFileBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await source.ReadAsync(buffer.AsMemory(length))) > 0) length += read;
        return length > MaxFileBytes ? null : buffer[..length];
    }

    /// <summary>"row 7  1182 PALLIATIVE_TERMINAL  - -> 1  stored", or the row's errors.</summary>
    static string Line(ImportRowOutcome row)
    {
        var what = row.Status switch
        {
            ImportRowStatus.Applied => "stored",
            ImportRowStatus.Change => "would change",
            ImportRowStatus.Outdated => "not stored (outdated)",
            _ => "refused",
        };
        var change = row.After is null ? "" : $"  {(row.Before is null ? "-" : row.Before.FreePlaces.ToString(CultureInfo.InvariantCulture))} -> {row.After.FreePlaces}";
        var errors = string.Concat(row.Errors.Select(v => $"; {v.Field} [{v.Reason}]: {v.Description}"));
        var careType = row.CareType == CareType.Unspecified ? "?" : row.CareType.ToString();
        return $"row {row.Row}  {row.Pc4} {careType}{change}  {what}{errors}";
    }

    /// <summary>--name value pairs and the --dry-run flag; null on anything else.</summary>
    static Dictionary<string, string>? Parse(string[] args)
    {
        var options = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) return null;
            var name = args[i][2..];
            if (name == "dry-run") { options[name] = ""; continue; }
            if (i + 1 >= args.Length || name is not ("url" or "agb" or "file" or "token" or "token-file" or "format")) return null;
            options[name] = args[++i];
        }
        return options;
    }
}
