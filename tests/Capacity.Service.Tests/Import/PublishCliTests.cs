using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Capacity.Publish;
using Capacity.Service.Security;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;

namespace Capacity.Service.Tests.Import;

/// <summary>capacity-publish's entry point, run in-process against the host with sign-in required: rows stored, refused rows printed, exit codes.</summary>
public sealed class PublishCliTests : IAsyncLifetime
{
    const string Agb = "75010001"; // a demo provider serving 1181-1183 among others
    readonly CapacityApp _app = new CapacityApp().With("Demo:Seed", "true")
        .With("Auth:Required", "true").With("Auth:Issuer", "capacity-demo").With("Auth:SigningKey", DevTokens.NewSigningKey());
    string _token = "";

    public async ValueTask InitializeAsync()
    {
        await _app.InitializeAsync();
        _token = (await _app.CreateClient().GetFromJsonAsync<JsonElement>($"/demo/token?role=provider&code={Agb}")).GetProperty("token").GetString()!;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    async Task<(int Exit, string Output, string Error)> RunAsync(string stdin, Func<string, string?> environment, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await Publisher.RunAsync(["--url", _app.Server.BaseAddress.ToString(), "--agb", Agb, .. args],
            new MemoryStream(Encoding.UTF8.GetBytes(stdin)), output, error, environment, _app.Server.CreateHandler());
        return (exit, output.ToString(), error.ToString());
    }

    async Task<int> StoredAsync(string pc4)
    {
        using var channel = _app.CreateChannel(_token);
        var figures = (await new CapacityService.CapacityServiceClient(channel).GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = Agb })).Figures;
        return figures.Single(f => f.Pc4 == pc4 && f.CareType == CareType.DistrictNursing).FreePlaces;
    }

    [Fact]
    public async Task StdinWithGoodAndBadRowsStoresTheGoodAndExitsWithRowsRefused()
    {
        var csv = "postcode_gebied;zorgsoort;vrije_plaatsen\n1181;Wijkverpleging;7\n9999;Wijkverpleging;1\n1182;Wijkverpleging;x\n";

        var (exit, output, _) = await RunAsync(csv, name => name == Publisher.TokenVariable ? _token : null);

        Assert.Equal(Publisher.RowsRefused, exit);
        Assert.Contains("row 3  9999 DistrictNursing  refused; postcode_gebied [AREA_NOT_SERVED]", output);
        Assert.Contains("row 4  1182 DistrictNursing  refused; vrije_plaatsen [NUMBER_FORMAT]", output);
        Assert.Contains("published: 3 rows, 1 changed, 0 unchanged, 0 skipped, 2 refused", output);
        Assert.Equal(7, await StoredAsync("1181"));
    }

    [Fact]
    public async Task FileWithOnlyGoodRowsExitsZeroAndDryRunStoresNothing()
    {
        var before = await StoredAsync("1182");
        var path = Path.GetTempFileName();
        var tokenFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, $"postcode_gebied;zorgsoort;vrije_plaatsen\n1182;Wijkverpleging;{before + 5}\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(tokenFile, _token + "\n", TestContext.Current.CancellationToken);
        try
        {
            var dry = await RunAsync("", _ => null, "--file", path, "--token-file", tokenFile, "--dry-run");
            Assert.Equal((Publisher.Ok, before), (dry.Exit, await StoredAsync("1182")));
            Assert.Contains("would change", dry.Output);

            var real = await RunAsync("", _ => null, "--file", path, "--token", _token, "--format", "csv");
            Assert.Equal((Publisher.Ok, before + 5), (real.Exit, await StoredAsync("1182")));
            Assert.Contains("stored", real.Output);
        }
        finally
        {
            File.Delete(path);
            File.Delete(tokenFile);
        }
    }

    [Fact]
    public async Task WithoutTokenOrWithAFileWithoutColumnsTheCallIsRefused()
    {
        var anonymous = await RunAsync("postcode_gebied;zorgsoort;vrije_plaatsen\n1181;PTZ;1\n", _ => null);
        Assert.Equal(Publisher.CallRefused, anonymous.Exit);
        Assert.Contains("Unauthenticated", anonymous.Error);

        var columns = await RunAsync("gebied;plaatsen\n1181;1\n", _ => _token);
        Assert.Equal(Publisher.CallRefused, columns.Exit);
        Assert.Contains("file [FILE_COLUMNS]", columns.Error);

        Assert.Equal(Publisher.Usage, (await RunAsync("", _ => null, "--format", "ods")).Exit);
    }

    [Fact]
    public async Task ClearTextToAnotherHostOrAMissingFileOrTokenFileAreBadArgumentsWithOneLine()
    {
        var clear = await RunAsync("", _ => _token, "--url", "http://capaciteit.example.nl");
        Assert.Equal(Publisher.Usage, clear.Exit);
        Assert.Contains("https://", clear.Error);

        var missing = Path.Combine(Path.GetTempPath(), $"capacity-missing-{Guid.NewGuid():N}");
        foreach (var args in new[] { new[] { "--file", missing }, ["--token-file", missing] })
        {
            var run = await RunAsync("", _ => null, args);
            Assert.Equal(Publisher.Usage, run.Exit);
            Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.DoesNotContain(" at ", run.Error);
        }
    }

    [Fact]
    public async Task TokenFileGivesItsFirstLineAndTokenOnTheCommandLineIsWarnedAbout()
    {
        var tokenFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(tokenFile, $"{_token}\nsecond line, not part of the token\n");
            var fromFile = await RunAsync("postcode_gebied;zorgsoort;vrije_plaatsen\n1181;Wijkverpleging;5\n", _ => null, "--token-file", tokenFile, "--dry-run");
            Assert.Equal(Publisher.Ok, fromFile.Exit);
            Assert.DoesNotContain("warning", fromFile.Error);

            var onCommandLine = await RunAsync("postcode_gebied;zorgsoort;vrije_plaatsen\n1181;Wijkverpleging;5\n", _ => null, "--token", _token, "--dry-run");
            Assert.Equal(Publisher.Ok, onCommandLine.Exit);
            Assert.Contains("warning: --token is visible", onCommandLine.Error);
        }
        finally { File.Delete(tokenFile); }
    }

    [Fact]
    public async Task StdinOverTheFileLimitIsRefusedUnsentAndAnUnreachableServiceExitsTransient()
    {
        var big = await RunAsync(new string('x', Publisher.MaxFileBytes + 1), _ => _token);
        Assert.Equal(Publisher.CallRefused, big.Exit);
        Assert.Contains("512 KiB", big.Error);

        // Nothing listens on 127.0.0.1:6669 (this suite's scratch range): UNAVAILABLE, worth a retry.
        var error = new StringWriter();
        var exit = await Publisher.RunAsync(["--url", "http://127.0.0.1:6669", "--agb", Agb],
            new MemoryStream(Encoding.UTF8.GetBytes("postcode_gebied;zorgsoort;vrije_plaatsen\n")), new StringWriter(), error, _ => _token);
        Assert.Equal(Publisher.Transient, exit);
        Assert.Contains("Unavailable", error.ToString());
    }
}
