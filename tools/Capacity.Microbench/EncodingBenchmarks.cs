using BenchmarkDotNet.Attributes;
using Capacity.Service.Capacity;
using Capacity.V1;
using StackExchange.Redis;

namespace Capacity.Microbench;

/// <summary>What every capacity write and every search does per figure: build keys and fields, encode and decode a cell.</summary>
[MemoryDiagnoser]
public class EncodingBenchmarks
{
    readonly CapacityCell _cell = new(1_763_832_000_123_001, 1_763_832_000_123, 3, new DateOnly(2026, 11, 23), 16);
    RedisValue _encoded;

    [GlobalSetup]
    public void Setup() => _encoded = _cell.Encode();

    [Benchmark(Description = "Keys.Area (cap:{pc4})")]
    public RedisKey AreaKey() => CapacityStore.Keys.Area(1012);

    [Benchmark(Description = "Keys.Field + HeldField")]
    public int Fields() => CapacityStore.Keys.Field("75100001", CareType.DistrictNursing).Length + CapacityStore.Keys.HeldField("75100001", CareType.DistrictNursing).Length;

    [Benchmark(Description = "CapacityCell.Encode")]
    public string Encode() => _cell.Encode();

    [Benchmark(Description = "CapacityCell.Decode")]
    public CapacityCell? Decode() => CapacityCell.Decode(_encoded);
}
