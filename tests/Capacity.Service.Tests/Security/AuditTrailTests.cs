using Capacity.Service.Audit;
using Capacity.Service.Tests.Infrastructure;
using Capacity.Service.Security;
using Capacity.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Capacity.Service.Tests.Security;

/// <summary>NEN 7513: reads, changes and refusals of referral data are recorded in a hash chain that shows any change or removal.</summary>
public sealed class AuditTrailTests : IAsyncLifetime
{
    const string Issuer = "capacity-test";
    static readonly string Key = DevTokens.NewSigningKey();

    readonly CapacityApp _app = new CapacityApp().With("Auth:Required", "true").With("Auth:Issuer", Issuer).With("Auth:SigningKey", Key);

    public async ValueTask InitializeAsync() => await _app.InitializeAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    GrpcChannel As(string role, string? tenant, string subject) =>
        _app.CreateChannel(DevTokens.Issue(new DevIdentity(subject, role, tenant), Issuer, "capacity", Key));

    // The host's own multiplexer: one made here and dropped could be collected, and its socket closed, mid-command.
    IDatabase Redis => _app.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

    async Task<Referral> ReferralAsync()
    {
        await new RegistryService.RegistryServiceClient(As("registry_admin", null, "admin")).UpsertInsurerAsync(new() { Insurer = new() { Uzovi = "9101", Name = "Eigen" } });
        return await new ReferralService.ReferralServiceClient(As("requester", "ziekenhuis-a", "nurse-anna"))
            .CreateReferralAsync(ReferralData.NewReferral("9101", "1183", org: "ziekenhuis-a"));
    }

    [Fact]
    public async Task ReadsChangesAndRefusalsOfAReferralAreRecordedForItsTrail()
    {
        var referral = await ReferralAsync();
        var nurse = new ReferralService.ReferralServiceClient(As("requester", "ziekenhuis-a", "nurse-anna"));
        await nurse.GetReferralAsync(new() { ReferralId = referral.Id });
        var stranger = new ReferralService.ReferralServiceClient(As("requester", "ziekenhuis-b", "nurse-bob"));
        var refused = await Assert.ThrowsAsync<RpcException>(() => stranger.GetReferralAsync(new() { ReferralId = referral.Id }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, refused.StatusCode);

        var trail = (await new AuditService.AuditServiceClient(As("requester", "ziekenhuis-a", "nurse-anna"))
            .GetAuditTrailAsync(new() { ReferralId = referral.Id })).Entries;

        var calls = trail.Where(e => !e.Action.StartsWith("hub:", StringComparison.Ordinal)).ToArray();
        Assert.Equal(
            [("nurse-anna", "/capacity.v1.ReferralService/CreateReferral", "allowed"),
             ("nurse-anna", "/capacity.v1.ReferralService/GetReferral", "allowed"),
             ("nurse-bob", "/capacity.v1.ReferralService/GetReferral", "denied (NotFound)")],
            calls.Select(e => (e.Subject, e.Action, e.Outcome)));
        Assert.All(calls.Take(2), e => Assert.Equal(referral.PatientRef, e.PatientRef));
        Assert.Equal(["ziekenhuis-a", "ziekenhuis-a", "ziekenhuis-b"], calls.Select(e => e.Organisation));
        // With no provider to offer to, it went to VGZ's desk at once: pushed to the organisation and the desk, both recorded.
        Assert.Equal(["9101", "ziekenhuis-a"], trail.Where(e => e.Action == "hub:ReferralChanged").Select(e => e.Organisation).Distinct().Order());
        Assert.All(trail, e => Assert.Matches("^[0-9a-f]{64}$", e.Hash));
        // The stranger may not read the trail either.
        var trailRefused = await Assert.ThrowsAsync<RpcException>(() => new AuditService.AuditServiceClient(As("requester", "ziekenhuis-b", "nurse-bob"))
            .GetAuditTrailAsync(new() { ReferralId = referral.Id }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, trailRefused.StatusCode);
    }

    [Fact]
    public async Task AnUnknownReferralsTrailIsNotFoundLikeAnotherPartysSoExistenceStaysPrivate()
    {
        var referral = await ReferralAsync();
        var stranger = new AuditService.AuditServiceClient(As("requester", "ziekenhuis-b", "nurse-bob"));

        var theirs = await Assert.ThrowsAsync<RpcException>(() => stranger.GetAuditTrailAsync(new() { ReferralId = referral.Id }).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => stranger.GetAuditTrailAsync(new() { ReferralId = "ref_" + new string('0', 32) }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, theirs.StatusCode);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task ARefusedCallForAnotherPartysDataIsRecordedWhateverTheMethod()
    {
        var provider = new CapacityService.CapacityServiceClient(As("provider", "75000001", "planner-piet"));
        var refused = await Assert.ThrowsAsync<RpcException>(() => provider.GetProviderCapacityAsync(new() { Agb = "75000002" }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);

        var records = (await Redis.StreamRangeAsync(AuditLog.Keys.Stream)).Select(e => AuditRecord.FromJson((string)e["r"]!)).ToArray();
        var denial = Assert.Single(records, r => r.Action == "/capacity.v1.CapacityService/GetProviderCapacity");
        Assert.Equal(("planner-piet", "provider", "75000001", "denied (PermissionDenied)"), (denial.Subject, denial.Role, denial.Organisation, denial.Outcome));
    }

    [Fact]
    public async Task TheChainVerifiesAndShowsAChangedOrRemovedRecord()
    {
        var referral = await ReferralAsync();
        var nurse = new ReferralService.ReferralServiceClient(As("requester", "ziekenhuis-a", "nurse-anna"));
        for (var i = 0; i < 3; i++) await nurse.GetReferralAsync(new() { ReferralId = referral.Id });
        var db = Redis;

        var (count, broken) = await AuditLog.VerifyAsync(db);
        Assert.Null(broken);
        Assert.True(count >= 4, $"{count} records");

        // Changed: the second record now says someone else looked (rewritten in place, hashes kept).
        var entries = await db.StreamRangeAsync(AuditLog.Keys.Stream);
        var target = entries.First(e => ((string)e["r"]!).Contains("nurse-anna", StringComparison.Ordinal));
        var forged = ((string)target["r"]!).Replace("nurse-anna", "nurse-eve");
        await db.KeyDeleteAsync("audit:{log}:copy");
        foreach (var e in entries)
            await db.StreamAddAsync("audit:{log}:copy", [new("r", e.Id == target.Id ? forged : e["r"]), new("h", e["h"])], e.Id);
        await db.KeyRenameAsync("audit:{log}:copy", AuditLog.Keys.Stream);
        var afterChange = await AuditLog.VerifyAsync(db);
        Assert.Contains(target.Id.ToString(), afterChange.Broken);

        // Removed: put the original back, then delete one record.
        await db.KeyDeleteAsync(AuditLog.Keys.Stream);
        foreach (var e in entries) await db.StreamAddAsync(AuditLog.Keys.Stream, [new("r", e["r"]), new("h", e["h"])], e.Id);
        Assert.Null((await AuditLog.VerifyAsync(db)).Broken);
        await db.StreamDeleteAsync(AuditLog.Keys.Stream, [entries[2].Id]);
        Assert.Contains(entries[3].Id.ToString(), (await AuditLog.VerifyAsync(db)).Broken);

        // Removing the newest record is seen against the recorded head.
        await db.KeyDeleteAsync(AuditLog.Keys.Stream);
        foreach (var e in entries.SkipLast(1)) await db.StreamAddAsync(AuditLog.Keys.Stream, [new("r", e["r"]), new("h", e["h"])], e.Id);
        Assert.Contains("removed", (await AuditLog.VerifyAsync(db)).Broken);
    }

    [Fact]
    public async Task RecordsPastTheRetentionAreDroppedAndTheChainStillVerifies()
    {
        var referral = await ReferralAsync();
        var nurse = new ReferralService.ReferralServiceClient(As("requester", "ziekenhuis-a", "nurse-anna"));
        await nurse.GetReferralAsync(new() { ReferralId = referral.Id });
        var db = Redis;
        var audit = _app.Services.GetRequiredService<AuditLog>();

        var dropped = await audit.TrimAsync(DateTimeOffset.UtcNow.AddMinutes(1));

        Assert.True(dropped >= 2, $"{dropped} dropped");
        Assert.Equal(0, await db.StreamLengthAsync(AuditLog.Keys.Stream));
        Assert.Null((await AuditLog.VerifyAsync(db)).Broken); // starts from the anchor
        await nurse.GetReferralAsync(new() { ReferralId = referral.Id });
        var (count, broken) = await AuditLog.VerifyAsync(db);
        Assert.Null(broken);
        Assert.Equal(1, count);
    }

    [Fact]
    public async Task AListReadIsOneRecordNamingEveryReferralShownAndEachOnesTrailFindsIt()
    {
        // Three referrals nobody can take: each goes to the desk of insurer 9101 at once.
        var referrals = new[] { await ReferralAsync(), await ReferralAsync(), await ReferralAsync() };
        var desk = new MediationService.MediationServiceClient(As("insurer_desk", "9101", "desk-dora"));

        var queue = await desk.ListDeskQueueAsync(new ListDeskQueueRequest { InsurerUzovi = "9101" });

        Assert.Equal(referrals.Select(r => r.Id), queue.Referrals.Select(r => r.Id));
        var records = (await Redis.StreamRangeAsync(AuditLog.Keys.Stream)).Select(e => (Json: (string)e["r"]!, Record: AuditRecord.FromJson((string)e["r"]!))).ToArray();
        var read = Assert.Single(records, r => r.Record.Action == "/capacity.v1.MediationService/ListDeskQueue");
        Assert.Equal(("desk-dora", "9101", "allowed", (string?)null), (read.Record.Subject, read.Record.Organisation, read.Record.Outcome, read.Record.ReferralId));
        Assert.Equal(referrals.Select(r => r.Id), read.Record.ReferralIds!);
        Assert.Equal(referrals.Select(r => r.PatientRef), read.Record.PatientRefs!);
        Assert.Contains(referrals[2].Id, read.Json); // the ids are in what the hash covers
        Assert.Null((await AuditLog.VerifyAsync(Redis)).Broken);
        // A record about one referral reads as it always did: no lists in it.
        Assert.DoesNotContain("referralIds", records.First(r => r.Record.Action.EndsWith("/CreateReferral", StringComparison.Ordinal)).Json);

        // Each referral's trail shows the desk's read: with that referral's patient reference only, and how many were shown.
        var nurse = new AuditService.AuditServiceClient(As("requester", "ziekenhuis-a", "nurse-anna"));
        foreach (var referral in referrals)
        {
            var entry = Assert.Single((await nurse.GetAuditTrailAsync(new() { ReferralId = referral.Id })).Entries,
                e => e.Action == "/capacity.v1.MediationService/ListDeskQueue");
            Assert.Equal(("desk-dora", referral.PatientRef, 3), (entry.Subject, entry.PatientRef, entry.ReferralsShown));
        }
    }

    [Fact]
    public void AListRecordStaysSmallForAFullPage()
    {
        // The largest list read: a page of 200, every patient reference at its longest (64 characters).
        var ids = Enumerable.Range(0, 200).Select(i => $"ref_{Guid.NewGuid():N}").ToArray();
        var record = new AuditRecord(DateTimeOffset.UtcNow, "desk-medewerker-met-een-lange-naam", "insurer_desk", "9101", null,
            "/capacity.v1.MediationService/ListDeskQueue", null, null, "allowed", ids, ids.Select(_ => new string('p', 64)).ToArray());

        var bytes = System.Text.Encoding.UTF8.GetByteCount(record.ToJson());

        Assert.InRange(bytes, 20_000, 24_000); // ~21.5 KB, against 200 records (~60 KB, 200 hashes and index entries) before
        Assert.Equal(record.ReferralIds, AuditRecord.FromJson(record.ToJson()).ReferralIds);
    }

    [Fact]
    public async Task ATrailIsPagedOldestFirstAndATokenBelongsToItsReferral()
    {
        var referral = await ReferralAsync();
        var other = await ReferralAsync();
        var nurse = new ReferralService.ReferralServiceClient(As("requester", "ziekenhuis-a", "nurse-anna"));
        for (var i = 0; i < 4; i++) await nurse.GetReferralAsync(new() { ReferralId = referral.Id });
        var audit = new AuditService.AuditServiceClient(As("requester", "ziekenhuis-a", "nurse-anna"));

        var whole = await audit.GetAuditTrailAsync(new() { ReferralId = referral.Id }); // an old client: the first 50
        var pages = new List<AuditEntry>();
        var token = "";
        do
        {
            var page = await audit.GetAuditTrailAsync(new() { ReferralId = referral.Id, PageSize = 2, PageToken = token });
            Assert.InRange(page.Entries.Count, 1, 2);
            pages.AddRange(page.Entries);
            token = page.NextPageToken;
        } while (token.Length > 0);

        Assert.True(whole.Entries.Count >= 5, $"{whole.Entries.Count} entries");
        Assert.Empty(whole.NextPageToken);
        Assert.Equal(whole.Entries.Select(e => e.Id), pages.Select(e => e.Id));
        var firstPage = await audit.GetAuditTrailAsync(new() { ReferralId = referral.Id, PageSize = 2 });
        await RpcAssertionsAsync(() => audit.GetAuditTrailAsync(new() { ReferralId = other.Id, PageToken = firstPage.NextPageToken }).ResponseAsync, "page_token");
        await RpcAssertionsAsync(() => audit.GetAuditTrailAsync(new() { ReferralId = referral.Id, PageSize = 201 }).ResponseAsync, "page_size");
    }

    static Task RpcAssertionsAsync(Func<Task> call, string field) => RpcAssertions.AssertInvalidAsync(call, field);
}
