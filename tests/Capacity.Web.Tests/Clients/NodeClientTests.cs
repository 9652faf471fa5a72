using System.Diagnostics;
using System.Text.RegularExpressions;
using Capacity.Service.Shared;
using Capacity.Web.Tests.Infrastructure;

namespace Capacity.Web.Tests.Clients;

/// <summary>
/// The Node client example that docs/CLIENTS.md shows (clients/node/find-providers.js) runs against
/// the real service: it compiles the API from the repository's protos alone, signs in with the
/// demo token endpoint, finds providers over gRPC and reads the google.rpc.BadRequest of a refusal.
/// </summary>
public sealed class NodeClientTests(WebApp web)
{
    [Fact]
    public async Task NodeExampleFindsProvidersAndReadsTheBadRequestOfARefusal()
    {
        var (exitCode, output, errors) = await RunNodeExampleAsync();

        Assert.True(exitCode == 0, $"node find-providers.js exited with {exitCode}:\n{output}\n{errors}");
        var lines = output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Matches(@"^\d+ candidates for 1183 \(Amstelveen\), \d+ excluded$", lines[0]);
        // Amstelland Thuisverpleging's figure in 1183 is the demo's; other journeys only read it.
        Assert.Contains(lines, line => Regex.IsMatch(line, @"^candidate 75010004 Amstelland Thuisverpleging: \d+ free, 3\.1 km$"));
        Assert.Contains("refused: INVALID_ARGUMENT: patient_postcode [POSTCODE_UNKNOWN]: postcode area 1000 does not exist", lines);
        Assert.Contains($"violation patient_postcode {Reasons.PostcodeUnknown}: postcode area 1000 does not exist", lines);
    }

    async Task<(int ExitCode, string Output, string Errors)> RunNodeExampleAsync()
    {
        var folder = Path.Combine(WebApp.RepositoryRoot(), "clients", "node");
        if (!Directory.Exists(Path.Combine(folder, "node_modules")))
            throw new InvalidOperationException($"The Node client's packages are not installed: run `npm ci` in {folder} (./test.sh does).");
        var start = new ProcessStartInfo("node", ["find-providers.js"])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["CAPACITY_WEB_URL"] = web.BaseAddress.ToString().TrimEnd('/'),
                ["CAPACITY_GRPC_URL"] = web.GrpcAddress.ToString(),
            },
        };
        Process node;
        try { node = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("The Node client example needs node (18 or later) on the PATH: apt-get install nodejs npm (./test.sh installs them).", e);
        }
        using (node)
        {
            var output = node.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var errors = node.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            // A bound against a hang (a bug, not a measure): the example takes about a second.
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            bound.CancelAfter(TimeSpan.FromMinutes(2));
            try { await node.WaitForExitAsync(bound.Token); }
            catch (OperationCanceledException) { node.Kill(entireProcessTree: true); throw; }
            return (node.ExitCode, await output, await errors);
        }
    }
}
