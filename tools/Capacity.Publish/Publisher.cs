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
/// refused, 2 the whole file or the call refused, 64 bad arguments.
/// </summary>
public static class Publisher
{
    public const int Ok = 0, RowsRefused = 1, CallRefused = 2, Usage = 64;

    public const string TokenVariable = "CAPACITY_TOKEN";

    const string UsageText = """
        usage: capacity-publish --url URL --agb AGB [--file PATH|-] [--token TOKEN | --token-file PATH] [--dry-run] [--format csv|xlsx]
          --url         the service's gRPC address, e.g. https://capaciteit.example.nl
          --agb         your AGB code (8 digits): the provider the figures are for
          --file        the CSV (or .xlsx) in the template's format; "-" or left out: read stdin
          --token       a bearer token; else the file --token-file names; else $CAPACITY_TOKEN
          --dry-run     only show what would change; store nothing
          --format      csv or xlsx; left out: detected
        Exit codes: 0 every row stored (or would be), 1 some rows refused, 2 the file or the call refused, 64 usage.
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
        var token = options.GetValueOrDefault("token")
                    ?? (options.TryGetValue("token-file", out var tokenFile) ? (await File.ReadAllTextAsync(tokenFile)).Trim() : null)
                    ?? environment(TokenVariable);
        var format = options.GetValueOrDefault("format") switch
        {
            null => ImportFormat.Unspecified,
            "csv" => ImportFormat.Csv,
            "xlsx" => ImportFormat.Xlsx,
            _ => (ImportFormat?)null,
        };
        if (format is null || !Uri.TryCreate(url, UriKind.Absolute, out var address))
        {
            await error.WriteLineAsync(UsageText);
            return Usage;
        }

        byte[] file;
        var path = options.GetValueOrDefault("file", "-");
        using (var source = path == "-" ? stdin : File.OpenRead(path))
        using (var buffer = new MemoryStream())
        {
            await source.CopyToAsync(buffer);
            file = buffer.ToArray();
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
            }, headers);
        }
        catch (RpcException e)
        {
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
