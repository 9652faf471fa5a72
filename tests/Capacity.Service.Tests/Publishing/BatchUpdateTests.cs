using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;

namespace Capacity.Service.Tests.Publishing;

/// <summary>UpdateCapacity: a provider's whole grid in one call, stored all or nothing.</summary>
public sealed class BatchUpdateTests : IAsyncLifetime
{
    readonly CapacityApp _app = new();

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    static SetCapacityRequest Figure(string pc4, int free, long version, CareType careType = CareType.DistrictNursing) =>
        new() { Pc4 = pc4, CareType = careType, FreePlaces = free, Version = version };

    [Fact]
    public async Task A_good_batch_is_stored_and_an_older_version_in_it_is_counted_as_outdated()
    {
        var agb = await _app.AddProviderAsync("1183", ["1181", "1182", "1183"]);
        await _app.Capacity.SetCapacityAsync(new SetCapacityRequest { Agb = agb, Pc4 = "1183", CareType = CareType.DistrictNursing, FreePlaces = 9, Version = 100 });

        var answer = await _app.Capacity.UpdateCapacityAsync(new UpdateCapacityRequest
        {
            Agb = agb,
            Figures = { Figure("1181", 2, 50), Figure("1182", 0, 50), Figure("1183", 4, 50) }, // 1183 holds version 100
        });

        Assert.Equal((3, 2, 1), (answer.Received, answer.Applied, answer.Outdated));
        var stored = (await _app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agb })).Figures
            .ToDictionary(f => f.Pc4, f => f.FreePlaces);
        Assert.Equal(2, stored["1181"]);
        Assert.Equal(0, stored["1182"]);
        Assert.Equal(9, stored["1183"]);
    }

    [Fact]
    public async Task One_bad_figure_stores_nothing_and_every_bad_one_is_named()
    {
        var agb = await _app.AddProviderAsync("1183", ["1181", "1183"]);
        var other = await _app.AddProviderAsync("1183", ["1183"]);

        await RpcAssertions.AssertInvalidAsync(() => _app.Capacity.UpdateCapacityAsync(new UpdateCapacityRequest
        {
            Agb = agb,
            Figures =
            {
                Figure("1181", 3, 7),
                Figure("1183", -1, 7),                                  // negative
                Figure("1184", 1, 7),                                   // not served
                new SetCapacityRequest(Figure("1183", 1, 7)) { Agb = other }, // someone else's
            },
        }).ResponseAsync, "figures[1].free_places", "figures[2].pc4", "figures[3].agb");

        Assert.Empty((await _app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agb })).Figures);
        await RpcAssertions.AssertInvalidAsync(() => _app.Capacity.UpdateCapacityAsync(new UpdateCapacityRequest { Agb = agb }).ResponseAsync, "figures");
    }
}
