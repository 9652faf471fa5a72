using Capacity.Service.Tests.Infrastructure;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;

namespace Capacity.Service.Tests.Host;

/// <summary>What operators and tools rely on: health, reflection and the web page.</summary>
public sealed class HostTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    [Fact]
    public async Task GrpcHealthIsServingWhenRedisAnswers()
    {
        var health = new Health.HealthClient(app.CreateChannel());

        var response = await health.CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task ReflectionIsOffUnlessSwitchedOn()
    {
        var reflection = new ServerReflection.ServerReflectionClient(app.CreateChannel());
        using var call = reflection.ServerReflectionInfo();

        var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
        {
            await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
            await call.RequestStream.CompleteAsync();
            await call.ResponseStream.MoveNext(TestContext.Current.CancellationToken);
        });
        Assert.Equal(Grpc.Core.StatusCode.Unimplemented, refused.StatusCode);
    }

    [Fact]
    public async Task ReflectionListsEveryCapacityServiceWhenSwitchedOn()
    {
        await using var withReflection = new CapacityApp().With("Grpc:Reflection", "true");
        await withReflection.InitializeAsync();
        var reflection = new ServerReflection.ServerReflectionClient(withReflection.CreateChannel());
        using var call = reflection.ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(TestContext.Current.CancellationToken));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToArray();

        Assert.Superset(new HashSet<string>
        {
            "capacity.v1.RegistryService", "capacity.v1.CapacityService", "capacity.v1.ClientStopService",
            "capacity.v1.MatchingService", "capacity.v1.RegionService", "capacity.v1.AuditService", "grpc.health.v1.Health",
        }, services.ToHashSet());
    }

    [Fact]
    public async Task WebPageIsServedWithTheCbsAttribution()
    {
        var page = await app.CreateClient().GetStringAsync("/", TestContext.Current.CancellationToken);

        Assert.Contains("<html lang=\"nl\">", page);
        Assert.Contains("Bron: CBS", page);
    }
}
