using System.Text;
using Capacity.Service.Capacity;
using FsCheck;
using FsCheck.Fluent;
using StackExchange.Redis;

namespace Capacity.Service.Tests.Invariants;

/// <summary>
/// A stored figure reads back as written, whether Redis hands it over as bytes (HMGET, HGETALL)
/// or as a string (a script's reply); what is not a figure reads as none.
/// </summary>
public sealed class CapacityCellEncodingProperties
{
    [Fact]
    public void EveryFigureReadsBackAsWrittenFromBytesAndFromAString()
    {
        var cells =
            from version in Gen.Choose(0, int.MaxValue).Select(v => (long)v * 1_000)
            from published in Gen.Choose(0, int.MaxValue).Select(ms => 1_600_000_000_000L + ms)
            from free in Gen.Choose(0, 500)
            from day in Gen.Choose(DateOnly.MinValue.DayNumber, DateOnly.MaxValue.DayNumber)
            from hours in Gen.Frequency((1, Gen.Constant((double?)null)), (3, Gen.Choose(0, 4_000).Select(h => (double?)(h / 8.0))))
            select new CapacityCell(version, published, free, DateOnly.FromDayNumber(day), hours);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1_000).WithQuietOnSuccess(true),
            Prop.ForAll(cells.ToArbitrary(), cell =>
            {
                var encoded = cell.Encode();
                Assert.Equal(cell, CapacityCell.Decode((RedisValue)Encoding.UTF8.GetBytes(encoded)));
                Assert.Equal(cell, CapacityCell.Decode((RedisValue)encoded));
            }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1|2|3|4")]            // a part missing
    [InlineData("1|2|3|4|5|6")]        // a part too many
    [InlineData("1|2|x|739000|")]      // not a number
    [InlineData("1|2|3|99999999|")]    // no day
    [InlineData("1|2|3|739000|many")]  // hours not a number
    public void WhatIsNotAFigureReadsAsNone(string stored)
    {
        Assert.Null(CapacityCell.Decode((RedisValue)stored));
        Assert.Null(CapacityCell.Decode((RedisValue)Encoding.UTF8.GetBytes(stored)));
    }

    [Fact]
    public void AbsentFieldReadsAsNone() => Assert.Null(CapacityCell.Decode(RedisValue.Null));
}
