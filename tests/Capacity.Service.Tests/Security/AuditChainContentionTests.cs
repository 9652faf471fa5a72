using Capacity.Service.Audit;
using Capacity.Service.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Capacity.Service.Tests.Security;

/// <summary>
/// Every instance appends to the one audit chain. Two instances appending flat out used to starve
/// each other (the one that found the head moved lost again on its next round trip, and gave up
/// after ten): now the loser claims the next turn, every record lands, and the chain verifies.
/// </summary>
public sealed class AuditChainContentionTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    [Fact]
    public async Task TwoInstancesAppendingAtOnceEachGetEveryRecordIntoOneChainThatVerifies()
    {
        var redis = app.Services.GetRequiredService<IConnectionMultiplexer>();
        var db = redis.GetDatabase();
        var before = await db.StreamLengthAsync(AuditLog.Keys.Stream);
        var instances = Enumerable.Range(0, 2).Select(_ => new AuditLog(redis, Options.Create(new AuditOptions()), NullLogger<AuditLog>.Instance)).ToArray();
        foreach (var log in instances) await log.StartAsync(TestContext.Current.CancellationToken);

        const int Writers = 16, Each = 150;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(async w =>
        {
            for (var n = 0; n < Each; n++)
                await instances[w % 2].WriteAsync(new AuditRecord(CapacityApp.Epoch, $"writer-{w}", "transfer-nurse", "ziekenhuis-amstel", null,
                    "capacity.v1.ReferralService/GetReferral", $"ref-contention-{w}", "pt-1", "OK"));
        }));
        foreach (var log in instances) await log.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(before + Writers * Each, await db.StreamLengthAsync(AuditLog.Keys.Stream));
        var (_, broken) = await AuditLog.VerifyAsync(db);
        Assert.Null(broken);
        Assert.False(await db.KeyExistsAsync(AuditLog.Keys.Turn)); // a claimed turn is given back when used
    }
}
