using System.Diagnostics;
using System.Globalization;
using Capacity.V1;
using Google.Protobuf;

namespace Capacity.Bench;

/// <summary>
/// h2load (nghttp2's HTTP/2 load generator, written in C) sending one fixed gRPC request: the
/// service's side of the comparison with redis-benchmark, with a client as light as
/// redis-benchmark is. Run on the health check (what any gRPC call costs here) and on a search.
/// With <c>servicePid</c> it also counts the service's CPU time (user + system, /proc) over the
/// run: CPU per call, the figure that decides how many instances a load needs, and one that
/// other work on a shared machine disturbs less than requests per second.
/// </summary>
static class H2Load
{
    /// <summary>One h2load run of <paramref name="durationS"/> seconds (no warm-up: run one before, its figures unused).</summary>
    public static async Task<RedisBenchmark> RunAsync(string h2load, string target, string method, IMessage request, IReadOnlyList<string> headers, int concurrency, int durationS, int servicePid = 0)
    {
        var message = request.ToByteArray();
        var body = new byte[5 + message.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(1), message.Length);
        message.CopyTo(body, 5);
        var bodyPath = Path.GetTempFileName();
        var logPath = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(bodyPath, body);
            var start = new ProcessStartInfo(h2load)
            {
                ArgumentList =
                {
                    "-c", concurrency.ToString(CultureInfo.InvariantCulture), "-m", "1", "-t", "1",
                    "-D", durationS.ToString(CultureInfo.InvariantCulture),
                    "-d", bodyPath, "-H", "content-type: application/grpc", "-H", "te: trailers", "--log-file", logPath,
                    $"{target.TrimEnd('/')}/{method}",
                },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var header in headers)
            {
                start.ArgumentList.Insert(start.ArgumentList.Count - 1, "-H");
                start.ArgumentList.Insert(start.ArgumentList.Count - 1, header);
            }
            var signedIn = headers.Any(h => h.StartsWith("authorization:", StringComparison.OrdinalIgnoreCase));
            var cpuBefore = Memory.CpuTime(servicePid);
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {h2load}");
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            var cpu = Memory.CpuTime(servicePid) - cpuBefore;
            if (process.ExitCode != 0 || !output.Contains(" 0 failed, 0 errored", StringComparison.Ordinal))
                throw new InvalidOperationException($"h2load on {method} failed (exit {process.ExitCode}):\n{output}{await process.StandardError.ReadToEndAsync()}");

            // Log lines: start (µs since epoch), HTTP status, µs until the end of the response.
            var micros = File.ReadLines(logPath).Select(l => l.Split('\t')).Where(f => f.Length >= 3 && f[1] == "200")
                .Select(f => long.Parse(f[2], CultureInfo.InvariantCulture)).Order().ToArray();
            if (micros.Length == 0) throw new InvalidOperationException($"h2load on {method} logged no successful request:\n{output}");
            double Percentile(double p) => micros[Math.Min(micros.Length - 1, (int)Math.Ceiling(p / 100 * micros.Length) - 1)] / 1000.0;
            var rps = System.Text.RegularExpressions.Regex.Match(output, @"finished in [\d.]+s, ([\d.]+) req/s");
            if (!rps.Success) throw new InvalidOperationException($"no 'req/s' in h2load's output:\n{output}");
            var requests = long.Parse(System.Text.RegularExpressions.Regex.Match(output, @"requests: (\d+) total").Groups[1].Value, CultureInfo.InvariantCulture);
            return new RedisBenchmark($"h2load -c {concurrency} {method}{(signedIn ? ", signed in" : ", anonymous")}", double.Parse(rps.Groups[1].Value, CultureInfo.InvariantCulture), Percentile(50), Percentile(99))
            {
                ServiceCpuUsPerCall = servicePid > 0 && requests > 0 ? cpu.TotalMicroseconds / requests : null,
            };
        }
        finally
        {
            File.Delete(bodyPath);
            File.Delete(logPath);
        }
    }
}
